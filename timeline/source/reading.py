"""Reading a file someone else may have put there: only a regular file, never blocking, never
past a size, and never half a save.

The events file and its history are named by the user and edited while the daemon runs: one
can become a FIFO (reading it would wait for a writer forever), a link to /dev/zero (endless),
a symlink loop, or a huge file. Each is refused with a reason, and at most `limit` bytes are
ever read, whatever the size said beforehand (a file can grow between the check and the read).

A file another program has open for writing may hold half a save (an editor or a shell that
truncates, then writes in parts), and half a timeline parses as a shorter one: false removals.
So a read takes a read lease first (fcntl F_SETLEASE): the kernel grants it only while no
program has the file open for writing, and while it is held, a program opening the file to
write waits until the read is done. A file open for writing raises BeingWritten; the reader
tries again once it is closed. Where no lease can be had (a file of another user's, a file
system without leases), the read goes ahead as before and `lease_known` says so.
"""

from __future__ import annotations

import fcntl
import os
import signal
import stat
from pathlib import Path

_CHUNK = 1 << 20
MAX_EVENTS_FILE = 128 * 1024 * 1024  # an events file larger than this is refused unread
# The history holds a line per event, with digests: about half the events file's size.
MAX_HISTORY_FILE = 4 * MAX_EVENTS_FILE


class NotRegular(OSError):
    """The path names something other than a regular file: `kind` says what."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path}: is {kind}, not a regular file")
        self.kind = kind


class TooLarge(OSError):
    """The file holds more than the limit; `size` is at least how much."""

    def __init__(self, path: Path, size: int) -> None:
        super().__init__(f"{path}: is larger than allowed ({size} bytes)")
        self.size = size


class BeingWritten(OSError):
    """Another program has the file open for writing: what it holds may be half a save."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: is open for writing by another program")


def read_regular_file(path: Path, limit: int | None = None, *, follow: bool = True) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed, unless not `follow`), at most
    `limit` of them.

    Raises NotRegular, TooLarge, BeingWritten, or the OSError of opening it
    (FileNotFoundError, PermissionError, a symlink loop, a symlink not to follow...)."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(path, _kind(info.st_mode))
        if limit is not None and info.st_size > limit:
            raise TooLarge(path, info.st_size)
        if _lease(fd) is False:
            raise BeingWritten(path)
        # Read as large as the file says it is (one system call, usually), then on in chunks.
        ask = info.st_size + 1 if limit is None else min(info.st_size, limit) + 1
        chunks, total = [], 0
        while chunk := os.read(fd, ask):
            chunks.append(chunk)
            total += len(chunk)
            if limit is not None and total > limit:
                raise TooLarge(path, total)
            ask = _CHUNK
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def being_written(path: Path) -> bool | None:
    """Whether another program has the regular file at `path` open for writing; None when
    this system cannot tell (see the module's doc)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        lease = _lease(fd)
        return None if lease is None else not lease
    finally:
        os.close(fd)  # closing gives the lease back


def _lease(fd: int) -> bool | None:
    """Take a read lease on `fd` (opened read-only), held until it is closed: True when taken,
    False when a program has the file open for writing, None when no lease can be had here."""
    try:
        # A writer opening the file while the lease is held sends its holder a signal: SIGIO
        # by default, which ends a process; SIGURG is ignored unless handled. Set before each
        # lease: giving one back forgets it.
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except BlockingIOError:
        return False
    except OSError:  # not the file's owner (EACCES), no leases on this file system (EINVAL)
        return None
    return True


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


# A file as it was last seen: (mtime in ns, size, inode). An atomic replace makes a new inode,
# so any other write since, ours or someone else's, changes it.
Stamp = tuple[int, int, int]


def stamp_of(path: Path) -> Stamp | None:
    try:
        return stamp_from(path.stat())
    except OSError:
        return None


def stamp_from(stat: os.stat_result) -> Stamp:
    """The Stamp of a file whose stat is at hand."""
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
