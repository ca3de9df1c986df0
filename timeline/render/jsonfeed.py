"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), with the event's own date in `_timeline`."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from timeline.model import EventDate, History, Timeline
from timeline.render import prose

JSON_FEED = "timeline.json"


def render(timeline: Timeline, history: History) -> dict[str, bytes]:
    """The JSON Feed document, newest events first."""
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": timeline.title,
        "home_page_url": timeline.base_url,
        "feed_url": timeline.url(JSON_FEED),
        "description": timeline.description,
        "language": timeline.language,
        "authors": [_author(timeline)],
        "_timeline": {"updated": _time(history.newest_change())},
        "items": [],
    }
    for event in reversed(timeline.events):
        revision = history.get(event.id)
        item: dict[str, Any] = {
            "id": timeline.tag_uri(event.id),
            "url": timeline.url("#" + event.id),
            "title": prose.headline(event),
            "content_html": prose.html(event, timeline),
            "content_text": prose.text(event),
            "summary": event.summary,
            "date_published": _time(revision.first_published),
            "date_modified": _time(revision.last_changed),
        }
        if event.tags:
            item["tags"] = list(event.tags)
        # Extension keys start with "_" (JSON Feed 1.1, "Extensions"): the event as data.
        item["_timeline"] = {
            "event_id": event.id,
            "title": event.title,
            "date": _date(event.date),
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
        feed["items"].append(item)
    return {JSON_FEED: (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode()}


def _author(timeline: Timeline) -> dict[str, str]:
    author = {"name": timeline.author.name}
    if timeline.author.url:
        author["url"] = timeline.author.url
    return author


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _date(when: EventDate) -> dict[str, str]:
    def point(value: date) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return value.isoformat()[: {"year": 4, "month": 7}.get(when.precision.value, 10)]

    out = {"precision": when.precision.value, "start": point(when.start), "label": when.label()}
    if when.end is not None:
        out["end"] = point(when.end)
    return out
