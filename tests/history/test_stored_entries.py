"""What a reader has stored never changes behind its back.

A feed reader keeps each entry it has seen, and a calendar each event: an entry once published
keeps its bytes until its own event changes, and an entry of the changes feed, the record of
one change, never changes at all, whatever later happens to its event (edited, removed, put
back, edited again). These tests walk a timeline through every kind of edit and, after each
step, compare every entry of every output with what it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, T0
from timeline.builder.memo import Memo
from timeline.builder.publish import Publisher, build

HEADER = """\
title: Stored entries
base_url: https://example.org/t/
id_authority: example.org,2026
timezone: Asia/Ho_Chi_Minh
feed_entries: 2
articles:
  a.txt: {title: An article, publisher: A paper, url: https://news.example.org/a}
  b.txt: {title: Another article}
events:
"""

TODAY = date(2026, 12, 1)  # 15 years after the growth and the session: both on this day
EVENTS: dict[str, dict[str, Any]] = {
    "founding": {"title": "Founded", "summary": "It begins.", "date": "1987", "quote": "Since 1987."},
    "growth": {
        "title": "Rapid growth",
        "summary": "People move to the cities.",
        "date": "2011-12",
        "certainty": "inferred",
        "date_note": "The article is from December 2011.",
        "location": "Vietnam",
        "tags": ["migration"],
        "quote": "Rapid growth has drawn people to the cities.",
    },
    "session": {
        "title": "A council session",
        "summary": "Three days.",
        "date": "{start: 2011-12-05, end: 2011-12-07}",
        "tags": ["council"],
        "article": "b.txt",
        "quote": "From Dec. 5-7.",
    },
    "meeting": {
        "title": "A meeting",
        "summary": "At two in Geneva.",
        "date": "2010-01-26T14:00",
        "timezone": "Europe/Zurich",
        "tags": ["council"],
        "quote": "At two.",
    },
}


def events_file(events: dict[str, dict[str, Any]], header: str = HEADER) -> str:
    out = [header]
    for event_id, e in events.items():
        out.append(f"  - id: {event_id}\n    title: {e['title']}\n    summary: {e['summary']}\n")
        out.append(f"    date: {e['date']}\n")
        for key in ("certainty", "date_note", "location", "status", "timezone"):
            if key in e:
                out.append(f"    {key}: {e[key]}\n")
        if e.get("tags"):
            out.append(f"    tags: [{', '.join(e['tags'])}]\n")
        out.append(
            f"    sources: [{{article: {e.get('article', 'a.txt')}, quote: {json.dumps(e['quote'])}}}]\n"
        )
    return "".join(out)


def edited(events: dict[str, dict[str, Any]], event_id: str, **fields: Any) -> dict[str, dict[str, Any]]:
    return {**events, event_id: {**events[event_id], **fields}}


def without(events: dict[str, dict[str, Any]], event_id: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in events.items() if k != event_id}


@dataclass
class Step:
    """One save of the events file, and the events whose entries it may change."""

    what: str
    text: str
    changed: frozenset[str]


def steps() -> list[Step]:
    """Add, edit each field in turn, change an article, remove, put back and edit again."""
    first = dict(EVENTS)
    walk = [Step("first build", events_file(first), frozenset(first))]
    now = {**first, "added": {"title": "Added later", "summary": "New.", "date": "2012-01-15", "quote": "Q."}}
    walk.append(Step("an event added", events_file(now), frozenset({"added"})))
    edits: list[tuple[str, str, dict[str, Any]]] = [
        ("title", "growth", {"title": "Rapid growth draws people to the cities"}),
        ("summary", "growth", {"summary": "Millions move to the cities."}),
        ("date", "growth", {"date": "2011-11"}),
        ("certainty", "growth", {"certainty": "approximate"}),
        ("date_note", "growth", {"date_note": "Late in 2011, the article says."}),
        ("location", "growth", {"location": "Viet Nam"}),
        ("tags", "growth", {"tags": ["migration", "cities"]}),
        ("status", "growth", {"status": "planned"}),
        ("quote", "growth", {"quote": "Rapid growth has drawn millions to the cities."}),
        ("source", "growth", {"article": "b.txt", "quote": "Rapid growth."}),
        ("timezone", "meeting", {"timezone": "Europe/Paris"}),
        ("time", "meeting", {"date": "2010-01-26T15:00"}),
    ]
    for name, event_id, fields in edits:
        now = edited(now, event_id, **fields)
        walk.append(Step(f"{event_id}'s {name} edited", events_file(now), frozenset({event_id})))
    cited = frozenset(k for k, v in now.items() if v.get("article", "a.txt") == "b.txt")
    header = HEADER.replace("Another article", "Renamed")
    walk.append(Step("an article's title edited", events_file(now, header), cited))
    kept = now["growth"]
    now = without(now, "growth")
    walk.append(Step("an event removed", events_file(now, header), frozenset({"growth"})))
    now = {**now, "growth": kept}
    walk.append(Step("the event put back", events_file(now, header), frozenset({"growth"})))
    now = edited(now, "growth", title="Growth, edited again")
    walk.append(Step("the event edited again", events_file(now, header), frozenset({"growth"})))
    now = edited(now, "founding", summary="It began in 1987.")
    walk.append(Step("another event edited", events_file(now, header), frozenset({"founding"})))
    return walk


# -- the entries of each output, by the event they belong to -----------------------------------

ATOM_ENTRY = re.compile(rb"  <entry>\n.*?  </entry>\n", re.DOTALL)
RSS_ITEM = re.compile(rb"    <item>\n.*?    </item>\n", re.DOTALL)
VEVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.DOTALL)


def entries(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """(entry id, the entry's bytes) for each entry of an output."""
    if name.endswith(".atom"):
        for block in ATOM_ENTRY.findall(data):
            yield _found(rb"<id>(.*?)</id>", block), block
    elif name.endswith(".rss"):
        for block in RSS_ITEM.findall(data):
            yield _found(rb"<guid[^>]*>(.*?)</guid>", block), block
    elif name.endswith(".json"):
        for line in data.split(b"\n"):
            if line.startswith(b'    {"id": '):
                item = line.rstrip(b",")
                yield json.loads(item)["id"], item
    elif name.endswith(".ics"):
        for block in VEVENT.findall(data):
            unfolded = block.replace(b"\r\n ", b"")
            yield _found(rb"\r\nUID:(.*?)\r\n", unfolded), block


def _found(pattern: bytes, block: bytes) -> str:
    match = re.search(pattern, block.replace(b"\r\n ", b""))
    assert match is not None, block
    return match.group(1).decode()


def event_of(entry_id: str) -> str:
    """The event an entry is about: tag:example.org,2026:<id>, …:changes/<id>/<n>,
    …:on-this-day/<id>/<year>, <id>@example.org, <id>.anniversary@example.org."""
    if "@" in entry_id:
        return entry_id.split("@")[0].removesuffix(".anniversary")
    specific = entry_id.split(":", 2)[2]
    return specific.split("/")[1] if specific.startswith(("changes/", "on-this-day/")) else specific


@dataclass
class Reader:
    """What a reader subscribed to every output has stored: each entry as first seen, and as
    last seen."""

    first_seen: dict[tuple[str, str], bytes] = field(default_factory=dict)
    last_seen: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def poll(self, out: Path, step: Step) -> list[str]:
        """Read every output; what broke the promise, in words."""
        broken = []
        new_changes = 0
        for path in sorted(out.rglob("*")):
            name = str(path.relative_to(out))
            if not path.is_file() or name.startswith(".") or name.endswith((".html", ".opml")):
                continue
            for entry_id, data in entries(name, path.read_bytes()):
                key = (name, entry_id)
                event = event_of(entry_id)
                if name.startswith("changes.") and key in self.first_seen:
                    if data != self.first_seen[key]:
                        broken.append(f"{step.what}: the change entry {entry_id} in {name} was rewritten")
                elif name.startswith("changes."):
                    new_changes += 1
                elif key in self.last_seen and event not in step.changed and data != self.last_seen[key]:
                    broken.append(f"{step.what}: {name}'s entry for {event}, which did not change, changed")
                self.first_seen.setdefault(key, data)
                self.last_seen[key] = data
        if new_changes != 2 * len(step.changed):  # one entry a change, in changes.atom and .json
            broken.append(
                f"{step.what}: {new_changes // 2} new change entries for {len(step.changed)} changes"
            )
        return broken


@pytest.mark.parametrize("builder", ["one-shot builds", "one daemon's builds"])
def test_no_stored_entry_changes_unless_its_own_event_did_and_no_change_entry_ever(
    builder: str, tmp_path: Path
) -> None:
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    publisher = Publisher(source, out)
    reader = Reader()
    broken = []
    for number, step in enumerate(steps()):
        source.write_text(step.text, encoding="utf-8")
        os.utime(source, (number, number))
        now = T0 + timedelta(hours=number)
        if builder == "one-shot builds":
            build(source, out, now=now, today=TODAY)
        else:
            publisher.build(now=now, today=TODAY)
        broken += reader.poll(out, step)
    assert broken == []


def test_an_edited_event_s_entries_do_change_so_the_walk_proves_something(tmp_path: Path) -> None:
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    walk = steps()
    source.write_text(walk[0].text, encoding="utf-8")
    build(source, out, now=T0)
    before = dict(entries("timeline.ics", (out / "timeline.ics").read_bytes()))
    source.write_text(walk[2].text, encoding="utf-8")  # growth's title edited
    build(source, out, now=T0 + timedelta(hours=1), memo=Memo())
    after = dict(entries("timeline.ics", (out / "timeline.ics").read_bytes()))
    assert [uid for uid in before if before[uid] != after[uid]] == ["growth@example.org"]
    assert b"SEQUENCE:1" in after["growth@example.org"]


OLD_STORE = DATA / "old-store"  # events, history and changes feeds as the code before this rule wrote them


def test_a_store_written_before_change_entries_kept_their_words_publishes_the_same_bytes(
    tmp_path: Path,
) -> None:
    for name in ("events.yaml", "events.history.json"):
        shutil.copy(OLD_STORE / name, tmp_path / name)
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    build(source, out, now=T0 + timedelta(days=2), today=TODAY)
    for name in ("changes.atom", "changes.json"):
        # Every entry as it was, and one more: the notice that events now have pages of their own.
        published = dict(entries(name, (OLD_STORE / name).read_bytes()))
        now = dict(entries(name, (out / name).read_bytes()))
        assert [entry_id for entry_id in now if entry_id not in published] == [
            "tag:example.org,2026:changes/notices/event-pages"
        ]
        assert {entry_id: now[entry_id] for entry_id in published} == published

    # Then the event edited before is edited again and the removed one put back: the entries
    # published then keep the words they were published with.
    text = source.read_text(encoding="utf-8").replace("After the edit", "Edited once more")
    source.write_text(text + (OLD_STORE / "removed-event.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    build(source, out, now=T0 + timedelta(days=3), today=TODAY)
    for name in ("changes.atom", "changes.json"):
        published = dict(entries(name, (OLD_STORE / name).read_bytes()))
        now = dict(entries(name, (out / name).read_bytes()))
        assert len(now) == len(published) + 3  # the edit, the event put back, the notice
        assert {entry_id: now[entry_id] for entry_id in published} == published


def test_a_removed_month_or_year_event_is_cancelled_in_calendars_with_its_period_label(
    tmp_path: Path,
) -> None:
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    source.write_text(events_file(EVENTS), encoding="utf-8")
    build(source, out, now=T0, today=TODAY)
    source.write_text(events_file(without(without(EVENTS, "growth"), "founding")), encoding="utf-8")
    build(source, out, now=T0 + timedelta(hours=1), today=TODAY)
    calendar = dict(entries("timeline.ics", (out / "timeline.ics").read_bytes()))
    for uid, summary in [("growth", b"Rapid growth (December 2011)"), ("founding", b"Founded (1987)")]:
        assert b"\r\nSTATUS:CANCELLED\r\n" in calendar[f"{uid}@example.org"]
        assert b"\r\nSUMMARY:" + summary + b"\r\n" in calendar[f"{uid}@example.org"]
