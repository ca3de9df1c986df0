"""An event's own page and calendar (events/<id>.html, events/<id>.ics): written by a build with
its period's page (timeline.builder.jobs), or, in a large timeline's daemon, made when a client
first asks for one (timeline.serve.server): the same bytes either way, from here."""

from __future__ import annotations

from dataclasses import dataclass

from timeline.model import History, Timeline, event_path, remembered
from timeline.render import ical, pages

FOLDER = "events/"


@dataclass(frozen=True, slots=True)  # one an event
class Place:
    """Where an event's page sits: its place in the timeline, its period's page and the year
    that period is a month of (None: the period is a year)."""

    place: int
    period: pages.Period
    year: pages.Period | None


def outputs(timeline: Timeline, history: History, at: Place) -> dict[str, bytes]:
    """The event's page and calendar by name."""
    event = timeline.events[at.place]
    return {
        event_path(event.id): pages.event_page(event, timeline, at.period, at.year),
        pages.calendar_path(event.id): ical.event_calendar(timeline, history, event),
    }


def output(timeline: Timeline, history: History, name: str) -> bytes | None:
    """The output `name` ("events/<id>.html" or ".ics") if it is the page or calendar of an
    event the timeline publishes; None if it is not."""
    found = whose(timeline, name)
    if found is None:
        return None
    at, suffix = found
    event = timeline.events[at.place]
    if suffix == "html":
        return pages.event_page(event, timeline, at.period, at.year)
    return ical.event_calendar(timeline, history, event)


def whose(timeline: Timeline, name: str) -> tuple[Place, str] | None:
    """Where the event sits whose page or calendar `name` is ("events/<id>.html" or ".ics"),
    and which of the two ("html", "ics"); None if it is no published event's."""
    stem, dot, suffix = name.removeprefix(FOLDER).rpartition(".")
    if not name.startswith(FOLDER) or not dot or "/" in stem or suffix not in ("html", "ics"):
        return None
    at = places(timeline).get(stem)
    return (at, suffix) if at is not None else None


def places(timeline: Timeline) -> dict[str, Place]:
    """Where each event's page sits, by event id: worked out once a timeline."""
    return remembered(timeline, "_own_page_places", _places)


def _places(timeline: Timeline) -> dict[str, Place]:
    events = timeline.events
    found = {}
    for year in pages.periods(timeline):
        for place in year.places:
            found[events[place].id] = Place(place, year, None)
        for month in year.months:
            for place in month.places:
                found[events[place].id] = Place(place, month, year)
    return found
