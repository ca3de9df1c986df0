"""Loading the same events file again and again, reparsing only the events whose text changed.

The daemon rebuilds on every save; parsing is the largest part of a build at scale, and a save
usually touches one event. The file is cut into its header and one piece of text per event (at
the lines where the events list's items start); an event whose text, header and position are
unchanged is taken from the last load. Anything unusual (a key after `events:`, a flow-style
list, a problem in any piece, a repeated id) falls back to a full parse, which reports the
problems exactly as `timeline validate` does.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from timeline.errors import ValidationError
from timeline.load import parse_event, parse_in_order, read, text_of
from timeline.model import Event, Timeline

_EVENTS_KEY = re.compile(r"^events:[ \t]*(#.*)?\n", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^[^\s#-]", re.MULTILINE)


class Reloader:
    """An events file's Timeline, kept between loads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._text: str | None = None
        self._timeline: Timeline | None = None
        self._header: str | None = None
        self._header_timeline: Timeline | None = None  # the header's settings, with no events
        self._pieces: dict[str, Event] = {}  # an event's text -> the event it reads as

    def load(self) -> Timeline:
        """The timeline as the file is now; ValidationError lists every problem."""
        text = text_of(read(self.path), str(self.path))
        if text == self._text and self._timeline is not None:
            return self._timeline
        timeline = self._by_pieces(text)
        if timeline is None:
            # Anything the pieces could not read: the full parse reports it exactly.
            timeline, in_order = parse_in_order(text, str(self.path))
            self._remember(_split(text), in_order, timeline)
        self._text, self._timeline = text, timeline
        return timeline

    def _by_pieces(self, text: str) -> Timeline | None:
        """The timeline read one event at a time, reusing the events whose text is unchanged.

        One event's YAML nodes exist at a time, so a large file is read in bounded memory."""
        split = _split(text)
        if split is None:
            return None
        header, pieces = split
        if header != self._header or self._header_timeline is None:
            try:
                self._header_timeline = parse_in_order(header + "  []\n", str(self.path))[0]
            except ValidationError:
                return None
            self._header, self._pieces = header, {}
        events: list[Event] = []
        fresh: dict[str, Event] = {}
        ids: dict[str, int] = {}
        for index, (piece, first_line) in enumerate(pieces):
            # Keyed by text alone: an event moved by an edit above it is still the same event.
            event = self._pieces.get(piece)
            if event is None:
                try:
                    event = parse_event(piece, str(self.path), first_line, index, self._header_timeline, ids)
                except ValidationError:
                    return None
            fresh[piece] = event
            events.append(event)
        if len({e.id for e in events}) != len(events):
            return None  # a repeated id: the full parse says where both are
        self._pieces = fresh
        ordered = tuple(sorted(events, key=lambda e: (e.date.sort_key(), e.id)))
        return replace(self._header_timeline, events=ordered)

    def _remember(
        self, split: tuple[str, list[tuple[str, int]]] | None, in_order: list[Event], timeline: Timeline
    ) -> None:
        if split is None or len(split[1]) != len(in_order):
            self._header, self._header_timeline, self._pieces = None, None, {}
            return
        self._header, self._header_timeline = split[0], replace(timeline, events=())
        self._pieces = {text: event for (text, _), event in zip(split[1], in_order, strict=True)}


def _split(text: str) -> tuple[str, list[tuple[str, int]]] | None:
    """The header (through the `events:` line) and each event's (text, first line number)."""
    match = _EVENTS_KEY.search(text)
    if match is None:
        return None
    header, body = text[: match.end()], text[match.end() :]
    if _TOP_LEVEL.search(body):
        return None  # another top-level key after the events: not cut
    first = re.search(r"^( *)- ", body, re.MULTILINE)
    if first is None:
        return None
    starts = [m.start() for m in re.finditer(rf"^{first.group(1)}- ", body, re.MULTILINE)]
    line = header.count("\n") + 1 + body.count("\n", 0, starts[0])
    pieces = []
    for start, end in zip(starts, [*starts[1:], len(body)], strict=True):
        piece = body[start:end]
        pieces.append((piece, line))
        line += piece.count("\n")
    return header, pieces
