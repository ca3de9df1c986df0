"""The feeds people choose to follow besides the timeline: changes, on this day, anniversaries, OPML."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import feedparser
import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import FEATURES, MINIMAL, T0, event_yaml
from tests.render.test_render import features_with_history
from timeline import history
from timeline.builder.memo import Memo
from timeline.builder.publish import render_all
from timeline.builder.steps import DATED
from timeline.model import History
from timeline.render import channel, feeds, ical
from timeline.render.channel import Channel, archive_pages
from timeline.render.fragments import lent
from timeline.render.news import changes_channel, on_this_day_channel
from timeline.render.pieces import Pieces
from timeline.source.load import load, parse


def titles(data: bytes) -> list[str]:
    return [entry.title for entry in feedparser.parse(data).entries]


def test_the_changes_feed_says_what_changed_newest_first_each_entry_as_it_was_then() -> None:
    h = history.update(History(), parse(MINIMAL + event_yaml("one", date="2006")), T0)
    h = history.update(h, parse(MINIMAL + event_yaml("one", date="2007")), T0 + timedelta(days=1))
    timeline = parse(MINIMAL + event_yaml("one", date="2007"))
    channel = changes_channel(timeline, h)
    assert [e.title for e in channel.entries] == ["Updated: 2007: A title", "Added: 2006: A title"]
    assert channel.entries[0].summary == "date corrected: 2006 → 2007"
    assert [e.id for e in channel.entries] == [
        "tag:example.org,2026:changes/one/1",
        "tag:example.org,2026:changes/one/0",
    ]
    assert channel.updated == T0 + timedelta(days=1)


def test_after_a_removal_the_earlier_entries_keep_their_date_and_link() -> None:
    both = parse(MINIMAL + event_yaml("one", date="2011-12") + event_yaml("two"))
    h = history.update(History(), both, T0)
    added = changes_channel(both, h).entries[0]
    only_two = parse(MINIMAL + event_yaml("two"))
    h = history.update(h, only_two, T0 + timedelta(days=1))
    removed, added_then, _ = changes_channel(only_two, h).entries
    assert added_then == added
    assert (added.title, added.url) == (
        "Added: December 2011: A title",
        "https://example.org/t/events/one.html",
    )
    assert (removed.title, removed.url) == ("Removed: December 2011: A title", "https://example.org/t/")


def test_the_changes_feed_is_atom_and_json(tmp_path: object) -> None:
    outputs = render_all(*features_with_history())
    parsed = feedparser.parse(outputs["changes.atom"])
    assert not parsed.bozo
    assert parsed.entries[0].title == "Removed: 6 December 2011: Gone"
    assert "changes.json" in outputs and "changes.rss" not in outputs


def on_this_day(today: date) -> list[str]:
    return [entry.title for entry in on_this_day_channel(load(FEATURES), today).entries]


def test_on_this_day_announces_day_precision_anniversaries_on_their_day() -> None:
    assert on_this_day(date(2026, 12, 5))[:2] == [
        "15 years ago today: Three days in December (5–7 December 2011 (inferred))",
        "15 years ago today: A meeting at nine in Hanoi (5 December 2011, 09:00 +07)",
    ]


def test_on_this_day_keeps_a_window_of_thirty_days_newest_first() -> None:
    # On 31 December the window reaches back to 2 December: the 5th, 6th and 7th are in it.
    channel = on_this_day_channel(load(FEATURES), date(2026, 12, 31))
    days = [entry.extension["day"] for entry in channel.entries if entry.extension]
    assert days == ["2026-12-07", "2026-12-06", "2026-12-06", "2026-12-05", "2026-12-05"]
    assert (
        channel.entries[0].title == "15 years ago today: A time with an offset (7 December 2011, 11:00 UTC)"
    )
    assert on_this_day_channel(load(FEATURES), date(2027, 1, 5)).entries[-1].extension == {
        "event_id": "offset-time",
        "years": 15,
        "day": "2026-12-07",
    }


def test_on_this_day_carries_the_newest_feed_entries_anniversaries_like_every_subscription_feed() -> None:
    timeline = replace(load(FEATURES), feed_entries=2)
    channel = on_this_day_channel(timeline, date(2026, 12, 31))
    days = [entry.extension["day"] for entry in channel.entries if entry.extension]
    assert days == ["2026-12-07", "2026-12-06"]


def test_on_this_day_entries_keep_their_id_and_time_as_the_window_moves() -> None:
    timeline = load(FEATURES)
    early = {e.id: e for e in on_this_day_channel(timeline, date(2026, 12, 7)).entries}
    later = {e.id: e for e in on_this_day_channel(timeline, date(2026, 12, 20)).entries}
    shared = set(early) & set(later)
    assert "tag:timeline.example.org,2026:on-this-day/day-range/2026" in shared
    for entry_id in shared:
        assert early[entry_id] == later[entry_id]
    assert "tag:timeline.example.org,2026:on-this-day/day-range/2026" not in {
        e.id for e in on_this_day_channel(timeline, date(2027, 1, 10)).entries
    }


def test_month_and_year_precision_are_announced_on_round_anniversaries_only() -> None:
    assert "15 years ago this month: A month (December 2011 (approximate))" in on_this_day(date(2026, 12, 1))
    assert not any("A month" in t for t in on_this_day(date(2027, 12, 1)))
    assert "40 years ago this year: A year (1987)" in on_this_day(date(2027, 1, 1))
    assert not any("A year (1987)" in t for t in on_this_day(date(2026, 1, 1)))


def test_a_leap_day_is_remembered_on_the_28th_in_other_years() -> None:
    assert "15 years ago today: A leap day (29 February 2012)" in on_this_day(date(2027, 2, 28))
    assert "16 years ago today: A leap day (29 February 2012)" in on_this_day(date(2028, 2, 29))
    assert not any("leap" in t for t in on_this_day(date(2028, 2, 28)))


def test_on_this_day_entries_have_distinct_times() -> None:
    channel = on_this_day_channel(load(FEATURES), date(2026, 12, 7))
    times = [e.updated for e in channel.entries]
    assert times == sorted(set(times), reverse=True)


def test_on_this_day_is_rendered_only_for_a_given_day_and_never_checked() -> None:
    timeline, h = features_with_history()
    assert "on-this-day.atom" not in render_all(timeline, h)
    dated = render_all(timeline, h, date(2026, 12, 5))
    assert set(dated) - set(render_all(timeline, h)) == DATED
    parsed = feedparser.parse(dated["on-this-day.atom"])
    assert not parsed.bozo and parsed.entries


def test_anniversaries_recur_yearly_for_events_dated_to_the_day() -> None:
    outputs = render_all(*features_with_history())
    calendar = icalendar.Calendar.from_ical(outputs["anniversaries.ics"])
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        f"{i}.anniversary@timeline.example.org"
        for i in (
            "day-range",
            "leap-day",
            "local-time",
            "time-range-with-zone",
            "offset-time",
            "hostile-text",
        )
    }
    leap = events["leap-day.anniversary@timeline.example.org"]
    assert leap["RRULE"].to_ical() == b"FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2"
    day_range = events["day-range.anniversary@timeline.example.org"]
    assert (day_range.decoded("DTSTART"), day_range.decoded("DTEND")) == (
        date(2011, 12, 5),
        date(2011, 12, 6),
    )
    assert str(day_range["SUMMARY"]) == "Anniversary: Three days in December (2011)"


def test_the_opml_lists_every_feed() -> None:
    outputs = render_all(*features_with_history())
    opml = etree.fromstring(outputs["timeline.opml"])
    urls = [o.get("xmlUrl") for o in opml.iter("outline")]
    base = "https://timeline.example.org/features/"
    assert urls == [
        f"{base}timeline.atom",
        f"{base}tags/escaping.atom",
        f"{base}tags/precision.atom",
        f"{base}tags/range.atom",
        f"{base}changes.atom",
        f"{base}on-this-day.atom",
    ]
    assert opml.findtext("head/title") == "Features & <edge> cases"


@pytest.mark.parametrize("today", [date(2026, 12, 5), date(2027, 2, 28), date(2027, 1, 1)])
def test_every_dated_feed_parses(today: date) -> None:
    outputs = render_all(*features_with_history(), today)
    for name in DATED:
        if name.endswith((".atom", ".rss")):
            assert not feedparser.parse(outputs[name]).bozo


def test_the_window_ends_thirty_days_back() -> None:
    later = on_this_day_channel(load(FEATURES), date(2027, 1, 6))
    assert "offset-time" not in {e.extension["event_id"] for e in later.entries if e.extension}


def small_pages() -> dict[str, bytes]:
    timeline, h = features_with_history()
    return render_all(replace(timeline, feed_entries=5), h)


def test_the_subscription_feed_keeps_the_newest_entries_and_links_its_archives() -> None:
    outputs = small_pages()
    current = feedparser.parse(outputs["timeline.atom"])
    _, h = features_with_history()
    newest = sorted(
        (r for r in h.revisions if r.removed is None), key=lambda r: r.last_changed, reverse=True
    )[:5]
    assert [e.id.rsplit(":", 1)[1] for e in current.entries] == [r.event_id for r in newest]
    links = {link.rel: link.href for link in current.feed.links}
    assert links["prev-archive"] == "https://timeline.example.org/features/archive/3.atom"
    # Twelve events, five a page: archives of five, five and two.
    archives = sorted(name for name in outputs if name.startswith("archive/"))
    assert archives == [f"archive/{n}.{suffix}" for n in (1, 2, 3) for suffix in ("atom", "json")]
    assert len(json_items(outputs["timeline.json"])) == 5


def json_items(data: bytes) -> list[object]:
    return list(json.loads(data)["items"])


def test_archive_pages_follow_rfc_5005_and_hold_every_event_once_by_first_publication() -> None:
    outputs = small_pages()
    ids: list[str] = []
    for number in (1, 2, 3):
        data = outputs[f"archive/{number}.atom"]
        page = etree.fromstring(data)
        assert page.find("{http://purl.org/syndication/history/1.0}archive") is not None
        links = {
            link.get("rel"): link.get("href") for link in page.findall("{http://www.w3.org/2005/Atom}link")
        }
        assert links["current"] == "https://timeline.example.org/features/timeline.atom"
        assert ("prev-archive" in links) == (number > 1) and ("next-archive" in links) == (number < 3)
        parsed = feedparser.parse(data)
        assert not parsed.bozo
        ids += [e.id for e in reversed(parsed.entries)]
    timeline, h = features_with_history()
    by_publication = sorted(timeline.events, key=lambda e: h.get(e.id).first_published)
    assert ids == [timeline.tag_uri(e.id) for e in by_publication]


def test_a_small_timeline_has_no_archive() -> None:
    outputs = render_all(*features_with_history())
    assert not [name for name in outputs if name.startswith("archive/")]
    assert "prev-archive" not in outputs["timeline.atom"].decode()


def test_removing_an_event_changes_only_its_own_archive_page() -> None:
    """A removed event keeps its place while the history remembers it, so the pages after it do
    not shift: a reader that walked the archive once need not fetch it all again."""
    from dataclasses import replace as with_fields

    timeline, h = features_with_history()
    timeline = with_fields(timeline, feed_entries=5)
    before = render_all(timeline, h)
    first_page = [e.id for e in sorted(timeline.events, key=lambda e: h.get(e.id).first_published)][:5]
    gone = first_page[2]
    fewer = with_fields(timeline, events=tuple(e for e in timeline.events if e.id != gone))
    after = render_all(fewer, history.update(h, fewer, T0 + timedelta(days=1)))
    changed = sorted(n for n in before if n.startswith("archive/") and before[n] != after[n])
    assert changed == ["archive/1.atom", "archive/1.json"]
    ids = [e.id for e in feedparser.parse(after["archive/1.atom"]).entries]
    assert fewer.tag_uri(gone) not in ids and len(ids) == 4


def _feedgen_document(channel: Channel, extension: str) -> bytes:
    """The document as feedgen writes it whole, with what feedgen cannot write (the style sheet's
    processing instruction, RFC 5005's marks and RSS's archive links before the entries): what
    feeds.render must give, byte for byte."""
    builder = feeds._builder(channel, extension)
    if extension == "rss":
        document: bytes = builder.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        at = document.find(b"<item>")
        at = document.rindex(b"\n", 0, at) + 1 if at > 0 else document.rindex(b"  </channel>")
    else:
        document = builder.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        at = document.find(b"<entry>")
        at = document.rindex(b"\n", 0, at) + 1 if at > 0 else document.rindex(b"</feed>")
    return feeds.with_stylesheet(channel, document[:at] + feeds._marks(channel, extension) + document[at:])


_XML_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
    min_size=1,
)


@given(
    titles=st.lists(_XML_TEXT, min_size=1, max_size=3),
    text=_XML_TEXT,
    tag=st.sampled_from(["", "a-b"]),
    archive=st.booleans(),
    complete=st.booleans(),
    year=st.integers(1000, 9999),
)
@settings(max_examples=200, deadline=None)
def test_entries_are_written_as_feedgen_writes_them_byte_for_byte(
    titles: list[str], text: str, tag: str, archive: bool, complete: bool, year: int
) -> None:
    timeline, h = features_with_history()
    page = archive_pages(replace(timeline, feed_entries=5), h)[0].channel()
    entries = tuple(
        replace(entry, title=title, summary=text, content_html=f"<p>{text}</p>", url=entry.url + "&x=\"1\"",
                tags=(tag, text) if tag else (), published=entry.published.replace(year=year))
        for entry, title in zip(page.entries, titles * len(page.entries), strict=False)
    )  # fmt: skip
    page = replace(page, entries=entries, archive=archive, complete=complete)
    for extension in ("atom", "rss"):
        assert feeds.render(page, (extension,))[f"{page.stem}.{extension}"] == _feedgen_document(
            page, extension
        )


def test_anniversaries_read_from_remembered_vevents_are_those_written_alone() -> None:
    """The anniversaries borrow each description from the event's VEVENT when the calendar was
    made first; the bytes are those of anniversaries made on their own."""
    timeline, h = features_with_history()
    alone = ical.anniversaries(timeline, h)[ical.ANNIVERSARIES]
    with lent(Memo()):
        ical.render(timeline, h)
        after_the_calendar = ical.anniversaries(timeline, h)[ical.ANNIVERSARIES]
    assert isinstance(alone, Pieces) and isinstance(after_the_calendar, Pieces)
    assert after_the_calendar.joined() == alone.joined()
    assert b"DESCRIPTION:" in alone.joined()


@pytest.mark.parametrize("tag_count", [3, 40])  # few tags are found a pass a tag, many in one pass
def test_each_tag_has_a_view_of_exactly_its_events_in_order(tag_count: int) -> None:
    events = "".join(
        event_yaml(f"e{i}", date=f"{1950 + i}") + f"    tags: [t{i % tag_count}, t{(i * 7) % tag_count}x]\n"
        for i in range(60)
    )
    timeline = parse(MINIMAL + events)
    views = channel.views(timeline)
    expected_tags = sorted({tag for event in timeline.events for tag in event.tags})
    assert [view.tag for view in views] == [None, *expected_tags]
    for view, selected in zip(views, channel.select_each(timeline, views), strict=True):
        assert selected.events == view.select(timeline).events
        assert all(view.tag is None or view.tag in event.tags for event in selected.events)


def test_the_archive_is_linked_from_rss_and_paged_in_json_feed_too() -> None:
    outputs = small_pages()
    base = "https://timeline.example.org/features/"
    rss = etree.fromstring(outputs["timeline.rss"])
    links = {link.get("rel"): link for link in rss.iter("{http://www.w3.org/2005/Atom}link")}
    assert links["prev-archive"].get("href") == f"{base}archive/3.atom"
    assert links["prev-archive"].get("type") == "application/atom+xml"  # the archive is Atom's
    # JSON Feed pages down the archive with next_url, newest page first, each marked as an archive.
    seen: list[str] = []
    document = json.loads(outputs["timeline.json"])
    pages = []
    while "next_url" in document:
        name = document["next_url"].removeprefix(base)
        pages.append(name)
        document = json.loads(outputs[name])
        assert document["_timeline"]["archive"] is True
        seen += [item["id"] for item in document["items"]]
    assert pages == ["archive/3.json", "archive/2.json", "archive/1.json"]
    timeline, _ = features_with_history()
    assert sorted(seen) == sorted(timeline.tag_uri(e.id) for e in timeline.events)
    assert [i["id"] for i in json.loads(outputs["archive/1.json"])["items"]] == [
        e.id for e in feedparser.parse(outputs["archive/1.atom"]).entries
    ]


def test_a_feed_that_holds_every_event_of_its_view_says_it_is_complete() -> None:
    history_ns = "{http://purl.org/syndication/history/1.0}complete"
    small = render_all(*features_with_history())  # 12 events, 100 a feed
    for name in ("timeline.atom", "timeline.rss", "tags/range.atom"):
        assert etree.fromstring(small[name]).find(f".//{history_ns}") is not None, name
    assert json.loads(small["timeline.json"])["_timeline"]["complete"] is True
    paged = small_pages()  # 5 a feed: the subscription feed holds only the newest
    assert etree.fromstring(paged["timeline.atom"]).find(f".//{history_ns}") is None
    assert "complete" not in json.loads(paged["timeline.json"])["_timeline"]
    for name in ("changes.atom", "archive/1.atom"):
        assert etree.fromstring(paged[name]).find(f".//{history_ns}") is None, name
