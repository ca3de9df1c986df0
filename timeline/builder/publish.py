"""Build: load, update the history, then make every output and write each as soon as it is made.

A build that fails before writing (bad input) leaves every previous output as it was; each
output is replaced atomically, and only if its bytes changed, so its mtime (and ETag) stays.
What the memo says is made and the folder still holds is not made at all.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from timeline.builder import plain, record, second_core, steps
from timeline.builder.accelerators import NONE, Accelerators, from_environment
from timeline.builder.jobs import render_into, render_unless_unchanged, settings, unless_stopped
from timeline.builder.memo import Forgetful, Memo
from timeline.builder.outputs import Collected, Folder
from timeline.builder.result import BuildResult
from timeline.files import Stamp, read_or_none, stamp_of
from timeline.history import store, tracking
from timeline.model import History, Timeline, reviewed_only
from timeline.source.reload import Reloader

# Events from which a daemon's build may leave their own pages to be made when asked for: below,
# writing two files an event costs less than a second (BENCHMARKS.md "Pages on request").
PAGES_ON_REQUEST_FROM = 2_000


def render_all(
    timeline: Timeline,
    history: History,
    today: date | None = None,
    memo: Memo | None = None,
    *,
    parallel: bool = False,
) -> dict[str, bytes]:
    """Every output's bytes by file name: pure, no clock, no I/O. With `today`, the dated ones too.

    `memo` remembers rendered fragments across views and builds; it changes no byte.
    """
    collected = Collected()
    render_into(collected, timeline, history, today, memo or Memo(), parallel=parallel)
    return dict(sorted(collected.files.items()))


class Publisher:
    """Builds one events file into one folder, again and again: the daemon's builder.

    It keeps what the last build learnt (the parse, the history it wrote, rendered fragments),
    so that a rebuild does only the work that changed.
    """

    def __init__(
        self,
        source: Path,
        out: Path,
        accelerators: Accelerators | None = None,
        *,
        check_articles: bool = True,
        pages_on_request: bool = False,
    ) -> None:
        """With `pages_on_request`, a timeline of PAGES_ON_REQUEST_FROM events or more is built
        without its events' own pages and calendars, which whoever serves it makes when asked
        for (BuildResult.pages_on_request says so): a bucket, which cannot, needs them all."""
        self.source, self.out, self.check_articles = source, out, check_articles
        self.pages_on_request = pages_on_request
        self.articles: Mapping[Path, Stamp | None] | None = None  # checked by the last build
        self.accelerators = accelerators or from_environment()
        self.memo = _memo(self.accelerators)
        self.reloader = _reloader(source, self.accelerators, check_articles)
        self._history: tuple[Stamp | None, History] | None = None  # the file's stamp when written
        self.remembered = record.Remembered() if self.accelerators.remembered_folder else None

    def build(
        self,
        *,
        now: datetime | None = None,
        today: date | None = None,
        stop: Callable[[], bool] = lambda: False,
        serve: Callable[[BuildResult], None] | None = None,
        hand_over: Callable[[str], bool] = lambda name: True,
    ) -> BuildResult:
        """Build; `serve` and `hand_over` as build()'s (`serve` is given the result as soon as
        every output is in place)."""
        if self.accelerators == NONE:  # the plain build: nothing kept from one build to the next
            result = plain.build(
                self.source, self.out, now=now, today=today, check_articles=self.check_articles, stop=stop
            )
            self.articles = result.articles
            if serve is not None:
                serve(result)
            return result
        self.memo.next_build()
        try:
            result = build(
                self.source,
                self.out,
                now=now,
                today=today,
                memo=self.memo,
                reloader=self.reloader,
                history_reader=self._read_history,
                stop=stop,
                accelerators=self.accelerators,
                hand_over=hand_over,
                remembered=self.remembered,
                serve=serve,
                pages_on_request=self.pages_on_request,
            )
        except BaseException:
            self.memo.keep_all()
            raise
        self._remember_history(result.history)
        self.articles = self.reloader.checked_articles
        return result

    def articles_changed(self) -> bool:
        """Whether an article the last build checked quotes against changed since (a stat each)."""
        return any(stamp_of(path) != stamp for path, stamp in (self.articles or {}).items())

    def _read_history(self, path: Path) -> History:
        # Read again only if someone else wrote it since (a restore from git, say).
        if self._history is not None and stamp_of(path) == self._history[0]:
            return self._history[1]
        return store.read(path)

    def _remember_history(self, history: History) -> None:
        self._history = (stamp_of(store.history_path(self.source)), history)


def _changed_events(previous: History, current: History) -> int:
    """How many events' revisions are new since `previous` (update() keeps the others as they
    were)."""
    return len({id(r) for r in current.revisions} - {id(r) for r in previous.revisions})


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a build.

    A build makes millions of small objects (YAML nodes, marks, fragments) that hold no
    cycles and are freed by reference counting; the collector, triggered by the allocation
    count, would walk them over and over: two thirds of the parse time at 10,000 events.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # The build's survivors join the oldest generation without being walked: otherwise the
        # first allocation after enable() walks them all at once.
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def build(
    source: Path,
    out: Path,
    *,
    now: datetime | None = None,
    today: date | None = None,
    history_file: Path | None = None,
    check: bool = False,
    memo: Memo | None = None,
    reloader: Reloader | None = None,
    history_reader: Callable[[Path], History] | None = None,
    parallel: bool = True,
    stop: Callable[[], bool] = lambda: False,
    accelerators: Accelerators | None = None,
    check_articles: bool = True,
    hand_over: Callable[[str], bool] | None = None,
    remembered: record.Remembered | None = None,
    serve: Callable[[BuildResult], None] | None = None,
    pages_on_request: bool = False,
) -> BuildResult:
    """Build `out` from `source`. With `check`, write nothing and report which files are stale.

    `now` stamps what changed (default: the clock); `today` is the day the dated outputs are
    built for (default: today in the timeline's time zone). With `parallel`, a build that has
    thousands of events to parse or render uses a second core (timeline.builder.second_core). Once
    `stop()` says so, the build raises BuildStopped before its next output. `accelerators`
    (default: from the environment, see timeline.builder.accelerators) may be switched off: the bytes
    are the same. Without `check_articles`, the quotes are not checked against the articles
    (timeline.source.quotes); a given `reloader` says for itself. With `hand_over`, the result
    keeps the bytes of the outputs written that it names (BuildResult.made), for the daemon to
    serve; with
    `remembered`, what the last build left in `out` is known without looking (record.Remembered).
    `serve` is given the result once every output is in place, before the record is written:
    the daemon serves the outputs without waiting for what only the next build reads. With
    `pages_on_request` (see Publisher), a large timeline's events' own pages are not made.
    """
    speed = accelerators or from_environment()
    job = _Job(
        source,
        out,
        now,
        today,
        history_file or store.history_path(source),
        memo,
        reloader or _reloader(source, speed, check_articles),
        history_reader or store.read,
        parallel and speed.second_core,
        stop,
        speed,
        hand_over,
        remembered,
        serve,
        pages_on_request and speed.pages_on_request,
    )
    with _without_cycle_collection():
        return _stale(job) if check else _published(job)


def _memo(accelerators: Accelerators) -> Memo:
    return Memo() if accelerators.fragment_cache else Forgetful()


def _reloader(source: Path, accelerators: Accelerators, check_articles: bool) -> Reloader:
    # One event at a time (bounded memory), falling back to the full parse for exact messages.
    return Reloader(
        source,
        prepare=tracking.digest,
        incremental=accelerators.incremental_reparse,
        quick=accelerators.quick_readers,
        check_articles=check_articles,
        share=second_core.shared if accelerators.second_core else None,
    )


@dataclass(frozen=True)
class _Job:
    """What one build is given (see build())."""

    source: Path
    out: Path
    now: datetime | None
    today: date | None
    history_file: Path
    memo: Memo | None  # None: `timeline build`, not the daemon
    reloader: Reloader
    history_reader: Callable[[Path], History]
    parallel: bool
    stop: Callable[[], bool]
    accelerators: Accelerators
    hand_over: Callable[[str], bool] | None
    remembered: record.Remembered | None
    serve: Callable[[BuildResult], None] | None
    pages_on_request: bool


@dataclass(frozen=True)
class _Loaded:
    """What a build works from once the file is read: the timeline, the history before and
    after it, the day, the memo scoped by its settings, whether to share with a second core, and
    whether to leave the events' own pages to be made when asked for."""

    timeline: Timeline
    previous: History
    current: History
    today: date
    memo: Memo
    parallel: bool
    pages_on_request: bool


def _load(job: _Job) -> _Loaded:
    """Steps 1 and 2 of the plain build: load (reparsing only what changed) and the history."""
    # Drafts not reviewed yet are checked with the rest, and left out of every output.
    timeline = reviewed_only(job.reloader.load(parallel=job.parallel))
    unless_stopped(job.stop)  # before anything is written, the history included
    previous = job.history_reader(job.history_file)
    now = job.now or datetime.now(UTC)
    current = tracking.update(previous, timeline, now)
    memo = job.memo or _memo(job.accelerators)
    memo.within(settings(timeline))
    today = job.today or now.astimezone(ZoneInfo(timeline.timezone)).date()
    # Worth a second core when much is to be made: every fragment of a large timeline when
    # nothing is remembered, thousands of changed events after. An edit of a few takes the
    # rest from the memo, and handing a worker's fragments back would cost more than it saves.
    to_make = _changed_events(previous, current) if memo.remembers() else len(timeline.events)
    parallel = job.parallel and to_make >= second_core.WORTH_IT
    on_request = job.pages_on_request and len(timeline.events) >= PAGES_ON_REQUEST_FROM
    return _Loaded(timeline, previous, current, today, memo, parallel, on_request)


def _stale(job: _Job) -> BuildResult:
    """`build --check`: every output made in memory and compared with the file; nothing written."""
    made = _load(job)
    collected = Collected()
    render_into(collected, made.timeline, made.current, made.today, made.memo, parallel=made.parallel)
    out = job.out
    stale = [
        n
        for n, data in sorted(collected.files.items())
        if n not in steps.DATED and read_or_none(out / n) != data
    ]
    stale += [job.history_file.name] if made.current is not made.previous else []
    return BuildResult(made.timeline, made.current, tuple(sorted(collected.files)), stale=tuple(stale))


def _published(job: _Job) -> BuildResult:
    """The plain build's steps, each made fast: load, history, then render and write together
    (only what changed), remove what is no longer made, serve, record."""
    made = _load(job)
    folder = _write(job, made)
    result = BuildResult(
        made.timeline,
        made.current,
        tuple(sorted(folder.stamps)),
        written=tuple(sorted(folder.written)),
        made=folder.kept or {},
        stamps=folder.stamps,
        pages_on_request=made.pages_on_request,
    )
    if job.serve is not None:
        job.serve(result)
    # Last, once every output is in place: what a complete build made (the daemon, starting
    # after a build that failed, serves only that), and what the next `timeline build` with
    # nothing to do finds to tell without building.
    timeline = made.timeline
    record.write(
        job.source,
        job.out,
        job.history_file,
        made.today,
        timeline.timezone,
        len(timeline.events),
        folder.stamps,
        job.reloader.file_digest,  # of the bytes built from: the file may have changed since
        job.reloader.checked_articles,
        pages_on_request=made.pages_on_request,
    )
    if job.remembered is not None:
        job.remembered.learn(job.out, folder.stamps)
    return result


def _write(job: _Job, made: _Loaded) -> Folder:
    """Steps 3 to 5: the history first, every output made and written as it is made (only if it
    changed), what is no longer made removed; the folder as the build left it."""
    out, history_file, current = job.out, job.history_file, made.current
    folder = Folder(out, keep_written=job.hand_over)

    def write_history() -> None:
        # The history goes before any output: if we stop after it, the next build renders the
        # same bytes. A second core renders meanwhile, and writes once it is written.
        if current is not made.previous:
            steps.write_history(history_file, current)

    # To remove those this build does not make; known when this process made the folder as it is.
    there = job.remembered.outputs_there(out) if job.remembered is not None else None
    made_before = there if there is not None else record.named(out) or ()
    if job.remembered is not None:
        job.remembered.forget()  # until this build is complete
    # What a build of ours left behind, it removed itself: the folder is cleaned when not known.
    with steps.publishing(out, history_file, clean=there is None):
        # Each output is written as it is made, so that a large timeline's outputs are never
        # all in memory at once. A daemon builds again and reuses what the second core made.
        keep = job.memo is not None
        render_unless_unchanged(
            folder,
            made.timeline,
            current,
            made.today,
            made.memo,
            made.parallel,
            write_history,
            keep,
            job.stop,
            not made.pages_on_request,
        )
        steps.remove_outputs_no_longer_made(out, made_before, folder.stamps, look=there is None)
    return folder
