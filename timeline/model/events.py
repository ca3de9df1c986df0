"""The plain data at the centre: a timeline of dated, sourced events. No I/O here."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from operator import attrgetter

from timeline.model.kept import kept, remembered


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

    def certainty_word(self, certainty: Certainty) -> str:
        """How a label marks a date not stated as such: "inferred" (in another language, see
        timeline.model.languages.DateIn)."""
        return certainty.value

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
    # When it was published, as precisely as known; inferred, with the reasoning, when the
    # article does not print it. No output shows it (so no event's stamps move with it): it is
    # the year `timeline extract` gives a date written without one.
    published: EventDate | None = None
    published_certainty: Certainty = Certainty.STATED
    published_note: str | None = None


@dataclass(frozen=True)
class Source:
    """Where an event comes from: the article and the sentence quoted verbatim."""

    article: Article
    quote: str


@dataclass(frozen=True)
class Image:
    """A picture of the event: where it is, what it shows (for those who cannot see it) and
    who made it."""

    url: str
    alt: str
    credit: str | None = None


@dataclass(frozen=True)
class Geo:
    """Where the event happened, as a point in degrees north and east (WGS 84). Articles rarely
    give coordinates: most are looked up from the place they name, which `certainty` and `note`
    say, as they do for a date."""

    lat: float
    lon: float
    certainty: Certainty = Certainty.STATED
    note: str | None = None

    def label(self) -> str:
        """ "46.2044 6.1432": as GeoRSS writes a point, and the pages show it."""
        return f"{degrees(self.lat)} {degrees(self.lon)}"


def degrees(value: float) -> str:
    """Degrees as written in every output: at most 6 decimals, no exponent, no trailing zeros."""
    return f"{value + 0.0:.6f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Translation:
    """An event's words in another of the timeline's languages, marked as a translation: `by`
    says who made it, or how. A text it does not give is the default language's."""

    language: str
    by: str
    title: str | None = None
    summary: str | None = None
    date_note: str | None = None


@dataclass(frozen=True)
class TitleTranslation:
    """The timeline's title and description in another of its languages, marked as the
    events' translations are."""

    language: str
    by: str
    title: str | None = None
    description: str | None = None


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
    image: Image | None = None
    geo: Geo | None = None
    # False for an event drafted by `timeline extract` that no person has checked yet: it is
    # validated like any other but not published (see reviewed_only).
    reviewed: bool = True
    # Its words in the timeline's other languages (see timeline.model.languages).
    translations: tuple[Translation, ...] = ()
    # In the timeline as published in another language, the language its words are in when it
    # gives none (or not all) in that one: the default language's, which the page says.
    words_in: str | None = None

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
    return f"{label} ({when.certainty_word(certainty)})"


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
    # The folder the articles' files are in, relative to the events file: their quotes are
    # checked against them (timeline.source.quotes). None: not checked.
    articles_dir: str | None = None
    # WebSub hubs: named in every feed, and told when one changes (timeline.daemon.websub).
    websub_hubs: tuple[str, ...] = ()
    # The account it is followed as from the fediverse (the daemon's, timeline.fediverse): None,
    # not followable.
    fediverse_account: str | None = None
    fediverse_icon: str | None = None  # the account's picture
    # Every language it is published in, `language` (the default) first; () when only that one.
    languages: tuple[str, ...] = ()
    # Its title and description in the other languages (see timeline.model.languages).
    translations: tuple[TitleTranslation, ...] = ()

    @property
    def id_domain(self) -> str:
        """The domain of the tag: authority, which also scopes calendar UIDs."""
        return self.id_authority.split(",", 1)[0]

    def tag_uri(self, specific: str) -> str:
        """A permanent RFC 4151 tag: URI under this timeline's authority."""
        return f"tag:{self.id_authority}:{specific}"

    @property
    def default_language(self) -> str:
        """The language its words are written in outside translations (`language`, unless this
        is the timeline as published in another of its languages)."""
        return self.languages[0] if self.languages else self.language

    def own_tag_uri(self, specific: str) -> str:
        """The tag of what is this language's own: a feed, a change-log entry. An event's entry
        and calendar event are the same event in every language (tag_uri: one id, one UID),
        but a feed in Vietnamese is not the English feed, nor is what its change log says."""
        if self.language != self.default_language:
            return self.tag_uri(f"{self.language}/{specific}")
        return self.tag_uri(specific)

    def url_in(self, language: str, path: str) -> str:
        """The address of `path` as published in `language`, one of the timeline's languages
        (each other one under `<the default's base_url><language>/`)."""
        root = (
            self.base_url.removesuffix(f"{self.language}/")
            if self.language != self.default_language
            else self.base_url
        )
        return root + ("" if language == self.default_language else f"{language}/") + path

    def url(self, path: str) -> str:
        """An absolute URL under the timeline's base URL."""
        return self.base_url + path.lstrip("/")

    def event_url(self, event_id: str) -> str:
        """The permanent address of an event's own page, which feed entries and calendars link."""
        return self.base_url + event_path(event_id)

    @property
    def drafts(self) -> tuple[Event, ...]:
        """The events not reviewed yet (`reviewed: false`)."""
        return tuple(event for event in self.events if not event.reviewed)


def event_path(event_id: str) -> str:
    """Where an event's own page is, under the base URL: its address never changes."""
    return f"events/{event_id}.html"


def reviewed_only(timeline: Timeline) -> Timeline:
    """The timeline as it is published: without its drafts. The very same object when it has
    none, and the same one each time it is asked, so that what is kept by identity stays."""
    return remembered(timeline, "_reviewed_only", _without_drafts)


def _without_drafts(timeline: Timeline) -> Timeline:
    if all(event.reviewed for event in timeline.events):
        return timeline
    return replace(timeline, events=tuple(event for event in timeline.events if event.reviewed))
