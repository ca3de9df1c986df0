"""What a feed says, whatever its format: a channel of entries built from the model.

Atom, RSS and JSON Feed are written from a Channel, so the full timeline, each tag's feed, the
changes feed and "on this day" share one writer per format, and the same event always has the
same entry id in every feed that carries it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from operator import attrgetter, itemgetter
from typing import Any

from timeline.model import (
    EPOCH,
    Event,
    Geo,
    History,
    Image,
    Revision,
    Timeline,
    event_index,
)
from timeline.model.languages import words
from timeline.render import prose
from timeline.render.fragments import fragment


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
    image: Image | None = None
    geo: Geo | None = None
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
    # RFC 5005 links to other documents of the feed, (rel, stem): each format links its own
    # ("prev-archive", "archive/3") is archive/3.atom from Atom and RSS, archive/3.json from JSON.
    links: tuple[tuple[str, str], ...] = ()
    archive: bool = False  # an RFC 5005 archive document
    complete: bool = False  # holds every entry of the feed (RFC 5005 fh:complete)

    @property
    def hubs(self) -> tuple[str, ...]:
        """The WebSub hubs the feed names: none for an archive page, which never changes, or for
        a filtered address, which the daemon never tells a hub of."""
        return () if self.archive or self.query else self.timeline.websub_hubs

    def url(self, extension: str) -> str:
        return self.timeline.url(f"{self.stem}.{extension}" + (f"?{self.query}" if self.query else ""))

    def link(self, stem: str, extension: str) -> str:
        """Where a linked document of the feed is, in this format."""
        return self.timeline.url(f"{stem}.{extension}")


def events_channel(
    timeline: Timeline,
    history: History,
    view: View,
    selected: Timeline | None = None,
) -> Channel:
    """A view's subscription feed: its most recently changed events, newest first, up to
    `feed_entries`; the full timeline's older entries are in its archive pages."""
    selected = selected or view.select(timeline)
    # By (last changed, id), read from the versions (see Revision.version) without a call an event.
    versions = history.versions_of(selected.events)
    # From the last: events are mostly stamped in the timeline's order, and nlargest then
    # replaces the heap's least only while it fills.
    order = zip(map(itemgetter(3, 0), reversed(versions)), reversed(range(len(versions))), strict=True)
    newest = [selected.events[place] for _, place in heapq.nlargest(timeline.feed_entries, order)]
    changed = [history.get(e.id).last_changed for e in newest[:1]]
    changed += [r.last_changed for r in view.removed(history)]
    pages = archive_page_count(timeline, history) if view.stem == "timeline" and not view.query else 0
    links = (("prev-archive", f"archive/{pages}"),) if pages else ()
    return Channel(
        stem=view.stem,
        id=timeline.own_tag_uri(view.stem + (f"?{view.query}" if view.query else "")),
        query=view.query,
        title=selected.title,
        description=timeline.description,
        updated=max(changed, default=EPOCH),
        entries=tuple(_entry_fragment(timeline, history, event) for event in newest),
        timeline=timeline,
        ttl_minutes=timeline.refresh_minutes,
        links=links,
        # Every event of the view is an entry: a reader may drop the entries no longer there.
        complete=len(newest) == len(selected.events) and not pages,
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
        links = [("current", "timeline")]
        if number > 1:
            links.append(("prev-archive", f"archive/{number - 1}"))
        if number < len(pages):
            links.append(("next-archive", f"archive/{number + 1}"))
        stem, title = f"archive/{number}", f"{timeline.title} (archive {number} of {len(pages)})"
        versions = tuple(map(_VERSION, revisions))
        key = ("archive", stem, len(pages), tuple(links), versions)
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
        id=timeline.own_tag_uri(stem),
        title=title,
        description=timeline.description,
        updated=updated,
        # Not remembered: a page is made again only when one of its events changed, and 100,000
        # remembered entries would take hundreds of megabytes.
        entries=tuple(_event_entry(timeline, history, event, None) for event in reversed(events)),
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


def _entry_fragment(timeline: Timeline, history: History, event: Event) -> Entry:
    key = _entry_key(timeline, history, event)
    return fragment(key, partial(_event_entry, timeline, history, event, key))


def _entry_key(timeline: Timeline, history: History, event: Event) -> tuple[Any, ...]:
    return ("entry", history.get(event.id).version)


def _event_entry(
    timeline: Timeline,
    history: History,
    event: Event,
    key: tuple[Any, ...] | None,
) -> Entry:
    """The event's entry, as every feed format shows it."""
    revision = history.get(event.id)
    return Entry(
        key=key,
        id=timeline.tag_uri(event.id),
        title=event.headline(),
        url=timeline.event_url(event.id),
        summary=event.summary,
        content_html=prose.html(event, timeline),
        content_text=prose.text(event, words(timeline.language)),
        published=revision.first_published,
        updated=revision.last_changed,
        tags=event.tags,
        extension=_extension(event, revision),
        image=event.image,
        geo=event.geo,
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
        **_picture_and_place(event),
    }


def _picture_and_place(event: Event) -> dict[str, Any]:
    """The image's alt text and credit (JSON Feed's `image` is the address alone) and the point,
    each only when the event has one: a feed of events without them keeps its bytes."""
    extra: dict[str, Any] = {}
    if event.image is not None:
        extra["image"] = {"url": event.image.url, "alt": event.image.alt, "credit": event.image.credit}
    if event.geo is not None:
        geo = event.geo
        extra["geo"] = {"lat": geo.lat, "lon": geo.lon, "certainty": geo.certainty.value, "note": geo.note}
    return extra
