"""The rules the W3C Feed Validation Service checks, and the specs' requirements, encoded one by one
and applied to the shipped feeds and to the features fixture (which holds hostile text)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from tests.conftest import GOLDEN, ROOT

ATOM = "{http://www.w3.org/2005/Atom}"
SOURCES = {"shipped": ROOT / "feeds", "features": GOLDEN}
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
# RFC 4151: tag:authority,date:specific, with a DNS name or email as authority.
TAG_URI = re.compile(r"tag:[a-z0-9.-]+\.[a-z]{2,},\d{4}(-\d\d(-\d\d)?)?:[\w.~!$&'()*+,;=:@/?%-]+\Z")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")


def document(source: str, name: str) -> etree._Element:
    data = (SOURCES[source] / name).read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    return etree.fromstring(data)


def absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def embedded_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


@pytest.fixture(params=sorted(SOURCES))
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- Atom (RFC 4287) --------------------------------------------------------------------------


def test_atom_feed_has_the_required_elements_once(source: str) -> None:
    feed = document(source, "timeline.atom")
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert TAG_URI.match(feed.findtext(f"{ATOM}id") or "")
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    assert LANGUAGE.match(feed.get("{http://www.w3.org/XML/1998/namespace}lang") or "")
    self_links = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and self_links[0].get("href", "").endswith("/timeline.atom")
    assert self_links[0].get("type") == "application/atom+xml"


def test_atom_metadata_comes_before_every_entry(source: str) -> None:
    feed = document(source, "timeline.atom")
    tags = [child.tag for child in feed]
    first_entry = tags.index(f"{ATOM}entry")
    assert all(tag == f"{ATOM}entry" for tag in tags[first_entry:])


def test_atom_entries_are_complete_and_unique(source: str) -> None:
    feed = document(source, "timeline.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert len(set(ids)) == len(ids), "Two entries with the same id"
    assert len(set(updated)) == len(updated), "Two entries with the same value for atom:updated"
    for entry in entries:
        assert TAG_URI.match(entry.findtext(f"{ATOM}id") or "")
        assert (entry.findtext(f"{ATOM}title") or "").strip()
        for name in ("updated", "published"):
            assert RFC3339.match(entry.findtext(f"{ATOM}{name}") or ""), name
        published = datetime.fromisoformat(entry.findtext(f"{ATOM}published") or "")
        assert published <= datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
        alternates = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == 1 and absolute(alternates[0].get("href", ""))
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html" and (content.text or "").strip()
        assert all(absolute(url) for url in embedded_urls(content.text or "")), "ContainsRelRef"
        assert "<script" not in (content.text or "").lower(), "SecurityRisk"


# -- RSS 2.0 (rssboard.org specification) -------------------------------------------------------


def test_rss_channel_has_the_required_elements_and_a_self_link(source: str) -> None:
    rss = document(source, "timeline.rss")
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert len(channel.findall(name)) == 1 and (channel.findtext(name) or "").strip(), name
    assert absolute(channel.findtext("link") or "")
    assert re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", channel.findtext("language") or "")
    parsedate_to_datetime(channel.findtext("lastBuildDate") or "")
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None and self_link.get("rel") == "self"
    assert self_link.get("href", "").endswith("/timeline.rss")
    assert int(channel.findtext("ttl") or "0") > 0


def test_rss_items_are_complete_and_unique(source: str) -> None:
    channel = document(source, "timeline.rss").find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert items
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == len(guids), "guid values must not be duplicated within a feed"
    for item in items:
        assert (item.findtext("title") or "").strip()
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false" and TAG_URI.match(guid.text or "")
        assert absolute(item.findtext("link") or "")
        moment = parsedate_to_datetime(item.findtext("pubDate") or "")
        assert moment.tzinfo is not None, "RFC 822 dates carry a zone"
        encoded = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
        assert all(absolute(url) for url in embedded_urls(encoded))
        assert "<script" not in encoded.lower()


def test_atom_and_rss_carry_the_same_entries(source: str) -> None:
    atom = document(source, "timeline.atom")
    rss = document(source, "timeline.rss")
    atom_ids = [e.findtext(f"{ATOM}id") for e in atom.findall(f"{ATOM}entry")]
    rss_ids = [i.findtext("guid") for i in rss.iter("item")]
    assert atom_ids == rss_ids


# -- JSON Feed 1.1 ----------------------------------------------------------------------------


def test_json_feed_follows_version_1_1(source: str) -> None:
    feed = json.loads((SOURCES[source] / "timeline.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert absolute(feed["home_page_url"]) and feed["feed_url"].endswith("/timeline.json")
    assert all(isinstance(a["name"], str) for a in feed["authors"])
    assert "author" not in feed, "1.1 replaces author with authors"
    ids = [item["id"] for item in feed["items"]]
    assert len(set(ids)) == len(ids)
    for item in feed["items"]:
        assert isinstance(item["id"], str)
        assert item.get("content_html") or item.get("content_text")
        assert absolute(item["url"])
        for name in ("date_published", "date_modified"):
            assert RFC3339.match(item[name]), name
        unknown = set(item) - {
            "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
            "banner_image", "date_published", "date_modified", "authors", "tags", "language", "attachments",
        }  # fmt: skip
        assert all(key.startswith("_") for key in unknown), unknown


def test_every_output_is_utf8_without_a_byte_order_mark(source: str) -> None:
    for path in Path(SOURCES[source]).glob("timeline.*"):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


EVERY_FEED = sorted(
    p
    for folder in SOURCES.values()
    for p in folder.rglob("*")
    if p.suffix in (".atom", ".rss", ".json")
    and not p.name.startswith("on-this-day")  # built per day, not committed
)
XML_FEEDS = [p for p in EVERY_FEED if p.suffix != ".json"]


@pytest.mark.parametrize("path", EVERY_FEED, ids=[str(p.relative_to(ROOT)) for p in EVERY_FEED])
def test_every_feed_has_unique_ids_and_times_and_a_self_link(path: Path) -> None:
    if path.suffix == ".json":
        feed = json.loads(path.read_text(encoding="utf-8"))
        ids = [item["id"] for item in feed["items"]]
        assert feed["feed_url"].endswith("/" + path.name)
        assert len(set(ids)) == len(ids)
        return
    root = etree.fromstring(path.read_bytes())
    if path.suffix == ".atom":
        entries = root.findall(f"{ATOM}entry")
        ids = [e.findtext(f"{ATOM}id") for e in entries]
        updated = [e.findtext(f"{ATOM}updated") for e in entries]
        assert len(set(updated)) == len(updated), "Two entries with the same value for atom:updated"
        self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    else:
        ids = [item.findtext("guid") for item in root.iter("item")]
        self_links = root.findall(f"channel/{ATOM}link[@rel='self']")
    assert len(set(ids)) == len(ids)
    assert len(self_links) == 1 and self_links[0].get("href", "").endswith(path.name)


@pytest.mark.parametrize("path", XML_FEEDS, ids=[str(p.relative_to(ROOT)) for p in XML_FEEDS])
def test_feedparser_reads_every_feed_without_complaint(path: Path) -> None:
    import feedparser

    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version in ("atom10", "rss20")
