"""Build: load, update the history, then make every output and write each as soon as it is made.

A build that fails before writing (bad input) leaves every previous output as it was; each
output is replaced atomically, and only if its bytes changed, so its mtime (and ETag) stays.
What the memo says is made and the folder still holds is not made at all.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from timeline import history as history_store
from timeline.build import parallel as parallel_work
from timeline.build import record
from timeline.build.accelerators import Accelerators, from_environment
from timeline.build.atomic import read_or_none
from timeline.errors import BuildStopped, PublishError
from timeline.build.memo import NOTHING_MADE, Forgetful, Key, Made, Memo
from timeline.model import History, Timeline
from timeline.build.outputs import (
    Collected,
    Folder,
    Gated,
    Outputs,
    Stamp,
    holds,
    remove_abandoned_temporaries,
    stamp_of,
)
from timeline.source.reload import Reloader
from timeline.render import channel, feeds, formats, html, ical, jsonfeed, opml
from timeline.render.pieces import Content


@dataclass(frozen=True)
class BuildResult:
    """What a build did: every output's file name, and which of them it wrote (or, with
    --check, which are stale)."""

    timeline: Timeline
    history: History
    files: tuple[str, ...]
    written: tuple[str, ...] = ()
    stale: tuple[str, ...] = field(default=())

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(name for name in self.files if name not in self.written)


# Outputs that depend on the day they are built for, not only on the events: never committed,
# never compared by --check.
DATED = frozenset({"on-this-day.atom", "on-this-day.rss", "on-this-day.json"})


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


def render_into(
    outputs: Outputs,
    timeline: Timeline,
    history: History,
    today: date | None,
    memo: Memo,
    *,
    parallel: bool = False,
    first: Callable[[], None] | None = None,
    keep: bool = True,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Make every output and put it into `outputs`, skipping those the memo says are made and
    `outputs` still holds; `first` is done before any output is put. With `parallel`, a second
    core (see timeline.build.parallel) makes some of them and puts them itself once `first` is done
    here; the bytes are the same. Without `keep`, what the second core made is not handed
    back to the memo: a build that ends the process (`timeline build`) has no use for it.
    Between outputs, BuildStopped is raised once `stop()` says so (a second core is stopped)."""
    jobs = _jobs(timeline, history, today, memo, stop)
    if not (parallel and parallel_work.available()):
        try:
            if first is not None:
                first()
            for job in jobs:
                _unless_stopped(stop)
                job(outputs)
        finally:
            outputs.settle()  # nothing is left being put when a build ends, even in failure
        return
    mark = memo.mark()
    gate = parallel_work.Gate()
    # Each job goes to whichever core is free, so that neither waits long for the other.
    shares = parallel_work.Shares(len(jobs))

    def here() -> None:
        if first is not None:
            first()
        gate.open()
        for number in shares.take():
            _unless_stopped(stop)
            jobs[number](outputs)

    def there() -> tuple[object, Made]:
        # Done here instead when the worker failed: then this process asks as itself, and the
        # jobs it did already are remembered.
        if shares.in_worker:
            memo.in_worker()
        # Its outputs wait for `first` (the history written), its rendering does not.
        gated = Gated(outputs, gate.wait)
        for number in shares.for_worker():
            jobs[number](gated)
        gated.settle()
        return gated.handover(), memo.made_since(mark) if keep else NOTHING_MADE

    try:
        _, (handed, made) = parallel_work.both(here, there)
    finally:
        gate.close()
        shares.close()
        outputs.settle()  # this process's outputs, put while the worker did its part
    outputs.take(handed)
    memo.adopt(made)


def _unless_stopped(stop: Callable[[], bool]) -> None:
    if stop():
        raise BuildStopped("the build stopped before all outputs were made: the daemon is stopping")


def _jobs(
    timeline: Timeline, history: History, today: date | None, memo: Memo, stop: Callable[[], bool]
) -> list[Callable[[Outputs], None]]:
    """The outputs to make, in groups that share no fragment with each other, the largest first
    (the second core starts on the first while this one writes the history)."""
    pages = channel.archive_pages(timeline, history)
    return [
        # All views and then the anniversaries: a tag's calendar and feeds reuse the VEVENTs and
        # entries of the whole, and an anniversary was made with its event's VEVENT.
        partial(_render_calendars, timeline=timeline, history=history, memo=memo, stop=stop),
        partial(_render_page, timeline=timeline, history=history, memo=memo),
        partial(_render_news, timeline=timeline, history=history, today=today, memo=memo),
        *(partial(_render_archive, page=page, memo=memo) for page in pages),
    ]


def _publish(outputs: Outputs, memo: Memo, key: Hashable, make: Callable[[], Mapping[str, Content]]) -> None:
    """Put what `make` makes, unless the memo knows it under `key` and `outputs` still holds it."""

    def put() -> dict[str, Stamp | None]:
        return {name: outputs.put(name, data) for name, data in make().items()}

    memo.get(key, put, valid=partial(holds, outputs))


def _render_unless_unchanged(
    folder: Folder,
    timeline: Timeline,
    history: History,
    today: date,
    memo: Memo,
    parallel: bool,
    first: Callable[[], None],
    keep: bool,
    stop: Callable[[], bool],
) -> None:
    """render_into(), `first` first, unless this very timeline and history were published for
    `today` by the last build and every output is still as it left it: then a rebuild costs a
    stat a file."""

    def render() -> tuple[Timeline, History, dict[str, Stamp]]:
        render_into(
            folder, timeline, history, today, memo, parallel=parallel, first=first, keep=keep, stop=stop
        )
        return timeline, history, dict(folder.stamps)

    def unchanged(built: tuple[Timeline, History, dict[str, Stamp]]) -> bool:
        made_from, with_history, stamps = built
        return made_from is timeline and with_history is history and holds(folder, stamps)

    # Keyed by identity: the reloader and update() hand back the very same objects when nothing
    # changed, and the value holds them, so no other object can have their ids meanwhile.
    memo.get(("build", id(timeline), id(history), today), render, valid=unchanged)


def _render_view(
    timeline: Timeline, history: History, view: channel.View, memo: Memo, selected: Timeline
) -> dict[str, Content]:
    """A view's feeds and calendar: the view formats of the registry."""
    return formats.render_view(formats.ViewToRender(timeline, history, view, selected, memo))


def _render_views(
    outputs: Outputs, *, timeline: Timeline, history: History, memo: Memo, stop: Callable[[], bool]
) -> None:
    """Each view's feeds and calendar: the whole timeline's and each tag's (a stop is heeded
    between views: there are hundreds of them)."""
    views = channel.views(timeline)
    # Everything a view's outputs depend on besides its events (the main feed links the last
    # archive page): a view whose events did not change since the last build is not made again.
    setting = (replace(timeline, events=()), ical.timezone_years(timeline))
    archive = channel.archive_page_count(timeline, history)
    for view, selected in zip(views, channel.select_each(timeline, views), strict=True):
        removed = tuple(r.version for r in view.removed(history))
        versions = history.versions_of(selected.events)
        key = Key(("view", view, setting, archive if view.stem == "timeline" else 0, versions, removed))
        _unless_stopped(stop)
        _publish(outputs, memo, key, partial(_render_view, timeline, history, view, memo, selected))


def _render_news(
    outputs: Outputs, *, timeline: Timeline, history: History, today: date | None, memo: Memo
) -> None:
    """The changes feed, the OPML list and, with `today`, the dated outputs."""
    changes = channel.changes_channel(timeline, history)
    made = feeds.render(changes, formats=("atom",))
    made.update(jsonfeed.render(changes))
    extra = (("changes", changes.title), ("on-this-day", f"{timeline.title}: on this day"))
    made.update(opml.render(timeline, channel.views(timeline), extra))
    for name, data in made.items():
        outputs.put(name, data)
    if today is not None:
        announced = channel.anniversaries_announced(timeline, today)
        version_of = history.versions()
        events = tuple((day, index, version_of[event.id], years) for day, index, event, years in announced)
        key = ("on-this-day", today, replace(timeline, events=()), events)
        _publish(outputs, memo, key, partial(_render_on_this_day, timeline, today, announced))


def _render_on_this_day(
    timeline: Timeline, today: date, announced: list[channel.Anniversary]
) -> dict[str, bytes]:
    on_this_day = channel.on_this_day_channel(timeline, today, announced)
    return {**feeds.render(on_this_day), **jsonfeed.render(on_this_day)}


def _render_page(outputs: Outputs, *, timeline: Timeline, history: History, memo: Memo) -> None:
    _publish(outputs, memo, html.key(timeline, history), partial(html.render, timeline, history, memo))


def _render_calendars(
    outputs: Outputs, *, timeline: Timeline, history: History, memo: Memo, stop: Callable[[], bool]
) -> None:
    """The views (their feeds and calendars), then the anniversaries."""
    _render_views(outputs, timeline=timeline, history=history, memo=memo, stop=stop)
    key = ical.anniversaries_key(timeline, history)
    _publish(outputs, memo, key, partial(ical.anniversaries, timeline, history, memo))


def _render_archive(outputs: Outputs, *, page: channel.ArchivePage, memo: Memo) -> None:
    # An archive page is rewritten only when one of its entries changed.
    _publish(outputs, memo, page.key, partial(_archive_document, page))


def _archive_document(page: channel.ArchivePage) -> dict[str, bytes]:
    return feeds.render(page.channel(), ("atom",))


class Publisher:
    """Builds one events file into one folder, again and again: the daemon's builder.

    It keeps what the last build learnt (the parse, the history it wrote, rendered fragments),
    so that a rebuild does only the work that changed.
    """

    def __init__(self, source: Path, out: Path, accelerators: Accelerators | None = None) -> None:
        self.source, self.out = source, out
        self.accelerators = accelerators or from_environment()
        self.memo = _memo(self.accelerators)
        self.reloader = _reloader(source, self.accelerators)
        self._history: tuple[Stamp | None, History] | None = None  # the file's stamp when written

    def build(
        self,
        *,
        now: datetime | None = None,
        today: date | None = None,
        stop: Callable[[], bool] = lambda: False,
    ) -> BuildResult:
        self.memo.next_build()
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
        )
        self._remember_history(result.history)
        return result

    def _read_history(self, path: Path) -> History:
        # Read again only if someone else wrote it since (a restore from git, say).
        if self._history is not None and stamp_of(path) == self._history[0]:
            return self._history[1]
        return history_store.read(path)

    def _remember_history(self, history: History) -> None:
        self._history = (stamp_of(history_store.history_path(self.source)), history)


def _reason(error: OSError) -> str:
    return os.strerror(error.errno) if error.errno else str(error)


# The folders only outputs live in: a file there that no build makes any more (the feeds of a
# tag no event has, an archive page beyond the last) is removed, even if no record names it.
_OUTPUT_FOLDERS = ("tags", "archive")


def _remove_outputs_no_longer_made(
    out: Path, made_before: tuple[str, ...], made: Mapping[str, Stamp]
) -> None:
    """Delete the outputs of earlier builds that this build did not make: never served again,
    they would otherwise answer 200 forever with what they held."""
    ours = {
        str(p.relative_to(out)) for folder in _OUTPUT_FOLDERS for p in (out / folder).glob("*") if p.is_file()
    }
    for name in sorted((set(made_before) | ours) - set(made) - DATED):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()


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
        # first allocation after enable() walks them all at once (0.3 s at 10,000 events).
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
) -> BuildResult:
    """Build `out` from `source`. With `check`, write nothing and report which files are stale.

    `now` stamps what changed (default: the clock); `today` is the day the dated outputs are
    built for (default: today in the timeline's time zone). With `parallel`, a build that has
    thousands of events to parse or render uses a second core (timeline.build.parallel). Once
    `stop()` says so, the build raises BuildStopped before its next output. `accelerators`
    (default: from the environment, see timeline.build.accelerators) may be switched off: the bytes
    are the same.
    """
    speed = accelerators or from_environment()
    with _without_cycle_collection():
        return _build(
            source,
            out,
            now,
            today,
            history_file,
            check,
            memo,
            reloader or _reloader(source, speed),
            history_reader,
            parallel and speed.second_core,
            stop,
            speed,
        )


def _memo(accelerators: Accelerators) -> Memo:
    return Memo() if accelerators.fragment_cache else Forgetful()


def _reloader(source: Path, accelerators: Accelerators) -> Reloader:
    # One event at a time (bounded memory), falling back to the full parse for exact messages.
    return Reloader(
        source,
        prepare=history_store.digest,
        incremental=accelerators.incremental_reparse,
        quick=accelerators.quick_readers,
    )


def _build(
    source: Path,
    out: Path,
    now: datetime | None,
    today: date | None,
    history_file: Path | None,
    check: bool,
    memo: Memo | None,
    reloader: Reloader,
    history_reader: Callable[[Path], History] | None,
    parallel: bool,
    stop: Callable[[], bool],
    accelerators: Accelerators,
) -> BuildResult:
    one_shot = memo is None  # `timeline build`, not the daemon
    timeline = reloader.load(parallel=parallel)
    _unless_stopped(stop)  # before anything is written, the history included
    history_file = history_file or history_store.history_path(source)
    previous = (history_reader or history_store.read)(history_file)
    now = now or datetime.now(UTC)
    current = history_store.update(previous, timeline, now)
    memo = memo or _memo(accelerators)
    today = today or now.astimezone(ZoneInfo(timeline.timezone)).date()
    # Worth a second core when much is to be made: every fragment of a large timeline when
    # nothing is remembered, thousands of changed events after. An edit of a few takes the
    # rest from the memo, and handing a worker's fragments back would cost more than it saves.
    to_make = _changed_events(previous, current) if memo.remembers() else len(timeline.events)
    parallel = parallel and to_make >= parallel_work.WORTH_IT
    if check:
        collected = Collected()
        render_into(collected, timeline, current, today, memo, parallel=parallel)
        stale = [
            n
            for n, data in sorted(collected.files.items())
            if n not in DATED and read_or_none(out / n) != data
        ]
        stale += [history_file.name] if current is not previous else []
        return BuildResult(timeline, current, tuple(sorted(collected.files)), stale=tuple(stale))
    folder = Folder(out)

    def write_history() -> None:
        # The history goes before any output: if we stop after it, the next build renders the
        # same bytes. A second core renders meanwhile, and writes once it is written.
        if current is not previous:
            history_store.remember(current, memo)
            try:
                history_store.write(history_file, current, memo)
            except OSError as error:
                raise PublishError(
                    f"{history_file}: cannot write the history store ({_reason(error)}); no output was "
                    "changed. Free some space or fix the folder's permissions, then build again."
                ) from None

    if current is previous:  # its lines stay remembered for the build that changes one
        history_store.remember(current, memo)
    made_before = record.outputs(out) or ()
    try:
        out.mkdir(parents=True, exist_ok=True)
        remove_abandoned_temporaries(out)
        remove_abandoned_temporaries(history_file.parent, f".{history_file.name}.*.tmp")
        # Each output is written as it is made, so that a large timeline's outputs are never
        # all in memory at once.
        keep = not one_shot  # a daemon builds again and reuses what the second core made
        _render_unless_unchanged(folder, timeline, current, today, memo, parallel, write_history, keep, stop)
        _remove_outputs_no_longer_made(out, made_before, folder.stamps)
    except OSError as error:
        raise PublishError(
            f"{error.filename or out}: cannot write ({_reason(error)}); the outputs not yet written are "
            "untouched. Free some space or fix the folder's permissions, then build again."
        ) from None
    # Last, once every output is in place: what a complete build made (the daemon, starting
    # after a build that failed, serves only that), and what the next `timeline build` with
    # nothing to do finds to tell without building.
    record.write(
        source,
        out,
        history_file,
        today,
        timeline.timezone,
        len(timeline.events),
        folder.stamps,
        reloader.file_digest,  # of the bytes built from: the file may have changed since
    )
    return BuildResult(timeline, current, tuple(sorted(folder.stamps)), written=tuple(sorted(folder.written)))
