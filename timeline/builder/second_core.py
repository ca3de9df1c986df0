"""Two pieces of work at once, on two cores: one here, one in a forked copy of this process.

A large build (the first one, or one that changes thousands of events) is pure computation on
data already in memory, and Python runs it on one core. A fork shares that data without copying
or pickling it; only the other half's result comes back, pickled, through a pipe. Anything that
goes wrong over there (no fork on this system, the child dies, it takes far longer than the half
done here) is not an error: that half is simply done here too, so the result is always the same.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

A = TypeVar("A")
B = TypeVar("B")

WORTH_IT = 1000  # events to parse or render below which a fork costs more than it saves
_OK, _FAILED = b"+", b"-"
# How long the other half may take beyond the time this half took, before it is done here.
_PATIENCE_FACTOR, _PATIENCE_MINIMUM = 10.0, 30.0


def available() -> bool:
    """Whether work can be forked here: Linux (fork is cheap and safe for pure computation), and
    this process runs one thread only. A fork copies no other thread, so a lock another thread
    held (the logging module's, the scheduler's, the allocator's) stays held forever in the
    child: the daemon's rebuilds, in its scheduler's thread beside the server's, are done in one
    process; its first build, before those threads start, uses both cores. TIMELINE_WORKERS=1
    turns it off."""
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and os.environ.get("TIMELINE_WORKERS") != "1"
        and threading.active_count() == 1
    )


def both(here: Callable[[], A], there: Callable[[], B], *, fork: bool = True) -> tuple[A, B]:
    """(here(), there()), computing there() in a forked child when `fork` and available().

    `there` must be a pure computation whose result pickles; its exceptions are raised here
    (it is run again in this process), so callers see exactly what a single process would.
    """
    if not (fork and available()):
        return here(), there()
    try:
        reader, writer = os.pipe()
        child = os.fork()
    except OSError:
        return here(), there()
    if child == 0:  # pragma: no cover - runs in the child, which coverage does not follow
        os.close(reader)
        _serve(there, writer)
    os.close(writer)
    started = time.monotonic()
    finished = False
    try:
        mine = here()
        patience = max(_PATIENCE_MINIMUM, _PATIENCE_FACTOR * (time.monotonic() - started))
        theirs, finished = _receive(reader, patience)
    finally:
        os.close(reader)
        _reap(child, stop=not finished)
    if not finished:
        return mine, there()
    return mine, theirs


def _serve(there: Callable[[], object], writer: int) -> None:  # pragma: no cover - in the child
    status = 0
    try:
        with os.fdopen(writer, "wb", buffering=1 << 20) as stream:
            try:
                result = there()
            except BaseException:  # reported by its absence: the parent does it again
                stream.write(_FAILED)
                status = 1
            else:
                stream.write(_OK)
                # Streamed: neither side holds the whole pickle as well as the objects.
                pickle.dump(result, stream, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # the result does not pickle, or the parent stopped reading
        status = 1
    finally:
        # Straight out: no atexit handlers, no flushing of buffers inherited from the parent.
        os._exit(status)


def _receive(reader: int, patience: float) -> tuple[Any, bool]:
    """The child's result and True, or (None, False) if it fails or says nothing within
    `patience` seconds (it starts writing only once its result is ready)."""
    if not select.select([reader], [], [], patience)[0]:
        return None, False
    with os.fdopen(os.dup(reader), "rb", buffering=1 << 20) as stream:
        if stream.read(1) != _OK:
            return None, False
        try:
            return pickle.load(stream), True
        except Exception:  # cut short: the child could not pickle all of it
            return None, False


def _reap(child: int, *, stop: bool) -> None:
    """Collect the child's exit status, first stopping it if it has not finished its work."""
    if stop:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(child, 0)


class Gate:
    """Holds a forked child at a point (before it writes anything) until this process has done
    a step of its own (written the history); made before the fork, shared by both sides.

    In the process that opens it, wait() returns at once: the work of a child that failed is
    done there again, after the step."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        self._opener = os.getpid()
        self._closed: set[int] = set()

    def open(self) -> None:
        """Let the child through (from the parent, once the step is done)."""
        with contextlib.suppress(OSError):  # the child is gone: it will not be waited for
            os.write(self._write, _OK)
        self.close()

    def wait(self) -> None:
        """Block until the parent opens the gate; raise if it closes it without opening."""
        if os.getpid() == self._opener:
            return
        self._close(self._write)  # else this child's own copy would keep the gate from closing
        if os.read(self._read, 1) != _OK:
            raise RuntimeError("the parent stopped before its step")

    def close(self) -> None:
        self._close(self._write)
        self._close(self._read)

    def _close(self, end: int) -> None:
        if end not in self._closed:
            self._closed.add(end)
            os.close(end)


T = TypeVar("T")


def shared(count: int, make: Callable[[int], T], size: int) -> dict[int, T]:
    """make(n) for each n from 0 to count - 1, by number: shared with a forked worker a number
    at a time (see Shares) when `size` events of work are worth a fork, here alone otherwise.
    The worker pickles each item as soon as it is made, while this process still makes its own:
    once both are done, only the unpickling is left to wait for."""
    if size < WORTH_IT:
        return {number: make(number) for number in range(count)}
    shares = Shares(count)
    mine: dict[int, T] = {}

    def here() -> None:
        mine.update((number, make(number)) for number in shares.take())

    def there() -> dict[int, bytes | T]:
        numbers = (number for number in shares.for_worker() if number not in mine)
        if not shares.in_worker:  # the worker failed: its part is done here
            return {number: make(number) for number in numbers}
        return {number: pickle.dumps(make(number), pickle.HIGHEST_PROTOCOL) for number in numbers}

    try:
        _, theirs = both(here, there)
    finally:
        shares.close()
    for number, item in theirs.items():
        mine[number] = pickle.loads(item) if isinstance(item, bytes) else item
    return mine


class Shares:
    """`count` items of work (numbered from 0) taken one at a time by whichever of the two
    processes is free, so that neither waits for the other at the end; made before the fork.

    The numbers are written into a pipe up front, four bytes each, and each taken by one read
    of four bytes, which the kernel never splits between readers."""

    _CAPACITY = 16_000  # numbers a pipe buffer (64 KiB) holds: beyond, they are taken in runs

    def __init__(self, count: int) -> None:
        self.count = count
        self._run = -(-count // self._CAPACITY) or 1
        self._maker = os.getpid()
        self._read, write = os.pipe()
        try:
            os.write(write, b"".join(struct.pack("<I", n) for n in range(0, count, self._run)))
        finally:
            os.close(write)

    def take(self) -> Iterator[int]:
        """The numbers this process takes, until none is left."""
        while len(data := os.read(self._read, 4)) == 4:
            first = struct.unpack("<I", data)[0]
            yield from range(first, min(first + self._run, self.count))

    @property
    def in_worker(self) -> bool:
        """Whether this is the forked worker, not the process that made the shares."""
        return os.getpid() != self._maker

    def for_worker(self) -> Iterable[int]:
        """The numbers of the worker's part (both()'s `there`): taken from the pipe in the
        worker; all of them when the worker failed and its part is done where the shares were
        made, which then skips those it did itself."""
        return self.take() if self.in_worker else range(self.count)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._read)
