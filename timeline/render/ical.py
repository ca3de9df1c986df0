"""iCalendar (RFC 5545), with the icalendar library (the only module that imports it).

Dates keep their precision: a day is an all-day event; a month or a year is an all-day event
spanning the whole month or year, its summary ending in the label ("(1987)") so that no
calendar shows 1 January 1987 as if that were the day. DTEND is exclusive, as RFC 5545 says.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import icalendar

from timeline.model import Event, EventDate, History, Precision, Revision, Status, Timeline
from timeline.render import prose
from timeline.render.channel import View

PRODID = "-//timeline//timeline event feeds//EN"

_STATUS = {
    Status.CONFIRMED: "CONFIRMED",
    Status.PLANNED: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
}


def render(timeline: Timeline, history: History, view: View | None = None) -> dict[str, bytes]:
    """The calendar of a view: its events, plus removed ones announced as cancelled."""
    view = view or View()
    stem = view.stem
    timeline, full = view.select(timeline), timeline
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", timeline.title)
    calendar.add("x-wr-calname", icalendar.vText(timeline.title))
    calendar.add("description", timeline.description)
    calendar.add("x-wr-caldesc", icalendar.vText(timeline.description))
    calendar.add("x-wr-timezone", icalendar.vText(timeline.timezone))
    calendar.add("url", timeline.base_url)
    calendar.add("source", timeline.url(view.path("ics")), parameters={"VALUE": "URI"})
    refresh = timedelta(minutes=timeline.refresh_minutes)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(refresh))
    components = [(_day_span(e.date), e.id, _event(e, history.get(e.id), timeline)) for e in timeline.events]
    components += [
        (_day_span(r.date), r.event_id, _cancelled(r, full))
        for r in history.removed()
        if view.includes_removed(r.tags, r.date.first_day(), r.date.day_after())
    ]
    # Zones before the events that use them: some clients read the file in one pass.
    for timezone in _timezones(timeline):
        calendar.add_component(timezone)
    for _, _, component in sorted(components, key=lambda c: (c[0], c[1])):
        calendar.add_component(component)
    return {f"{stem}.ics": calendar.to_ical()}


def _timezones(timeline: Timeline) -> list[icalendar.Timezone]:
    """A VTIMEZONE for each zone a timed event uses, sorted so that the output is stable
    (icalendar's add_missing_timezones() follows set order, which changes between runs)."""
    moments = [
        moment
        for event in timeline.events
        for moment in (event.date.start, event.date.last)
        if isinstance(moment, datetime)
    ]
    zones = sorted({m.tzinfo.key for m in moments if isinstance(m.tzinfo, ZoneInfo)})
    if not zones:
        return []
    first = date(min(m.year for m in moments) - 1, 1, 1)
    last = date(max(m.year for m in moments) + 2, 1, 1)
    return [_timezone(zone, first, last) for zone in zones]


@cache
def _timezone(zone: str, first: date, last: date) -> icalendar.Timezone:
    # Computing transitions is slow (icalendar asks callers to cache it); the result is only read.
    timezone = icalendar.Timezone.from_tzid(zone, first_date=first, last_date=last)
    # icalendar notes the covered years in a COMMENT, which RFC 5545 does not allow in a
    # VTIMEZONE (only in its STANDARD and DAYLIGHT parts); libical flags it as an error.
    timezone.pop("COMMENT", None)
    return timezone


def _event(event: Event, revision: Revision, timeline: Timeline) -> icalendar.Event:
    component = _stamped(revision, timeline)
    summary = event.title
    if event.date.precision in (Precision.YEAR, Precision.MONTH):
        summary += f" ({event.date.label()})"
    _add_dates(component, event.date)
    component.add("summary", summary)
    component.add("description", prose.text(event))
    if event.location:
        component.add("location", event.location)
    if event.tags:
        component.add("categories", list(event.tags))
    component.add("status", _STATUS[event.status])
    component.add("url", timeline.url("#" + event.id))
    return component


def _cancelled(revision: Revision, timeline: Timeline) -> icalendar.Event:
    component = _stamped(revision, timeline)
    _add_dates(component, revision.date)
    component.add("summary", revision.title)
    component.add("description", "Removed from the timeline.")
    component.add("status", "CANCELLED")
    return component


def _stamped(revision: Revision, timeline: Timeline) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", f"{revision.event_id}@{timeline.id_domain}")
    # A published calendar's DTSTAMP is when its information last changed (RFC 5545 3.8.7.2).
    component.add("dtstamp", revision.last_changed)
    component.add("created", revision.first_published)
    component.add("last-modified", revision.last_changed)
    component.add("sequence", revision.sequence)
    # Historical facts, not busy time: they must not block anyone's free/busy.
    component.add("transp", "TRANSPARENT")
    return component


def _add_dates(component: icalendar.Event, when: EventDate) -> None:
    if when.precision is Precision.TIME:
        component.add("dtstart", when.start)
        if when.end is not None:
            component.add("dtend", when.end)
        return
    component.add("dtstart", when.first_day())
    component.add("dtend", when.day_after())


def _day_span(when: EventDate) -> tuple[date, date, str]:
    start = when.start.isoformat() if isinstance(when.start, datetime) else ""
    return (when.first_day(), when.day_after(), start)


ANNIVERSARIES = "anniversaries.ics"


def anniversaries(timeline: Timeline, history: History) -> dict[str, bytes]:
    """A calendar of yearly recurring all-day events, one per event dated to the day."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = f"{timeline.title}: anniversaries"
    calendar.add("name", name)
    calendar.add("x-wr-calname", icalendar.vText(name))
    calendar.add("source", timeline.url(ANNIVERSARIES), parameters={"VALUE": "URI"})
    refresh = timedelta(minutes=timeline.refresh_minutes)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(refresh))
    for event in timeline.events:
        if event.date.precision not in (Precision.DAY, Precision.TIME):
            continue
        day = event.date.first_day()
        revision = history.get(event.id)
        component = _stamped(revision, timeline)
        # A different object from the event itself, so a different UID.
        component["uid"] = icalendar.vText(f"{event.id}.anniversary@{timeline.id_domain}")
        component.add("dtstart", day)
        component.add("dtend", day + timedelta(days=1))
        rule: dict[str, object] = {"freq": "yearly"}
        if (day.month, day.day) == (2, 29):
            rule.update(bymonth=2, bymonthday=-1)  # the last day of February in other years
        component.add("rrule", rule)
        component.add("summary", f"Anniversary: {event.title} ({day.year})")
        component.add("description", prose.text(event))
        component.add("status", "CONFIRMED")
        component.add("url", timeline.url("#" + event.id))
        calendar.add_component(component)
    return {ANNIVERSARIES: calendar.to_ical()}
