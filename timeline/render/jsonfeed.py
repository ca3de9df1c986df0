"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from a channel; the event as data in `_timeline`."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from timeline.render.channel import Channel, Entry
from timeline.render.fragments import fragment
from timeline.render.prose import rfc3339


def render(channel: Channel) -> dict[str, bytes]:
    """The channel's JSON Feed document by file name: the feed's fields indented, one item a line."""
    timeline = channel.timeline
    author = {"name": timeline.author.name}
    if timeline.author.url:
        author["url"] = timeline.author.url
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "home_page_url": timeline.base_url,
        "feed_url": channel.url("json"),
        "description": channel.description,
        "language": timeline.language,
        "authors": [author],
        "_timeline": {"updated": rfc3339(channel.updated)},
    }
    # The older entries: the feed's archive pages, newest first (JSON Feed's paging).
    older = dict(channel.links).get("prev-archive")
    if older is not None:
        feed["next_url"] = channel.link(older, "json")
    if channel.hubs:  # WebSub (JSON Feed 1.1, "hubs")
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in channel.hubs]
    if channel.archive:
        feed["_timeline"]["archive"] = True  # RFC 5005's fh:archive, as JSON Feed has none
    if channel.complete:
        feed["_timeline"]["complete"] = True
    head = json.dumps(feed, ensure_ascii=False, indent=2)[:-2]  # without the closing "\n}"
    items = [
        fragment(("json", entry.key), partial(_item, entry)) if entry.key else _item(entry)
        for entry in channel.entries
    ]
    body = "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"
    return {f"{channel.stem}.json": f'{head},\n  "items": {body}\n}}\n'.encode()}


def _item(entry: Entry) -> str:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "content_html": entry.content_html,
        "content_text": entry.content_text,
        "summary": entry.summary,
        "date_published": rfc3339(entry.published),
        "date_modified": rfc3339(entry.updated),
    }
    if entry.image is not None:
        item["image"] = entry.image.url
    if entry.tags:
        item["tags"] = list(entry.tags)
    # Extension keys start with "_" (JSON Feed 1.1, "Extensions").
    if entry.extension is not None:
        item["_timeline"] = entry.extension
    # Compact, one item a line: the C encoder, ten times faster than indenting, and diffs stay readable.
    return "    " + _ENCODER.encode(item)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # one for all: json.dumps() makes one per call
