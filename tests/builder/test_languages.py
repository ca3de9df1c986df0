"""A timeline in several languages: every output again under each other language's folder,
from a history of its own, so that a translation added, edited or removed moves that language's
entries and nothing of the default language's, and the daemon's builder makes the same bytes."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from icalendar import Calendar

from tests.builder.test_accelerators import folder, walk_both_ways
from tests.conftest import MINIMAL, T0, event_yaml
from tests.history.test_stored_entries import Step
from timeline.builder.plain import build
from timeline.model import Event, Timeline

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


def test_an_edit_makes_again_only_what_it_changed_in_every_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon's builder keeps each language's fragments from build to build, as the default
    one's: an edit renders its event's entries again, not every event's in every language."""
    from timeline.builder.publish import Publisher
    from timeline.render import prose

    events = "".join(
        event_yaml(f"e{n}", title=f"Event {n}", date=f"{1950 + n}").replace(
            "    sources:", f"    translations:\n      vi: {{by: a person, title: Sự kiện {n}}}\n    sources:"
        )
        for n in range(60)
    )
    source = tmp_path / "events.yaml"
    source.write_text(HEADER + events, encoding="utf-8")
    made: list[str] = []
    rendering = prose.html

    def counted(event: Event, timeline: Timeline) -> str:
        made.append(timeline.language)
        return rendering(event, timeline)

    monkeypatch.setattr(prose, "html", counted)
    publisher = Publisher(source, tmp_path / "feeds")
    publisher.build(now=T0)
    assert made.count("vi") >= 60 and made.count("en") >= 60
    made.clear()
    source.write_text(HEADER + events.replace("Sự kiện 7}", "Sự kiện bảy}"), encoding="utf-8")
    publisher.build(now=T0 + timedelta(hours=1))
    # The edited event's entry in the Vietnamese feeds that list it (the whole and its archive
    # page); nothing in English, whose bytes the translation does not touch.
    assert 0 < made.count("vi") <= 4 and made.count("en") == 0
    assert "Sự kiện bảy" in (tmp_path / "feeds" / "vi" / "events" / "e7.html").read_text(encoding="utf-8")
