"""`timeline serve`: build, then keep feeds/ current and serve it, in one process.

The scheduler's single worker thread builds; the server answers from the in-memory snapshot the
builder swaps in after each publish. A bad edit is logged with the same messages as
`timeline validate`, and the last good outputs keep being served until the next good edit.
"""

from __future__ import annotations

import ipaddress
import logging
import logging.config
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from timeline.bucket.s3 import Target
from timeline.builder import record
from timeline.builder.publish import Publisher
from timeline.builder.result import BuildResult
from timeline.daemon import memory, websub
from timeline.daemon.mirror import Mirror
from timeline.daemon.scheduler import Scheduler
from timeline.daemon.watch import SourceWatcher, Wakeup
from timeline.errors import BuildStopped, PublishError, SourceBusy, TimelineError, ValidationError
from timeline.fediverse import remote
from timeline.fediverse.delivery import Deliverer
from timeline.fediverse.followers import Followers, followers_path
from timeline.fediverse.inbox import Inbox
from timeline.fediverse.keys import key_pair, key_path
from timeline.model import History, Timeline
from timeline.render import activitypub
from timeline.render.formats import VIEW_FORMATS
from timeline.serve import listen, server
from timeline.serve.health import BuildOutcome, Followable, Health
from timeline.serve.snapshot import Snapshot

log = logging.getLogger("timeline")

RETRY_SECONDS = 10.0  # after a failed write, how long until the next attempt
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class ServeOptions:
    source: Path
    out: Path
    host: str = "127.0.0.1"
    port: int = 8000
    watch_seconds: float = 2.0
    rebuild_cron: str = "5 0 * * *"
    access_log: bool = False
    check_articles: bool = True  # each quote against its article (timeline.source.quotes)
    publish_to: str | None = None  # s3://BUCKET/PREFIX: every build is published there too
    publish_max_age: int = 60  # seconds a cache or CDN may keep what was published there
    folder: Path | None = None  # a folder of timelines, served together (daemon/folder.py)


class Site:
    """Builds the outputs and publishes them to the status the server reads."""

    def __init__(
        self,
        source: Path,
        out: Path,
        status: Health,
        *,
        check_articles: bool = True,
        pusher: websub.Pusher | None = None,
        mirror: Mirror | None = None,
        name: str = "",
    ) -> None:
        self.source, self.out, self.status = source, out, status
        self.said = f"{name}: " if name else ""  # what its log lines begin with, one of several
        self.pusher, self.mirror = pusher, mirror
        self.watcher = SourceWatcher(source)
        # Remembers parses and renders between builds. A large timeline's events' own pages are
        # made when asked for, unless they go to a bucket, which cannot make them.
        on_request = mirror is None
        self.publisher = Publisher(source, out, check_articles=check_articles, pages_on_request=on_request)
        self.timezone = "UTC"
        self._lock = threading.Lock()
        self._retry_at: float | None = None
        self._asked: str | None = None  # why a rebuild was asked for (SIGHUP), until the next tick
        self._stopping = threading.Event()
        # Whether the snapshot is what the last build made: then only what the next one writes
        # need be looked at. A build that fails may have written some outputs before it did.
        self._snapshot_is_last_build = False
        # Once the timeline is followable from the fediverse: who follows, and what is sent them.
        self.followers: Followers | None = None
        self.deliverer: Deliverer | None = None

    def stop(self) -> None:
        """Stop a build under way before its next output (each one written is whole), and the
        deliveries to the fediverse (an activity not yet sent is sent by no one)."""
        self._stopping.set()
        if self.deliverer is not None:
            self.deliverer.stop()

    def ask(self, reason: str) -> None:
        """Ask for a rebuild at the next tick. Safe in a signal handler, however often: a plain
        assignment takes no lock (a handler that waited on the scheduler's lock could interrupt
        a thread holding it, itself included, and wait forever), and a burst asks once."""
        self._asked = reason

    def watch(self) -> None:
        """The frequent job: rebuild when asked to, when the events file really changed, or to
        retry a write that failed (a full disk gets space back; a folder gets its permissions fixed)."""
        asked = self._asked
        if asked is not None:
            self._asked = None  # before the build, which reads the file afresh: no ask is lost
            self.rebuild(asked)
        elif self.watcher.changed():
            self.rebuild("events file changed")
        elif self.publisher.articles_changed():
            self.rebuild("an article changed")
        elif self._retry_at is not None and time.monotonic() >= self._retry_at:
            self.rebuild("retrying the failed write")

    def _serve(self, result: BuildResult, started: datetime, reason: str) -> None:
        """Serve what a build made, as soon as every output is in place (see publish.build)."""
        self._retry_at = None
        self.timezone = result.timeline.timezone
        changed = result.written if self._snapshot_is_last_build else None
        snapshot = Snapshot.from_folder(
            self.out,
            result.files,
            previous=self.status.snapshot,
            made=result.made,
            changed=changed,
            stamps=result.stamps,
            pages_on_request=result.pages_on_request,
        )
        self._snapshot_is_last_build = True
        _wait_until(snapshot.newest_modification())
        outcome = BuildOutcome(
            started, True, reason, events=len(result.timeline.events), written=result.written
        )
        before = self.status.model
        self.status.published(snapshot, outcome, (result.timeline, result.history))
        if result.timeline.fediverse_account and self.status.followable is None:
            self._become_followable(result.timeline)
        elif result.timeline.fediverse_account and before is not None:
            self._announce(before[1], result)
        elif not result.timeline.fediverse_account and self.status.followable is not None:
            self._no_longer_followable()
        topics = websub.topics(result.timeline, result.written)
        if self.mirror is not None:  # the hubs are told once the bucket holds the new feeds
            self.mirror.built(result.timeline.websub_hubs, topics)
        elif self.pusher is not None and result.timeline.websub_hubs:
            # Once the new feeds are served: a hub fetches them when told.
            self.pusher.publish(result.timeline.websub_hubs, topics)

    def _become_followable(self, timeline: Timeline) -> None:
        """Answer as the timeline's fediverse actor: its key pair (made on the first start), its
        followers, its inbox and its deliveries."""
        try:
            pair = key_pair(key_path(self.source))
            followers = Followers(followers_path(self.source))
        except TimelineError as error:
            log.error("%s%s; not followable from the fediverse until it is mended", self.said, error)
            return
        private = remote.on_this_machine(timeline.base_url)
        self.followers = followers
        self.deliverer = Deliverer(pair, activitypub.key_id(timeline), private=private)
        inbox = Inbox(self._actor_id, followers, self.deliverer, private=private)

        def receive(target: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
            answer = inbox.receive(target, headers, body)
            return answer.status, answer.text

        self.status.followable = Followable(
            pair.public_pem, lambda: len(followers), receive, self.deliverer.report
        )
        log.info("%sfollowable from the fediverse as %s", self.said, activitypub.account(timeline))

    def _no_longer_followable(self) -> None:
        """The header names no account any more: the actor's addresses answer 404 again and
        nothing more is sent; its key and followers stay on disk, for when it names one again."""
        self.status.followable = None
        if self.deliverer is not None:
            self.deliverer.stop()
        self.followers, self.deliverer = None, None
        log.info("%sno longer followable from the fediverse: the header names no account", self.said)

    def _announce(self, before: History, result: BuildResult) -> None:
        """Send the followers what this build changed: each change new since `before` as its
        activity (render/activitypub.py), each server once."""
        if self.deliverer is None or self.followers is None or result.history is before:
            return
        seen = {(c.event_id, c.kind, c.sequence) for c in before.changes}
        new = [c for c in result.history.changes if (c.event_id, c.kind, c.sequence) not in seen]
        inboxes = self.followers.inboxes()
        for activity in activitypub.announced(result.timeline, result.history, new) if inboxes else ():
            self.deliverer.deliver(inboxes, activity)

    def _actor_id(self) -> str:
        model = self.status.model
        assert model is not None  # followable once a timeline was published
        return activitypub.actor_id(model[0])

    def _build_whole(self, started: datetime, reason: str) -> BuildResult:
        """Build once the events file is whole: a save under way is waited for, never built."""
        while True:
            self.watcher.wait_until_whole(self._stopping.is_set)
            # Marked before reading: an edit made during the build is seen by the next tick.
            self.watcher.seen()
            try:
                return self.publisher.build(
                    stop=self._stopping.is_set,
                    serve=lambda built: self._serve(built, started, reason),
                    hand_over=lambda name: self.status.snapshot.asked_for(name),
                )
            except SourceBusy:
                if self._stopping.is_set():  # the wait ended for the stop, not for the save
                    raise BuildStopped(
                        "the daemon is stopping while the events file is being saved"
                    ) from None
                continue  # opened for writing between the look and the read: look again

    def rebuild(self, reason: str) -> bool:
        """Build now; on failure log every problem and keep serving the last good outputs."""
        try:
            return self._rebuild(reason)
        finally:
            memory.give_back()  # what the build made and dropped, not kept at its peak

    def _rebuild(self, reason: str) -> bool:
        with self._lock:
            started = datetime.now(UTC)
            try:
                result = self._build_whole(started, reason)
            except BuildStopped as error:
                log.info("%sbuild (%s): %s", self.said, reason, error)
                return False
            except Exception as error:  # whatever it is, a failed build: said, and served around
                self._failed(reason, started, error)
                return False
            written = ", ".join(result.written) or "nothing changed"
            if len(result.written) > 8:
                written = f"wrote {len(result.written)} files"
            log.info("%sbuild (%s): %d events; %s", self.said, reason, len(result.timeline.events), written)
            if self.mirror is not None and not self.mirror.publish(self.out):
                self._retry_at = time.monotonic() + RETRY_SECONDS
            return True

    def _failed(self, reason: str, started: datetime, error: Exception) -> None:
        errors, retry, refused = _what_failed(error)
        self._retry_at = time.monotonic() + RETRY_SECONDS if retry else None
        # A file refused is refused before anything is written: the snapshot is still what the
        # last build made, and the next build need look only at what it writes.
        self._snapshot_is_last_build = self._snapshot_is_last_build and refused
        for line in errors:
            log.error("%s%s", self.said, line)
        if not self.status.snapshot.files:
            # What the last complete build made, if it is all there: never part of a set.
            self.status.snapshot = Snapshot.from_folder(self.out, record.outputs(self.out) or ())
        serving = "still serving the last good outputs" if self.status.snapshot.files else "nothing to serve"
        log.error("%sbuild (%s) failed with %d problem(s); %s", self.said, reason, len(errors), serving)
        self.status.failed(BuildOutcome(started, False, reason, errors=errors))


def _what_failed(error: Exception) -> tuple[tuple[str, ...], bool, bool]:
    """What to say of a failed build, whether to try again in RETRY_SECONDS (a full disk gets
    space back, a folder its permissions), and whether the file was refused before anything was
    written (a bad file fails the same way until it is edited)."""
    if isinstance(error, ValidationError):
        return tuple(str(problem) for problem in error.problems), False, True
    if isinstance(error, PublishError):
        return (str(error),), True, False
    if isinstance(error, TimelineError):
        return (str(error),), False, False
    if isinstance(error, OSError):  # out of file descriptors or memory, say: it may pass
        return (f"cannot build now ({error}); trying again in {RETRY_SECONDS:.0f} seconds",), True, False
    return (_unexpected(error),), False, False  # a bug of ours: a failed build all the same


def run(options: ServeOptions) -> None:
    """Build once, then watch, rebuild and serve until SIGTERM or SIGINT."""
    logging.config.dictConfig(log_config())
    status = Health()
    pusher = websub.Pusher()
    status.websub = pusher.report
    mirror = None
    if options.publish_to is not None:
        mirror = Mirror(Target.parse(options.publish_to), options.publish_max_age, status, pusher)
    checked = options.check_articles
    site = Site(options.source, options.out, status, check_articles=checked, pusher=pusher, mirror=mirror)
    if not site.rebuild("start") and not status.snapshot.files:
        raise TimelineError(
            f"cannot start: {options.source} does not build and {options.out} has no complete set of "
            "outputs from an earlier build to serve; fix the problems above and start again"
        )
    scheduler = Scheduler(site.timezone)
    scheduler.start(site.watch, options.watch_seconds, site.rebuild, options.rebuild_cron)
    wakeup = Wakeup(options.source, scheduler.wake)
    wakeup.start()
    base = f"http://{_url_host(options.host)}:{options.port}"
    webcal = "webcal://" + base.removeprefix("http://")
    log.info("the timeline page: %s/", base)
    for output in VIEW_FORMATS:
        if output.calendar:
            path = f"timeline.{output.suffix}"
            log.info("%s: %s/%s (subscribe), %s/%s (download)", output.title, webcal, path, base, path)
        else:
            log.info("%s: %s/timeline.%s", output.title, base, output.suffix)
    log.info("%d files served in all; the page lists every feed and calendar", len(status.snapshot.files))
    app = server.App(status, cache_seconds=int(options.watch_seconds))
    try:
        listen_until_stopped(app, options, site.ask)
    finally:
        site.stop()
        wakeup.stop()
        scheduler.shutdown()
        pusher.stop()
        log.info("stopped")


def listen_until_stopped(app: Any, options: ServeOptions, ask: Callable[[str], None]) -> None:
    """Serve `app` until SIGTERM or SIGINT; SIGHUP asks for a rebuild (`ask`)."""

    def on_hangup(signum: int, frame: FrameType | None) -> None:
        ask("SIGHUP")

    def after_shutdown(signum: int, frame: FrameType | None) -> None:
        # uvicorn re-raises the signal that stopped it once it has shut down; by then the
        # shutdown is done, and the default handler would turn a clean exit into a kill.
        pass

    signal.signal(signal.SIGHUP, on_hangup)
    signal.signal(signal.SIGTERM, after_shutdown)
    signal.signal(signal.SIGINT, after_shutdown)
    if not _loopback(options.host):
        log.warning(
            "listening on %s: anyone who can reach this machine can read the outputs, over plain "
            "HTTP; to publish them, put nginx in front (deploy/nginx.conf) and keep the daemon on 127.0.0.1",
            "every address of this machine" if options.host in ("0.0.0.0", "::", "") else options.host,
        )
    listen.run(app, options.host, options.port, log_config(), access_log=options.access_log)


def _unexpected(error: Exception) -> str:
    """What to say of an error no check foresaw: what and where, for a report."""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return (
        f"the build failed unexpectedly ({type(error).__name__}: {error}{at}); this is a bug in "
        "timeline: please report it with the events file that caused it"
    )


def _wait_until(moment: datetime | None) -> None:
    """Sleep until `moment`: a file's Last-Modified must never be later than the response's Date."""
    if moment is not None:
        ahead = (moment - datetime.now(UTC)).total_seconds()
        if ahead > 0:
            time.sleep(min(ahead, 2.0))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any address


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def log_config() -> dict[str, Any]:
    """One format for our logs, the scheduler's and uvicorn's, all on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT, "datefmt": "%Y-%m-%dT%H:%M:%S%z"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "timeline": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            # APScheduler logs every run of the watch job at INFO, and a warning for each tick
            # skipped while a long build runs (which is what should happen): only errors matter.
            "apscheduler": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        },
    }
