"""Replacing a file so that readers see the old bytes or the new ones, never a mix."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from timeline.source.reading import read_regular_file


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
        try:
            _write_all(fd, [data] if isinstance(data, bytes) else data)
        finally:
            os.close(fd)
        # mkstemp creates 0600; published files are meant to be read by a web server.
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _write_all(fd: int, pieces: Sequence[bytes | memoryview]) -> None:
    """Every piece in order, up to a thousand a system call and none copied here: a buffered
    file copied each of the 40,000 pieces of a large page and calendar into its buffer."""
    if not hasattr(os, "writev"):  # not on Windows
        with os.fdopen(os.dup(fd), "wb") as handle:
            handle.writelines(pieces)
        return
    for start in range(0, len(pieces), _IOV_MAX):
        batch = list(pieces[start : start + _IOV_MAX])
        while batch:
            written = os.writev(fd, batch)
            if written == sum(map(len, batch)):
                break
            if written == 0:
                raise OSError(errno.EIO, "nothing could be written")
            # Written in part (a signal, say): go on after the last byte written.
            done = 0
            while written >= len(batch[done]):
                written -= len(batch[done])
                done += 1
            batch = [memoryview(batch[done])[written:], *batch[done + 1 :]]


def _iov_max() -> int:
    try:
        return max(os.sysconf("SC_IOV_MAX"), 16)
    except (AttributeError, ValueError, OSError):
        return 16  # the least POSIX allows


_IOV_MAX = _iov_max()  # how many pieces a writev() takes: 1024 on Linux


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


def later_mtime_ns(mtime_ns: int, previous_mtime_ns: int | None) -> int | None:
    """The mtime to give a file of `mtime_ns` that replaces one of `previous_mtime_ns`, so that
    it is later in whole seconds (see outputs.py for why); None if it is already."""
    if previous_mtime_ns is None or mtime_ns // 1_000_000_000 > previous_mtime_ns // 1_000_000_000:
        return None
    return (previous_mtime_ns // 1_000_000_000 + 1) * 1_000_000_000


def replace_unsynced(
    path: str, data: bytes | Sequence[bytes | memoryview], previous_mtime_ns: int | None
) -> os.stat_result:
    """Replace the file at `path` with `data` at once, by a rename, without flushing it to disk;
    its mtime, in whole seconds, later than `previous_mtime_ns` (see outputs.py for why). The
    new file's stat."""
    temporary = f"{os.path.dirname(path)}/.{os.path.basename(path)}.{os.getpid()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    except FileExistsError:  # left by a killed build of a process with this number
        os.unlink(temporary)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        try:
            os.fchmod(fd, 0o644)  # whatever the umask: published files are read by a web server
            _write_all(fd, [data] if isinstance(data, bytes) else data)
            stat = os.fstat(fd)
            later = later_mtime_ns(stat.st_mtime_ns, previous_mtime_ns)
            if later is not None:
                os.utime(fd, ns=(stat.st_atime_ns, later))
                stat = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return stat


def read_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no readable regular file there (writing it will
    say why; a FIFO put in its place is replaced, not waited on)."""
    try:
        return read_regular_file(path)
    except OSError:
        return None
