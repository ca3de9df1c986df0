"""The naive baseline: what a straightforward script does with the same libraries.

PyYAML's C loader, one feedgen builder for Atom and RSS, icalendar for the calendar, json for
JSON Feed; every output rebuilt from scratch on every run. Only for comparison in the benchmark.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import yaml
from feedgen.feed import FeedGenerator


def build(source: Path, out: Path) -> None:
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    now = datetime.now(UTC)
    base = data["base_url"]
    out.mkdir(parents=True, exist_ok=True)

    feed = FeedGenerator()
    feed.id(base)
    feed.title(data["title"])
    feed.description(data["description"])
    feed.author({"name": data["author"]["name"]})
    feed.link(href=base, rel="alternate")
    feed.link(href=base + "timeline.atom", rel="self")
    items = []
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//naive//EN")
    calendar.add("version", "2.0")
    for event in data["events"]:
        when = event["date"]
        start = when["start"] if isinstance(when, dict) else when
        end = when["end"] if isinstance(when, dict) else when
        entry = feed.add_entry()
        entry.id(base + "#" + event["id"])
        entry.title(event["title"])
        entry.link(href=base + "#" + event["id"])
        entry.content(event["summary"] + " " + " ".join(s["quote"] for s in event["sources"]), type="html")
        entry.published(now)
        entry.updated(now)
        items.append({"id": event["id"], "title": event["title"], "content_text": event["summary"]})
        vevent = icalendar.Event()
        vevent.add("uid", event["id"] + "@naive")
        vevent.add("dtstamp", now)
        vevent.add("summary", event["title"])
        vevent.add("description", event["summary"])
        vevent.add("dtstart", _day(start))
        vevent.add("dtend", _day(end) + timedelta(days=1))
        calendar.add_component(vevent)
    feed.atom_file(str(out / "timeline.atom"))
    feed.rss_file(str(out / "timeline.rss"))
    (out / "timeline.ics").write_bytes(calendar.to_ical())
    (out / "timeline.json").write_text(
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items})
    )


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    return date(
        int(text[:4]), int(text[5:7] or 1) if len(text) >= 7 else 1, int(text[8:10]) if len(text) >= 10 else 1
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
