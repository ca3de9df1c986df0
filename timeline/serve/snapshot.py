"""The published outputs held in memory, ready to serve: bytes, a gzip variant and validators.

The outputs are small and change only when a build publishes, so the server answers from here
(no stat or read per request) and a new snapshot replaces the old one in a single assignment.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from timeline.render import formats

_MIN_GZIP = 256  # smaller bodies gain nothing from compression


@dataclass(frozen=True)
class Representation:
    """One output as served: its bytes, their gzip, and strong validators derived from them."""

    body: bytes
    media_type: str
    last_modified: datetime
    etag: str
    gzip_body: bytes | None
    gzip_etag: str | None
    size_key: tuple[int, int] = (0, 0)

    @classmethod
    def of(
        cls, body: bytes, media_type: str, last_modified: datetime, size_key: tuple[int, int] = (0, 0)
    ) -> Representation:
        digest = hashlib.sha256(body).hexdigest()[:32]
        # mtime=0 keeps the gzip bytes (and so their ETag) a pure function of the body.
        packed = gzip.compress(body, compresslevel=9, mtime=0) if len(body) >= _MIN_GZIP else None
        return cls(
            body=body,
            media_type=media_type,
            last_modified=last_modified.replace(microsecond=0),
            etag=f'"{digest}"',
            gzip_body=packed,
            gzip_etag=f'"{digest}-gzip"' if packed is not None else None,
            size_key=size_key,
        )

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
    def from_folder(cls, folder: Path, names: Iterable[str], previous: Snapshot | None = None) -> Snapshot:
        """Read the outputs `names` (a complete build's) from `folder`, reusing what `previous`
        holds of unchanged ones. Nothing else in the folder is served."""
        files: dict[str, Representation] = {}
        for name in sorted(names):
            path = folder / name
            relative = path.relative_to(folder)
            if any(part.startswith(".") for part in relative.parts):
                raise ValueError(f"{name}: a hidden file is never an output")
            media_type = formats.media_type(name)
            if path.is_symlink() or not path.is_file():
                continue  # replaced since by something else: not ours to serve
            stat = path.stat()
            key = (stat.st_size, stat.st_mtime_ns)
            url = "/" + relative.as_posix()
            old = previous.files.get(url) if previous else None
            if old is not None and old.size_key == key:
                files[url] = old
                continue
            modified = datetime.fromtimestamp(stat.st_mtime, UTC)
            files[url] = Representation.of(path.read_bytes(), media_type, modified, key)
        return cls(files, datetime.now(UTC))
