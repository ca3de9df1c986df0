"""What the outputs look up about all of a timeline's events, listed in one pass and kept on it,
and amended after an edit instead of listed again."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from timeline.model.events import CHRONOLOGICAL, Event, Timeline
from timeline.model.kept import remembered


@dataclass(frozen=True)
class Index:
    """What the outputs look up about all of a timeline's events, listed in one pass (see
    event_index()): the events by id and by tag, those with a time and those dated to the day, and
    each one's span and year, in the timeline's order (the dictionaries are look-ups: the order
    of their keys means nothing)."""

    by_id: dict[str, Event]
    by_tag: dict[str, list[Event]]
    timed: tuple[Event, ...]
    to_the_day: tuple[Event, ...]
    spans: tuple[tuple[date, date], ...]
    years: tuple[int, ...]


def event_index(timeline: Timeline) -> Index:
    """The timeline's Index, kept on it. One pass over 10,000 events, which lie scattered in
    memory, cost a third of the six passes it replaces, each in C: the time goes to reaching
    each event, not to what is done with it."""
    return remembered(timeline, "_index", _make_index)


def _make_index(timeline: Timeline) -> Index:
    by_id: dict[str, Event] = {}
    by_tag: dict[str, list[Event]] = {}
    timed: list[Event] = []
    to_the_day: list[Event] = []
    spans: list[tuple[date, date]] = []
    years: list[int] = []
    for event in timeline.events:
        by_id[event.id] = event
        for tag in event.tags:
            by_tag.setdefault(tag, []).append(event)
        when = event.date
        if when.to_the_day:
            to_the_day.append(event)
            if when.timed:
                timed.append(event)
        spans.append(when.span)
        years.append(when.year)
    return Index(by_id, by_tag, tuple(timed), tuple(to_the_day), tuple(spans), tuple(years))


def carry_index(
    last: Timeline, timeline: Timeline, dropped: Sequence[int], inserted: Sequence[tuple[int, Event]]
) -> bool:
    """Give `timeline` the Index of `last`, amended, when its events are last's without those
    at the places `dropped` (ascending) and with each event of `inserted` then put at its place
    in turn: after an edit, a few steps instead of a pass over every event.
    Nothing is done if `last` has no Index, or if a tag comes or goes: the Index is then made
    when it is asked for. True if it was carried (and so the timeline has no tag `last` had not)."""
    index: Index | None = last.__dict__.get("_index")
    if index is None:
        return False
    by_id, by_tag = dict(index.by_id), dict(index.by_tag)
    timed, to_the_day = list(index.timed), list(index.to_the_day)
    spans, years = list(index.spans), list(index.years)
    changed: set[str] = set()  # the tags whose list is a copy already

    def tagged(tag: str) -> list[Event]:
        if tag not in changed:
            changed.add(tag)
            by_tag[tag] = list(by_tag[tag])
        return by_tag[tag]

    for place in reversed(dropped):
        event = last.events[place]
        del spans[place], years[place], by_id[event.id]
        for tag in event.tags:
            _take_out(tagged(tag), event)
        if event.date.to_the_day:
            _take_out(to_the_day, event)
            if event.date.timed:
                _take_out(timed, event)
    for place, event in inserted:
        spans.insert(place, event.date.span)
        years.insert(place, event.date.year)
        by_id[event.id] = event
        if any(tag not in by_tag for tag in event.tags):
            return False  # a new tag
        for tag in event.tags:
            bisect.insort(tagged(tag), event, key=CHRONOLOGICAL)
        if event.date.to_the_day:
            bisect.insort(to_the_day, event, key=CHRONOLOGICAL)
            if event.date.timed:
                bisect.insort(timed, event, key=CHRONOLOGICAL)
    if not all(map(by_tag.__getitem__, changed)):
        return False  # a tag no event has any more
    amended = Index(by_id, by_tag, tuple(timed), tuple(to_the_day), tuple(spans), tuple(years))
    object.__setattr__(timeline, "_index", amended)
    return True


def _take_out(events: list[Event], event: Event) -> None:
    """Remove `event` itself from `events`, which are in the timeline's order: found by its
    place in time, not by comparing it with every other (which compares every field)."""
    place = bisect.bisect_left(events, CHRONOLOGICAL(event), key=CHRONOLOGICAL)
    while events[place] is not event:
        place += 1
    del events[place]
