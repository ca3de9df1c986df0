"""The pages carry microformats2 (issue 34), read back with mf2py as IndieWeb readers and Bridgy
Fed read them: the timeline's page and each period's are an h-feed of its events, each event an
h-entry and h-event (its name, summary, address, dates at their precision, place, tags), and the
timeline its author, an h-card."""

from __future__ import annotations

from typing import Any

import mf2py

from tests.conftest import ROOT
from timeline.model import event_path
from timeline.render import prose
from timeline.source.load import load

SHIPPED = ROOT / "feeds"
TIMELINE = load(ROOT / "events.yaml")
BASE = TIMELINE.base_url


def parsed(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = mf2py.parse(
        doc=(SHIPPED / name).read_text(encoding="utf-8"), url=BASE + name
    )["items"]
    return items


def test_the_timelines_page_is_a_feed_of_its_latest_events_by_its_author() -> None:
    (feed,) = parsed("index.html")
    assert feed["type"] == ["h-feed"]
    assert feed["properties"]["name"] == [TIMELINE.title]
    (author,) = feed["properties"]["author"]
    assert author["type"] == ["h-card"]
    assert author["properties"]["name"] == [TIMELINE.title] and author["properties"]["url"] == [BASE]
    latest = list(reversed(TIMELINE.events))[: len(feed["children"])]
    assert len(latest) == 10
    for entry, event in zip(feed["children"], latest, strict=True):
        assert entry["type"] == ["h-entry", "h-event"]
        said = entry["properties"]
        assert said["name"] == [event.title] and said["summary"] == [event.summary]
        assert said["url"] == [BASE + event_path(event.id)]
        dated = prose.date_json(event.date)
        assert said["start"] == [dated["start"]] and said.get("end", [None]) == [dated.get("end")]
        assert said.get("category", []) == list(event.tags)
        assert said.get("location", [None]) == [event.location]


def test_an_events_own_page_is_an_entry_with_its_address_and_author() -> None:
    event = TIMELINE.events[0]
    (entry,) = parsed(event_path(event.id))
    assert entry["type"] == ["h-entry", "h-event"]
    said = entry["properties"]
    assert said["url"] == said["uid"] == [BASE + event_path(event.id)]
    assert said["name"] == [event.title] and said["start"] == ["1987"]  # a year, as honest as stated
    assert said["author"][0]["properties"]["name"] == [TIMELINE.title]


def test_a_periods_page_is_a_feed_of_its_events() -> None:
    (feed,) = parsed("years/2011.html")
    assert feed["type"] == ["h-feed"] and feed["properties"]["name"] == ["2011"]
    in_2011 = [e for e in TIMELINE.events if e.date.start.year == 2011]
    assert [child["properties"]["name"] for child in feed["children"]] == [[e.title] for e in in_2011]


def test_each_language_says_its_own() -> None:
    (feed,) = parsed("vi/index.html")
    assert feed["properties"]["name"] == ["IOM và Việt Nam: dòng thời gian"]
    assert all(child["lang"] == "vi" for child in feed["children"])
