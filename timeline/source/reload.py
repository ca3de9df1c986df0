"""Loading the same events file again and again, reparsing only the events whose text changed.

The daemon rebuilds on every save; parsing is the largest part of a build at scale, and a save
usually touches one event. The file is cut into its header and one piece of text per event (at
the lines where the events list's items start); an event whose text, header and position are
unchanged is taken from the last load. Anything unusual (a key after `events:`, a flow-style
list, a problem in any piece, a repeated id) falls back to a full parse, which reports the
problems exactly as `timeline validate` does.
"""

from __future__ import annotations

import bisect
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from hashlib import blake2b
from itertools import chain, compress, count, repeat
from operator import attrgetter, is_, not_
from pathlib import Path

from timeline.errors import ValidationError
from timeline.files import Stamp
from timeline.model import CHRONOLOGICAL, Event, Timeline, carry_index
from timeline.source import quick_event, quotes
from timeline.source.load import parse_event, parse_in_order, read, text_of
from timeline.source.parts import MAX_TAGS

_EVENTS_KEY = re.compile(rb"^events:[ \t]*(#.*)?\n", re.MULTILINE)
# Line starts found by their "\n": ten times faster over a large file than ^ with MULTILINE.
_TOP_LEVEL = re.compile(rb"\n[^\s#-]")
_FIRST_ITEM = re.compile(rb"^( *)- ", re.MULTILINE)
_BOM = "\ufeff".encode()
_CHUNK = 250  # events parsed at a time by either core, when two share a large parse
# Makes chunks 0 to count - 1 (the second argument reads one) for `size` events of parsing,
# perhaps on two cores: the builder's timeline.builder.second_core.shared.
Share = Callable[[int, Callable[[int], list[Event] | None], int], dict[int, list[Event] | None]]
_FEW = 100  # events parsed afresh that are put in order one by one, not by sorting all


class Reloader:
    """An events file's Timeline, kept between loads."""

    def __init__(
        self,
        path: Path,
        prepare: Callable[[Event], object] | None = None,
        *,
        incremental: bool = True,
        quick: bool = True,
        check_articles: bool = True,
        share: Share | None = None,
    ) -> None:
        """`prepare` is called on each event parsed afresh, in the process that parsed it: what
        it computes and keeps on the event (the history's digests) is shared with a second core
        along with the parsing. Without `incremental`, every load is one full parse of the whole
        file, with nothing kept from the last; without `quick`, every event is read by libyaml
        and the loader, never by timeline.source.quick_event (see Accelerators). With
        `check_articles`, every load checks each quote against its article (timeline.source.quotes).
        `share`, the builder's, parses a large file's chunks on two cores in a parallel load."""
        self.path = path
        self.share = share
        self.prepare = prepare
        self.incremental, self.quick, self.check_articles = incremental, quick, check_articles
        # The articles the last load checked the quotes against, with their stamps; None when
        # it did not check them.
        self.checked_articles: dict[Path, Stamp | None] | None = None
        self._verified = quotes.Verified()  # the quotes found, for the next load
        # Digests, not texts: a large file and its pieces held as text cost hundreds of megabytes.
        self._file: bytes | None = None  # the file's digest
        self._timeline: Timeline | None = None
        self._header: str | None = None
        self._header_timeline: Timeline | None = None  # the header's settings, with no events
        self._pieces: dict[int, Event] = {}  # the hash of an event's text (see _by_pieces) -> the event
        self.parsed = 0  # how many events the last load parsed afresh

    @property
    def file_digest(self) -> str | None:
        """The BLAKE2b digest (16 bytes, hex) of the file as the last load read it."""
        return self._file.hex() if self._file is not None else None

    def load(self, *, parallel: bool = False) -> Timeline:
        """The timeline as the file is now; ValidationError lists every problem.

        With `parallel`, thousands of events to parse are shared with a second core."""
        data = read(self.path)
        timeline = self._load(data, parallel)
        self.checked_articles = None
        if self.check_articles:  # every load: an article may have changed, not the events
            self.checked_articles = {}
            text = partial(text_of, data, str(self.path))
            quotes.check(timeline, self.path, text, self.checked_articles, self._verified)
        return timeline

    def _load(self, data: bytes, parallel: bool) -> Timeline:
        file = _digest(data)
        if not self.incremental:
            whole, in_order = parse_in_order(text_of(data, str(self.path)), str(self.path))
            self._file, self.parsed = file, len(in_order)
            return whole
        if file == self._file and self._timeline is not None:
            self.parsed = 0
            return self._timeline
        # Cut as bytes and each piece decoded when it is parsed: the whole file as Python text,
        # beside its pieces, would double the memory a large file takes.
        unmarked = data.removeprefix(_BOM)
        timeline = self._by_pieces(unmarked, parallel)
        if timeline is None:
            # Anything the pieces could not read: the full parse reports it exactly.
            text = text_of(data, str(self.path))
            timeline, in_order = parse_in_order(text, str(self.path))
            self._remember(_split(unmarked), in_order, timeline)
            self.parsed = len(in_order)
        self._file, self._timeline = file, timeline
        return timeline

    def _by_pieces(self, data: bytes, parallel: bool) -> Timeline | None:
        """The timeline read one event at a time, reusing the events whose text is unchanged.

        One event's YAML nodes exist at a time, so a large file is read in bounded memory."""
        split = _split(data)
        if split is None or not self._read_header(split[0]):
            return None
        assert self._header_timeline is not None
        events = self._events(data, split[1], split[2], parallel)
        if events is None:
            return None
        ordered, steps = self._ordered(*events)
        timeline = replace(self._header_timeline, events=ordered)
        if not self._index_carried(timeline, steps) and _too_many_tags(ordered):
            return None  # the full parse says which tag is one too many
        return timeline

    def _read_header(self, header: str) -> bool:
        """Whether the header's settings could be read (a changed header forgets every event)."""
        if header == self._header and self._header_timeline is not None:
            return True
        try:
            self._header_timeline = parse_in_order(header + "  []\n", str(self.path))[0]
        except ValidationError:
            return False
        self._header, self._pieces = header, {}
        return True

    def _events(
        self, data: bytes, pieces: list[memoryview], starts: list[int], parallel: bool
    ) -> tuple[list[Event], list[Event]] | None:
        """Every event in the file's order and those of them parsed afresh; None if a piece has a
        problem or two events share an id."""
        # Keyed by text alone: an event moved by an edit above it is still the same event. By
        # Python's own hash of the bytes (SipHash, 64 bits, keyed per process: a chance in 10^15
        # that an edit of 10,000 events goes unseen), worked out in C: a BLAKE2b digest each,
        # called from Python, was a tenth of an edit's build.
        digests = list(map(hash, pieces))
        events: list[Event | None] = list(map(self._pieces.get, digests))
        unread = list(compress(count(), map(is_, events, repeat(None))))
        if not self._read_afresh(events, unread, pieces, _first_lines(data, starts, unread), parallel):
            return None
        read_events = [event for event in events if event is not None]
        if len(set(map(_ID, read_events))) != len(read_events):
            return None  # a repeated id: the full parse says where both are
        self._pieces = dict(zip(digests, read_events, strict=True))
        self.parsed = len(unread)
        return read_events, [new for i in unread if (new := events[i]) is not None]

    def _read_afresh(
        self,
        events: list[Event | None],
        unread: list[int],
        pieces: list[memoryview],
        lines: dict[int, int],
        parallel: bool,
    ) -> bool:
        """Fills `events` at `unread` with the events parsed from their pieces, a chunk at a
        time; False if any piece has a problem."""
        chunks = [unread[at : at + _CHUNK] for at in range(0, len(unread), _CHUNK)]
        read = self._read_chunks(pieces, chunks, lines, parallel, len(unread))
        if any(chunk is None for chunk in read.values()):
            return False
        for number, chunk in enumerate(chunks):
            for index, event in zip(chunk, read[number] or (), strict=True):
                events[index] = event
        return True

    def _index_carried(
        self, timeline: Timeline, steps: tuple[list[int], list[tuple[int, Event]]] | None
    ) -> bool:
        """Whether the last timeline's index was amended into `timeline`'s; carried, it has no new
        tag, and the last timeline had few enough."""
        last = self._timeline
        return steps is not None and last is not None and carry_index(last, timeline, *steps)

    def _ordered(
        self, events: list[Event], parsed: list[Event]
    ) -> tuple[tuple[Event, ...], tuple[list[int], list[tuple[int, Event]]] | None]:
        """`events` in the timeline's order, and how it came from the last timeline's, if it
        did: the places of the events dropped, then each event inserted and where. After an
        edit, the last timeline's events still here keep their order and the few parsed afresh
        are put in theirs, instead of sorting them all again."""
        last = self._timeline
        if len(parsed) > _FEW or last is None or not last.events:
            return tuple(sorted(events, key=CHRONOLOGICAL)), None
        here = set(map(id, events))
        still = [id(event) in here for event in last.events]
        ordered = list(compress(last.events, still))
        inserted = []
        for event in parsed:
            place = bisect.bisect_right(ordered, CHRONOLOGICAL(event), key=CHRONOLOGICAL)
            ordered.insert(place, event)
            inserted.append((place, event))
        return tuple(ordered), (list(compress(count(), map(not_, still))), inserted)

    def _read_chunks(
        self,
        pieces: list[memoryview],
        chunks: list[list[int]],
        lines: dict[int, int],
        parallel: bool,
        size: int,
    ) -> dict[int, list[Event] | None]:
        """The events of each chunk of pieces, by the chunk's number; with `parallel`, made by
        the builder's `share` (perhaps on two cores)."""

        def read(number: int) -> list[Event] | None:
            return self._parse(pieces, chunks[number], lines)

        if not parallel or self.share is None:
            return {number: read(number) for number in range(len(chunks))}
        return self.share(len(chunks), read, size)

    def _parse(
        self, pieces: list[memoryview], indexes: list[int], lines: dict[int, int]
    ) -> list[Event] | None:
        """The events of the pieces at `indexes`, which start at `lines`; None if any of them
        has a problem."""
        assert self._header_timeline is not None
        path, header = str(self.path), self._header_timeline
        zone, articles = zoneinfo.ZoneInfo(header.timezone), {a.file: a for a in header.articles}
        ids: dict[str, int] = {}
        events = []
        try:
            texts = [str(pieces[i], "utf-8") for i in indexes]
            # Read quickly, straight into the model; anything the quick reader leaves (and any
            # problem) the full way, which says what and where.
            quick: list[Event | None] = [None] * len(texts)
            if self.quick:
                with quick_event.quietly():
                    quick = quick_event.read_many(texts, zone, articles, header.languages)
            for i, text, event in zip(indexes, texts, quick, strict=True):
                if event is None or event.id in ids:
                    event = parse_event(text, path, lines[i], i, header, ids)
                else:
                    ids[event.id] = lines[i]  # its id is on its first line
                events.append(event)
        except (ValidationError, UnicodeDecodeError):
            return None
        for event in events:
            # Worked out where the event was parsed (on either core) and kept on it: the
            # timeline is sorted by it, in this process, once all are back.
            event.chronological_key()
            if self.prepare is not None:
                self.prepare(event)
        return events

    def _remember(
        self,
        split: tuple[str, list[memoryview], list[int]] | None,
        in_order: list[Event],
        timeline: Timeline,
    ) -> None:
        if split is None or len(split[1]) != len(in_order):
            self._header, self._header_timeline, self._pieces = None, None, {}
            return
        self._header, self._header_timeline = split[0], replace(timeline, events=())
        self._pieces = dict(zip(map(hash, split[1]), in_order, strict=True))


def _digest(data: bytes | memoryview) -> bytes:
    return blake2b(data, digest_size=16).digest()


_ID, _TAGS = attrgetter("id"), attrgetter("tags")


def _too_many_tags(events: tuple[Event, ...]) -> bool:
    return len(set(chain.from_iterable(map(_TAGS, events)))) > MAX_TAGS


def _split(data: bytes) -> tuple[str, list[memoryview], list[int]] | None:
    """The header (through the `events:` line), each event's bytes, and where each starts.

    The pieces are views into `data`, not copies: 63 MB less while a large file is loaded."""
    match = _EVENTS_KEY.search(data)
    if match is None:
        return None
    base = match.end()
    try:
        header = data[:base].decode()
    except UnicodeDecodeError:
        return None
    # `base` follows the "\n" that ends the events: line, so the search from base - 1 sees
    # every line from there on.
    if _TOP_LEVEL.search(data, base - 1):
        return None  # another top-level key after the events: not cut
    first = _FIRST_ITEM.search(data, base)
    if first is None:
        return None
    item = re.compile(rb"\n" + first.group(1) + rb"- ")
    starts = [m.start() + 1 for m in item.finditer(data, base - 1)]
    view = memoryview(data)
    ends = [*starts[1:], len(data)]
    return header, [view[start:end] for start, end in zip(starts, ends, strict=True)], starts


def _first_lines(data: bytes, starts: list[int], indexes: list[int]) -> dict[int, int]:
    """The line of the file at which each piece at `indexes` (in order) starts: counted only
    for the pieces to be parsed, since an edit parses one."""
    lines: dict[int, int] = {}
    line, at = 1, 0
    for index in indexes:
        line += data.count(b"\n", at, starts[index])
        at = starts[index]
        lines[index] = line
    return lines
