"""An event's picture and its place on the map, in every output: Media RSS and GeoRSS in Atom and
RSS, JSON Feed's `image` and `_timeline`, iCalendar's GEO and IMAGE (RFC 7986), and on its page
an <img> with its alt text and credit and a link to OpenStreetMap; read back by real parsers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
import icalendar
import pytest
from lxml import etree
from lxml import html as lxml_html

from tests.conftest import GOLDEN, ROOT
from timeline.model import degrees

TAG = "tag:timeline.example.org,2026:"
PALAIS = "https://example.org/pictures/palais-des-nations.jpg"
MEDIA, GEORSS = "{http://search.yahoo.com/mrss/}", "{http://www.georss.org/georss}"
MEDIUMS = {"image", "audio", "video", "document", "executable"}  # Media RSS 1.5.1


@pytest.mark.parametrize("extension", ["atom", "rss"])
def test_feed_readers_find_the_picture_its_words_and_the_place(extension: str) -> None:
    feed = feedparser.parse((GOLDEN / f"timeline.{extension}").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    entries = {entry.id: entry for entry in feed.entries}
    geneva = entries[TAG + "day-range"]
    assert geneva.media_content == [{"url": PALAIS, "medium": "image"}]
    assert geneva.media_credit == [{"content": "Example Photo Agency"}]
    assert geneva.where["coordinates"] == (6.1432, 46.2044)  # GeoJSON order: longitude first
    west = entries[TAG + "time-range-with-zone"]
    assert west.where["coordinates"] == (-0.5, 46.226667) and "media_content" not in west
    assert "where" not in entries[TAG + "leap-day"] and "media_content" not in entries[TAG + "leap-day"]


@pytest.mark.parametrize("extension", ["atom", "rss"])
def test_hostile_words_of_a_picture_stay_words(extension: str) -> None:
    feed = feedparser.parse((GOLDEN / f"timeline.{extension}").read_bytes())
    hostile = next(e for e in feed.entries if e.id == TAG + "hostile-text")
    assert hostile.media_content[0]["url"] == "https://example.org/a.jpg?x=1&y=%222%22%3Cb%3E"
    described = etree.fromstring((GOLDEN / f"timeline.{extension}").read_bytes()).findall(
        f".//{MEDIA}description"
    )
    assert '"><img src=x onerror=alert(1)> & </media:description>' in [d.text for d in described]


@pytest.mark.parametrize(
    ("source", "extension"), [(s, e) for s in ("shipped", "features") for e in ("atom", "rss")]
)
def test_media_rss_and_georss_follow_their_specs(source: str, extension: str) -> None:
    folder = {"shipped": ROOT / "feeds", "features": GOLDEN}[source]
    root = etree.fromstring((folder / f"timeline.{extension}").read_bytes())
    for content in root.iter(f"{MEDIA}content"):
        assert urlsplit(content.get("url")).scheme in ("http", "https")
        assert content.get("medium") in MEDIUMS
        (description,) = content.findall(f"{MEDIA}description")
        assert description.get("type") == "plain" and description.text
    points = list(root.iter(f"{GEORSS}point"))
    assert points, "the shipped timeline and the fixture both have places"
    for point in points:
        lat, lon = (float(part) for part in point.text.split(" "))  # GeoRSS Simple: "lat lon"
        assert -90 <= lat <= 90 and -180 <= lon <= 180
        assert point.getparent().tag in ("{http://www.w3.org/2005/Atom}entry", "item")


def test_json_feed_has_the_picture_and_the_point_as_data() -> None:
    items = {item["id"]: item for item in json.loads((GOLDEN / "timeline.json").read_bytes())["items"]}
    geneva = items[TAG + "day-range"]
    assert geneva["image"] == PALAIS
    assert geneva["_timeline"]["image"] == {
        "url": PALAIS,
        "alt": "The Palais des Nations in Geneva, seen from the park, flags in front.",
        "credit": "Example Photo Agency",
    }
    assert geneva["_timeline"]["geo"] == {
        "lat": 46.2044,
        "lon": 6.1432,
        "certainty": "inferred",
        "note": "The centre of Geneva, looked up on OpenStreetMap; the article names the city only.",
    }
    plain = items[TAG + "leap-day"]
    assert "image" not in plain and "image" not in plain["_timeline"] and "geo" not in plain["_timeline"]


def test_the_calendar_has_geo_and_image() -> None:
    calendar = icalendar.Calendar.from_ical((GOLDEN / "timeline.ics").read_bytes())
    events: dict[str, Any] = {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    geneva = events["day-range"]
    assert (geneva["GEO"].latitude, geneva["GEO"].longitude) == (46.2044, 6.1432)
    assert str(geneva["IMAGE"]) == PALAIS and geneva["IMAGE"].params["VALUE"] == "URI"
    assert (events["time-range-with-zone"]["GEO"].longitude) == -0.5
    assert "GEO" not in events["leap-day"] and "IMAGE" not in events["leap-day"]
    raw = (GOLDEN / "events" / "day-range.ics").read_bytes()
    assert b"\r\nGEO:46.2044;6.1432\r\n" in raw and b"\r\nIMAGE;VALUE=URI:" + PALAIS.encode() in raw


def test_an_events_page_shows_its_picture_with_words_and_credit_and_links_the_map() -> None:
    page = lxml_html.fromstring((GOLDEN / "events" / "day-range.html").read_bytes())
    (picture,) = page.xpath("//figure/img")
    assert picture.get("src") == PALAIS and picture.get("loading") == "lazy"
    assert picture.get("alt") == "The Palais des Nations in Geneva, seen from the park, flags in front."
    assert page.xpath("string(//figure/figcaption)") == "Picture: Example Photo Agency"
    (on_the_map,) = page.xpath("//p[@class='map']")
    link = on_the_map.xpath("a")[0]
    parts = urlsplit(link.get("href"))
    assert parts.netloc == "www.openstreetmap.org"
    assert parse_qs(parts.query) == {"mlat": ["46.2044"], "mlon": ["6.1432"]}
    assert parts.fragment == "map=12/46.2044/6.1432"
    assert (
        "inferred" in on_the_map.text_content() and "looked up on OpenStreetMap" in on_the_map.text_content()
    )


def test_hostile_words_of_a_picture_cannot_leave_its_alt_text() -> None:
    page = lxml_html.fromstring((GOLDEN / "events" / "hostile-text.html").read_bytes())
    (picture,) = page.xpath("//img")
    assert picture.get("alt") == '"><img src=x onerror=alert(1)> & </media:description>'
    assert not page.xpath("//img[@onerror]")


@pytest.mark.parametrize(
    ("value", "written"), [(46.2044, "46.2044"), (-0.5, "-0.5"), (1e-06, "0.000001"), (0.0, "0"), (-0.0, "0")]
)
def test_degrees_are_written_plainly(value: float, written: str) -> None:
    assert degrees(value) == written


def test_the_shipped_places_are_marked_as_from_outside_the_articles() -> None:
    items = json.loads((ROOT / "feeds" / "timeline.json").read_bytes())["items"]
    placed = [item["_timeline"] for item in items if "geo" in item["_timeline"]]
    assert len(placed) == 7  # every event in Geneva or Switzerland
    for event in placed:
        assert event["location"] in ("Geneva, Switzerland", "Switzerland")
        assert event["geo"]["certainty"] == "approximate"
        assert "from outside the articles" in event["geo"]["note"]
