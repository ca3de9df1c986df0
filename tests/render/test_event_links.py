"""Add this one event to my calendar: its own .ics (the very VEVENT of timeline.ics), Google
Calendar and Outlook links with the calendar's dates, the webcal:// subscription; and the event as
schema.org JSON-LD that a real extractor reads back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import extruct
import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from tests.conftest import FEATURES, ROOT
from tests.render.test_render import features_with_history
from timeline import history
from timeline.builder.publish import render_all
from timeline.render import event_links
from timeline.source.load import load

BASE = "https://timeline.example.org/features/"


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return render_all(*features_with_history())


def _vevents(data: bytes) -> dict[str, bytes]:
    """Each VEVENT's lines by UID, as written."""
    found = {}
    for block in data.split(b"BEGIN:VEVENT\r\n")[1:]:
        lines = block.split(b"END:VEVENT\r\n")[0]
        uid = next(line for line in lines.replace(b"\r\n ", b"").split(b"\r\n") if line.startswith(b"UID:"))
        found[uid.decode()] = lines
    return found


def test_each_events_calendar_holds_its_vevent_exactly_as_the_timelines_calendar_does(
    site: dict[str, bytes],
) -> None:
    whole = _vevents(site["timeline.ics"])
    for event in load(FEATURES).events:
        own = site[f"events/{event.id}.ics"]
        calendar = icalendar.Calendar.from_ical(own)
        assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [f"{event.id}@timeline.example.org"]
        assert _vevents(own) == {
            f"UID:{event.id}@timeline.example.org": whole[f"UID:{event.id}@timeline.example.org"]
        }
        # A time in a zone brings the zone's VTIMEZONE; nothing else does.
        moments = (event.date.start, event.date.last)
        zones = {z.key for m in moments if isinstance(z := getattr(m, "tzinfo", None), ZoneInfo)}
        assert {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")} == zones - {"UTC", "Etc/UTC"}


def test_the_councils_three_days_go_to_google_calendar_with_the_exclusive_end() -> None:
    shipped = load(ROOT / "events.yaml")
    council = next(e for e in shipped.events if e.id == "iom-council-100th-session")
    query = parse_qs(urlsplit(event_links.google_calendar(council, shipped)).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == ["20111205/20111208"]
    assert query["text"] == [council.title]
    assert query["details"] == [f"{council.summary}\n\n{shipped.event_url(council.id)}"]
    assert query["location"] == [council.location]
    outlook = parse_qs(urlsplit(event_links.outlook(council, shipped)).query)
    assert (outlook["startdt"], outlook["enddt"], outlook["allday"]) == (
        ["2011-12-05"],
        ["2011-12-08"],
        ["true"],
    )
    assert outlook["rru"] == ["addevent"] and outlook["subject"] == [council.title]


def test_a_year_a_month_and_a_time_keep_their_span_in_the_links() -> None:
    timeline = load(FEATURES)
    by_id = {e.id: e for e in timeline.events}

    def dates(event_id: str) -> str:
        return parse_qs(urlsplit(event_links.google_calendar(by_id[event_id], timeline)).query)["dates"][0]

    assert dates("year-event") == "19870101/19880101"
    assert dates("month-event") == "20111201/20120101"
    assert dates("leap-day") == "20120229/20120301"
    start, end = dates("local-time").split("/")
    assert start.endswith("Z") and start == end  # a moment without an end, in UTC


def test_an_events_page_offers_every_way_to_add_it(site: dict[str, bytes]) -> None:
    page = lxml_html.fromstring(site["events/day-range.html"])
    links = {a.text_content(): a.get("href") for a in page.xpath("//section[@class='add']//a")}
    assert links["Download this event (.ics)"] == "day-range.ics"
    assert links["Add to Google Calendar"].startswith("https://calendar.google.com/calendar/render?")
    assert links["Add to Outlook"].startswith("https://outlook.live.com/calendar/deeplink/compose?")
    assert links["Subscribe to the whole timeline"] == "webcal://timeline.example.org/features/timeline.ics"


def test_an_events_page_carries_it_as_a_schema_org_event(site: dict[str, bytes]) -> None:
    data = extruct.extract(site["events/day-range.html"].decode(), base_url=BASE, syntaxes=["json-ld"])
    (event,) = data["json-ld"]
    assert event["@type"] == "Event" and event["@id"] == f"{BASE}events/day-range.html"
    assert (event["startDate"], event["endDate"]) == ("2011-12-05", "2011-12-07")
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["location"] == {
        "@type": "Place",
        "name": "Genève, Switzerland",
        "geo": {"@type": "GeoCoordinates", "latitude": 46.2044, "longitude": 6.1432},
    }
    assert event["image"] == {
        "@type": "ImageObject",
        "contentUrl": "https://example.org/pictures/palais-des-nations.jpg",
        "description": "The Palais des Nations in Geneva, seen from the park, flags in front.",
        "creditText": "Example Photo Agency",
    }
    assert [c["text"] for c in event["citation"]] == ["From Dec. 5-7."]
    precise = {
        "year-event": ("1987", "1987"),
        "month-event": ("2011-12", "2011-12"),
        "year-range": ("1990", "2007"),
    }
    for event_id, dates in precise.items():
        (found,) = extruct.extract(site[f"events/{event_id}.html"].decode(), syntaxes=["json-ld"])["json-ld"]
        assert (found["startDate"], found["endDate"]) == dates, event_id
    (cancelled,) = extruct.extract(site["events/cancelled-event.html"].decode(), syntaxes=["json-ld"])[
        "json-ld"
    ]
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"


def test_an_events_page_previews_with_open_graph_and_its_picture(site: dict[str, bytes]) -> None:
    data = extruct.extract(site["events/day-range.html"].decode(), base_url=BASE, syntaxes=["opengraph"])
    (graph,) = data["opengraph"]
    properties = dict(graph["properties"])
    assert properties["og:url"] == f"{BASE}events/day-range.html"
    assert properties["og:title"] == "5–7 December 2011 (inferred): Three days in December"
    assert properties["og:image"] == "https://example.org/pictures/palais-des-nations.jpg"
    assert properties["og:image:alt"].startswith("The Palais des Nations")
    (plain,) = extruct.extract(site["events/leap-day.html"].decode(), syntaxes=["opengraph"])["opengraph"]
    assert "og:image" not in dict(plain["properties"])


def test_hostile_text_cannot_end_the_json_ld_early(site: dict[str, bytes]) -> None:
    raw = site["events/hostile-text.html"].decode()
    data = raw.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in data and ">" not in data
    (event,) = extruct.extract(raw, syntaxes=["json-ld"])["json-ld"]
    assert event["name"] == "<script>alert(1)</script> ]]> & </title>"


def test_the_shipped_events_have_their_calendars_committed() -> None:
    timeline = load(ROOT / "events.yaml")
    made = render_all(timeline, history.read(ROOT / "events.history.json"))
    for event in timeline.events:
        assert made[f"events/{event.id}.ics"] == (ROOT / "feeds" / "events" / f"{event.id}.ics").read_bytes()


@given(st.dictionaries(st.text(), st.text()))
def test_links_are_quoted_exactly_as_urlencode_quotes_them(fields: dict[str, str]) -> None:
    assert event_links.query(fields) == urlencode(fields)
