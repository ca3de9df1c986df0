"""The feeds of news about the timeline rather than its events: one entry per change to it (the
changes feed), and the anniversaries that fell on each of the last days (on this day)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from timeline.model import (
    Event,
    EventDate,
    History,
    Precision,
    Timeline,
    remembered,
)
from timeline.model.languages import Words, marked, marked_plural, words
from timeline.render import prose
from timeline.render.channel import Channel, Entry

CHANGES_SHOWN = 100  # entries in the changes feed; the history keeps more


_CHANGE_VERBS = {
    "added": marked("Added"),
    "changed": marked("Updated"),
    "removed": marked("Removed"),
    "restored": marked("Restored"),
    "notice": marked("About this timeline"),
}


def changes_channel(timeline: Timeline, history: History) -> Channel:
    """One entry per real change to the timeline, newest first, saying what changed."""
    entries = []
    say = words(timeline.language)
    # Each entry says what the change recorded, not what the event says now (see Change).
    for change in reversed(history.changes[-CHANGES_SHOWN:]):
        name = change.name
        details = change.details or (say(_CHANGE_NOTES[change.kind]),)
        url = timeline.url(change.link)
        items = "".join(f"<li>{escape(detail)}</li>" for detail in details)
        entries.append(
            Entry(
                id=timeline.own_tag_uri(
                    f"changes/notices/{change.notice}"
                    if change.notice
                    else f"changes/{change.event_id}/{change.sequence}"
                ),
                title=say("{change}: {name}", change=say(_CHANGE_VERBS[change.kind]), name=name),
                url=url,
                summary="; ".join(details),
                content_html=f'<ul>{items}</ul><p><a href="{escape(url)}">{escape(name)}</a></p>',
                content_text="\n".join(f"- {detail}" for detail in details),
                published=change.at,
                updated=change.at,
                extension=(
                    {"kind": change.kind, "notice": change.notice}
                    if change.notice
                    else {"event_id": change.event_id, "kind": change.kind, "sequence": change.sequence}
                ),
            )
        )
    return Channel(
        stem="changes",
        id=timeline.own_tag_uri("changes"),
        title=say("{timeline}: changes", timeline=timeline.title),
        description=say(
            "Every event added to, corrected in or removed from {timeline}.", timeline=timeline.title
        ),
        updated=max((c.at for c in history.changes), default=history.newest_change()),
        entries=tuple(entries),
        timeline=timeline,
        ttl_minutes=timeline.refresh_minutes,
    )


_CHANGE_NOTES = {
    "added": marked("added to the timeline"),
    "changed": marked("details revised"),
    "removed": marked("removed from the timeline"),
    "restored": marked("put back in the timeline"),
    "notice": "",
}

ON_THIS_DAY_WINDOW = 30  # days of anniversaries kept, so a reader polling weekly misses none
ROUND_YEARS = 5  # month- and year-precision events are announced on round anniversaries only


Anniversary = tuple[date, int, Event, int]  # the day, the entry's place that day, the event, years ago


def anniversaries_announced(timeline: Timeline, today: date) -> list[Anniversary]:
    """The anniversaries over the last ON_THIS_DAY_WINDOW days up to `today`, newest first, at
    most `feed_entries` of them (a subscription feed stays small at any size: 100,000 events
    have thousands of anniversaries a month).

    A day-precision event (or a range, by its first day) is remembered every year on its day
    (29 February on the 28th in other years). A month- or year-precision event is remembered
    only on round anniversaries (every ROUND_YEARS years), on the first day of its month or year.
    """
    days = [today - timedelta(days=offset) for offset in range(ON_THIS_DAY_WINDOW)]
    window = {(day.month, day.day) for day in days}
    # Candidates by (month, day) once, rather than every event for each day of the window; an
    # event's (month, day) pairs are kept on its date, which an unchanged event keeps.
    candidates: dict[tuple[int, int], list[Event]] = {}
    for event in timeline.events:
        for month_day in remembered(event.date, "_remembered_on", _remembered_on):
            if month_day in window:
                candidates.setdefault(month_day, []).append(event)
    announced: list[Anniversary] = []
    for day in days:
        todays = [
            (event, years)
            for event in candidates.get((day.month, day.day), ())
            if (years := _anniversary(event, day))
        ]
        announced += [
            (day, index, event, years) for index, (event, years) in reversed(list(enumerate(todays)))
        ]
        if len(announced) >= timeline.feed_entries:
            break
    return announced[: timeline.feed_entries]


def on_this_day_channel(
    timeline: Timeline, today: date, announced: list[Anniversary] | None = None
) -> Channel:
    """The anniversaries announced on `today` (see anniversaries_announced) as a feed."""
    zone = ZoneInfo(timeline.timezone)
    say = words(timeline.language)
    entries: list[Entry] = []
    if announced is None:
        announced = anniversaries_announced(timeline, today)
    for day, index, event, years in announced:
        midnight = datetime.combine(day, time(), zone).astimezone(UTC)
        title = _anniversary_title(event, years, say)
        stamp = midnight + timedelta(seconds=index)  # distinct times, in timeline order
        entries.append(
            Entry(
                id=timeline.own_tag_uri(f"on-this-day/{event.id}/{day.year}"),
                title=title,
                url=timeline.event_url(event.id),
                summary=event.summary,
                content_html=prose.html(event, timeline),
                content_text=prose.text(event, say),
                published=stamp,
                updated=stamp,
                tags=event.tags,
                extension={"event_id": event.id, "years": years, "day": day.isoformat()},
            )
        )
    today_midnight = datetime.combine(today, time(), zone).astimezone(UTC)
    return Channel(
        stem="on-this-day",
        id=timeline.own_tag_uri("on-this-day"),
        title=say("{timeline}: on this day", timeline=timeline.title),
        description=say("Anniversaries of the events in {timeline}.", timeline=timeline.title),
        updated=max((e.updated for e in entries), default=today_midnight),
        entries=tuple(entries),
        timeline=timeline,
        ttl_minutes=timeline.refresh_minutes,
    )


def _remembered_on(when: EventDate) -> tuple[tuple[int, int], ...]:
    """The (month, day) pairs on which an event may be remembered."""
    precision, start = when.precision, when.first_day()
    if precision in (Precision.DAY, Precision.TIME):
        return ((2, 28), (2, 29)) if (start.month, start.day) == (2, 29) else ((start.month, start.day),)
    return ((start.month, 1),) if precision is Precision.MONTH else ((1, 1),)


def _anniversary(event: Event, day: date) -> int:
    """How many years ago `event` happened, if `day` is an anniversary to announce; else 0."""
    start = event.date.first_day()
    years = day.year - start.year
    if years <= 0:
        return 0
    precision = event.date.precision
    if precision in (Precision.DAY, Precision.TIME):
        if (start.month, start.day) == (2, 29) and not calendar.isleap(day.year):
            return years if (day.month, day.day) == (2, 28) else 0
        return years if (day.month, day.day) == (start.month, start.day) else 0
    if years % ROUND_YEARS:
        return 0
    if precision is Precision.MONTH:
        return years if (day.month, day.day) == (start.month, 1) else 0
    return years if (day.month, day.day) == (1, 1) else 0


def _anniversary_title(event: Event, years: int, say: Words) -> str:
    """ "25 years ago today: <title> (<date>)": today for a day, this month or year for one."""
    singular, plural = _YEARS_AGO.get(event.date.precision, _YEARS_AGO[Precision.DAY])
    return say.plural(singular, plural, years, title=event.title, date=event.date_label())


_YEARS_AGO = {
    Precision.DAY: marked_plural(
        "{count} year ago today: {title} ({date})", "{count} years ago today: {title} ({date})"
    ),
    Precision.MONTH: marked_plural(
        "{count} year ago this month: {title} ({date})", "{count} years ago this month: {title} ({date})"
    ),
    Precision.YEAR: marked_plural(
        "{count} year ago this year: {title} ({date})", "{count} years ago this year: {title} ({date})"
    ),
}
