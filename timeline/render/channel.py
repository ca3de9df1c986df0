"""What a feed says, whatever its format: a channel of entries built from the model.

Atom, RSS and JSON Feed are written from a Channel, so the full timeline, each tag's feed, the
changes feed and "on this day" share one writer per format, and the same event always has the
same entry id in every feed that carries it.
"""

from __future__ import annotations

import calendar
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from html import escape
from operator import attrgetter, itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from timeline.build.memo import Memo
from timeline.model import (
    EPOCH,
    Event,
    EventDate,
    History,
    Precision,
    Revision,
    Timeline,
    event_index,
    remembered,
)
from timeline.render import prose

CHANGES_SHOWN = 100  # entries in the changes feed; the history keeps more


@dataclass(frozen=True)
class View:
    """A selection of the timeline published under its own name: all of it, one tag, or a filter
    (tag, dates and a limit) asked for in a URL's query."""

    stem: str = "timeline"
    tag: str | None = None
    start: date | None = None  # events that reach this day or later
    end: date | None = None  # events that begin before this day
    limit: int | None = None  # the newest N events
    query: str = ""  # the canonical query string of a filtered view

    @property
    def only_tag(self) -> str | None:
        """The tag, if this is that tag's view and nothing more, as views() makes it: its events
        are the tag's, found among the timeline's by event_index()."""
        return self.tag if self.tag is not None and self == View(self.stem, self.tag) else None

    def path(self, extension: str) -> str:
        """The view's address under the base URL, e.g. "tags/council.atom" or "timeline.ics?tag=x"."""
        return f"{self.stem}.{extension}" + (f"?{self.query}" if self.query else "")

    def select(self, timeline: Timeline) -> Timeline:
        """The timeline as this view publishes it (same ids, so switching feeds never duplicates)."""
        events: Sequence[Event]
        if self.start is None and self.end is None and self.tag is None:
            events = timeline.events
        elif self.start is None and self.end is None:  # the common case, without date arithmetic
            events = [e for e in timeline.events if self.tag in e.tags]
        else:
            events = [
                e for e in timeline.events if self._includes(e.tags, e.date.first_day(), e.date.day_after())
            ]
        if self.limit is not None:
            events = events[-self.limit :]
        return replace(timeline, events=tuple(events), title=self.title(timeline))

    def title(self, timeline: Timeline) -> str:
        if self.query:
            return f"{timeline.title} ({self.query.replace('&', ', ').replace('=', ': ')})"
        if self.tag is not None:
            return f"{timeline.title}: #{self.tag}"
        return timeline.title

    def removed(self, history: History) -> tuple[Revision, ...]:
        """The removed events this view announces as cancelled."""
        return tuple(
            r for r in history.removed() if self._includes(r.tags, r.date.first_day(), r.date.day_after())
        )

    def _includes(self, tags: tuple[str, ...], first: date, after: date) -> bool:
        if self.tag is not None and self.tag not in tags:
            return False
        if self.start is not None and after <= self.start:
            return False
        return self.end is None or first < self.end


def select_each(timeline: Timeline, views: Sequence[View]) -> list[Timeline]:
    """view.select(timeline) for each view; the tags' from one pass over the events, not one each."""
    by_tag = _events_by_tag(timeline)
    return [
        replace(timeline, events=tuple(by_tag.get(tag, ())), title=view.title(timeline))
        if (tag := view.only_tag) is not None
        else view.select(timeline)
        for view in views
    ]


def views(timeline: Timeline) -> tuple[View, ...]:
    """The full timeline and one view per tag used by any event."""
    return (View(), *(View(f"tags/{tag}", tag) for tag in sorted(_events_by_tag(timeline))))


def events_by_id(timeline: Timeline) -> dict[str, Event]:
    """The timeline's events by id: the changes feed and the archive ask."""
    return event_index(timeline).by_id


def _events_by_tag(timeline: Timeline) -> dict[str, list[Event]]:
    return event_index(timeline).by_tag


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    summary: str
    content_html: str
    content_text: str
    published: datetime
    updated: datetime
    tags: tuple[str, ...] = ()
    extension: dict[str, Any] | None = None
    # What the entry is made from, when that is enough to name it: rendered forms of it are
    # remembered under this key from one build to the next.
    key: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Channel:
    """One feed: its identity, where it lives, and its entries, newest first."""

    stem: str
    id: str
    title: str
    description: str
    updated: datetime
    entries: tuple[Entry, ...]
    timeline: Timeline = field(repr=False)
    ttl_minutes: int = 60
    query: str = ""
    links: tuple[tuple[str, str], ...] = ()  # further (rel, href) links: RFC 5005 archives
    archive: bool = False  # an RFC 5005 archive document

    def url(self, extension: str) -> str:
        return self.timeline.url(f"{self.stem}.{extension}" + (f"?{self.query}" if self.query else ""))


def events_channel(
    timeline: Timeline,
    history: History,
    view: View,
    memo: Memo | None = None,
    selected: Timeline | None = None,
) -> Channel:
    """A view's subscription feed: its most recently changed events, newest first, up to
    `feed_entries`; the full timeline's older entries are in its archive pages."""
    memo = memo or Memo()
    selected = selected or view.select(timeline)
    # By (last changed, id), read from the versions (see Revision.version) without a call an event.
    versions = history.versions_of(selected.events)
    # From the last: events are mostly stamped in the timeline's order, and nlargest then
    # replaces the heap's least only while it fills (12,000 replacements at 10,000 events).
    order = zip(map(itemgetter(3, 0), reversed(versions)), reversed(range(len(versions))), strict=True)
    newest = [selected.events[place] for _, place in heapq.nlargest(timeline.feed_entries, order)]
    changed = [history.get(e.id).last_changed for e in newest[:1]]
    changed += [r.last_changed for r in view.removed(history)]
    pages = archive_page_count(timeline, history) if view.stem == "timeline" and not view.query else 0
    links = (("prev-archive", timeline.url(f"archive/{pages}.atom")),) if pages else ()
    return Channel(
        stem=view.stem,
        id=timeline.tag_uri(view.stem + (f"?{view.query}" if view.query else "")),
        query=view.query,
        title=selected.title,
        description=timeline.description,
        updated=max(changed, default=EPOCH),
        entries=tuple(_remembered_entry(timeline, history, event, memo) for event in newest),
        timeline=timeline,
        ttl_minutes=timeline.refresh_minutes,
        links=links,
    )


@dataclass(frozen=True)
class ArchivePage:
    """One RFC 5005 archive page, named by what it shows, its channel made only when asked for:
    an edit re-renders the one page that holds the event, and makes only that page's entries."""

    key: tuple[Any, ...]
    channel: Callable[[], Channel]


def archive_pages(timeline: Timeline, history: History) -> list[ArchivePage]:
    """RFC 5005 archive pages of the full timeline: every event once, `feed_entries` a page,
    the first published first (archive/1.atom), linked to each other and to the subscription
    feed, which repeats the most recently changed (readers keep the newest by id)."""
    pages = _archive_pages(timeline, history)
    archive = []
    for number, (revisions, shown) in enumerate(pages, start=1):
        links = [("current", timeline.url("timeline.atom"))]
        if number > 1:
            links.append(("prev-archive", timeline.url(f"archive/{number - 1}.atom")))
        if number < len(pages):
            links.append(("next-archive", timeline.url(f"archive/{number + 1}.atom")))
        stem, title = f"archive/{number}", f"{timeline.title} (archive {number} of {len(pages)})"
        versions = tuple(map(_VERSION, revisions))
        key = ("archive", stem, title, tuple(links), timeline.base_url, versions)
        events = [slot for slot in shown if isinstance(slot, Event)]
        updated = max(map(_LAST_CHANGED, revisions))  # a removal changes its page too
        make = partial(_archive_channel, timeline, history, stem, title, tuple(links), events, updated)
        archive.append(ArchivePage(key, make))
    return archive


_VERSION, _LAST_CHANGED = attrgetter("version"), attrgetter("last_changed")


def _archive_channel(
    timeline: Timeline,
    history: History,
    stem: str,
    title: str,
    links: tuple[tuple[str, str], ...],
    events: list[Event],
    updated: datetime,
) -> Channel:
    return Channel(
        stem=stem,
        id=timeline.tag_uri(stem),
        title=title,
        description=timeline.description,
        updated=updated,
        # Not remembered: a page is made again only when one of its events changed, and 100,000
        # remembered entries would take hundreds of megabytes.
        entries=tuple(
            _event_entry(timeline, history, event, None, atom_only=True) for event in reversed(events)
        ),
        timeline=timeline,
        ttl_minutes=timeline.refresh_minutes,
        links=links,
        archive=True,
    )


def _archive_pages(
    timeline: Timeline, history: History
) -> list[tuple[list[Revision], list[Event | Revision]]]:
    """Every event's revision and the event, in the order they were first published,
    `feed_entries` a page: an event stays on its page for good, and an edit changes only that
    page. A removed event keeps its place (as its Revision alone, shown as nothing) while the
    history remembers it, so that a removal changes only its own page, not every page after it."""
    if not archive_page_count(timeline, history):
        return []
    # The history holds every event's revision and the removed ones'; sorted with a key read in C.
    revisions = sorted(history.revisions, key=attrgetter("first_published", "event_id"))
    by_id = events_by_id(timeline)
    shown: list[Event | Revision] = list(map(by_id.get, map(_EVENT_ID, revisions), revisions))
    size = timeline.feed_entries
    starts = range(0, len(revisions), size)
    return [(revisions[start : start + size], shown[start : start + size]) for start in starts]


_EVENT_ID = attrgetter("event_id")


def archive_page_count(timeline: Timeline, history: History) -> int:
    """How many archive pages the full timeline has (none while its feed holds every event)."""
    if len(timeline.events) <= timeline.feed_entries:
        return 0
    return -(-(len(timeline.events) + len(history.removed())) // timeline.feed_entries)


def _remembered_entry(timeline: Timeline, history: History, event: Event, memo: Memo) -> Entry:
    key = _entry_key(timeline, history, event)
    return memo.get(key, partial(_event_entry, timeline, history, event, key))


def _entry_key(timeline: Timeline, history: History, event: Event) -> tuple[Any, ...]:
    return ("entry", history.get(event.id).version, timeline.base_url)


def _event_entry(
    timeline: Timeline,
    history: History,
    event: Event,
    key: tuple[Any, ...] | None,
    *,
    atom_only: bool = False,
) -> Entry:
    """The event's entry; `atom_only` leaves out what only JSON Feed shows (an archive page is
    Atom only, and holds every event)."""
    revision = history.get(event.id)
    return Entry(
        key=key,
        id=timeline.tag_uri(event.id),
        title=event.headline(),
        url=timeline.url("#" + event.id),
        summary=event.summary,
        content_html=prose.html(event, timeline),
        content_text="" if atom_only else prose.text(event),
        published=revision.first_published,
        updated=revision.last_changed,
        tags=event.tags,
        extension=None if atom_only else _extension(event, revision),
    )


def _extension(event: Event, revision: Revision) -> dict[str, Any]:
    """The event as data, for JSON Feed's `_timeline`."""
    return {
        "event_id": event.id,
        "title": event.title,
        "date": prose.date_json(event.date),
        "certainty": event.certainty.value,
        "date_note": event.date_note,
        "status": event.status.value,
        "location": event.location,
        "sequence": revision.sequence,
        "sources": [
            {
                "article": s.article.file,
                "title": s.article.title,
                "publisher": s.article.publisher,
                "url": s.article.url,
                "quote": s.quote,
            }
            for s in event.sources
        ],
    }


_CHANGE_VERBS = {"added": "Added", "changed": "Updated", "removed": "Removed", "restored": "Restored"}


def changes_channel(timeline: Timeline, history: History) -> Channel:
    """One entry per real change to the timeline, newest first, saying what changed."""
    entries = []
    # Each entry says what the change recorded, not what the event says now (see Change).
    for change in reversed(history.changes[-CHANGES_SHOWN:]):
        name = change.name
        details = change.details or (_CHANGE_NOTES[change.kind],)
        url = timeline.url(change.link)
        items = "".join(f"<li>{escape(detail)}</li>" for detail in details)
        entries.append(
            Entry(
                id=timeline.tag_uri(f"changes/{change.event_id}/{change.sequence}"),
                title=f"{_CHANGE_VERBS[change.kind]}: {name}",
                url=url,
                summary="; ".join(details),
                content_html=f'<ul>{items}</ul><p><a href="{escape(url)}">{escape(name)}</a></p>',
                content_text="\n".join(f"- {detail}" for detail in details),
                published=change.at,
                updated=change.at,
                extension={"event_id": change.event_id, "kind": change.kind, "sequence": change.sequence},
            )
        )
    return Channel(
        stem="changes",
        id=timeline.tag_uri("changes"),
        title=f"{timeline.title}: changes",
        description=f"Every event added to, corrected in or removed from {timeline.title}.",
        updated=max((c.at for c in history.changes), default=history.newest_change()),
        entries=tuple(entries),
        timeline=timeline,
        ttl_minutes=timeline.refresh_minutes,
    )


_CHANGE_NOTES = {
    "added": "added to the timeline",
    "changed": "details revised",
    "removed": "removed from the timeline",
    "restored": "put back in the timeline",
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
    entries: list[Entry] = []
    if announced is None:
        announced = anniversaries_announced(timeline, today)
    for day, index, event, years in announced:
        midnight = datetime.combine(day, time(), zone).astimezone(UTC)
        when = {"day": "today", "time": "today", "month": "this month", "year": "this year"}[
            event.date.precision
        ]
        title = f"{years} year{'s' if years != 1 else ''} ago {when}: {event.title} ({event.date_label()})"
        stamp = midnight + timedelta(seconds=index)  # distinct times, in timeline order
        entries.append(
            Entry(
                id=timeline.tag_uri(f"on-this-day/{event.id}/{day.year}"),
                title=title,
                url=timeline.url("#" + event.id),
                summary=event.summary,
                content_html=prose.html(event, timeline),
                content_text=prose.text(event),
                published=stamp,
                updated=stamp,
                tags=event.tags,
                extension={"event_id": event.id, "years": years, "day": day.isoformat()},
            )
        )
    today_midnight = datetime.combine(today, time(), zone).astimezone(UTC)
    return Channel(
        stem="on-this-day",
        id=timeline.tag_uri("on-this-day"),
        title=f"{timeline.title}: on this day",
        description=f"Anniversaries of the events in {timeline.title}.",
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
