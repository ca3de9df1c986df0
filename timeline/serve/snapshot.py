"""The published outputs held in memory, ready to serve: bytes, validators and a gzip variant.

The outputs change only when a build publishes, so the server answers from here (no stat or
read per request) and a new snapshot replaces the old one in a single assignment. A build hands
over the bytes it wrote, so that an edit is served without reading them back; each output is
compressed only when a client first asks for gzip, then kept.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from stat import S_ISREG

from timeline.render import formats
from timeline.render.pieces import Content, Pieces, whole

_MIN_GZIP = 256  # smaller bodies gain nothing from compression
# zlib's default: level 9 took about three times as long for 1-2% fewer bytes (BENCHMARKS.md).
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Representation:
    """One output as served: its bytes, strong validators derived from them, and their gzip."""

    body: bytes
    media_type: str
    last_modified: datetime
    etag: str
    gzip_etag: str | None  # None: too small to compress
    size_key: tuple[int, int] = (0, 0)
    _gzip: list[bytes] = field(default_factory=list, compare=False, repr=False)
    _gzip_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        body: Content,
        media_type: str,
        last_modified: datetime,
        size_key: tuple[int, int] = (0, 0),
    ) -> Representation:
        digest = hashlib.sha256()
        for piece in body if isinstance(body, Pieces) else (body,):  # a large output is hashed in pieces
            digest.update(piece)
        tag = digest.hexdigest()[:32]
        joined = whole(body)
        return cls(
            body=joined,
            media_type=media_type,
            last_modified=last_modified.replace(microsecond=0),
            etag=f'"{tag}"',
            gzip_etag=f'"{tag}-gzip"' if len(joined) >= _MIN_GZIP else None,
            size_key=size_key,
        )

    @property
    def gzip_ready(self) -> bool:
        """Whether gzip_body() returns at once."""
        return bool(self._gzip) or self.gzip_etag is None

    def gzip_body(self) -> bytes | None:
        """The body compressed, made on the first call and kept (None: not worth it). mtime=0
        keeps the bytes, and so their ETag, a pure function of the body."""
        if self.gzip_etag is None:
            return None
        with self._gzip_lock:  # two first requests at once compress once
            if not self._gzip:
                self._gzip.append(gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0))
        return self._gzip[0]

    @property
    def http_date(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)


@dataclass(frozen=True)
class Snapshot:
    """Everything served at one moment, by URL path."""

    files: dict[str, Representation] = field(default_factory=dict)
    loaded_at: datetime | None = None

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
    ) -> Snapshot:
        """The outputs `names` (a complete build's) in `folder`, reusing what `previous` holds of
        unchanged ones and taking the bytes of those `made` (what the build wrote) as they are,
        instead of reading them back. Nothing else in the folder is served.

        With `changed` (what the build wrote, when `previous` is what the build before it made),
        the others are taken from `previous` without a look at the folder: an edit costs what it
        changed, not a stat a file."""
        files: dict[str, Representation] = {}
        made = made or {}
        root = str(folder)
        for name in sorted(names):
            url = "/" + name
            if changed is not None and previous is not None and name not in changed:
                kept = previous.files.get(url)
                if kept is not None:
                    files[url] = kept
                    continue
            if any(part.startswith(".") or part == "" for part in name.split("/")):
                raise ValueError(f"{name}: a hidden file is never an output")
            media_type = formats.media_type(name)
            path = os.path.join(root, name)
            try:  # one system call a file, as strings: a site has a file an event
                stat = os.lstat(path)
            except OSError:
                continue
            if not S_ISREG(stat.st_mode):
                continue  # replaced since by something else (a symlink, say): not ours to serve
            key = (stat.st_size, stat.st_mtime_ns)
            old = previous.files.get(url) if previous else None
            if old is not None and old.size_key == key:
                files[url] = old
                continue
            modified = datetime.fromtimestamp(stat.st_mtime, UTC)
            body = made.get(name)
            if body is None or (body.size if isinstance(body, Pieces) else len(body)) != stat.st_size:
                body = Path(path).read_bytes()  # written by the second core, or changed since
            files[url] = Representation.of(body, media_type, modified, key)
        return cls(files, datetime.now(UTC))
