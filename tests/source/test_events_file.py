"""The shipped events.yaml is honest: every quote stands verbatim in its article, every guess says so."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, SEEDS
from timeline.model import Certainty, Event
from timeline.source.load import load

TIMELINE = load(ROOT / "events.yaml")


def normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("event", TIMELINE.events, ids=[e.id for e in TIMELINE.events])
def test_every_quote_is_copied_verbatim_from_its_article(event: Event) -> None:
    for source in event.sources:
        article = normalised((SEEDS / source.article.file).read_text(encoding="utf-8"))
        assert source.quote in article, (source.article.file, source.quote)


def test_every_article_named_is_a_seed_file() -> None:
    names = {a.file for a in TIMELINE.articles}
    assert names == {"000_0cb45dfbd2d15e76.txt", "004_3b7a710dc2f60c9b.txt"}


def test_every_date_not_stated_in_the_articles_is_marked_and_explained() -> None:
    for event in TIMELINE.events:
        if event.certainty is not Certainty.STATED:
            assert event.date_note and len(event.date_note) > 40, event.id


@pytest.mark.parametrize(
    ("event_id", "label", "certainty"),
    [
        ("iom-present-in-vietnam", "1987", Certainty.STATED),
        ("vietnam-observer-status", "1990–2007", Certainty.STATED),
        ("vietnam-becomes-member-state", "2007", Certainty.STATED),
        ("iom-council-100th-session", "5–7 December 2011", Certainty.INFERRED),
        ("geneva-meeting-prime-minister", "26 January 2010", Certainty.INFERRED),
        ("mou-signing-planned", "2010", Certainty.INFERRED),
    ],
)
def test_key_facts_have_their_honest_dates(event_id: str, label: str, certainty: Certainty) -> None:
    event = next(e for e in TIMELINE.events if e.id == event_id)
    assert (event.date.label(), event.certainty) == (label, certainty)


def test_stated_years_appear_in_the_quotes() -> None:
    for event in TIMELINE.events:
        if event.certainty is Certainty.STATED:
            years = {str(event.date.start.year), str(event.date.last.year)}
            quoted = " ".join(s.quote for s in event.sources)
            assert years <= set(re.findall(r"\d{4}", quoted)), event.id
