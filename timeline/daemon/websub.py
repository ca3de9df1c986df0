"""WebSub: after a publish that changed a feed, each hub the timeline names is told, with a
`hub.mode=publish` POST for each changed feed's address, so that the readers subscribed there
get the change at once instead of at their next poll.

The posts go out from a thread for each hub: a build never waits for a hub, a hub that is slow
or silent holds no other back, and a hub that is down is tried again later, with backoff, until
it answers or the tries run out. Whatever a hub answers (a malformed status line, endless
headers, a byte every few seconds), it is that hub's failure, reported in /healthz and the log:
each post has TIMEOUT_SECONDS in all, and nothing a hub sends ends its thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from timeline.fediverse import remote
from timeline.model import Timeline
from timeline.render.formats import FEEDS
from timeline.serve.health import moment_text

log = logging.getLogger("timeline.websub")

TIMEOUT_SECONDS = remote.TIMEOUT_SECONDS  # for one post, from connecting to the end of the answer
FIRST_RETRY_SECONDS = 5.0  # then twice as long each time
TRIES = 6  # about five minutes of a hub being down, then the change is given up on
_FEEDS = tuple(f".{f.suffix}" for f in FEEDS)  # what a hub carries: the registry's feeds


def topics(timeline: Timeline, written: Iterable[str]) -> list[str]:
    """The addresses of the feeds among the outputs written that name the hubs: every feed, in
    every language (`vi/timeline.atom`), but the archive pages, which never change once full."""
    return [timeline.url(name) for name in written if name.endswith(_FEEDS) and "/archive/" not in f"/{name}"]


@dataclass
class _Ping:
    topic: str
    due: float
    tries: int = 0


@dataclass
class _Hub:
    """What is still to tell one hub, and what it said last."""

    url: str
    waiting: dict[str, _Ping] = field(default_factory=dict)  # by topic: a topic waits once
    published: int = 0
    given_up: int = 0
    last_published: datetime | None = None
    last_error: str | None = None
    thread: threading.Thread | None = None  # its own, started with its first change to tell


class Pusher:
    """Tells the hubs of changed feeds, from a thread for each hub. `post(url, body)` sends one
    form-encoded POST and returns the status; it is http.client's unless a test gives another."""

    def __init__(
        self,
        post: Callable[[str, bytes], int] | None = None,
        *,
        first_retry: float = FIRST_RETRY_SECONDS,
        tries: int = TRIES,
    ) -> None:
        self._post = post or _post
        self._first_retry, self._tries = first_retry, tries
        self._clock = time.monotonic
        self._hubs: dict[str, _Hub] = {}
        self._changed = threading.Condition()
        self._stopping = False

    def publish(self, hubs: Iterable[str], changed: Iterable[str]) -> None:
        """Tell each of `hubs` that each feed address in `changed` has changed (returns at once)."""
        changed = list(changed)
        if not changed:
            return
        with self._changed:
            now = self._clock()
            for url in hubs:
                hub = self._hubs.setdefault(url, _Hub(url))
                for topic in changed:
                    # A topic already waiting (a hub that is down) is told once, with its tries
                    # started afresh: the change it announces is newer.
                    hub.waiting[topic] = _Ping(topic, now)
                # Started with the first change to tell: a thread running during the daemon's
                # first build would keep that build from forking a second core (see
                # second_core.available).
                if hub.thread is None:
                    hub.thread = threading.Thread(target=self._run, args=(hub,), name="websub", daemon=True)
                    hub.thread.start()
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            threads = [hub.thread for hub in self._hubs.values() if hub.thread is not None]
        deadline = self._clock() + TIMEOUT_SECONDS + 1  # a post under way ends within its time
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - self._clock()))

    def report(self) -> list[dict[str, Any]]:
        """For /healthz: each hub, what it was last told and what is waiting."""
        with self._changed:
            return [
                {
                    "hub": hub.url,
                    "waiting": len(hub.waiting),
                    "published": hub.published,
                    "given_up": hub.given_up,
                    "last_published": moment_text(hub.last_published),
                    "last_error": hub.last_error,
                }
                for hub in self._hubs.values()
            ]

    def _run(self, hub: _Hub) -> None:
        while True:
            with self._changed:
                ping = self._next_due(hub)
                while not self._stopping and (ping is None or ping.due > self._clock()):
                    self._changed.wait(None if ping is None else max(0.0, ping.due - self._clock()))
                    ping = self._next_due(hub)
                if self._stopping:
                    return
                assert ping is not None
                del hub.waiting[ping.topic]
            self._send(hub, ping)

    @staticmethod
    def _next_due(hub: _Hub) -> _Ping | None:
        return min(hub.waiting.values(), key=lambda ping: ping.due, default=None)

    def _send(self, hub: _Hub, ping: _Ping) -> None:
        body = urlencode({"hub.mode": "publish", "hub.url": ping.topic}).encode()
        try:
            status = self._post(hub.url, body)
            error = None if 200 <= status < 300 else f"answered {status}"
            # A redirect or a refusal would be said again; a hub down, busy or slow may recover.
            lasting = status < 500 and status not in (408, 429)
        except Exception as failure:  # refused, unreachable, timed out, an answer that is no HTTP
            error, lasting = f"{type(failure).__name__}: {failure}"[:300], False
        with self._changed:
            if error is None:
                hub.published += 1
                hub.last_published = datetime.now(UTC)
                hub.last_error = None
                log.info("told %s of %s", hub.url, ping.topic)
                return
            hub.last_error = f"{ping.topic}: {error}"
            tries = ping.tries + 1
            if lasting or tries >= self._tries or ping.topic in hub.waiting:
                if ping.topic not in hub.waiting:  # not told of a newer change meanwhile
                    hub.given_up += 1
                    log.error("could not tell %s of %s (%s); giving up", hub.url, ping.topic, error)
                return
            wait = self._first_retry * 2 ** (tries - 1)
            hub.waiting[ping.topic] = _Ping(ping.topic, self._clock() + wait, tries)
            log.warning(
                "could not tell %s of %s (%s); trying again in %.0f s", hub.url, ping.topic, error, wait
            )


def _post(url: str, body: bytes) -> int:
    """POST `body` to `url` and return the status, within TIMEOUT_SECONDS in all: a hub that
    sends its answer a byte at a time is cut off then. A redirect is not followed (a hub that
    answers one has not taken the ping)."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "timeline (WebSub publisher)",
    }
    return remote.post(url, body, headers, timeout=TIMEOUT_SECONDS)
