"""The timeline's page: small at any size (an axis to scale, ways to subscribe, the latest events, a
way into every year), every string escaped, nothing loaded but the site's style sheet, readable in a
real browser at desktop and phone widths. Each event's page and the pages by period: test_pages."""

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
from timeline.builder.memo import Memo
from timeline.builder.publish import render_all
from timeline.model import History, Timeline
from timeline.render import axis, html, pages
from timeline.render.fragments import lent
from timeline.render.pieces import whole
from timeline.source.load import load, parse

PAGE = ROOT / "feeds" / "index.html"


def render(timeline: Timeline, h: History) -> dict[str, bytes]:
    """The timeline's page and the style sheet, joined: the renderer may hand them over in pieces."""
    made = html.render(timeline, h)
    return {name: whole(data) for name, data in made.items()}


def page_of(text: bytes) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(text)


@pytest.fixture(scope="module")
def features_page() -> lxml_html.HtmlElement:
    return page_of(render(*features_with_history())["index.html"])


def test_the_page_shows_the_latest_events_newest_first_each_linking_its_own_page(
    features_page: lxml_html.HtmlElement,
) -> None:
    timeline = load(FEATURES)
    latest = features_page.xpath("//section[h2[@id='latest']]//article")
    assert [a.get("id") for a in latest] == [e.id for e in reversed(timeline.events)][: html.LATEST]
    for article in latest:
        assert article.xpath(".//h3/a")[0].get("href") == f"events/{article.get('id')}.html"


def test_the_page_leads_into_every_year_grouped_by_decade(features_page: lxml_html.HtmlElement) -> None:
    timeline = load(FEATURES)
    years = sorted({e.date.first_day().year for e in timeline.events})
    links = features_page.xpath("//section[h2[@id='periods']]//a")
    assert [a.get("href") for a in links] == [f"years/{year:04d}.html" for year in years]
    decades = [li.xpath("./strong")[0].text for li in features_page.xpath("//ul[@class='periods']/li")]
    assert decades == sorted({f"{year // 10 * 10}s" for year in years})
    counts = [int(c.text.strip("()")) for c in features_page.xpath("//ul[@class='periods']//span")]
    assert sum(counts) == len(timeline.events)


def test_each_latest_event_shows_its_honest_date_status_and_sources(
    features_page: lxml_html.HtmlElement,
) -> None:
    planned = features_page.xpath("//article[@id='planned-event']")[0]
    assert "planned" in planned.get("class")
    assert planned.xpath(".//span[contains(@class,'badge')]")[0].text == "planned"
    assert planned.xpath(".//blockquote")


def test_user_text_is_escaped_and_shows_as_text() -> None:
    site = render_all(*features_with_history())
    raw = site["events/hostile-text.html"].decode()
    assert "<script>alert(1)</script>" not in raw
    title = page_of(site["events/hostile-text.html"]).xpath("//article[@id='hostile-text']//h1")[0]
    assert title.text_content() == "<script>alert(1)</script> ]]> & </title>"
    # Nothing that runs: the one script element is the event as data (see test_event_links).
    scripts = page_of(site["events/hostile-text.html"]).xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/ld+json"]
    # The timeline's page runs one script of its own: the copy buttons and the old anchors.
    assert len(page_of(site["index.html"]).xpath("//script")) == 1


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


def test_every_page_loads_nothing_but_the_sites_own_style_sheet() -> None:
    site = render_all(*features_with_history())
    assert site["style.css"] == (ROOT / "timeline" / "templates" / "style.css").read_bytes()
    css = site["style.css"].decode()
    assert "@import" not in css and "url(" not in css
    assert "@media (prefers-color-scheme: dark)" in css
    for name in ("index.html", "events/day-range.html", "years/2011.html"):
        page = page_of(site[name])
        up = "../" if "/" in name else ""
        assert [link.get("href") for link in page.xpath("//link[@rel='stylesheet']")] == [f"{up}style.css"]
        assert not page.xpath("//script[@src] | //iframe | //style"), name
        for picture in page.xpath("//img"):  # only the events' own pictures, said in words
            assert picture.getparent().tag == "figure" and picture.get("alt"), name
            assert picture.get("loading") == "lazy", name
        assert page.xpath("//meta[@name='viewport']"), name
        policy = page.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
        assert "style-src 'self'" in policy and "default-src 'none'" in policy
        assert "img-src 'self' data: https: http:" in policy  # the pictures are the events' own


def test_the_axis_marks_every_event_with_a_link_to_its_page_and_draws_inferred_dates_differently() -> None:
    timeline = load(FEATURES)
    svg = lxml_html.fromstring(axis.svg(timeline))
    links = svg.xpath("//a")
    assert sorted(link.get("href") for link in links) == sorted(
        f"events/{e.id}.html" for e in timeline.events
    )
    inferred = {link.get("href") for link in links if "inferred" in link.get("class")}
    assert inferred == {"events/month-event.html", "events/day-range.html"}
    shapes = {link.get("href"): link[1].tag for link in links}
    assert shapes["events/leap-day.html"] == "circle" and shapes["events/year-range.html"] == "rect"


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
    marks = svg.count('<a href="events/')
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
    assert "<svg" not in page and "0 events" in page and "Latest events" not in page


def test_the_shipped_site_is_committed_and_current() -> None:
    timeline = load(ROOT / "events.yaml")
    h = history.read(ROOT / "events.history.json")
    # The pages depend on the events and their history, never on the clock.
    site = render_all(timeline, h)
    pages = [name for name in site if name.endswith((".html", ".css"))]
    # The timeline's page, the page to embed, the style sheet, a page an event, a page a year;
    # in each of its languages.
    years = {e.date.first_day().year for e in timeline.events}
    assert len(pages) == (1 + 1 + 1 + len(timeline.events) + len(years)) * len(timeline.languages or "x")
    for name in pages:
        assert site[name] == (ROOT / "feeds" / name).read_bytes(), name


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
    latest = [e.id for e in reversed(timeline.events)][: html.LATEST]
    assert [a.get("id") for a in dom.xpath("//article")] == latest
    assert {a.get("href") for a in dom.xpath("//svg//a")} == {f"events/{e.id}.html" for e in timeline.events}
    # The script ran: copy buttons are shown where the clipboard API exists, else stay hidden.
    assert len(dom.xpath("//button[@class='copy']")) == 9


@pytest.mark.interop
@pytest.mark.parametrize(
    ("anchor", "title"),
    [("#iom-present-in-vietnam", "IOM begins working in Vietnam"), ("#y2007", "2007")],
)
def test_chromium_follows_an_old_link_into_the_page_to_the_events_or_years_own_page(
    tmp_path: Path, anchor: str, title: str
) -> None:
    """The page once held every event: links to /#<event id> and /#y<year> lead to their pages."""
    browser = chromium()
    result = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            PAGE.as_uri() + anchor,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert lxml_html.fromstring(result.stdout).xpath("//h1")[0].text_content() == title


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


def test_user_text_on_the_pages_is_isolated_so_a_right_to_left_override_cannot_run_on() -> None:
    timeline, h = features_with_history()
    last = timeline.events[-1]
    hostile = replace(last, title="\u202eevil", summary="\u202ethe rest", location="\u202ehere")
    site = render_all(replace(timeline, events=(*timeline.events[:-1], hostile)), h)
    raw = site["index.html"].decode()
    for text in ("\u202eevil", "\u202ethe rest", "\u202ehere"):
        assert f"<bdi>{text}</bdi>" in raw
    assert raw.count("\u202e") == raw.count("\u2068\u202eevil\u2069") + 3  # and in the axis, isolated
    own = site[f"events/{last.id}.html"].decode()
    assert '<h1 class="p-name"><bdi>\u202eevil</bdi></h1>' in own and "<bdi>\u202ehere</bdi>" in own
    assert "<title>\u2068" in own and "\u202eevil\u2069 · \u2068" in own  # the window's title isolates it


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


@pytest.mark.interop
def test_chromium_shows_the_vietnamese_page_in_vietnamese_and_screenshots_it(tmp_path: Path) -> None:
    browser = chromium()
    page = ROOT / "feeds" / "vi" / "index.html"
    common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    shown = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    dom = lxml_html.fromstring(shown)
    assert dom.get("lang") == "vi"
    assert "IOM bắt đầu hoạt động tại Việt Nam" in dom.text_content()
    assert "thg 12, 2011" in shown  # the dates as CLDR writes them in Vietnamese ("5 – 7 thg 12, 2011")
    shots = ROOT / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    target = shots / "timeline-vi-desktop.png"
    target.unlink(missing_ok=True)
    subprocess.run(
        [*common, "--window-size=1280,2400", f"--screenshot={target}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert target.read_bytes().startswith(b"\x89PNG")


@given(st.text())
def test_articles_escape_text_exactly_as_the_template_engine_does(text: str) -> None:
    assert pages.escape(text) == str(escape(text))


@pytest.mark.interop
def test_a_malformed_fragment_leaves_the_pages_script_running(tmp_path: Path) -> None:
    browser = chromium()
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=0", "--dump-dom", PAGE.as_uri() + "#%E0%A4%A"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "Uncaught" not in result.stderr and "URIError" not in result.stderr
    assert (
        lxml_html.fromstring(result.stdout).xpath("//h1")[0].text_content() == "IOM and Viet Nam: a timeline"
    )
