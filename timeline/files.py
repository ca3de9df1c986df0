"""Files: reading one someone else may have put there, and replacing one so that readers see the
old bytes or the new ones, never a mix. The lowest floor: the reader, the history store, the
builder and `extract` all read and write through here.

Reading: only a regular file, never blocking, never past a size, and never half a save.

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
system without leases), the read goes ahead as before, and `being_written` says it cannot tell.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import stat
import tempfile
from collections.abc import Iterator, Sequence
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


class Changed(OSError):
    """The file no longer holds what was read from it: someone saved it meanwhile."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: changed since it was read")


class BeingWritten(OSError):
    """Another program has the file open for writing: what it holds may be half a save."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: is open for writing by another program")


# O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
_FOR_READING = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC


def read_regular_file(path: Path, limit: int | None = None, *, follow: bool = True) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed, unless not `follow`), at most
    `limit` of them.

    Raises NotRegular, TooLarge, BeingWritten, or the OSError of opening it
    (FileNotFoundError, PermissionError, a symlink loop, a symlink not to follow...)."""
    flags = _FOR_READING | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(path, _kind(info.st_mode))
        if limit is not None and info.st_size > limit:
            raise TooLarge(path, info.st_size)
        if _lease(fd) is False:
            raise BeingWritten(path)
        return _read_all(fd, path, info.st_size, limit)
    finally:
        os.close(fd)


def _read_all(fd: int, path: Path, size: int, limit: int | None) -> bytes:
    # As large as the file says it is (one system call, usually), then on in chunks.
    ask = size + 1 if limit is None else min(size, limit) + 1
    chunks, total = [], 0
    while chunk := os.read(fd, ask):
        chunks.append(chunk)
        total += len(chunk)
        if limit is not None and total > limit:
            raise TooLarge(path, total)
        ask = _CHUNK
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def being_written(path: Path) -> bool | None:
    """Whether another program has the regular file at `path` open for writing; None when
    this system cannot tell (see the module's doc)."""
    try:
        fd = os.open(path, _FOR_READING)
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


# -- replacing a file whole ----------------------------------------------------------------------
def write_atomic(path: Path, data: bytes | Sequence[bytes | memoryview]) -> None:
    """Write `data` (bytes, or pieces written one after another) to a temporary file beside
    `path`, flush it to disk, then rename it over."""
    finish(begin(path, data), path)


def begin(path: Path, data: bytes | Sequence[bytes | memoryview]) -> Path:
    """The first half of write_atomic(): `data` written to a temporary file beside `path`, which
    finish() flushes to disk and renames over `path` (the temporary file is the very file that
    will be there, same inode and mtime)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with _removed_on_failure(tmp, path):
        try:
            _write_all(fd, [data] if isinstance(data, bytes) else data)
        finally:
            os.close(fd)
        # mkstemp creates 0600; published files are meant to be read by a web server.
        os.chmod(tmp, 0o644)
    return Path(tmp)


@contextlib.contextmanager
def _removed_on_failure(temporary: Path | str, path: Path | str) -> Iterator[None]:
    """On any failure in the block, the temporary file is removed and the error names `path`."""
    try:
        yield
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise _named(error, path) from None


def _named(error: BaseException, path: Path | str) -> BaseException:
    """The error, naming the file it is about where the system call did not (a write's, a
    flush's: "No space left on device" is to be said of the output, not of its folder)."""
    if isinstance(error, OSError) and error.filename is None and error.errno is not None:
        return OSError(error.errno, error.strerror, str(path))
    return error


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
    with _removed_on_failure(temporary, path):
        fd = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(fd)  # a file's data, whichever descriptor asks
        finally:
            os.close(fd)
        os.replace(temporary, path)


def replace_if_unchanged(path: Path, data: bytes, read: bytes) -> None:
    """Replace the file at `path` (a symlink's target) with `data`, as write_atomic() does, but
    only if it still holds `read`, the bytes its new content was made from: raises Changed, or
    BeingWritten, and leaves it as it is otherwise. A person's save made meanwhile is never
    overwritten: from the comparison to the rename, a read lease keeps every program from
    opening the file to write. The file keeps its permissions."""
    path = Path(os.path.realpath(path))
    temporary = begin(path, data)
    with _removed_on_failure(temporary, path):
        fd = os.open(path, _FOR_READING)
        try:
            info = os.fstat(fd)
            if _lease(fd) is False:
                raise BeingWritten(path)
            if info.st_size != len(read) or _read_all(fd, path, info.st_size, len(read)) != read:
                raise Changed(path)
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
            finish(temporary, path)
        finally:
            os.close(fd)


@contextlib.contextmanager
def folders_locked(*folders: Path) -> Iterator[None]:
    """Hold an exclusive lock (flock) on each folder itself for the length of the block: the
    builds of one folder take turns, and the one holding it knows that every temporary file
    there was left by a process that died before renaming it. A killed holder's lock goes with
    it."""
    descriptors: list[int] = []
    try:
        for folder in dict.fromkeys(os.path.realpath(folder) for folder in folders):
            try:
                descriptors.append(os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
            except (FileNotFoundError, NotADirectoryError):
                continue  # nothing is written there: writing will say why
            fcntl.flock(descriptors[-1], fcntl.LOCK_EX)
        yield
    finally:
        for fd in descriptors:
            os.close(fd)


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
    with _removed_on_failure(temporary, path):
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
    return stat


def read_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no readable regular file there (writing it will
    say why; a FIFO put in its place is replaced, not waited on)."""
    try:
        return read_regular_file(path)
    except OSError:
        return None
