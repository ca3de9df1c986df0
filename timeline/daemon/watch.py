"""Noticing that the events file changed: a stat on every tick, a hash only when the stat moved."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from timeline.source.reading import MAX_EVENTS_FILE, read_regular_file


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
