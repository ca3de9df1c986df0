"""Noticing that the events file changed: a stat on every tick, a hash only when the stat moved;
and between ticks, the kernel's word that the file was written (inotify, by watchfiles, the only
module that imports it), which runs the tick at once instead of at its time. A change is built
once the save is whole: when no program has the file open for writing any more."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import watchfiles

from timeline.files import MAX_EVENTS_FILE, being_written, read_regular_file

log = logging.getLogger("timeline.daemon.watch")

# How long watchfiles waits for more changes once it saw one before saying so; then the tick
# waits for the save to be whole (SourceWatcher.wait_until_whole).
STEP_MS = 10
SETTLE_SECONDS = 0.02
LOOK_SECONDS = 0.02  # how often to look again whether a program still has the file open to write
WARN_AFTER_SECONDS = 10.0  # then say what is being waited for


class SourceWatcher:
    """Tells whether a file's content differs from when it was last marked as seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signature: tuple[int, int, int] | None = None
        self._digest: str | None = None

    def changed(self) -> bool:
        """True when the content differs from the last `seen()`; cheap when nothing moved."""
        signature = self._stat()
        if signature == self._signature:
            return False
        digest = self._hash()
        if digest == self._digest:
            self._signature = signature  # touched but not changed (an editor saving the same bytes)
            return False
        return True

    def wait_until_whole(self, stopping: Callable[[], bool]) -> None:
        """Wait until no program has the file open for writing: a save that truncates, then
        writes in parts (a shell's `>`, an editor writing in place) is built once it is whole,
        however long the writing takes, and half a save is never taken for a shorter timeline.
        A save by renaming a new file over the old one is whole at once. Where this system cannot
        tell (see timeline.files), wait for the file to settle instead."""
        started = time.monotonic()
        warned = False
        while not stopping():
            busy = being_written(self.path)
            if busy is None:
                self.settle()
                return
            if not busy:
                return
            if not warned and time.monotonic() - started > WARN_AFTER_SECONDS:
                log.warning("waiting for %s to be saved: another program has it open for writing", self.path)
                warned = True
            time.sleep(LOOK_SECONDS)

    def settle(self, quiet: float = SETTLE_SECONDS, most: float = 1.0) -> None:
        """Wait until the file has stopped changing: two looks `quiet` apart see it the same, and
        not empty (at most `most` seconds). The fallback where no lease tells whether a program
        is writing the file: a save truncates, then writes, and a file built empty is a failed
        build."""
        deadline = time.monotonic() + most
        last = self._stat()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self._stat()
            if now == last and now is not None and now[1] > 0:
                return
            last = now

    def seen(self) -> None:
        """Mark the file's current content as handled."""
        self._signature = self._stat()
        self._digest = self._hash()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _hash(self) -> str | None:
        # A file that cannot be read (a FIFO, too large, a loop) stands for its reason: it counts
        # as a change once, so that the build reports it, and not again while it stays so.
        try:
            return hashlib.sha256(read_regular_file(self.path, MAX_EVENTS_FILE)).hexdigest()
        except OSError as error:
            return f"unreadable: {error}"


class Wakeup:
    """Calls `wake()` whenever the kernel says the file was written or replaced, from a thread of
    its own. Only a hint: the tick that `wake` runs still decides by stat and hash, and the
    ticks go on, so a change the kernel does not report (a network file system, inotify's
    limit reached) is still seen at the next one."""

    def __init__(self, path: Path, wake: Callable[[], None]) -> None:
        self.path = path.absolute()
        self._wake = wake
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watch-file", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        # The folder, not the file: an editor saves by writing another file and renaming it over.
        name = self.path.name
        try:
            for _ in watchfiles.watch(
                self.path.parent,
                watch_filter=lambda change, path: Path(path).name == name,
                step=STEP_MS,
                stop_event=self._stop,
                recursive=False,
                raise_interrupt=False,
                rust_timeout=1000,
            ):
                self._wake()
        except Exception as error:  # no inotify here, or no more watches: the ticks remain
            log.warning("not told of changes to %s (%s); looking at it every tick instead", self.path, error)
