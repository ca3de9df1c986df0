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
import sys
import time
from collections.abc import Callable
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")

WORTH_IT = 1000  # events to parse or render below which a fork costs more than it saves
_OK, _FAILED = b"+", b"-"
# How long the other half may take beyond the time this half took, before it is done here.
_PATIENCE_FACTOR, _PATIENCE_MINIMUM = 10.0, 30.0


def available() -> bool:
    """Whether work can be forked here: Linux (fork is cheap and safe for pure computation);
    TIMELINE_WORKERS=1 turns it off."""
    return sys.platform == "linux" and hasattr(os, "fork") and os.environ.get("TIMELINE_WORKERS") != "1"


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
    data: bytes | None = None
    try:
        mine = here()
        patience = max(_PATIENCE_MINIMUM, _PATIENCE_FACTOR * (time.monotonic() - started))
        data = _receive(reader, patience)
    finally:
        os.close(reader)
        _reap(child, stop=data is None)
    if data is None or data[:1] != _OK:
        return mine, there()
    return mine, pickle.loads(memoryview(data)[1:])


def _serve(there: Callable[[], object], writer: int) -> None:  # pragma: no cover - in the child
    status = 0
    try:
        try:
            data = _OK + pickle.dumps(there(), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # reported by its absence: the parent does it again
            data, status = _FAILED, 1
        view = memoryview(data)
        while view:
            view = view[os.write(writer, view) :]
    except BaseException:  # the parent is gone or stopped reading
        status = 1
    finally:
        # Straight out: no atexit handlers, no flushing of buffers inherited from the parent.
        os._exit(status)


def _receive(reader: int, patience: float) -> bytes | None:
    """Everything the child sends, or None if it sends nothing whole within `patience` seconds."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + patience
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([reader], [], [], remaining)[0]:
            return None
        chunk = os.read(reader, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(child: int, *, stop: bool) -> None:
    """Collect the child's exit status, first stopping it if it has not finished its work."""
    if stop:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(child, 0)
