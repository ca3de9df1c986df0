"""Properties over generated input: any valid timeline renders outputs that parse back to the same
events in every format; any garbage is rejected with a ValidationError, never a traceback."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import feedparser
import icalendar
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import T0
from timeline import history
from timeline.builder.publish import render_all
from timeline.errors import ValidationError
from timeline.model import History, Precision
from timeline.source.load import parse

# Text a person could type: no controls, surrogates, unassigned code points or line separators.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp", "Co")), min_size=1, max_size=40
).filter(lambda s: s.strip() and " ".join(s.split()) == s)
SLUG = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
ATOM = "{http://www.w3.org/2005/Atom}"
DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 31))


@st.composite
def dates(draw: st.DrawFn) -> Any:
    precision = draw(st.sampled_from(["year", "month", "day", "time"]))
    start = draw(DAYS)
    end = draw(st.one_of(st.none(), DAYS.filter(lambda d: d > start)))

    def written(day: date) -> str:
        if precision == "year":
            return f"{day.year:04d}"
        if precision == "month":
            return f"{day.year:04d}-{day.month:02d}"
        if precision == "day":
            return day.isoformat()
        return f"{day.isoformat()}T{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}"

    if end is None or written(end) <= written(start):
        return written(start)
    return {"start": written(start), "end": written(end)}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(SLUG, min_size=1, max_size=6, unique=True))
    events = [
        {
            "id": event_id,
            "title": draw(TEXT),
            "summary": draw(TEXT),
            "date": draw(dates()),
            "status": draw(st.sampled_from(["confirmed", "planned", "cancelled"])),
            "tags": draw(st.lists(SLUG, max_size=3, unique=True)),
            "sources": [{"article": "a.txt", "quote": draw(TEXT)}],
        }
        for event_id in ids
    ]
    return {
        "title": draw(TEXT),
        "base_url": "https://example.org/t/",
        "id_authority": "example.org,2026",
        "timezone": draw(st.sampled_from(["UTC", "Asia/Ho_Chi_Minh", "America/St_Johns"])),
        "articles": {"a.txt": {"title": draw(TEXT)}},
        "events": events,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_valid_timeline_renders_outputs_that_parse_back_to_the_same_events(
    document: dict[str, Any],
) -> None:
    timeline = parse(yaml.safe_dump(document, allow_unicode=True), "generated.yaml")
    assert {e.id for e in timeline.events} == {e["id"] for e in document["events"]}
    revisions = history.update(History(), timeline, T0)
    outputs = render_all(timeline, revisions)
    by_tag = {timeline.tag_uri(e.id): e for e in timeline.events}

    for name in ("timeline.atom", "timeline.rss"):
        parsed = feedparser.parse(outputs[name])
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert {entry.id for entry in parsed.entries} == set(by_tag)
    # Titles are compared through a strict XML parser: feedparser "repairs" text that looks like
    # mis-decoded UTF-8 ("Â¡" comes back as "¡"), which is its doing, not the feed's.
    atom = etree.fromstring(outputs["timeline.atom"])
    for entry in atom.iter(f"{ATOM}entry"):
        assert entry.findtext(f"{ATOM}title") == by_tag[entry.findtext(f"{ATOM}id") or ""].headline()
    for item in etree.fromstring(outputs["timeline.rss"]).iter("item"):
        assert item.findtext("title") == by_tag[item.findtext("guid") or ""].headline()

    feed = json.loads(outputs["timeline.json"])
    assert [item["id"] for item in feed["items"]] == [
        timeline.tag_uri(e.id) for e in reversed(timeline.events)
    ]
    for item in feed["items"]:
        assert item["_timeline"]["date"]["label"] == by_tag[item["id"]].date.label()

    calendar = icalendar.Calendar.from_ical(outputs["timeline.ics"])
    vevents = {str(v["UID"]).split("@")[0]: v for v in calendar.walk("VEVENT")}
    assert set(vevents) == {e.id for e in timeline.events}
    for event in timeline.events:
        vevent = vevents[event.id]
        assert str(vevent["SUMMARY"]).startswith(event.title)
        if event.date.precision is Precision.TIME:
            assert vevent.decoded("DTSTART") == event.date.start
        else:
            assert vevent.decoded("DTSTART") == event.date.first_day()
            assert vevent.decoded("DTEND") == event.date.day_after()
    lines = outputs["timeline.ics"].split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert all(line.decode("utf-8") is not None for line in lines)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_garbage_is_a_validation_error_never_a_traceback(garbage: bytes | str) -> None:
    try:
        parse(garbage, "garbage.yaml")
    except ValidationError as error:
        assert error.problems
        assert all(str(p).startswith("garbage.yaml:") for p in error.problems)


@settings(max_examples=200, deadline=None)
@given(documents(), st.data())
def test_a_damaged_valid_file_is_a_validation_error_never_a_traceback(
    document: dict[str, Any], data: st.DataObject
) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    position = data.draw(st.integers(0, len(text)))
    insert = data.draw(
        st.sampled_from(["\t", ":", "- ", "{", "'", '"', "&a ", "*a", "!!python/none ", "\n  x"])
    )
    try:
        parse(text[:position] + insert + text[position:], "damaged.yaml")
    except ValidationError as error:
        assert error.problems
