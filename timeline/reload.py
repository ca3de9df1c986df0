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
from timeline.load import parse_in_order, read, text_of
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
        self._pieces: dict[str, Event] = {}  # an event's text -> the event it reads as

    def load(self) -> Timeline:
        """The timeline as the file is now; ValidationError lists every problem."""
        text = text_of(read(self.path), str(self.path))
        if text == self._text and self._timeline is not None:
            return self._timeline
        split = _split(text)
        timeline = self._from_pieces(*split) if split and split[0] == self._header else None
        if timeline is None:
            timeline, in_order = parse_in_order(text, str(self.path))
            self._remember(split, in_order)
        self._text, self._timeline = text, timeline
        return timeline

    def _from_pieces(self, header: str, pieces: list[tuple[str, int]]) -> Timeline | None:
        assert self._timeline is not None
        events: list[Event] = []
        fresh: dict[str, Event] = {}
        for index, (text, first_line) in enumerate(pieces):
            # Keyed by text alone: an event moved by an edit above it is still the same event.
            event = self._pieces.get(text)
            if event is None:
                event = self._parse_piece(header, text, first_line, index)
                if event is None:
                    return None
            fresh[text] = event
            events.append(event)
        if len({e.id for e in events}) != len(events):
            return None  # a repeated id: the full parse says where both are
        self._pieces = fresh
        ordered = tuple(sorted(events, key=lambda e: (e.date.sort_key(), e.id)))
        return replace(self._timeline, events=ordered)

    def _parse_piece(self, header: str, text: str, first_line: int, index: int) -> Event | None:
        # Blank lines put the piece at its own line numbers, so positions stay the file's.
        padded = header + "\n" * (first_line - header.count("\n") - 1) + text
        try:
            _, in_order = parse_in_order(padded, str(self.path), index_offset=index)
        except ValidationError:
            return None
        return in_order[0] if len(in_order) == 1 else None

    def _remember(self, split: tuple[str, list[tuple[str, int]]] | None, in_order: list[Event]) -> None:
        if split is None or len(split[1]) != len(in_order):
            self._header, self._pieces = None, {}
            return
        self._header = split[0]
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
