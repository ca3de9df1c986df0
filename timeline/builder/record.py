"""What the last complete build into a folder was made from and what it made, so that the next
`timeline build`, finding the same events file, history, day, code and outputs, has nothing to
do, and so that the daemon, starting where a build could not finish, serves a complete set.

A build with nothing to do neither parses nor renders: it does not even import the libraries
that would (the start-up of `timeline build` was most of its time on a small timeline). The
record lives in the output folder as a hidden file, which is never served and never committed.
It is written last, once every output is in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from timeline.files import MAX_EVENTS_FILE, Stamp, read_regular_file, replace_unsynced, stamp_of

RECORD = ".timeline-build"  # JSON, but not named .json: nothing in the folder may look like a feed
FORMAT = 3  # 2: the history known by its file's stamp, not its digest; 3: the articles checked
_CODE = Path(__file__).resolve().parent.parent  # the whole timeline package
_LIBRARIES = ("yaml", "dateutil", "feedgen", "lxml", "icalendar", "jinja2", "markupsafe", "tzdata")


def up_to_date(
    source: Path, out: Path, history_file: Path, today: date | None, check_articles: bool = True
) -> int | None:
    """The number of events, if a build of `source` into `out` for `today` (default: today in
    the timeline's zone) would change nothing; None if it must run. With `check_articles`,
    only if the last build checked the quotes against articles that have not changed since."""
    try:
        record = json.loads((out / RECORD).read_bytes())
        day = today or datetime.now(ZoneInfo(record["timezone"])).date()
        made_alike = (
            record.get("format") == FORMAT
            and record["code"] == _code()
            and record["today"] == day.isoformat()
            and record["source"] == _digest(source)
            and record["history"] == list(stamp_of(history_file) or ())
            and not record.get("pages_on_request")
        )
        if not made_alike or not _as_left(record["outputs"], out):
            return None
        if check_articles and (record["articles"] is None or not _as_left(record["articles"])):
            return None
        return int(record["events"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no record, an old or damaged one: build


def _as_left(stamps: dict[str, list[int]], folder: Path | None = None) -> bool:
    """Whether every file the record names (inside `folder`, if given) is as it left it."""
    return all(
        list(stamp_of(folder / name if folder else Path(name)) or ()) == stamp
        for name, stamp in stamps.items()
    )


def outputs(out: Path) -> tuple[str, ...] | None:
    """The outputs of the last complete build into `out`, if every one of them is there (each
    whole, written atomically, though a build that failed since may have replaced some)."""
    names = named(out)
    root = str(out)
    if names is None or not all(os.path.isfile(os.path.join(root, name)) for name in names):
        return None
    return names


def named(out: Path) -> tuple[str, ...] | None:
    """The outputs the record of the last complete build into `out` names, there or not."""
    try:
        names = json.loads((out / RECORD).read_bytes())["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(names, dict) or not all(map(_inside, names)):
        return None
    return tuple(sorted(names))


def _inside(name: object) -> bool:
    # What the record may name: a file inside `out` (the record is a file anyone could edit).
    return isinstance(name, str) and not name.startswith("/") and ".." not in name.split("/")


def write(
    source: Path,
    out: Path,
    history_file: Path,
    today: date,
    timezone: str,
    events: int,
    stamps: Mapping[str, Stamp],
    source_digest: str | None = None,
    articles: Mapping[Path, Stamp | None] | None = None,
    *,
    pages_on_request: bool = False,
) -> None:
    """Record what a build just made `out` from, and the stamps it left its outputs with.

    `source_digest` is that of the bytes the build read (see digest()): the file may have
    changed since, and the next build must then see it as changed. `articles` are the stamps
    of the articles its quotes were checked against, None if they were not checked.
    `pages_on_request`: the build left the events' own pages out (a daemon's): a `timeline
    build` after it has them to write."""
    record = {
        "format": FORMAT,
        "code": _code(),
        "source": source_digest or _digest(source),
        "history": list(stamp_of(history_file) or ()),
        "today": today.isoformat(),
        "timezone": timezone,
        "events": events,
        "outputs": {name: list(stamp) for name, stamp in sorted(stamps.items())},
        "articles": None
        if articles is None
        else {str(path): list(stamp or ()) for path, stamp in sorted(articles.items())},
    }
    if pages_on_request:  # only then: the records of the builds that write every page keep their bytes
        record["pages_on_request"] = True
    data = json.dumps(record, sort_keys=True).encode()
    with contextlib.suppress(OSError):  # only a shortcut for the next build: never an error
        if (out / RECORD).read_bytes() == data:
            return  # a build that changed nothing touches nothing
    with contextlib.suppress(OSError):
        # Not flushed to disk: an fsync here waits for every output written before it (ext4
        # commits them with it), and a record lost in a crash only means building again.
        replace_unsynced(str(out / RECORD), data, None)


@dataclass
class Remembered:
    """What the last complete build of this process left in its folder, for the next build of
    the same process (the daemon's): an edit then neither reads the record back nor lists the
    folder's files (two an event) to find the outputs no longer made. Trusted only while the
    record is the one that build wrote (no other process has built into the folder since), and
    forgotten while a build runs (one that fails may leave outputs no record names)."""

    names: frozenset[str] = frozenset()
    record: Stamp | None = None

    def outputs_there(self, out: Path) -> frozenset[str] | None:
        """The outputs in `out`, if known; None: look."""
        if self.record is None or stamp_of(out / RECORD) != self.record:
            return None
        return self.names

    def forget(self) -> None:
        self.record = None

    def learn(self, out: Path, names: Collection[str]) -> None:
        self.names, self.record = frozenset(names), stamp_of(out / RECORD)


def _digest(path: Path) -> str:
    # Bounded like the file itself: a FIFO or a huge file raises OSError, and up_to_date() then
    # leaves it to the build to say what is wrong.
    try:
        return digest(read_regular_file(path, MAX_EVENTS_FILE))
    except FileNotFoundError:
        return ""


def digest(data: bytes) -> str:
    """What the record keeps of a file's bytes: their BLAKE2b digest, 16 bytes, in hex."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code() -> str:
    """This program's code as installed, and the libraries that write its outputs: a new
    version of either, or an edited source, builds again."""
    files = sorted(p for p in _CODE.rglob("*") if p.suffix in (".py", ".j2", ".css", ".xsl") and p.is_file())
    stamps = [f"{p.relative_to(_CODE)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    for library in _LIBRARIES:
        # Found without being imported; installing another version rewrites the package's
        # files and so its folder's mtime.
        spec = importlib.util.find_spec(library)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        for path in (origin, origin.parent) if origin else ():
            stat = path.stat()
            stamps.append(f"{library}:{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(stamps).encode(), digest_size=16).hexdigest()
