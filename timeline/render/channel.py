"""What a feed says, whatever its format: a channel of entries built from the model.

Atom, RSS and JSON Feed are written from a Channel, so the full timeline, each tag's feed, the
changes feed and "on this day" share one writer per format, and the same event always has the
same entry id in every feed that carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from timeline.model import Event, History, Timeline
from timeline.render import prose

CHANGES_SHOWN = 100  # entries in the changes feed; the history keeps more


@dataclass(frozen=True)
class View:
    """A selection of the timeline published under its own file names: all of it, or one tag."""

    stem: str = "timeline"
    tag: str | None = None

    def select(self, timeline: Timeline) -> Timeline:
        """The timeline as this view publishes it (same ids, so switching feeds never duplicates)."""
        if self.tag is None:
            return timeline
        events = tuple(e for e in timeline.events if self.tag in e.tags)
        return replace(timeline, events=events, title=f"{timeline.title}: #{self.tag}")

    def includes_removed(self, tags: tuple[str, ...]) -> bool:
        return self.tag is None or self.tag in tags


def views(timeline: Timeline) -> tuple[View, ...]:
    """The full timeline and one view per tag used by any event."""
    tags = sorted({tag for event in timeline.events for tag in event.tags})
    return (View(), *(View(f"tags/{tag}", tag) for tag in tags))


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

    def url(self, extension: str) -> str:
        return self.timeline.url(f"{self.stem}.{extension}")


def events_channel(timeline: Timeline, history: History, view: View) -> Channel:
    """The events of a view, newest event first, timestamps from the history."""
    selected = view.select(timeline)
    ids = frozenset(e.id for e in selected.events)
    removed = frozenset(r.event_id for r in history.removed() if view.includes_removed(r.tags))
    entries = tuple(_event_entry(selected, history, event) for event in reversed(selected.events))
    return Channel(
        stem=view.stem,
        id=timeline.tag_uri(view.stem),
        title=selected.title,
        description=timeline.description,
        updated=history.newest_change(ids | removed),
        entries=entries,
        timeline=timeline,
        ttl_minutes=timeline.refresh_minutes,
    )


def _event_entry(timeline: Timeline, history: History, event: Event) -> Entry:
    revision = history.get(event.id)
    return Entry(
        id=timeline.tag_uri(event.id),
        title=prose.headline(event),
        url=timeline.url("#" + event.id),
        summary=event.summary,
        content_html=prose.html(event, timeline),
        content_text=prose.text(event),
        published=revision.first_published,
        updated=revision.last_changed,
        tags=event.tags,
        extension={
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
        },
    )
