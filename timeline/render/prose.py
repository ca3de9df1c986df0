"""How one event reads to a person, as HTML for feeds and as plain text for calendars."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from timeline.model import Certainty, Event, EventDate, Precision, Source, Status, Timeline
from timeline.model.languages import Words, marked, words

_PRECISION = {
    Precision.YEAR: marked("known to the year"),
    Precision.MONTH: marked("known to the month"),
    Precision.DAY: marked("known to the day"),
    Precision.TIME: marked("known to the minute"),
}


def isolated(text: str) -> str:
    """The text between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: an override in a title
    ends with it, where no <bdi> can go (a tooltip, an SVG label, a window's title)."""
    return f"\u2068{text}\u2069"


def date_line(event: Event, say: Words) -> str:
    """The date with its precision and how sure it is, e.g. "1987 (known to the year)"."""
    precision = say(_PRECISION[event.date.precision])
    kind = say("range, {precision}", precision=precision) if event.date.is_range else precision
    line = f"{event.date.label()} ({kind})"
    if event.certainty is not Certainty.STATED:
        certainty = say("inferred") if event.certainty is Certainty.INFERRED else say("approximate")
        line += f"; {certainty}: {event.date_note}"
    elif event.date_note:
        line += f"; {event.date_note}"
    return line


def status_line(event: Event, say: Words) -> str | None:
    if event.status is Status.CONFIRMED:
        return None
    if event.status is Status.PLANNED:
        return say("Planned: this had not happened when reported.")
    return say("Cancelled.")


def source_name(source: Source) -> str:
    article = source.article
    parts = [f"“{article.title}”" if article.title else None, article.publisher, article.file]
    return ", ".join(part for part in parts if part)


def html(event: Event, timeline: Timeline) -> str:
    """The entry content for Atom, RSS and JSON Feed. Every user string is escaped."""
    say = words(timeline.language)
    on, where, tags, sources = say("Date:"), say("Where:"), say("Tags:"), say("Sources:")
    out = [f"<p><strong>{on}</strong> {escape(date_line(event, say))}</p>"]
    status = status_line(event, say)
    if status:
        out.append(f"<p><strong>{escape(status)}</strong></p>")
    out.append(f"<p>{escape(event.summary)}</p>")
    if event.location:
        out.append(f"<p><strong>{where}</strong> {escape(event.location)}</p>")
    if event.tags:
        out.append(f"<p><strong>{tags}</strong> {escape(', '.join(event.tags))}</p>")
    out.append(f"<p><strong>{sources}</strong></p><ul>")
    for source in event.sources:
        name = escape(source_name(source))
        if source.article.url:
            name = f'<a href="{escape(source.article.url)}">{name}</a>'
        out.append(f"<li><blockquote>{escape(source.quote)}</blockquote>{name}</li>")
    out.append("</ul>")
    page = say("Its page in the timeline")
    out.append(f'<p><a href="{escape(timeline.event_url(event.id))}">{page}</a></p>')
    return "\n".join(out)


def text(event: Event, say: Words) -> str:
    """The same content as plain text, for calendar descriptions and JSON content_text."""
    out = [say("Date:") + " " + date_line(event, say)]
    status = status_line(event, say)
    if status:
        out.append(status)
    out += ["", event.summary]
    if event.location:
        out += ["", say("Where:") + " " + event.location]
    out += ["", say("Sources:")]
    for source in event.sources:
        out.append(f"- “{source.quote}” ({source_name(source)})")
    return "\n".join(out)


def date_json(when: EventDate) -> dict[str, str]:
    """The date as data, written to its precision: {"precision": "month", "start": "2011-12", ...}."""

    def point(value: date) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return value.isoformat()[: {"year": 4, "month": 7}.get(when.precision.value, 10)]

    out = {"precision": when.precision.value, "start": point(when.start), "label": when.label()}
    if when.end is not None:
        out["end"] = point(when.end)
    return out


def rfc3339(moment: datetime) -> str:
    """A UTC timestamp as feeds write it: 2026-11-23T09:00:00Z."""
    return moment.isoformat().replace("+00:00", "Z")
