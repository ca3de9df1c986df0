"""The timeline page: events in order under their years, an axis to scale, ways to subscribe, and every
string escaped; self-contained and readable in a real browser at desktop and phone widths."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html
from markupsafe import escape

from tests.conftest import FEATURES, MINIMAL, ROOT
from tests.render.test_render import features_with_history
from timeline import history
from timeline.build.memo import Memo
from timeline.model import History, Timeline
from timeline.render import axis, html
from timeline.render.fragments import lent
from timeline.render.pieces import whole
from timeline.source.load import load, parse

PAGE = ROOT / "feeds" / "index.html"


def render(timeline: Timeline, h: History) -> dict[str, bytes]:
    """The page's bytes, joined: the renderer hands them over in pieces."""
    made = html.render(timeline, h)
    return {name: whole(data) for name, data in made.items()}


def page_of(text: bytes) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(text)


@pytest.fixture(scope="module")
def features_page() -> lxml_html.HtmlElement:
    return page_of(render(*features_with_history())["index.html"])


def test_events_appear_in_chronological_order_under_year_headings(
    features_page: lxml_html.HtmlElement,
) -> None:
    timeline = load(FEATURES)
    ids = [a.get("id") for a in features_page.xpath("//article[contains(@class, 'event')]")]
    assert ids == [e.id for e in timeline.events]
    years = [h.text for h in features_page.xpath("//main//h2")]
    assert years == sorted({str(e.date.first_day().year) for e in timeline.events})


def test_each_event_shows_its_honest_date_status_and_sources(features_page: lxml_html.HtmlElement) -> None:
    day_range = features_page.xpath("//article[@id='day-range']")[0]
    assert day_range.xpath(".//time")[0].text == "5–7 December 2011"
    assert day_range.xpath(".//time")[0].get("datetime") == "2011-12-05"
    assert day_range.xpath(".//span[contains(@class,'badge')]")[0].text == "inferred"
    assert "The year is inferred from the report's title." in day_range.text_content()
    assert day_range.xpath(".//blockquote")[0].text_content() == "From Dec. 5-7."
    planned = features_page.xpath("//article[@id='planned-event']")[0]
    assert "planned" in planned.get("class")
    assert features_page.xpath("//article[@id='year-event']//time")[0].get("datetime") == "1987"
    assert features_page.xpath("//article[@id='month-event']//time")[0].get("datetime") == "2011-12"


def test_user_text_is_escaped_and_shows_as_text(features_page: lxml_html.HtmlElement) -> None:
    raw = render(*features_with_history())["index.html"].decode()
    assert "<script>alert(1)</script>" not in raw
    title = features_page.xpath("//article[@id='hostile-text']//h3/a")[0].text_content()
    assert title == "<script>alert(1)</script> ]]> & </title>"
    assert len(features_page.xpath("//script")) == 1  # only the page's own copy-button script


def test_feeds_are_discoverable_and_listed_to_subscribe(features_page: lxml_html.HtmlElement) -> None:
    alternates = {
        link.get("type"): link.get("href") for link in features_page.xpath("//head/link[@rel='alternate']")
    }
    base = "https://timeline.example.org/features/"
    assert alternates == {
        "application/atom+xml": f"{base}timeline.atom",
        "application/rss+xml": f"{base}timeline.rss",
        "application/feed+json": f"{base}timeline.json",
        "text/calendar": f"{base}timeline.ics",
    }
    values = [i.get("value") for i in features_page.xpath("//section[@class='subscribe']//input")]
    assert "webcal://timeline.example.org/features/timeline.ics" in values
    assert f"{base}timeline.opml" in values
    tags = [a.get("href") for a in features_page.xpath("//p[@class='tags-list']/a")]
    assert tags == [f"{base}tags/escaping.atom", f"{base}tags/precision.atom", f"{base}tags/range.atom"]


def test_the_page_is_self_contained() -> None:
    raw = render(*features_with_history())["index.html"].decode()
    page = page_of(raw.encode())
    assert not page.xpath("//script[@src] | //link[@rel='stylesheet'] | //img | //iframe")
    assert "@import" not in raw and "url(" not in raw
    assert "@media (prefers-color-scheme: dark)" in raw and 'name="viewport"' in raw


def test_the_axis_marks_every_event_with_a_link_and_draws_inferred_dates_differently() -> None:
    timeline = load(FEATURES)
    svg = lxml_html.fromstring(axis.svg(timeline))
    links = svg.xpath("//a")
    assert sorted(link.get("href") for link in links) == sorted(f"#{e.id}" for e in timeline.events)
    inferred = {link.get("href") for link in links if "inferred" in link.get("class")}
    assert inferred == {"#month-event", "#day-range"}
    shapes = {link.get("href"): link[1].tag for link in links}
    assert shapes["#leap-day"] == "circle" and shapes["#year-range"] == "rect"


def test_the_axis_is_drawn_to_scale() -> None:
    timeline = parse(
        MINIMAL
        + "".join(
            f"  - {{id: e{year}, title: T, summary: s, date: '{year}', "
            "sources: [{article: a.txt, quote: q}]}\n"
            for year in (2000, 2010, 2020)
        )
    )
    svg = axis.svg(timeline)
    xs = [float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], rel=0.01)


@pytest.mark.parametrize("count", [3, 40, 3000])
def test_the_axis_stays_bounded_and_accounts_for_every_event(count: int) -> None:
    start = date(1900, 1, 1)
    events = "".join(
        f"  - {{id: e{i}, title: Event number {i}, summary: s, date: '{start + timedelta(days=i * 13)}', "
        "sources: [{article: a.txt, quote: q}]}\n"
        for i in range(count)
    )
    timeline = parse(MINIMAL + events)
    svg = axis.svg(timeline)
    marks = svg.count('<a href="#')
    clustered = sum(int(n) for n in re.findall(r">\+(\d+)</text>", svg))
    assert marks + clustered == count
    height = int(re.search(r'viewBox="0 0 1000 (\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert height <= (axis.MAX_LANES + 1) * axis.LANE_HEIGHT + axis.AXIS_HEIGHT + 8
    labels = len(re.findall(r"<text [^>]*y=\"\d+\">Event number", svg))
    assert labels <= axis.MAX_LABELS


@pytest.mark.parametrize("count", [40, 3000])
def test_an_axis_drawn_from_remembered_lanes_is_the_axis_drawn_afresh(count: int) -> None:
    start = date(1900, 1, 1)

    def timeline(edited: int, moved: int) -> Timeline:
        return parse(
            MINIMAL
            + "".join(
                f"  - {{id: e{i}, title: 'Event {i}{' <edited>' if i == edited else ''}', summary: s, "
                f"date: '{start + timedelta(days=i * 13 + (400 if i == moved else 0))}', "
                "sources: [{article: a.txt, quote: q}]}\n"
                for i in range(count)
            )
        )

    memo = Memo()
    with lent(memo):
        axis.svg(timeline(-1, -1))
    for edited, moved in ((7, -1), (7, 3), (-1, -1)):  # a title, then a date too, then back
        memo.next_build()
        with lent(memo):
            reused = axis.svg(timeline(edited, moved))
        assert reused == axis.svg(timeline(edited, moved))


def test_an_empty_timeline_renders_a_page_without_an_axis() -> None:
    timeline = replace(load(FEATURES), events=())
    page = render(timeline, History())["index.html"].decode()
    assert "<svg" not in page and "0 events" in page


def test_the_shipped_page_is_committed_and_current() -> None:
    timeline = load(ROOT / "events.yaml")
    h = history.read(ROOT / "events.history.json")
    # The page depends on the events and their history, never on the clock.
    assert render(timeline, h)["index.html"] == PAGE.read_bytes()


# -- in a real browser ------------------------------------------------------------------------


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium is not installed (scripts/test installs it as root: apt-get install chromium)")


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.mark.interop
def test_chromium_renders_the_events_in_order_with_working_links(tmp_path: Path) -> None:
    browser = chromium()
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", PAGE.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = lxml_html.fromstring(result.stdout)
    timeline = load(ROOT / "events.yaml")
    assert [a.get("id") for a in dom.xpath("//article")] == [e.id for e in timeline.events]
    assert {a.get("href") for a in dom.xpath("//svg//a")} == {f"#{e.id}" for e in timeline.events}
    # The script ran: copy buttons are shown where the clipboard API exists, else stay hidden.
    assert len(dom.xpath("//button[@class='copy']")) == 9


def _console(browser: str, page: Path, profile: Path) -> str:
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stderr


@pytest.mark.interop
def test_chromium_runs_the_pages_own_style_and_script_under_its_policy_and_nothing_else(
    tmp_path: Path,
) -> None:
    browser = chromium()
    assert "Content Security Policy" not in _console(browser, PAGE, tmp_path / "profile")
    # The same page with a script the policy does not name: refused, so the check above means it.
    altered = tmp_path / "altered.html"
    altered.write_bytes(PAGE.read_bytes().replace(b"button.hidden = false;", b"button.hidden = false; // !"))
    assert "violates the following Content Security Policy directive" in _console(
        browser, altered, tmp_path / "profile"
    )


def test_user_text_on_the_page_is_isolated_so_a_right_to_left_override_cannot_run_on() -> None:
    timeline, h = features_with_history()
    hostile = replace(timeline.events[0], title="\u202eevil", summary="\u202ethe rest", location="\u202ehere")
    page = render(replace(timeline, events=(hostile, *timeline.events[1:])), h)["index.html"]
    raw = whole(page).decode()
    for text in ("\u202eevil", "\u202ethe rest", "\u202ehere"):
        assert f"<bdi>{text}</bdi>" in raw
    assert raw.count("\u202e") == raw.count("\u2068\u202eevil\u2069") + 3  # and in the axis, isolated


@pytest.mark.interop
@pytest.mark.parametrize(("name", "width"), [("desktop", 1280), ("phone", 390)])
def test_chromium_screenshots_at_desktop_and_phone_width(tmp_path: Path, name: str, width: int) -> None:
    browser = chromium()
    shots = ROOT / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    target = shots / f"timeline-{name}.png"
    target.unlink(missing_ok=True)
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={width},2400",
            f"--screenshot={target}",
            PAGE.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert int.from_bytes(data[16:20], "big") == width  # the page was laid out at that width


@given(st.text())
def test_articles_escape_text_exactly_as_the_template_engine_does(text: str) -> None:
    assert html._escape(text) == str(escape(text))
