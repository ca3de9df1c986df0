"""Each event's own page and the pages by period: every event has a permanent page that every feed
entry and calendar event links to; the timeline's page leads to a page a year, and a year too full
for one page to a page a month; a removed event's page says so while calendars still hear of it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import feedparser
import icalendar
from lxml import html as lxml_html

from tests.conftest import FEATURES, MINIMAL, T0, event_yaml
from tests.render.test_render import T1, features_with_history
from timeline import history
from timeline.builder.publish import render_all
from timeline.model import History
from timeline.render import pages
from timeline.source.load import load, parse

BASE = "https://timeline.example.org/features/"


def page(data: bytes) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(data)


def test_every_event_has_its_own_page_with_everything_known_of_it() -> None:
    site = render_all(*features_with_history())
    timeline = load(FEATURES)
    for event in timeline.events:
        own = page(site[f"events/{event.id}.html"])
        assert own.xpath("//h1")[0].text_content() == event.title
        assert own.xpath("//link[@rel='canonical']")[0].get("href") == f"{BASE}events/{event.id}.html"
        assert own.xpath("//time")[0].text == event.date.label()
        # Every source and its quote, open: nothing folded away on the event's own page.
        assert [q.text_content() for q in own.xpath("//blockquote")] == [s.quote for s in event.sources]
        assert not own.xpath("//details")
        assert [a.get("href") for a in own.xpath("//p[@class='event-tags']/a")] == [
            f"{BASE}tags/{tag}.atom" for tag in event.tags
        ]
    day_range = page(site["events/day-range.html"])
    assert "The year is inferred from the report's title." in day_range.text_content()
    assert day_range.xpath("//span[contains(@class,'badge')]")[0].text == "inferred"
    assert "planned" in page(site["events/planned-event.html"]).xpath("//article")[0].get("class")


def test_an_events_page_leads_back_to_its_year_and_the_timeline() -> None:
    site = render_all(*features_with_history())
    trail = page(site["events/day-range.html"]).xpath("//nav[@class='crumbs']/a")
    assert [a.get("href") for a in trail] == ["../index.html", "../years/2011.html"]
    assert page(site["years/2011.html"]).xpath("//article[@id='day-range']//h3/a")[0].get("href") == (
        "../events/day-range.html"
    )


def test_every_entry_and_calendar_event_links_to_the_events_page() -> None:
    site = render_all(*features_with_history())
    expected = {e.id: f"{BASE}events/{e.id}.html" for e in load(FEATURES).events}
    for name in ("timeline.atom", "timeline.rss"):
        feed = feedparser.parse(site[name])
        assert {entry.link for entry in feed.entries} <= set(expected.values()), name
        assert all(
            f'href="{entry.link}"' in entry.content[0].value for entry in feed.entries if "content" in entry
        )
    items = json.loads(site["timeline.json"])["items"]
    assert {item["url"] for item in items} <= set(expected.values())
    for name in ("timeline.ics", "anniversaries.ics"):
        for vevent in icalendar.Calendar.from_ical(site[name]).walk("VEVENT"):
            event_id = str(vevent["UID"]).split("@")[0].removesuffix(".anniversary")
            assert str(vevent["URL"]) == f"{BASE}events/{event_id}.html", name


def test_each_year_has_a_page_linked_to_the_years_before_and_after() -> None:
    site = render_all(*features_with_history())
    timeline = load(FEATURES)
    years = sorted({e.date.first_day().year for e in timeline.events})
    listed: list[str] = []
    for number, year in enumerate(years):
        year_page = page(site[f"years/{year:04d}.html"])
        listed += [a.get("id") for a in year_page.xpath("//article")]
        pager = {a.get("rel"): a.get("href") for a in year_page.xpath("//nav[@class='pager']/a")}
        expected = {}
        if number:
            expected["prev"] = f"{years[number - 1]:04d}.html"
        if number + 1 < len(years):
            expected["next"] = f"{years[number + 1]:04d}.html"
        assert pager == expected
    assert listed == [e.id for e in timeline.events]  # each event on one page, in the timeline's order


def test_a_year_of_more_events_than_a_page_holds_is_shown_month_by_month() -> None:
    start = date(2011, 1, 1)
    count = pages.PERIOD_LIMIT + 50
    text = (
        MINIMAL
        + event_yaml("whole-year", date="2011")
        + "".join(
            event_yaml(f"e{i}", date=str(start + timedelta(days=i * 365 // count))) for i in range(count)
        )
    )
    timeline = parse(text)
    site = render_all(timeline, history.update(History(), timeline, T0))
    year = page(site["years/2011.html"])
    months = [a.get("href") for a in year.xpath("//ul[@class='periods']//a")]
    assert months == [f"2011-{month:02d}.html" for month in range(1, 13)]
    assert [a.get("id") for a in year.xpath("//article")] == ["whole-year"]  # the year as a whole
    seen = []
    for name in months:
        month = page(site[f"years/{name}"])
        articles = [a.get("id") for a in month.xpath("//article")]
        assert 0 < len(articles) <= pages.PERIOD_LIMIT
        seen += articles
        assert [a.get("href") for a in month.xpath("//nav[@class='crumbs']/a")] == [
            "../index.html",
            "2011.html",
        ]
    assert seen == [e.id for e in timeline.events if e.id != "whole-year"]
    trail = page(site["events/e0.html"]).xpath("//nav[@class='crumbs']/a")
    assert [a.get("href") for a in trail] == ["../index.html", "../years/2011.html", "../years/2011-01.html"]


def test_a_removed_events_page_says_it_was_removed_until_the_event_is_forgotten() -> None:
    timeline, h = features_with_history()  # removed-event was taken out at T1
    site = render_all(timeline, h)
    gone = page(site["events/removed-event.html"])
    assert gone.xpath("//h1")[0].text_content() == "Gone"
    assert f"removed from the timeline on {T1:%-d %B %Y}" in gone.text_content()
    later = T1 + timedelta(days=timeline.removed_grace_days + 1)
    forgotten = history.update(h, timeline, later)
    assert "events/removed-event.html" not in render_all(timeline, forgotten)


def test_the_first_build_with_event_pages_says_so_once_in_the_changes_feed() -> None:
    timeline = load(FEATURES)
    published = history.update(History(), timeline, T0)
    before_pages = replace(published, notices=())  # a history written before event pages
    told = history.update(before_pages, timeline, T1)
    notices = [c for c in told.changes if c.kind == "notice"]
    assert [(c.notice, c.at) for c in notices] == [("event-pages", T1)]
    assert told.revisions == published.revisions  # no event changed: no timestamp moves
    assert history.update(told, timeline, T1 + timedelta(hours=1)) is told  # said once
    feed = feedparser.parse(render_all(timeline, told)["changes.atom"])
    assert feed.entries[0].id == "tag:timeline.example.org,2026:changes/notices/event-pages"
    assert feed.entries[0].title == "About this timeline: Each event has a page of its own"
    # A timeline published for the first time is not told about what it never had.
    assert not [c for c in published.changes if c.kind == "notice"]
    assert published.notices == ("event-pages",)
