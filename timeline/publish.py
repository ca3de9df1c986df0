"""Build: load, update the history, render every output, and write what changed, atomically.

A build that fails anywhere before writing leaves every previous output as it was; a file
whose bytes did not change is not rewritten, so its mtime (and any ETag) stays.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from timeline import history as history_store
from timeline import parallel as parallel_work
from timeline.atomic import read_or_none, write_atomic
from timeline.errors import PublishError
from timeline.memo import Made, Memo
from timeline.model import History, Timeline
from timeline.reload import Reloader
from timeline.render import channel, feeds, html, ical, jsonfeed, opml


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the outputs by file name and which of them it wrote."""

    timeline: Timeline
    history: History
    outputs: dict[str, bytes]
    written: tuple[str, ...] = ()
    stale: tuple[str, ...] = field(default=())

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(name for name in self.outputs if name not in self.written)


# Outputs that depend on the day they are built for, not only on the events: never committed,
# never compared by --check.
DATED = frozenset({"on-this-day.atom", "on-this-day.rss", "on-this-day.json"})


def _render_view(
    timeline: Timeline, history: History, view: channel.View, memo: Memo, selected: Timeline
) -> dict[str, bytes]:
    """A view's feeds and calendar."""
    events = channel.events_channel(timeline, history, view, memo, selected)
    outputs = feeds.render(events)
    outputs.update(jsonfeed.render(events, memo))
    outputs.update(ical.render(timeline, history, view, memo, selected))
    return outputs


def render_all(
    timeline: Timeline,
    history: History,
    today: date | None = None,
    memo: Memo | None = None,
    *,
    parallel: bool = False,
) -> dict[str, bytes]:
    """Every output's bytes by file name: pure, no clock, no I/O. With `today`, the dated ones too.

    `memo` remembers rendered fragments across views and builds; it changes no byte. With
    `parallel`, half the outputs are rendered on the other core (timeline.parallel); the bytes
    are the same.
    """
    memo = memo or Memo()
    if not (parallel and parallel_work.available()):
        here = _render_subscriptions(timeline, history, today, memo)
        return dict(sorted({**here, **_render_archive_and_anniversaries(timeline, history, memo)}.items()))
    mark = memo.mark()

    def there() -> tuple[dict[str, bytes], Made]:
        outputs = _render_archive_and_anniversaries(timeline, history, memo)
        return outputs, memo.made_since(mark)

    here, (theirs, made) = parallel_work.both(
        partial(_render_subscriptions, timeline, history, today, memo), there
    )
    memo.adopt(made)
    return dict(sorted({**here, **theirs}.items()))


def _render_subscriptions(
    timeline: Timeline, history: History, today: date | None, memo: Memo
) -> dict[str, bytes]:
    """The views' feeds and calendars, the changes feed, the OPML list, the page and, with
    `today`, the dated outputs."""
    outputs: dict[str, bytes] = {}
    views = channel.views(timeline)
    # Everything a view's outputs depend on besides its events: a view whose events did not
    # change since the last build is not rendered again.
    setting = (replace(timeline, events=()), len(timeline.events))
    for view in views:
        selected = view.select(timeline)  # once, for the feeds and the calendar
        removed = tuple(r.version for r in view.removed(history))
        versions = tuple(history.get(e.id).version for e in selected.events)
        outputs.update(
            memo.get(
                ("view", view, setting, versions, removed),
                partial(_render_view, timeline, history, view, memo, selected),
            )
        )
    changes = channel.changes_channel(timeline, history)
    outputs.update(feeds.render(changes, formats=("atom",)))
    outputs.update(jsonfeed.render(changes))
    extra = (("changes", changes.title), ("on-this-day", f"{timeline.title}: on this day"))
    outputs.update(opml.render(timeline, views, extra))
    if today is not None:
        on_this_day = channel.on_this_day_channel(timeline, today)
        outputs.update(feeds.render(on_this_day))
        outputs.update(jsonfeed.render(on_this_day))
    outputs.update(html.render(timeline, history, memo))
    return outputs


def _render_archive(page: channel.ArchivePage) -> dict[str, bytes]:
    return feeds.render(page.channel(), ("atom",))


def _render_archive_and_anniversaries(timeline: Timeline, history: History, memo: Memo) -> dict[str, bytes]:
    """The archive pages and the anniversaries calendar: about as much work as the rest."""
    outputs: dict[str, bytes] = {}
    for page in channel.archive_pages(timeline, history, memo):
        # An archive page is rewritten only when one of its entries changed.
        outputs.update(memo.get(page.key, partial(_render_archive, page)))
    outputs.update(ical.anniversaries(timeline, history, memo))
    return outputs


class Publisher:
    """Builds one events file into one folder, again and again: the daemon's builder.

    It keeps what the last build learnt (the parse, the history it wrote, rendered fragments),
    so that a rebuild does only the work that changed.
    """

    def __init__(self, source: Path, out: Path) -> None:
        self.source, self.out = source, out
        self.memo = Memo()
        self.reloader = Reloader(source, prepare=history_store.digest)
        self._history: tuple[tuple[int, int], History] | None = None  # (mtime, size) when written
        # Each output's bytes as the last build left them on disk, with the file's (mtime, size).
        self._on_disk: dict[str, tuple[bytes, tuple[int, int]]] = {}

    def build(self, *, now: datetime | None = None, today: date | None = None) -> BuildResult:
        self.memo.next_build()
        result = build(
            self.source,
            self.out,
            now=now,
            today=today,
            memo=self.memo,
            reloader=self.reloader,
            history_reader=self._read_history,
            on_disk=self._on_disk,
        )
        self._remember_history(result.history)
        return result

    def _read_history(self, path: Path) -> History:
        # Read again only if someone else wrote it since (a restore from git, say).
        if self._history is not None and _signature(path) == self._history[0]:
            return self._history[1]
        return history_store.read(path)

    def _remember_history(self, history: History) -> None:
        self._history = (_signature(history_store.history_path(self.source)), history)


def _signature(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


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
    on_disk: dict[str, tuple[bytes, tuple[int, int]]] | None = None,
) -> BuildResult:
    """Build `out` from `source`. With `check`, write nothing and report which files are stale.

    `now` stamps what changed (default: the clock); `today` is the day the dated outputs are
    built for (default: today in the timeline's time zone). With `parallel`, a build that has
    thousands of events to parse or render uses a second core (timeline.parallel). `on_disk`
    (kept by a Publisher) records what this build left on disk, so the next one need not read
    back the outputs it did not change.
    """
    with _without_cycle_collection():
        return _build(
            source, out, now, today, history_file, check, memo, reloader, history_reader, parallel, on_disk
        )


def _build(
    source: Path,
    out: Path,
    now: datetime | None,
    today: date | None,
    history_file: Path | None,
    check: bool,
    memo: Memo | None,
    reloader: Reloader | None,
    history_reader: Callable[[Path], History] | None,
    parallel: bool,
    on_disk: dict[str, tuple[bytes, tuple[int, int]]] | None,
) -> BuildResult:
    # One event at a time (bounded memory), falling back to the full parse for exact messages.
    reloader = reloader or Reloader(source)
    timeline = reloader.load(parallel=parallel)
    history_file = history_file or history_store.history_path(source)
    previous = (history_reader or history_store.read)(history_file)
    now = now or datetime.now(UTC)
    current = history_store.update(previous, timeline, now)
    if memo is not None:
        history_store.remembered_dumps(current, memo)  # kept for the next change, made once
    today = today or now.astimezone(ZoneInfo(timeline.timezone)).date()
    # Worth a second core when most fragments must be made: the events just parsed afresh.
    many = reloader.parsed >= parallel_work.WORTH_IT
    outputs = render_all(timeline, current, today, memo, parallel=parallel and many)
    known = on_disk if on_disk is not None else {}
    changed = tuple(name for name, data in outputs.items() if _differs(out / name, data, known.get(name)))
    if check:
        stale = tuple(name for name in changed if name not in DATED)
        stale += (history_file.name,) if current is not previous else ()
        return BuildResult(timeline, current, outputs, stale=stale)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_temporaries(out)
        # The history goes first: if we stop after it, the next build renders the same bytes.
        if current is not previous:
            history_store.write(history_file, current, memo)
        for name in changed:
            _replace_with_later_mtime(out / name, outputs[name])
        if on_disk is not None:
            on_disk.clear()
            on_disk.update((name, (data, _signature(out / name))) for name, data in outputs.items())
    except OSError as error:
        where = error.filename or out
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise PublishError(
            f"{where}: cannot write ({reason}); the previous outputs are untouched. "
            "Free some space or fix the folder's permissions, then build again."
        ) from None
    return BuildResult(timeline, current, outputs, written=changed)


def _differs(path: Path, data: bytes, known: tuple[bytes, tuple[int, int]] | None) -> bool:
    """Whether the file at `path` holds other bytes than `data`. Not read again when this very
    bytes object was written or confirmed there by the last build and the file was not touched
    since: reading every output back costs more than a rebuild of unchanged input otherwise."""
    if known is not None and known[0] is data and known[1] == _signature(path):
        return False
    return read_or_none(path) != data


def _replace_with_later_mtime(path: Path, data: bytes) -> None:
    """Write `path` so that its mtime, in whole seconds, is later than the version it replaces.

    HTTP's Last-Modified has whole seconds, and clients that poll with If-Modified-Since (libcurl,
    so newsboat among others) drop a 200 whose Last-Modified is not newer than what they have:
    two changes within one second would hide the second. The mtime may run up to a second ahead
    of the clock; the daemon waits for it before serving the file.
    """
    try:
        previous = path.stat().st_mtime_ns // 1_000_000_000
    except FileNotFoundError:
        previous = None
        path.parent.mkdir(parents=True, exist_ok=True)  # tags/ and the like
    write_atomic(path, data)
    if previous is not None:
        stat = path.stat()
        if stat.st_mtime_ns // 1_000_000_000 <= previous:
            later = (previous + 1) * 1_000_000_000
            os.utime(path, ns=(stat.st_atime_ns, later))


ABANDONED_AFTER = 600  # seconds: older temporary files belong to no build still running


def _remove_abandoned_temporaries(out: Path) -> None:
    """Delete temporary files left by a build that was killed before it could rename them."""
    now = time.time()
    for path in out.rglob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if now - path.stat().st_mtime > ABANDONED_AFTER:
                path.unlink()
