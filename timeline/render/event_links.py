"""What an event's page offers besides itself: links that add the event to Google Calendar or
Outlook, and the event as schema.org JSON-LD for search engines and other machines.

The dates are the calendar's: all-day events span whole days with the day after as their end
(RFC 5545's DTEND, which both services take too: the 100th Council session, 5-7 December 2011,
is `dates=20111205/20111208`); a month or a year spans the whole of it; a time is given in UTC.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote_plus

from timeline.model import Event, EventDate, Precision, Status, Timeline
from timeline.render import prose

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/deeplink/compose"  # Office 365: outlook.office.com


def google_calendar(event: Event, timeline: Timeline) -> str:
    """Google Calendar's "add event" page, filled in with the event."""
    start, end = _span(event.date, "{Y}{m}{d}T{H}{M}{S}Z", "{Y}{m}{d}")
    fields = {"action": "TEMPLATE", "text": event.title, "dates": f"{start}/{end}"}
    fields["details"] = _details(event, timeline)
    if event.location:
        fields["location"] = event.location
    return f"{GOOGLE}?{query(fields)}"


def outlook(event: Event, timeline: Timeline) -> str:
    """Outlook on the web's "new event" page, filled in with the event."""
    start, end = _span(event.date, "{Y}-{m}-{d}T{H}:{M}:{S}Z", "{Y}-{m}-{d}")
    fields = {"path": "/calendar/action/compose", "rru": "addevent", "subject": event.title}
    fields |= {"startdt": start, "enddt": end, "body": _details(event, timeline)}
    if "T" not in start:
        fields["allday"] = "true"
    if event.location:
        fields["location"] = event.location
    return f"{OUTLOOK}?{query(fields)}"


def query(fields: dict[str, str]) -> str:
    """urllib.parse.urlencode(fields), the same bytes (the tests compare the two), a character
    at a time in C: urlencode took three quarters of the time of every event's page."""
    return "&".join(
        f"{name.translate(_ESCAPED)}={value.translate(_ESCAPED)}" for name, value in fields.items()
    )


class _Escapes(dict[int, str]):
    """Each character as quote_plus writes it, worked out the first time it is met."""

    def __missing__(self, code: int) -> str:
        escaped = quote_plus(chr(code))
        self[code] = escaped
        return escaped


_ESCAPED = _Escapes()


def _span(when: EventDate, timed: str, whole_days: str) -> tuple[str, str]:
    """The start and the end as the services want them: moments in UTC, or whole days with the
    exclusive end. A time without an end is a moment: it starts and ends then. (Not strftime:
    it drops the leading zeros of years before 1000 on glibc.)"""
    if when.precision is Precision.TIME:
        start = when.start
        end = when.end if when.end is not None else start
        assert isinstance(start, datetime) and isinstance(end, datetime)
        try:
            moments = start.astimezone(UTC), end.astimezone(UTC)
        except OverflowError:  # a time at the very ends of the calendar: the days it falls on
            pass
        else:
            return _form(moments[0], timed), _form(moments[1], timed)
    return _form(when.first_day(), whole_days), _form(when.day_after(), whole_days)


def _form(moment: date, form: str) -> str:
    y, m, d = f"{moment.year:04d}", f"{moment.month:02d}", f"{moment.day:02d}"
    if not isinstance(moment, datetime):
        return form.format(Y=y, m=m, d=d)
    h, mi, sec = f"{moment.hour:02d}", f"{moment.minute:02d}", f"{moment.second:02d}"
    return form.format(Y=y, m=m, d=d, H=h, M=mi, S=sec)


def _details(event: Event, timeline: Timeline) -> str:
    return f"{event.summary}\n\n{timeline.event_url(event.id)}"


_EVENT_STATUS = {
    Status.CONFIRMED: "https://schema.org/EventScheduled",
    Status.PLANNED: "https://schema.org/EventScheduled",
    Status.CANCELLED: "https://schema.org/EventCancelled",
}


def json_ld(event: Event, timeline: Timeline) -> str:
    """The event as a schema.org Event, for a <script type="application/ld+json">: its dates at
    their precision, its status, its place, and its sources as citations. Safe inside the
    element: no "<" is left as it is, so no "</script>" can end it early."""
    when = prose.date_json(event.date)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": timeline.event_url(event.id),
        "url": timeline.event_url(event.id),
        "name": event.title,
        "description": event.summary,
        "startDate": when["start"],
        "endDate": when.get("end", when["start"]),
        "eventStatus": _EVENT_STATUS[event.status],
    }
    if event.location or event.geo:
        place: dict[str, Any] = {"@type": "Place", "name": event.location or event.title}
        if event.geo:
            geo = event.geo
            place["geo"] = {"@type": "GeoCoordinates", "latitude": geo.lat, "longitude": geo.lon}
        data["location"] = place
    if event.image:
        picture = {"@type": "ImageObject", "contentUrl": event.image.url, "description": event.image.alt}
        if event.image.credit:
            picture["creditText"] = event.image.credit
        data["image"] = picture
    citations = []
    for source in event.sources:
        cited: dict[str, Any] = {"@type": "CreativeWork", "name": source.article.title or source.article.file}
        if source.article.url:
            cited["url"] = source.article.url
        if source.article.publisher:
            cited["publisher"] = {"@type": "Organization", "name": source.article.publisher}
        cited["text"] = source.quote
        citations.append(cited)
    data["citation"] = citations
    text = json.dumps(data, ensure_ascii=False)  # no indent: the encoder written in C
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def open_graph(event: Event, timeline: Timeline) -> str:
    """The <meta property="og:…"> lines a chat or a social site reads to preview a link to the
    event's page: its headline, summary and address, and its picture with the picture's words."""
    properties = [
        ("og:type", "article"),
        ("og:site_name", timeline.title),
        ("og:title", event.headline()),
        ("og:description", event.summary),
        ("og:url", timeline.event_url(event.id)),
    ]
    if event.image:
        properties += [("og:image", event.image.url), ("og:image:alt", event.image.alt)]
    return "".join(f'<meta property="{name}" content="{html.escape(value)}">\n' for name, value in properties)
