"""Filters in URLs: the same parameters in every format, canonical, and refused clearly when wrong."""

from __future__ import annotations

import feedparser
import icalendar
import pytest

from tests.conftest import FEATURES
from tests.render.test_render import features_with_history
from timeline.render.formats import VIEW_FORMATS
from timeline.serve.filters import Filter, FilterError, parse, render
from timeline.source.load import load

TIMELINE = load(FEATURES)


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("tag=range", "tag=range"),
        ("limit=05&tag=range", "limit=5&tag=range"),
        ("tag=range&limit=5", "limit=5&tag=range"),
        ("to=2011&from=1990", "from=1990&to=2011"),
        ("from=2011-12-05", "from=2011-12-05"),
    ],
)
def test_a_query_has_one_canonical_form(query: str, canonical: str) -> None:
    assert parse(query, TIMELINE).canonical == canonical


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("color=red", 'unknown parameter "color"; use tag, from, to or limit'),
        ("tag=a&tag=b", '"tag" is given twice; give it once'),
        ("tag=", '"tag" is empty'),
        ("tag=nope", 'unknown tag "nope"; known tags: escaping, precision, range'),
        ("from=yesterday", '"from" must be a year, month or day: YYYY, YYYY-MM or YYYY-MM-DD'),
        ("from=2011-02-30", '"from" is not a real date: 2011-02-30'),
        ("from=2012&to=2011", '"to" is before "from"'),
        ("limit=0", '"limit" must be a whole number from 1 to 1000'),
        ("limit=abc", '"limit" must be a whole number from 1 to 1000'),
        ("a&&b", "the query string is malformed; write key=value pairs joined by &"),
    ],
)
def test_a_wrong_query_is_refused_with_the_reason(query: str, message: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse(query, TIMELINE)
    assert str(caught.value) == message


def ids(query: str, extension: str = "atom") -> list[str]:
    timeline, h = features_with_history()
    body = render(timeline, h, parse(query, timeline), extension)
    if extension == "ics":
        return sorted(str(e["UID"]).split("@")[0] for e in icalendar.Calendar.from_ical(body).walk("VEVENT"))
    return sorted(e.id.rsplit(":", 1)[1] for e in feedparser.parse(body).entries)


def test_from_and_to_keep_the_events_that_overlap_the_period() -> None:
    assert ids("from=2011-12-06&to=2011-12-06") == sorted(
        ["day-range", "hostile-text", "month-event", "month-range-across-years", "time-range-with-zone"]
    )
    assert ids("to=1989") == ["year-event"]


def test_limit_keeps_the_newest_events() -> None:
    assert ids("limit=2") == ["cancelled-event", "planned-event"]


@pytest.mark.parametrize("extension", [f.suffix for f in VIEW_FORMATS])
def test_a_filter_means_the_same_in_every_format(extension: str) -> None:
    if extension == "json":
        import json

        timeline, h = features_with_history()
        body = render(timeline, h, parse("tag=range", timeline), "json")
        got = sorted(i["_timeline"]["event_id"] for i in json.loads(body)["items"])
    else:
        got = ids("tag=range", extension)
    assert got == ["day-range", "year-range"]


def test_a_filtered_feed_names_itself_by_its_canonical_query() -> None:
    timeline, h = features_with_history()
    body = render(timeline, h, parse("tag=range&limit=1", timeline), "atom")
    parsed = feedparser.parse(body)
    assert parsed.feed.id == "tag:timeline.example.org,2026:timeline?limit=1&tag=range"
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == (
        "https://timeline.example.org/features/timeline.atom?limit=1&tag=range"
    )
    assert isinstance(parse("", timeline), Filter)
