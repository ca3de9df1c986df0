"""The published outputs held in memory, ready to serve: bytes, validators and a gzip variant.

The outputs change only when a build publishes, so the server answers from here (no stat or
read per request) and a new snapshot replaces the old one in a single assignment. A build hands
over the bytes it wrote, so that an edit is served without reading them back; the others (a
site has two files an event, most never asked for) are read from the folder the first time a
client asks for them, then kept; each is compressed only when a client first asks for gzip.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from stat import S_ISREG

from timeline.files import Stamp, read_regular_file
from timeline.render import formats
from timeline.render.pieces import Content, Pieces, whole

_MIN_GZIP = 256  # smaller bodies gain nothing from compression
# zlib's default: level 9 took 1.4x as long for 1.4% fewer bytes (BENCHMARKS.md).
GZIP_LEVEL = 6


class Representation:
    """One output as served: its bytes, strong validators derived from them, and their gzip.

    Made from bytes at hand (of()), from the bytes a build wrote, hashed when first asked for
    (built()), or from a file to read when first asked for (in_file()): `loaded` says whether
    the bytes and their ETag are ready; load() makes them so, off the event loop."""

    # A site has two outputs an event: no dict for each.
    __slots__ = (
        "_body",
        "_etag",
        "_gzip",
        "_lock",
        "_path",
        "_pending",
        "last_modified",
        "media_type",
        "size_key",
    )

    def __init__(self, media_type: str, last_modified: datetime, size_key: tuple[int, int]) -> None:
        self.media_type = media_type
        self.last_modified = last_modified.replace(microsecond=0)
        self.size_key = size_key  # (size, mtime in ns): unchanged files keep their representation
        self._path: str | None = None
        self._pending: Content | None = None  # the build's bytes, not joined nor hashed yet
        self._body = b""
        self._etag = ""
        self._gzip: bytes | None = None
        self._lock = threading.Lock()  # two first requests at once read (or compress) once

    @classmethod
    def of(
        cls, body: Content, media_type: str, last_modified: datetime, size_key: tuple[int, int] = (0, 0)
    ) -> Representation:
        made = cls(media_type, last_modified, size_key)
        made._take(body)
        return made

    @classmethod
    def built(
        cls, body: Content, media_type: str, last_modified: datetime, size_key: tuple[int, int]
    ) -> Representation:
        """The bytes a build wrote, joined and hashed on the first request: an edit rewrites a
        large calendar, and hashing it before the feed it changed is served would delay it."""
        made = cls(media_type, last_modified, size_key)
        made._pending = body
        return made

    @classmethod
    def in_file(
        cls, path: str, media_type: str, last_modified: datetime, size_key: tuple[int, int]
    ) -> Representation:
        made = cls(media_type, last_modified, size_key)
        made._path = path
        return made

    def _take(self, body: Content) -> None:
        digest = hashlib.sha256()
        for piece in body if isinstance(body, Pieces) else (body,):  # a large output is hashed in pieces
            digest.update(piece)
        self._body = whole(body)
        self._etag = f'"{digest.hexdigest()[:32]}"'

    @property
    def loaded(self) -> bool:
        return self._path is None and self._pending is None

    def load(self) -> None:
        """Hash the build's bytes, or read the file, if not done yet: what is there now is what
        is served. OSError if it is no longer a regular file there (a symlink put in its place
        is not followed)."""
        with self._lock:
            if self._pending is not None:
                self._take(self._pending)
                self._pending = None
            elif self._path is not None:
                self._take(read_regular_file(Path(self._path), follow=False))
                self._path = None

    @property
    def body(self) -> bytes:
        self.load()
        return self._body

    @property
    def etag(self) -> str:
        self.load()
        return self._etag

    @property
    def known_etag(self) -> str | None:
        """The ETag if the bytes were read already (None: not asked for yet)."""
        return self._etag if self.loaded else None

    @property
    def gzip_etag(self) -> str | None:
        """The gzip variant's ETag; None when the body is too small to compress."""
        return f'{self.etag[:-1]}-gzip"' if self.size >= _MIN_GZIP else None

    @property
    def size(self) -> int:
        return len(self._body) if self.loaded else self.size_key[0]

    @property
    def gzip_ready(self) -> bool:
        """Whether gzip_body() returns at once."""
        return self._gzip is not None or (self.loaded and self.size < _MIN_GZIP)

    def gzip_body(self) -> bytes | None:
        """The body compressed, made on the first call and kept (None: not worth it). mtime=0
        keeps the bytes, and so their ETag, a pure function of the body."""
        body = self.body
        if len(body) < _MIN_GZIP:
            return None
        with self._lock:
            if self._gzip is None:
                self._gzip = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzip

    @property
    def http_date(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)


class Snapshot:
    """Everything served at one moment, by URL path."""

    def __init__(
        self,
        files: dict[str, Representation] | None = None,
        loaded_at: datetime | None = None,
        names: tuple[str, ...] | None = None,
        pages_on_request: bool = False,
    ) -> None:
        self.files = files if files is not None else {}
        self.loaded_at = loaded_at
        # The outputs' names as the build gave them, sorted (from_folder's): None if not made so.
        self.names = names
        # Whether the events' own pages are not among the files but made when asked for
        # (timeline.render.own_pages), from the model published with the snapshot.
        self.pages_on_request = pages_on_request

    def asked_for(self, name: str) -> bool:
        """Whether a client has asked for the output `name` (its bytes are held): a new version
        of it is worth handing over by the build that makes it, the others are read from the
        folder when first asked for (most pages never are)."""
        held = self.files.get("/" + name)
        return held is not None and held.loaded

    def newest_modification(self) -> datetime | None:
        return max((r.last_modified for r in self.files.values()), default=None)

    @classmethod
    def from_folder(
        cls,
        folder: Path,
        names: Iterable[str],
        previous: Snapshot | None = None,
        made: Mapping[str, Content] | None = None,
        changed: Collection[str] | None = None,
        stamps: Mapping[str, Stamp] | None = None,
        pages_on_request: bool = False,
    ) -> Snapshot:
        """The outputs `names` (a complete build's) in `folder`, reusing what `previous` holds of
        unchanged ones and taking the bytes of those `made` (what the build wrote) as they are,
        instead of reading them back; the others are read when first asked for. Nothing else in
        the folder is served.

        With `changed` (what the build wrote, when `previous` is what the build before it made),
        the others are taken from `previous` without a look at the folder: an edit costs what it
        changed, not a stat a file. With `stamps` (the build's, as it left each file), no file is
        looked at at all. `pages_on_request`: the build left the events' own pages out."""
        names = tuple(sorted(names))
        if changed is not None and previous is not None and previous.names == names:
            # The same outputs as the last build: only those it wrote are new (an edit's dozen).
            files, todo = dict(previous.files), tuple(sorted(changed))
        else:
            files, todo = {}, names
        for name in todo:
            url = "/" + name
            kept = previous.files.get(url) if previous is not None else None
            if changed is not None and kept is not None and name not in changed:
                files[url] = kept
                continue
            found = _representation(folder, name, kept, made or {}, stamps)
            if found is None:
                files.pop(url, None)
            else:
                files[url] = found
        return cls(files, datetime.now(UTC), names, pages_on_request)


def _representation(
    folder: Path,
    name: str,
    old: Representation | None,
    made: Mapping[str, Content],
    stamps: Mapping[str, Stamp] | None,
) -> Representation | None:
    """The output `name` as served: `old` if the file is as it was, the bytes the build `made`
    if it wrote them, else the file, read when first asked for; None if there is no regular
    file there any more (replaced since by something else, a symlink say: not ours to serve)."""
    if any(part.startswith(".") or part == "" for part in name.split("/")):
        raise ValueError(f"{name}: a hidden file is never an output")
    path = os.path.join(folder, name)
    stamp = stamps.get(name) if stamps is not None else None
    if stamp is not None:
        mtime_ns, size = stamp[0], stamp[1]
    else:
        try:  # one system call a file, as strings: a site has two files an event
            stat = os.lstat(path)
        except OSError:
            return None
        if not S_ISREG(stat.st_mode):
            return None
        mtime_ns, size = stat.st_mtime_ns, stat.st_size
    key = (size, mtime_ns)
    if old is not None and old.size_key == key:
        return old
    media_type = formats.media_type(name)
    modified = datetime.fromtimestamp(mtime_ns / 1e9, UTC)
    body = made.get(name)
    if body is not None and (body.size if isinstance(body, Pieces) else len(body)) == size:
        return Representation.built(body, media_type, modified, key)
    return Representation.in_file(path, media_type, modified, key)  # the second core's, or there already
