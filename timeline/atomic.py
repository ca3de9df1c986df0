"""Replacing a file so that readers see the old bytes or the new ones, never a mix."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def write_atomic(path: Path, data: bytes | Sequence[bytes | memoryview]) -> None:
    """Write `data` (bytes, or pieces written one after another) to a temporary file beside
    `path`, flush it to disk, then rename it over."""
    finish(begin(path, data), path)


def begin(path: Path, data: bytes | Sequence[bytes | memoryview]) -> Path:
    """The first half of write_atomic(): `data` written to a temporary file beside `path`, which
    finish() flushes to disk and renames over `path` (the temporary file is the very file that
    will be there, same inode and mtime)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
        # mkstemp creates 0600; published files are meant to be read by a web server.
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def finish(temporary: Path, path: Path) -> None:
    """The second half: flush the file begin() wrote to disk, then rename it over `path`."""
    try:
        fd = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(fd)  # a file's data, whichever descriptor asks
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no readable file there (writing it will say why)."""
    try:
        return path.read_bytes()
    except OSError:
        return None
