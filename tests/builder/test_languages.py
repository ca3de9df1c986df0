"""A timeline in several languages: every output again under each other language's folder,
from a history of its own, so that a translation added, edited or removed moves that language's
entries and nothing of the default language's, and the daemon's builder makes the same bytes."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path

import feedparser
from icalendar import Calendar

from tests.builder.test_accelerators import folder, walk_both_ways
from tests.conftest import MINIMAL, T0, event_yaml
from tests.history.test_stored_entries import Step
from timeline.builder.plain import build

HEADER = MINIMAL.replace("title: Test timeline\n", "title: Test timeline\nlanguages: [en, vi]\n")
EVENTS = event_yaml("one", title="IOM opens an office", date="1987") + event_yaml("two", date="2011-12-05")


def _translated(words: str) -> str:
    return event_yaml("one", title="IOM opens an office", date="1987").replace(
        "    sources:", f"    translations:\n      vi: {words}\n    sources:"
    ) + event_yaml("two", date="2011-12-05")


WALK = [
    Step("no translation yet", HEADER + EVENTS, frozenset()),
    Step("a translation added", HEADER + _translated("{by: a person, title: IOM mở văn phòng}"), frozenset()),
    Step(
        "its title edited", HEADER + _translated("{by: a person, title: IOM mở một văn phòng}"), frozenset()
    ),
    Step(
        "it gives a summary too",
        HEADER + _translated("{by: a person, title: T, summary: Tóm tắt.}"),
        frozenset(),
    ),
    Step("the translation removed", HEADER + EVENTS, frozenset()),
]


def test_the_daemons_builder_and_the_plain_one_make_the_same_bytes_in_every_language(tmp_path: Path) -> None:
    sites = tmp_path / "fast", tmp_path / "plain"
    for site in sites:
        site.mkdir()
    walk_both_ways(sites, WALK)


def test_a_translation_moves_only_its_languages_entries(tmp_path: Path) -> None:
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    made = []
    for number, step in enumerate(WALK):
        source.write_text(step.text, encoding="utf-8")
        build(source, out, now=T0 + timedelta(hours=number))
        made.append({name: data for name, data in folder(tmp_path).items() if name.startswith("feeds/")})
    for before, after in itertools.pairwise(made):
        english = [n for n in after if not n.startswith("feeds/vi/") and n != "feeds/.timeline-build"]
        assert all(before[name] == after[name] for name in english), (
            "a translation changed the default language"
        )
        assert before["feeds/vi/timeline.atom"] != after["feeds/vi/timeline.atom"]
    vietnamese = feedparser.parse(made[1]["feeds/vi/timeline.atom"])
    english_feed = feedparser.parse(made[1]["feeds/timeline.atom"])
    assert vietnamese.feed.language == "vi" and english_feed.feed.language == "en"
    # One event in every language: the same entry ids; each feed its own id.
    assert {e.id for e in vietnamese.entries} == {e.id for e in english_feed.entries}
    assert vietnamese.feed.id != english_feed.feed.id
    titles = {e.id.rsplit(":", 1)[1]: e.title for e in vietnamese.entries}
    assert titles == {"one": "1987: IOM mở văn phòng", "two": "5 tháng 12, 2011: A title"}
    # The calendar: the same UIDs, the Vietnamese words, SEQUENCE moved by the title's edit.
    sequences = []
    for files in made[1:3]:
        calendar = Calendar.from_ical(files["feeds/vi/timeline.ics"])
        events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
        sequences.append(str(events["one@example.org"]["SEQUENCE"]))
    assert int(sequences[1]) == int(sequences[0]) + 1
    history = json.loads((tmp_path / "events.history.json").read_text(encoding="utf-8"))
    assert set(history["languages"]) == {"vi"} and set(history["languages"]["vi"]["events"]) == {"one", "two"}


def test_each_language_links_the_others_both_ways_pages_and_feeds(tmp_path: Path) -> None:
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    source.write_text(WALK[1].text, encoding="utf-8")
    build(source, out, now=T0)
    for page in ("index.html", "events/one.html", "years/1987.html"):
        for site in ("", "vi/"):
            head = (out / site / page).read_text(encoding="utf-8").split("</head>")[0]
            assert f'<link rel="alternate" hreflang="en" href="https://example.org/t/{page}">' in head
            assert f'<link rel="alternate" hreflang="vi" href="https://example.org/t/vi/{page}">' in head
            assert f'<link rel="alternate" hreflang="x-default" href="https://example.org/t/{page}">' in head
    english, vietnamese = (
        feedparser.parse((out / site / "timeline.atom").read_bytes()) for site in ("", "vi/")
    )
    assert [(link.href, link.hreflang) for link in english.feed.links if "hreflang" in link] == [
        ("https://example.org/t/vi/timeline.atom", "vi")
    ]
    assert [(link.href, link.hreflang) for link in vietnamese.feed.links if "hreflang" in link] == [
        ("https://example.org/t/timeline.atom", "en")
    ]
