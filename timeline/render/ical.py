"""iCalendar (RFC 5545), with the icalendar library (the only module that imports it).

Dates keep their precision: a day is an all-day event; a month or a year is an all-day event
spanning the whole month or year, its summary ending in the label ("(1987)") so that no
calendar shows 1 January 1987 as if that were the day. DTEND is exclusive, as RFC 5545 says.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable
from datetime import date, datetime, timedelta
from functools import cache, partial
from zoneinfo import ZoneInfo

import icalendar

from timeline.model import (
    CHRONOLOGICAL,
    DateOrder,
    Event,
    EventDate,
    History,
    Precision,
    Revision,
    Status,
    Timeline,
    degrees,
    event_index,
    event_path,
    remembered,
)
from timeline.model.languages import Words, words
from timeline.render import prose
from timeline.render.channel import View
from timeline.render.fragments import Key, each, fragment
from timeline.render.ical_lines import component, escaped, utc, ymd
from timeline.render.pieces import Content, Pieces

PRODID = "-//timeline//timeline event feeds//EN"
_END = b"END:VCALENDAR\r\n"
_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})  # icalendar writes the calendar's head; the events go before this

_STATUS = {
    Status.CONFIRMED: "CONFIRMED",
    Status.PLANNED: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
}


def render(
    timeline: Timeline,
    history: History,
    view: View | None = None,
    selected: Timeline | None = None,
) -> dict[str, Content]:
    """The calendar of a view: its events, plus removed ones announced as cancelled."""
    view = view or View()
    stem = view.stem
    whole = timeline
    years = timezone_years(whole)
    timeline = selected or view.select(whole)
    path, zones = view.path("ics"), _zone_names(_timed_in(view, timeline, whole))
    head_key = ("calendar head", path, zones, years)
    head = fragment(head_key, partial(_head, timeline, path, zones, years))
    base, domain = timeline.base_url, timeline.id_domain
    say = words(timeline.language)
    events = timeline.events
    versions = history.versions_of(events)

    def one(place: int) -> bytes:
        event = events[place]
        make = partial(_vevent_fragment, event, history.get(event.id), base, domain, say)
        return fragment(("vevent", versions[place]), make)

    # In the timeline's order, which is the calendar's: some clients show events as they come.
    body: list[bytes] = each("vevents", versions, one)
    cancelled = sorted(view.removed(history), key=_revision_order, reverse=True)
    places = [bisect.bisect(events, _revision_order(r), key=CHRONOLOGICAL) for r in cancelled]
    for place, revision in zip(places, cancelled, strict=True):  # from the last, so places stay
        body.insert(place, _cancelled(revision, base, domain).encode())
    return {f"{stem}.ics": Pieces((head, *body, _END))}


def _head(timeline: Timeline, path: str, zones: tuple[str, ...], years: tuple[date, date] | None) -> bytes:
    """A view's calendar up to its first VEVENT: icalendar's, remembered (a VTIMEZONE takes it
    tens of milliseconds)."""
    calendar = _calendar(timeline, timeline.title, path)
    calendar.add("description", timeline.description)
    calendar.add("x-wr-caldesc", icalendar.vText(timeline.description))
    calendar.add("x-wr-timezone", icalendar.vText(timeline.timezone))
    calendar.add("url", timeline.base_url)
    # Zones before the events that use them: some clients read the file in one pass.
    if years is not None:
        for zone in zones:
            calendar.add_component(_timezone(zone, *years))
    head: bytes = calendar.to_ical()
    return head[: -len(_END)]


def event_calendar(timeline: Timeline, history: History, event: Event) -> bytes:
    """A calendar of the one event, to import from its page: its VEVENT as timeline.ics has it
    (the same UID, SEQUENCE and times), and the VTIMEZONE its times need."""
    base, domain, years = timeline.base_url, timeline.id_domain, timezone_years(timeline)
    say = words(timeline.language)
    make = partial(_vevent_fragment, event, history.get(event.id), base, domain, say)
    vevent = fragment(("vevent", history.versions()[event.id]), make)
    name = escaped(event.title)
    # No METHOD: iTIP's PUBLISH would ask for an ORGANIZER the timeline has not (libical says so).
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + PRODID, "CALSCALE:GREGORIAN"]
    zones = b"".join(_vtimezone(zone, *years) for zone in _zone_names((event,)) if years)
    return component([*head, "NAME:" + name, "X-WR-CALNAME:" + name]).encode() + zones + vevent + _END


def _revision_order(revision: Revision) -> tuple[DateOrder, str]:
    # Where a removed event went in the timeline (see Event.chronological_key).
    return (revision.date.chronological_key(), revision.event_id)


def _vevent_fragment(event: Event, revision: Revision, base_url: str, domain: str, say: Words) -> bytes:
    # Remembered as UTF-8: half the memory of Python's text for Vietnamese, and joined as is.
    return vevent(event, revision, base_url, domain, say).encode()


def timezone_years(timeline: Timeline) -> tuple[date, date] | None:
    """The years every calendar's VTIMEZONEs cover: those of the whole timeline's timed events,
    a year either side. The same for all views, so each zone is computed once a build (icalendar
    is slow at it), at the cost of a tag's calendar covering a few more years."""
    return remembered(timeline, "_timezone_years", _timezone_years)


def _timezone_years(timeline: Timeline) -> tuple[date, date] | None:
    moments = [moment for event in _timed(timeline) for moment in (event.date.start, event.date.last)]
    if not moments:
        return None
    # Within the years a date can have.
    return date(max(min(m.year for m in moments) - 1, 1), 1, 1), date(
        min(max(m.year for m in moments) + 2, 9999), 1, 1
    )


def _timed(timeline: Timeline) -> tuple[Event, ...]:
    """The events with a time (the only dates that are datetimes): what the VTIMEZONEs are for."""
    return event_index(timeline).timed


def _timed_in(view: View, selected: Timeline, whole: Timeline) -> Iterable[Event]:
    """The timed events of a view, found among the whole timeline's, which a build lists once,
    rather than among all the view's events."""
    if selected.events is whole.events:
        return _timed(whole)
    if (tag := view.only_tag) is not None:
        return [event for event in _timed(whole) if tag in event.tags]
    return _timed(selected)


def _zone_names(timed: Iterable[Event]) -> tuple[str, ...]:
    """The zones of the timed events, each to have a VTIMEZONE, sorted so that the output is
    stable (icalendar's add_missing_timezones() follows set order, which changes between runs)."""
    zones = {
        zone.key
        for event in timed
        for moment in (event.date.start, event.date.last)
        if isinstance(zone := getattr(moment, "tzinfo", None), ZoneInfo)
    }
    # UTC times are written with Z (see _moment) and need no VTIMEZONE.
    return tuple(sorted(zones - _UTC_NAMES))


@cache
def _vtimezone(zone: str, first: date, last: date) -> bytes:
    return bytes(_timezone(zone, first, last).to_ical())


@cache
def _timezone(zone: str, first: date, last: date) -> icalendar.Timezone:
    # Computing transitions is slow (icalendar asks callers to cache it); the result is only read.
    timezone = icalendar.Timezone.from_tzid(zone, first_date=first, last_date=last)
    # icalendar notes the covered years in a COMMENT, which RFC 5545 does not allow in a
    # VTIMEZONE (only in its STANDARD and DAYLIGHT parts); libical flags it as an error.
    timezone.pop("COMMENT", None)
    return timezone


def vevent(event: Event, revision: Revision, base_url: str, domain: str, say: Words) -> str:
    """One event's VEVENT, its words in `say`'s language, written directly: icalendar's object
    model and line folding take two thirds of a build at scale. The tests check every line
    against icalendar, byte for byte."""
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _summary(event.title, event.date),
        *_dates(event.date),
        *_stamps(revision, domain),
    ]
    if event.tags:
        lines.append("CATEGORIES:" + ",".join(escaped(tag) for tag in event.tags))
    lines.append("CREATED:" + utc(revision.first_published))
    lines.append("DESCRIPTION:" + escaped(prose.text(event, say)))
    if event.geo:
        lines.append(f"GEO:{degrees(event.geo.lat)};{degrees(event.geo.lon)}")
    if event.image:  # RFC 7986; a URI is not TEXT: nothing escaped
        lines.append("IMAGE;VALUE=URI:" + event.image.url)
    lines.append("LAST-MODIFIED:" + utc(revision.last_changed))
    if event.location:
        lines.append("LOCATION:" + escaped(event.location))
    lines += [
        "STATUS:" + _STATUS[event.status],
        "TRANSP:TRANSPARENT",
        f"URL:{base_url}{event_path(event.id)}",
        "END:VEVENT",
    ]
    return component(lines)


def _summary(title: str, when: EventDate) -> str:
    # A month or a year is no day: the summary says which period the whole-period event means.
    if when.precision in (Precision.YEAR, Precision.MONTH):
        title += f" ({when.label()})"
    return escaped(title)


def _cancelled(revision: Revision, base_url: str, domain: str) -> str:
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _summary(revision.title, revision.date),
        *_dates(revision.date),
        *_stamps(revision, domain),
        "CREATED:" + utc(revision.first_published),
        "DESCRIPTION:Removed from the timeline.",
        "LAST-MODIFIED:" + utc(revision.last_changed),
        "STATUS:CANCELLED",
        "TRANSP:TRANSPARENT",
        f"URL:{base_url}{event_path(revision.event_id)}",  # its page says it was removed
        "END:VEVENT",
    ]
    return component(lines)


class _Text(icalendar.vText):
    """TEXT escaped as the events' text is (ical_lines.escaped): a line break in the header's
    title is an escape, never a raw CR or LF in the calendar's head."""

    def to_ical(self) -> bytes:
        return escaped(str(self)).encode()


def _calendar(timeline: Timeline, name: str, path: str) -> icalendar.Calendar:
    """A calendar's head: who made it, its name, where it lives and how often to refresh it."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", _Text(name))
    calendar.add("x-wr-calname", _Text(name))
    calendar.add("source", timeline.url(path), parameters={"VALUE": "URI"})
    refresh = timedelta(minutes=timeline.refresh_minutes)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(refresh))
    return calendar


def _stamps(revision: Revision, domain: str) -> list[str]:
    # A published calendar's DTSTAMP is when its information last changed (RFC 5545 3.8.7.2).
    return [
        "DTSTAMP:" + utc(revision.last_changed),
        "UID:" + escaped(f"{revision.event_id}@{domain}"),
        f"SEQUENCE:{revision.sequence}",
    ]


def _dates(when: EventDate) -> list[str]:
    if when.precision is Precision.TIME:
        lines = ["DTSTART" + _moment(when.start)]
        if when.end is not None:
            lines.append("DTEND" + _moment(when.end))
        return lines
    return [f"DTSTART;VALUE=DATE:{ymd(when.first_day())}", f"DTEND;VALUE=DATE:{ymd(when.day_after())}"]


def _moment(value: date) -> str:
    assert isinstance(value, datetime)
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key not in _UTC_NAMES:
        return f";TZID={zone.key}:{ymd(value)}T{value:%H%M%S}"
    return ":" + utc(value)


ANNIVERSARIES = "anniversaries.ics"


def anniversaries_key(timeline: Timeline, history: History) -> Hashable:
    """Everything the anniversaries calendar shows: not made again while this stays the same."""
    versions = history.versions_of(_dated_to_the_day(timeline))
    return Key(("anniversaries", versions))


def anniversaries(timeline: Timeline, history: History) -> dict[str, Content]:
    """A calendar of yearly recurring all-day events, one per event dated to the day.

    An anniversary shows its event's description, the longest line of both: it is not written
    again but read from the event's VEVENT, which a build's cache holds anyway (50 MB less at 100,000
    events); only the lines around it are remembered for the anniversary, run by run."""
    say = words(timeline.language)
    calendar = _calendar(timeline, say("{timeline}: anniversaries", timeline=timeline.title), ANNIVERSARIES)
    base, domain = timeline.base_url, timeline.id_domain
    events = _dated_to_the_day(timeline)
    versions = history.versions_of(events)

    def one(place: int) -> _Anniversary:
        event = events[place]
        revision = history.get(event.id)
        make = partial(_vevent_fragment, event, revision, base, domain, say)
        vevent = fragment(("vevent", versions[place]), make)
        start = vevent.index(b"\r\nDESCRIPTION:") + 2
        # A folded line goes on after "\r\n ", so this is where the description ends.
        end = vevent.index(b"\r\nLAST-MODIFIED:", start) + 2
        return (*_anniversary_around(event, revision, base, domain, say), vevent, start, end)

    body: list[bytes | memoryview] = []
    for before, after, vevent, start, end in each("anniversary runs", versions, one):
        body += (before, memoryview(vevent)[start:end], after)
    head = calendar.to_ical()
    return {ANNIVERSARIES: Pieces((head[: -len(_END)], *body, _END))}


# An anniversary's lines before its description and after, and where in its event's VEVENT
# the description is.
_Anniversary = tuple[bytes, bytes, bytes, int, int]


def _anniversary_around(
    event: Event, revision: Revision, base_url: str, domain: str, say: Words
) -> tuple[bytes, bytes]:
    """An anniversary's lines before its description (its event's, read from the VEVENT), and
    after."""
    day = event.date.first_day()
    stamps = _stamps(revision, domain)
    # A different object from the event itself, so a different UID.
    stamps[1] = "UID:" + escaped(f"{event.id}.anniversary@{domain}")
    # 29 February recurs on the last day of February in other years.
    rule = "FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2" if (day.month, day.day) == (2, 29) else "FREQ=YEARLY"
    before = [
        "BEGIN:VEVENT",
        "SUMMARY:" + escaped(say("Anniversary: {title} ({year})", title=event.title, year=day.year)),
        f"DTSTART;VALUE=DATE:{ymd(day)}",
        f"DTEND;VALUE=DATE:{ymd(day + timedelta(days=1))}",
        *stamps,
        "RRULE:" + rule,
        "CREATED:" + utc(revision.first_published),
    ]
    after = [
        "LAST-MODIFIED:" + utc(revision.last_changed),
        "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT",
        f"URL:{base_url}{event_path(event.id)}",
        "END:VEVENT",
    ]
    return component(before).encode(), component(after).encode()


def _dated_to_the_day(timeline: Timeline) -> tuple[Event, ...]:
    return event_index(timeline).to_the_day
