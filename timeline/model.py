"""The plain data at the centre: a timeline of dated, sourced events. No I/O here."""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Any, Generic, TypeVar, overload

Owner = TypeVar("Owner")
T = TypeVar("T")


def remembered(owner: Owner, name: str, compute: Callable[[Owner], T]) -> T:
    """`compute(owner)`, worked out once per object and kept on it: the model's objects are frozen
    (so the value cannot go stale) and asked for the same derived values by every output, for
    every event of every build (so no closure is made to ask)."""
    try:
        return owner.__dict__[name]  # type: ignore[no-any-return]
    except KeyError:
        value = compute(owner)
        object.__setattr__(owner, name, value)
        return value


class kept(Generic[Owner, T]):
    """functools.cached_property without its lock: Python 3.11 takes one at every first look,
    and a build looks at each of 100,000 events' dates and revisions for the first time (a
    third of the time of such a pass). The value is kept in the object's __dict__, which
    answers every later look without calling here."""

    def __init__(self, compute: Callable[[Owner], T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type[Owner], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: Any = None) -> kept[Owner, T]: ...
    @overload
    def __get__(self, instance: Owner, owner: Any = None) -> T: ...
    def __get__(self, instance: Owner | None, owner: Any = None) -> T | kept[Owner, T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


class Precision(StrEnum):
    """How much of a date the evidence states."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    TIME = "time"


class Certainty(StrEnum):
    """Whether the articles state the date or we worked it out."""

    STATED = "stated"
    INFERRED = "inferred"
    APPROXIMATE = "approximate"


class Status(StrEnum):
    """Whether the event happened, is planned, or was called off."""

    CONFIRMED = "confirmed"
    PLANNED = "planned"
    CANCELLED = "cancelled"


_MONTHS = tuple(calendar.month_name)


DateOrder = int  # see EventDate.chronological_key


@dataclass(frozen=True)
class EventDate:
    """A date of honest precision: one point, or an inclusive range of the same precision.

    `start` and `end` are the first day of the period they name (1987 -> 1987-01-01), or aware
    datetimes at TIME precision; `end` is None for a single point.
    """

    start: date
    precision: Precision
    end: date | None = None

    @property
    def is_range(self) -> bool:
        return self.end is not None

    @property
    def last(self) -> date:
        """The start of the last period covered (the end of a range, else the start)."""
        return self.end if self.end is not None else self.start

    def first_day(self) -> date:
        """The first calendar day the date covers."""
        return _as_day(self.start)

    def day_after(self) -> date:
        """The first calendar day after the date: an exclusive end, as iCalendar wants it."""
        return self._day_after

    @kept
    def _day_after(self) -> date:
        last = self.last
        if self.precision is Precision.YEAR:
            return date(last.year + 1, 1, 1)
        if self.precision is Precision.MONTH:
            return date(last.year + 1, 1, 1) if last.month == 12 else date(last.year, last.month + 1, 1)
        return _as_day(last) + timedelta(days=1)

    def sort_key(self) -> tuple[date, date]:
        """Chronological order: by first day, then by how far the date reaches."""
        return self.span

    # Kept on the date once worked out: dates are kept from build to build with their events,
    # and every build lists these of them all (see event_index).
    @kept
    def span(self) -> tuple[date, date]:
        """The first day covered and the day after the last (an exclusive end)."""
        return (self.first_day(), self.day_after())

    @kept
    def timed(self) -> bool:
        """Whether the date has a time of day."""
        return self.precision is Precision.TIME

    @kept
    def to_the_day(self) -> bool:
        """Whether the date names a day (with or without a time)."""
        return self.precision in (Precision.DAY, Precision.TIME)

    @kept
    def year(self) -> int:
        """The year of the first day covered."""
        return self.first_day().year

    def chronological_key(self) -> DateOrder:
        """Where the date goes in the timeline: by sort_key(), then by a time's moment, before
        which a whole day goes; as one number, which sorts 100,000 events in a third of the
        time a tuple of dates takes."""
        return self._chronological_key

    @kept
    def _chronological_key(self) -> DateOrder:
        first, after = self.span
        start = self.start
        moment = 0  # a whole day: before any time of it
        if isinstance(start, datetime):
            # Since the first moment a date can have, in UTC, as a timedelta (a moment of year 1
            # east of Greenwich has none in UTC), two days later so that it is never negative.
            since = start.replace(tzinfo=None) - _FIRST_MOMENT - (start.utcoffset() or timedelta())
            moment = (since + _TWO_DAYS) // _MICROSECOND + 1
        # Each part in bits of its own: days since year 1 take 22 bits, microseconds to 9999 60.
        return (first.toordinal() << 22 | after.toordinal()) << 64 | moment

    def label(self) -> str:
        """The date as a reader should see it, never more precise than stated: "1987",
        "December 2011", "5–7 December 2011"."""
        return self._label

    @kept
    def _label(self) -> str:
        if self.end is None:
            return _point_label(self.start, self.precision)
        start, end = self.start, self.end
        if self.precision is Precision.YEAR:
            return f"{start.year}–{end.year}"
        if self.precision is Precision.MONTH:
            if start.year == end.year:
                return f"{_MONTHS[start.month]}–{_MONTHS[end.month]} {end.year}"
            return f"{_point_label(start, self.precision)} – {_point_label(end, self.precision)}"
        if self.precision is Precision.DAY:
            if start.year == end.year and start.month == end.month:
                return f"{start.day}–{end.day} {_MONTHS[end.month]} {end.year}"
            if start.year == end.year:
                return f"{start.day} {_MONTHS[start.month]} – {_point_label(end, self.precision)}"
        if isinstance(start, datetime) and isinstance(end, datetime) and start.date() == end.date():
            return f"{_point_label(start, Precision.DAY)}, {start:%H:%M}–{end:%H:%M} {end.tzname()}"
        return f"{_point_label(start, self.precision)} – {_point_label(end, self.precision)}"


_FIRST_MOMENT = datetime(1, 1, 1)
_TWO_DAYS, _MICROSECOND = timedelta(days=2), timedelta(microseconds=1)


def _as_day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _point_label(value: date, precision: Precision) -> str:
    if precision is Precision.YEAR:
        return str(value.year)
    if precision is Precision.MONTH:
        return f"{_MONTHS[value.month]} {value.year}"
    day = f"{value.day} {_MONTHS[value.month]} {value.year}"
    if precision is Precision.DAY or not isinstance(value, datetime):
        return day
    return f"{day}, {value:%H:%M} {value.tzname()}"


@dataclass(frozen=True)
class Article:
    """A source document: its file name in the seeds folder and what it says of itself."""

    file: str
    title: str | None = None
    publisher: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Source:
    """Where an event comes from: the article and the sentence quoted verbatim."""

    article: Article
    quote: str


@dataclass(frozen=True)
class Event:
    """One dated fact."""

    id: str
    title: str
    summary: str
    date: EventDate
    sources: tuple[Source, ...]
    certainty: Certainty = Certainty.STATED
    date_note: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    status: Status = Status.CONFIRMED

    def chronological_key(self) -> tuple[DateOrder, str]:
        """The timeline's order, which every output keeps: by date (see
        EventDate.chronological_key), then by id. CHRONOLOGICAL reads it in C."""
        return self._chronological_key

    @kept
    def _chronological_key(self) -> tuple[DateOrder, str]:
        return (self.date.chronological_key(), self.id)

    def date_label(self) -> str:
        """The date label, with a visible marker when the date is not stated as such."""
        return marked_label(self.date, self.certainty)

    def headline(self) -> str:
        """How feeds title the event: the date first, since readers show when an entry was
        published, not when the event happened: "5–7 December 2011 (inferred): …"."""
        return f"{self.date_label()}: {self.title}"


def marked_label(when: EventDate, certainty: Certainty) -> str:
    """The date's label, marked when the date is not stated as such: "2011 (inferred)"."""
    label = when.label()
    if certainty is Certainty.STATED:
        return label
    return f"{label} ({certainty.value})"


# Event.chronological_key() as a sort key read in C: sorting 100,000 events by the method took
# three times as long (a call an event).
CHRONOLOGICAL = attrgetter("_chronological_key")


@dataclass(frozen=True)
class Author:
    name: str
    email: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Timeline:
    """The whole list: metadata from the file's header and the events in chronological order."""

    title: str
    description: str
    base_url: str
    id_authority: str
    author: Author
    language: str
    timezone: str
    events: tuple[Event, ...]
    articles: tuple[Article, ...] = ()
    refresh_minutes: int = 60
    removed_grace_days: int = 30
    feed_entries: int = 100  # entries in a subscription feed; older ones go to archive pages

    @property
    def id_domain(self) -> str:
        """The domain of the tag: authority, which also scopes calendar UIDs."""
        return self.id_authority.split(",", 1)[0]

    def tag_uri(self, specific: str) -> str:
        """A permanent RFC 4151 tag: URI under this timeline's authority."""
        return f"tag:{self.id_authority}:{specific}"

    def url(self, path: str) -> str:
        """An absolute URL under the timeline's base URL."""
        return self.base_url + path.lstrip("/")


Version = tuple[str, str, int, datetime]  # see Revision.version


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
    in turn: after an edit, a few steps instead of a pass over every event (25 ms at 10,000).
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


@dataclass(frozen=True)
class Revision:
    """What the history knows of one event: when it was first published and last changed.

    `title` and `date` are kept so that a removed event can still be announced as cancelled.
    """

    event_id: str
    content_hash: str
    first_published: datetime
    last_changed: datetime
    sequence: int
    title: str
    date: EventDate
    removed: datetime | None = None
    tags: tuple[str, ...] = ()
    # What a reader sees of the event, compact (long texts as digests), to say what changed.
    facts: str = ""  # the values of history.FACTS, joined by U+001F

    @kept
    def version(self) -> Version:
        """What names this version of the event: its content hash covers every field, the
        sequence and time the stamps. Rendered pieces are remembered under it."""
        return (self.event_id, self.content_hash, self.sequence, self.last_changed)


@dataclass(frozen=True)
class Change:
    """One real change to the timeline, as the changes feed announces it. What its entry says
    is settled when the change is made: a reader keeps the entry, and whatever later happens
    to the event (edited, removed, put back) must not rewrite it."""

    at: datetime
    event_id: str
    kind: str  # added, changed, removed or restored
    sequence: int
    name: str  # the event as the entry names it then: "1987: IOM begins working in Vietnam"
    link: str  # where the entry points, under the base URL: "#<event id>", or "" for the page
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class History:
    """Revisions by event id. Timestamps in the outputs come from here, never from the clock."""

    revisions: tuple[Revision, ...] = ()
    changes: tuple[Change, ...] = ()
    # (event id, last sequence) of removed events forgotten after the grace period
    forgotten: tuple[tuple[str, int], ...] = ()

    def get(self, event_id: str) -> Revision:
        return self._by_id[event_id]

    def by_id(self) -> dict[str, Revision]:
        """The revisions by event id: a copy to change at will (made in C from the one kept)."""
        return dict(self._by_id)

    def versions(self) -> dict[str, Version]:
        """Each event's Revision.version by id: a build looks up every event's, view by view."""
        return self._versions

    def versions_of(self, events: tuple[Event, ...]) -> tuple[Version, ...]:
        """Each event's Revision.version, in order: kept for the very tuple asked about (a
        timeline's events, a view's), which a build asks about for each output it makes."""
        held = self._versions_of.get(id(events))
        if held is None or held[0] is not events:
            versions = tuple(map(self._versions.__getitem__, map(attrgetter("id"), events)))
            held = self._versions_of[id(events)] = (events, versions)
        return held[1]

    def removed(self) -> tuple[Revision, ...]:
        """Events taken out of the timeline that calendars must still hear were cancelled."""
        return self._removed

    def newest_change(self, event_ids: frozenset[str] | None = None) -> datetime:
        """When anything (or any of `event_ids`) last changed: a feed's `updated`."""
        if event_ids is None:
            return self._newest_change
        return max((r.last_changed for r in self.revisions if r.event_id in event_ids), default=EPOCH)

    # Worked out once per object (the history is frozen) and read by every output, event by
    # event; in one pass over the revisions, which lie scattered in memory (see event_index).
    @property
    def _by_id(self) -> dict[str, Revision]:
        return self._lookups[0]

    @property
    def _versions(self) -> dict[str, Version]:
        return self._lookups[1]

    @property
    def _newest_change(self) -> datetime:
        return self._lookups[2]

    @property
    def _removed(self) -> tuple[Revision, ...]:
        return self._lookups[3]

    @kept
    def _lookups(self) -> tuple[dict[str, Revision], dict[str, Version], datetime, tuple[Revision, ...]]:
        by_id: dict[str, Revision] = {}
        versions: dict[str, Version] = {}
        newest: datetime | None = None
        removed: list[Revision] = []
        for revision in self.revisions:
            by_id[revision.event_id] = revision
            versions[revision.event_id] = revision.version
            if newest is None or revision.last_changed > newest:
                newest = revision.last_changed
            if revision.removed is not None:
                removed.append(revision)
        return by_id, versions, EPOCH if newest is None else newest, tuple(removed)

    @kept
    def _versions_of(self) -> dict[int, tuple[tuple[Event, ...], tuple[Version, ...]]]:
        return {}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
