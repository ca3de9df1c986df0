"""Rendering: byte-exact, deterministic outputs that independent parsers read back as the same events."""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import feedparser
import icalendar
import pytest
from lxml import etree

from tests.conftest import FEATURES, GOLDEN, MINIMAL, T0, event_yaml
from timeline import history
from timeline.builder.publish import render_all
from timeline.model import History, Precision, Timeline
from timeline.render.formats import VIEW_FORMATS
from timeline.source.load import load, parse

T1 = T0 + timedelta(hours=5)
OUTPUTS = ("timeline.atom", "timeline.ics", "timeline.json", "timeline.rss")


def features_with_history() -> tuple[Timeline, History]:
    """The features file, first published at T0, with one more event that was removed at T1."""
    timeline = load(FEATURES)
    extra = parse(MINIMAL + event_yaml("removed-event", title="Gone", date="2011-12-06")).events
    first = history.update(History(), replace(timeline, events=timeline.events + extra), T0)
    return timeline, history.update(first, timeline, T1)


def history_of_features() -> History:
    return features_with_history()[1]


@pytest.fixture(scope="module")
def outputs() -> dict[str, bytes]:
    return render_all(*features_with_history())


def test_every_output_matches_its_golden_file_byte_for_byte(
    outputs: dict[str, bytes], update_golden: bool
) -> None:
    if update_golden:
        for name, data in outputs.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
    golden = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*") if p.is_file())
    assert golden == sorted(outputs), "run pytest --update-golden and review the diff of tests/golden/"
    for name, data in outputs.items():
        assert data == (GOLDEN / name).read_bytes(), (
            f"{name} differs: run pytest --update-golden and review the diff"
        )


def test_the_same_input_renders_the_same_bytes() -> None:
    assert render_all(*features_with_history()) == render_all(*features_with_history())


def test_every_view_is_rendered_in_every_format(outputs: dict[str, bytes]) -> None:
    stems = ["timeline", "tags/escaping", "tags/precision", "tags/range"]
    assert set(outputs) >= {f"{stem}.{ext}" for stem in stems for ext in (f.suffix for f in VIEW_FORMATS)}


# -- feeds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["timeline.atom", "timeline.rss"])
def test_feedparser_reads_the_feed_without_complaint(outputs: dict[str, bytes], name: str) -> None:
    timeline, h = features_with_history()
    parsed = feedparser.parse(outputs[name])
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == timeline.title
    ids = [entry.id for entry in parsed.entries]
    assert ids == [f"tag:timeline.example.org,2026:{e.id}" for e in reversed(timeline.events)]
    for entry, event in zip(parsed.entries, reversed(timeline.events), strict=True):
        assert entry.title == f"{event.date_label()}: {event.title}"
        assert entry.link == f"https://timeline.example.org/features/events/{event.id}.html"
        assert event.sources[0].quote in entry.content[0].value if name.endswith("atom") else True
        published = datetime.fromtimestamp(calendar.timegm(entry.published_parsed), UTC)
        assert published == h.get(event.id).first_published


def test_atom_entries_carry_published_and_updated_from_the_history(outputs: dict[str, bytes]) -> None:
    _, h = features_with_history()
    parsed = feedparser.parse(outputs["timeline.atom"])
    assert parsed.feed.updated == "2026-11-23T14:00:00+00:00"  # the removal at T1 is the newest change
    for entry in parsed.entries:
        revision = h.get(entry.id.rsplit(":", 1)[1])
        assert entry.published == revision.first_published.isoformat()
        assert entry.updated == revision.last_changed.isoformat()
    # Published together at T0, the events got times a second apart ending at T0, in timeline order.
    # The feed lists the newest events first, so its entries' times strictly decrease.
    updated = [entry.updated for entry in parsed.entries]
    assert updated == sorted(set(updated), reverse=True)
    assert len(updated) == 12


def test_rss_guids_are_not_permalinks_and_dates_are_rfc_822(outputs: dict[str, bytes]) -> None:
    _, h = features_with_history()
    rss = etree.fromstring(outputs["timeline.rss"])
    for item in rss.iter("item"):
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        published = h.get(guid.text.rsplit(":", 1)[1]).first_published
        assert item.findtext("pubDate") == format_datetime(published)
    assert rss.findtext("channel/lastBuildDate") == "Mon, 23 Nov 2026 14:00:00 +0000"
    assert rss.findtext("channel/link") == "https://timeline.example.org/features/"
    self_link = rss.find("channel/{http://www.w3.org/2005/Atom}link")
    assert self_link is not None
    assert self_link.get("href") == "https://timeline.example.org/features/timeline.rss"


def test_feeds_use_only_absolute_urls(outputs: dict[str, bytes]) -> None:
    # But for the style sheet a browser shows them with, named relative to the feed: a browser
    # applies none of another origin (see test_feeds_in_a_browser).
    for name in ("timeline.atom", "timeline.rss"):
        text = outputs[name].decode().replace('<?xml-stylesheet type="text/xsl" href="feed.xsl"?>', "", 1)
        for url in re.findall(r'(?:href|src)=(?:"|&quot;)([^"&]*)', text):
            assert url.startswith(("https://", "http://")), (name, url)


def test_json_feed_is_version_1_1_with_the_event_as_data(outputs: dict[str, bytes]) -> None:
    timeline, _ = features_with_history()
    feed = json.loads(outputs["timeline.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://timeline.example.org/features/timeline.json"
    items = {item["_timeline"]["event_id"]: item for item in feed["items"]}
    assert set(items) == {e.id for e in timeline.events}
    assert items["day-range"]["_timeline"]["date"] == {
        "precision": "day",
        "start": "2011-12-05",
        "end": "2011-12-07",
        "label": "5–7 December 2011",
    }
    assert items["year-event"]["_timeline"]["date"]["start"] == "1987"
    assert items["month-event"]["_timeline"]["date"]["start"] == "2011-12"
    published = history_of_features().get("year-event").first_published
    assert items["year-event"]["date_published"] == published.isoformat().replace("+00:00", "Z")
    assert items["year-event"]["id"] == "tag:timeline.example.org,2026:year-event"


def test_hostile_text_is_escaped_and_stays_text(outputs: dict[str, bytes]) -> None:
    for name in ("timeline.atom", "timeline.rss"):
        document = etree.fromstring(outputs[name])  # well-formed despite ]]> and </title>
        titles = [t.text for t in document.iter("{http://www.w3.org/2005/Atom}title", "title")]
        assert "6 December 2011: <script>alert(1)</script> ]]> & </title>" in titles
    atom = feedparser.parse(outputs["timeline.atom"])
    hostile = next(e for e in atom.entries if e.id.endswith(":hostile-text"))
    assert hostile.title_detail.type == "text/plain"
    assert "<p>Line one\nDTSTART:19700101T000000Z\nEND:VEVENT; commas, semicolons; back\\slash</p>" in (
        hostile.content[0].value
    )


# -- calendar ---------------------------------------------------------------------------------


def calendar_events(data: bytes) -> dict[str, icalendar.Component]:
    parsed = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]).split("@")[0]: e for e in parsed.walk("VEVENT")}


def test_calendar_round_trips_through_icalendar(outputs: dict[str, bytes]) -> None:
    timeline, _ = features_with_history()
    events = calendar_events(outputs["timeline.ics"])
    assert set(events) == {e.id for e in timeline.events} | {"removed-event"}
    for event in timeline.events:
        vevent = events[event.id]
        assert str(vevent["UID"]) == f"{event.id}@timeline.example.org"
        assert str(vevent["SUMMARY"]).startswith(event.title)
        if event.date.precision is not Precision.TIME:
            assert vevent.decoded("DTSTART") == event.date.first_day()
            assert vevent.decoded("DTEND") == event.date.day_after()


@pytest.mark.parametrize(
    ("event_id", "start", "end"),
    [
        ("day-range", date(2011, 12, 5), date(2011, 12, 8)),
        ("year-event", date(1987, 1, 1), date(1988, 1, 1)),
        ("year-range", date(1990, 1, 1), date(2008, 1, 1)),
        ("month-event", date(2011, 12, 1), date(2012, 1, 1)),
        ("leap-day", date(2012, 2, 29), date(2012, 3, 1)),
    ],
)
def test_all_day_events_have_an_exclusive_dtend(
    outputs: dict[str, bytes], event_id: str, start: date, end: date
) -> None:
    vevent = calendar_events(outputs["timeline.ics"])[event_id]
    assert (vevent.decoded("DTSTART"), vevent.decoded("DTEND")) == (start, end)
    assert vevent["DTSTART"].params["VALUE"] == "DATE"


def test_year_and_month_events_say_their_precision_in_the_summary(outputs: dict[str, bytes]) -> None:
    events = calendar_events(outputs["timeline.ics"])
    assert str(events["year-event"]["SUMMARY"]) == "A year (1987)"
    assert str(events["month-event"]["SUMMARY"]) == "A month (December 2011)"
    assert str(events["leap-day"]["SUMMARY"]) == "A leap day"


def test_timed_events_carry_their_zone_with_a_vtimezone(outputs: dict[str, bytes]) -> None:
    text = outputs["timeline.ics"].decode()
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20111205T090000\r\n" in text
    assert "DTSTART;TZID=Europe/Zurich:20111206T140000\r\n" in text
    assert "DTEND;TZID=Europe/Zurich:20111206T173000\r\n" in text
    assert "DTSTART:20111207T110000Z\r\n" in text
    parsed = icalendar.Calendar.from_ical(outputs["timeline.ics"])
    assert {str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")} == {"Asia/Ho_Chi_Minh", "Europe/Zurich"}


def test_status_sequence_and_stamps_come_from_data_and_history(outputs: dict[str, bytes]) -> None:
    events = calendar_events(outputs["timeline.ics"])
    assert str(events["planned-event"]["STATUS"]) == "TENTATIVE"
    assert str(events["cancelled-event"]["STATUS"]) == "CANCELLED"
    assert str(events["year-event"]["STATUS"]) == "CONFIRMED"
    removed = events["removed-event"]
    assert (str(removed["STATUS"]), removed["SEQUENCE"]) == ("CANCELLED", 1)
    assert removed.decoded("DTSTAMP") == T1
    year = events["year-event"]
    assert year["SEQUENCE"] == 0
    revision = history_of_features().get("year-event")
    assert year.decoded("DTSTAMP") == year.decoded("LAST-MODIFIED") == revision.last_changed
    assert year.decoded("CREATED") == revision.first_published


def test_calendar_lines_are_crlf_and_fold_at_75_octets_between_characters(outputs: dict[str, bytes]) -> None:
    data = outputs["timeline.ics"]
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # a fold inside a multi-byte character would fail here
    assert any(b"\xe1\xbb\x85" in line for line in lines)  # the folded line with "ễ" survived


def test_text_that_looks_like_calendar_properties_stays_inside_its_value(outputs: dict[str, bytes]) -> None:
    lines = outputs["timeline.ics"].split(b"\r\n")
    assert b"DTSTART:19700101T000000Z" not in lines
    assert b"END:VEVENT; commas, semicolons; back\\slash" not in lines
    hostile = calendar_events(outputs["timeline.ics"])["hostile-text"]
    assert "\n\nLine one\nDTSTART:19700101T000000Z\nEND:VEVENT; commas, semicolons; back\\slash\n\n" in str(
        hostile["DESCRIPTION"]
    )
    assert str(hostile["LOCATION"]) == "Hà Nội, Việt Nam"


def test_calendar_announces_how_often_to_refresh(outputs: dict[str, bytes]) -> None:
    parsed = icalendar.Calendar.from_ical(outputs["timeline.ics"])
    assert parsed.decoded("REFRESH-INTERVAL") == timedelta(minutes=30)
    assert str(parsed["X-PUBLISHED-TTL"]) == "PT30M"
    assert str(parsed["X-WR-CALNAME"]) == "Features & <edge> cases"


def test_calendar_dates_are_written_as_dates_not_datetimes(outputs: dict[str, bytes]) -> None:
    events = calendar_events(outputs["timeline.ics"])
    assert not isinstance(events["year-event"].decoded("DTSTART"), datetime)


@pytest.mark.parametrize("name", ["shipped", "features"])
def test_vobject_reads_every_event_with_its_dates(outputs: dict[str, bytes], name: str) -> None:
    import vobject

    data = (
        outputs["timeline.ics"]
        if name == "features"
        else (GOLDEN.parent.parent / "feeds" / "timeline.ics").read_bytes()
    )
    parsed = vobject.readOne(data.decode("utf-8"))
    vevents = parsed.contents["vevent"]
    assert len(vevents) == data.count(b"BEGIN:VEVENT")
    for vevent in vevents:
        assert vevent.uid.value.endswith("@timeline.example.org")
        assert vevent.dtstart.value is not None and vevent.summary.value


def test_a_tag_feed_carries_exactly_the_tagged_events_with_the_same_ids(outputs: dict[str, bytes]) -> None:
    timeline, _ = features_with_history()
    full = {e.id for e in feedparser.parse(outputs["timeline.atom"]).entries}
    tagged = feedparser.parse(outputs["tags/range.atom"])
    expected = {timeline.tag_uri(e.id) for e in timeline.events if "range" in e.tags}
    assert {e.id for e in tagged.entries} == expected
    assert expected <= full
    assert tagged.feed.id == "tag:timeline.example.org,2026:tags/range"
    assert tagged.feed.title == "Features & <edge> cases: #range"
    links = {link.rel: link.href for link in tagged.feed.links}
    assert links["self"] == "https://timeline.example.org/features/tags/range.atom"


def test_a_tag_calendar_has_the_same_uids_and_only_its_events(outputs: dict[str, bytes]) -> None:
    full = calendar_events(outputs["timeline.ics"])
    tagged = calendar_events(outputs["tags/range.ics"])
    assert set(tagged) == {"year-range", "day-range"}
    for event_id, vevent in tagged.items():
        assert vevent["UID"] == full[event_id]["UID"]
        assert vevent["SEQUENCE"] == full[event_id]["SEQUENCE"]
    # The removed event had no tags: only the full calendar announces its cancellation.
    assert "removed-event" in full


def test_a_tag_feed_is_updated_when_its_own_events_last_changed(outputs: dict[str, bytes]) -> None:
    _, h = features_with_history()
    tagged = feedparser.parse(outputs["tags/range.atom"])
    newest = max(h.get("year-range").last_changed, h.get("day-range").last_changed)
    assert tagged.feed.updated == newest.isoformat()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9998-12-31T23:00"])
def test_timed_events_at_the_ends_of_the_calendar_render(moment: str) -> None:
    # Found by Hypothesis: the VTIMEZONE's range reached year 0.
    text = MINIMAL.replace("articles:", "timezone: Europe/Zurich\narticles:") + event_yaml(
        "edge", date=moment
    )
    timeline = parse(text)
    outputs = render_all(timeline, history.update(History(), timeline, T0))
    parsed = icalendar.Calendar.from_ical(outputs["timeline.ics"])
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Zurich"]
    assert len(parsed.walk("VEVENT")) == 1


def test_times_of_one_day_come_in_the_order_of_the_day_after_the_whole_days_events() -> None:
    # Their ids say otherwise: the ids only order events dated alike.
    text = MINIMAL.replace("articles:", "timezone: Asia/Ho_Chi_Minh\narticles:") + "".join(
        [
            event_yaml("a-afternoon", date="2011-12-05T14:00"),
            event_yaml("b-morning", date="2011-12-05T09:00"),
            event_yaml("c-whole-day", date="2011-12-05"),
        ]
    )
    timeline = parse(text)
    assert [e.id for e in timeline.events] == ["c-whole-day", "b-morning", "a-afternoon"]
    outputs = render_all(timeline, history.update(History(), timeline, T0))
    calendar = icalendar.Calendar.from_ical(outputs["timeline.ics"])
    assert [str(e["UID"]).split("@")[0] for e in calendar.walk("VEVENT")] == [
        "c-whole-day",
        "b-morning",
        "a-afternoon",
    ]
    page = outputs["years/2011.html"].decode()
    assert page.index('id="c-whole-day"') < page.index('id="b-morning"') < page.index('id="a-afternoon"')


def test_utc_times_need_no_vtimezone() -> None:
    text = MINIMAL.replace("articles:", "timezone: UTC\narticles:") + event_yaml(
        "utc", date="2011-12-05T09:00"
    )
    timeline = parse(text)
    ics = render_all(timeline, history.update(History(), timeline, T0))["timeline.ics"]
    assert b"BEGIN:VTIMEZONE" not in ics and b"DTSTART:20111205T090000Z\r\n" in ics


@pytest.mark.parametrize(
    "value", ["plain", 'say "hi"', "it's", "both ' and \"", "a & b < c > d", "tab\tnew\nline\r"]
)
def test_the_opml_attribute_quoting_is_the_standard_librarys(value: str) -> None:
    from xml.sax.saxutils import quoteattr as standard

    from timeline.render.opml import quoteattr

    assert quoteattr(value) == standard(value)
