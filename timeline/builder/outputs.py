"""Where a build's outputs go: into the folder as each one is made, or into memory.

A large timeline's outputs add up to hundreds of megabytes (the page and the calendar alone are
100 MB each at 100,000 events), so a build writes each output as soon as it is made and keeps
only its Stamp: a later build that would make the same bytes (the memo says so) and finds the
file as it left it need not make them at all. `Collected` keeps the bytes instead, for
render_all() and `build --check`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from timeline.files import (
    Stamp,
    begin,
    finish,
    later_mtime_ns,
    read_or_none,
    replace_unsynced,
    stamp_from,
    stamp_of,
)
from timeline.render.pieces import Content, Pieces, whole


def holds(outputs: Outputs, stamps: Mapping[str, Stamp | None]) -> bool:
    """Whether every one of these outputs is still as published with its stamp."""
    return all(outputs.current(name, stamp) for name, stamp in stamps.items())


def holds_one(outputs: Outputs, stamps: Mapping[str, Stamp | None], name: str) -> bool:
    """Whether the output `name` is still as published; if so the others of `stamps`, made and
    written with it, are assumed to be too (the pages of a period's events: a stat each was a
    third of an edit's build)."""
    if not outputs.current(name, stamps.get(name)):
        return False
    for other, stamp in stamps.items():
        if other != name and stamp is not None:
            outputs.assume(other, stamp)
    return True


class Outputs(Protocol):
    def put(self, name: str, data: Content) -> Stamp | None:
        """Publish one output; its Stamp, if the output can be recognised later without its bytes."""

    def current(self, name: str, stamp: Stamp | None) -> bool:
        """Whether the output is still as published with `stamp`, so need not be made again."""

    def assume(self, name: str, stamp: Stamp) -> None:
        """Count the output as this build's, as published with `stamp`, without a look."""

    def handover(self) -> object:
        """What a forked worker's outputs tell the parent (see take)."""

    def take(self, handed: object) -> None:
        """Count a worker's outputs as this build's own."""

    def settle(self) -> None:
        """Wait until every output put is in place; raise the first failure to put one."""


class _Passed:
    """Outputs that pass everything on to others (Prefixed and Gated change a part)."""

    def __init__(self, outputs: Outputs) -> None:
        self.outputs = outputs

    def put(self, name: str, data: Content) -> Stamp | None:
        return self.outputs.put(name, data)

    def current(self, name: str, stamp: Stamp | None) -> bool:
        return self.outputs.current(name, stamp)

    def assume(self, name: str, stamp: Stamp) -> None:
        self.outputs.assume(name, stamp)

    def handover(self) -> object:
        return self.outputs.handover()

    def take(self, handed: object) -> None:
        self.outputs.take(handed)

    def settle(self) -> None:
        self.outputs.settle()


class Prefixed(_Passed):
    """Outputs put into another's under a folder: a language's, `vi/timeline.atom`."""

    def __init__(self, outputs: Outputs, folder: str) -> None:
        super().__init__(outputs)
        self.folder = folder

    def put(self, name: str, data: Content) -> Stamp | None:
        return self.outputs.put(self.folder + name, data)

    def current(self, name: str, stamp: Stamp | None) -> bool:
        return self.outputs.current(self.folder + name, stamp)

    def assume(self, name: str, stamp: Stamp) -> None:
        self.outputs.assume(self.folder + name, stamp)


class Gated(_Passed):
    """Outputs that put nothing until `wait()` returns: a forked worker's, held until the parent
    has written the history (see timeline.builder.second_core.Gate)."""

    def __init__(self, outputs: Outputs, wait: Callable[[], None]) -> None:
        super().__init__(outputs)
        self._wait = wait
        self._waited = False

    def put(self, name: str, data: Content) -> Stamp | None:
        if not self._waited:
            self._wait()
            self._waited = True
        return self.outputs.put(name, data)


class Collected:
    """Outputs kept in memory by name."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, name: str, data: Content) -> None:
        self.files[name] = whole(data)

    def current(self, name: str, stamp: Stamp | None) -> bool:
        return False  # the bytes are needed: always made

    def assume(self, name: str, stamp: Stamp) -> None:
        raise AssertionError("nothing is current here, so nothing is assumed")

    def handover(self) -> dict[str, bytes]:
        return self.files

    def take(self, handed: object) -> None:
        assert isinstance(handed, dict)
        self.files.update(handed)

    def settle(self) -> None:
        pass  # in memory as soon as put


class Folder:
    """Outputs written into a folder, each atomically and only if its bytes changed.

    An output is written to a temporary file at once; flushing it to disk and renaming it into
    place is left to a few threads (an fsync waits on the disk, not the processor: a millisecond
    a file, 144 files at 10,000 events), and settle() waits for them."""

    _THREADS = 4

    def __init__(self, out: Path, *, keep_written: Callable[[str], bool] | None = None) -> None:
        self.out = out
        self.stamps: dict[str, Stamp] = {}  # every output of this build, as it left the file
        self.written: set[str] = set()  # those whose bytes changed
        # With keep_written, the bytes of those written it names, for the daemon to serve
        # without reading them back.
        self.kept: dict[str, Content] | None = {} if keep_written is not None else None
        self._keep = keep_written or (lambda name: False)
        self._threads_of = 0  # the process that put the pending ones: a forked worker has its own
        self._pending: list[tuple[Path, Path]] = []  # written, to be renamed into place by settle()
        self._folders: set[str] = set()  # made or found by _put_unsynced

    def put(self, name: str, data: Content) -> Stamp:
        if name.startswith(_UNSYNCED):
            return self._put_unsynced(name, data)
        path = self.out / name
        if _differs(path, data):
            temporary = _begin_with_later_mtime(path, data)
            stamp = stamp_of(temporary)  # the file's own: a rename keeps its inode and mtime
            self._place(temporary, path)
            self._written(name, data)
        else:
            stamp = stamp_of(path)
        assert stamp is not None
        self.stamps[name] = stamp
        return stamp

    def _put_unsynced(self, name: str, data: Content) -> Stamp:
        """put(), for the pages written by the thousand: renamed into place at once, without
        waiting for the disk (an fsync a file, beside the others' creation, made each wait).
        A crash may lose such a page, never leave it half written: the next build makes it."""
        path = os.path.join(self.out, name)
        try:
            previous = os.stat(path)
        except FileNotFoundError:
            previous = None
            folder = os.path.dirname(path)
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
        if previous is None or _differs(Path(path), data, previous.st_size):
            stat = replace_unsynced(path, data, previous.st_mtime_ns if previous is not None else None)
            self._written(name, data)
        else:
            stat = previous
        stamp = stamp_from(stat)
        self.stamps[name] = stamp
        return stamp

    def _written(self, name: str, data: Content) -> None:
        self.written.add(name)
        if self.kept is not None and self._keep(name):
            self.kept[name] = data

    def _place(self, temporary: Path, path: Path) -> None:
        if self._threads_of != os.getpid():
            self._threads_of, self._pending = os.getpid(), []
        self._pending.append((temporary, path))

    def settle(self) -> None:
        """Put every output put on disk under its name; raise the first failure.

        Flushed to disk by a few threads once all are written: an fsync, while the build made
        other files, made each file created meanwhile (the pages, a file an event) wait on the
        disk's journal (see BENCHMARKS.md)."""
        if self._threads_of != os.getpid():
            return  # nothing put by this process (a worker forked from it settles its own)
        pending, self._pending = self._pending, []
        if not pending:
            return
        with ThreadPoolExecutor(self._THREADS) as threads:
            placing = [threads.submit(finish, temporary, path) for temporary, path in pending]
        failures = [failure for failure in (done.exception() for done in placing) if failure is not None]
        if failures:
            raise failures[0]

    def current(self, name: str, stamp: Stamp | None) -> bool:
        if stamp is None:
            return False
        try:  # a string path: asked for every output of every build, pathlib's took most of it
            stat = os.stat(os.path.join(self.out, name))
        except OSError:
            return False
        if stamp_from(stat) != stamp:
            return False
        self.stamps[name] = stamp
        return True

    def assume(self, name: str, stamp: Stamp) -> None:
        self.stamps[name] = stamp

    def handover(self) -> tuple[dict[str, Stamp], set[str]]:
        return self.stamps, self.written

    def take(self, handed: object) -> None:
        assert isinstance(handed, tuple)
        stamps, written = handed
        self.stamps.update(stamps)
        self.written |= written


# The folders of the pages, a file an event: see Folder._put_unsynced.
_UNSYNCED = ("events/", "years/")


def _differs(path: Path, data: Content, size: int | None = None) -> bool:
    """Whether the file at `path` (of `size` bytes, if known) holds other bytes than `data`."""
    try:
        if (path.stat().st_size if size is None else size) != (
            data.size if isinstance(data, Pieces) else len(data)
        ):
            return True  # no need to read it
    except OSError:
        return True
    if not isinstance(data, Pieces):
        return read_or_none(path) != data
    try:
        with path.open("rb") as file:  # piece by piece: a large output is never joined
            return any(file.read(len(piece)) != piece for piece in data)
    except OSError:
        return True


def _begin_with_later_mtime(path: Path, data: Content) -> Path:
    """The temporary file that will replace `path` (see files.finish()), its mtime, in whole
    seconds, later than the version it replaces.

    HTTP's Last-Modified has whole seconds, and clients that poll with If-Modified-Since (libcurl,
    so newsboat among others) drop a 200 whose Last-Modified is not newer than what they have:
    two changes within one second would hide the second. The mtime may run up to a second ahead
    of the clock; the daemon waits for it before serving the file.
    """
    try:
        previous: int | None = path.stat().st_mtime_ns
    except FileNotFoundError:
        previous = None
        path.parent.mkdir(parents=True, exist_ok=True)  # tags/ and the like
    temporary = begin(path, data)
    if previous is not None:
        stat = temporary.stat()
        later = later_mtime_ns(stat.st_mtime_ns, previous)
        if later is not None:
            os.utime(temporary, ns=(stat.st_atime_ns, later))
    return temporary


def remove_abandoned_temporaries(folder: Path, pattern: str = "**/.*.tmp") -> None:
    """Delete temporary files (see files.begin) matching `pattern` in `folder`, left by a build
    killed before it could rename them: by default all of an output folder's. Only while the
    folder is locked (files.folders_locked): then no build that is still running has any."""
    for path in folder.glob(pattern):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
