"""A feed clicked in a browser is a readable page: every Atom and RSS document names the feeds'
XSLT style sheet, which says what a feed is, how to subscribe (the feed's own address) and what
it holds. Checked with xsltproc, which follows the processing instruction as a browser does,
and in headless Chromium against the daemon serving the outputs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from tests import daemons
from tests.conftest import FEATURES, GOLDEN, ROOT
from tests.render.test_html import CHROMIUM_FLAGS, chromium
from timeline.model.languages import words
from timeline.render import feeds
from timeline.source.load import load

SHIPPED = ROOT / "feeds"
LANGUAGES = load(ROOT / "events.yaml").languages[1:]  # each with a site of its own under <tag>/
DOCUMENTS = sorted(
    p.relative_to(SHIPPED).as_posix() for p in SHIPPED.rglob("*") if p.suffix in (".atom", ".rss")
)


def xsltproc() -> str:
    path = shutil.which("xsltproc")
    if path is None:
        pytest.skip("xsltproc is not installed (scripts/test installs it as root: apt-get install xsltproc)")
    return path


def shown(folder: Path, name: str) -> lxml_html.HtmlElement:
    """What a browser shows for the document: xsltproc applies the style sheet its processing
    instruction names, found relative to the document, as a browser finds it."""
    result = subprocess.run(
        [xsltproc(), "--nonet", str(folder / name)], capture_output=True, timeout=60, check=True
    )
    assert not result.stderr, result.stderr
    return lxml_html.fromstring(result.stdout)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_feed_names_the_style_sheet_by_a_path_relative_to_itself(name: str) -> None:
    # Its language's: each language's site (vi/ for Vietnamese) has its own.
    site = next((f"{language}/" for language in LANGUAGES if name.startswith(f"{language}/")), "")
    up = "../" * name.removeprefix(site).count("/")
    first, second = (SHIPPED / name).read_bytes().split(b"\n")[:2]
    assert first == b"<?xml version='1.0' encoding='UTF-8'?>"
    assert second == f'<?xml-stylesheet type="text/xsl" href="{up}{feeds.STYLESHEET}"?>'.encode()
    stylesheet = (SHIPPED / name).parent.joinpath(up, feeds.STYLESHEET).resolve()
    assert stylesheet == SHIPPED / site / feeds.STYLESHEET and stylesheet.is_file()


@pytest.mark.interop
@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_feed_shown_in_a_browser_says_what_it_is_and_lists_its_entries(name: str) -> None:
    page = shown(SHIPPED, name)
    feed = feedparser.parse((SHIPPED / name).read_bytes())
    assert page.xpath("string(//h1)") == feed.feed.title
    language = name.split("/", 1)[0] if name.startswith("vi/") else "en"
    assert page.xpath("string(//section[@id='what-is-this']/h2)") == words(language)("This is a feed")
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert page.xpath("string(//span[@class='address'])") == self_link
    titles = [" ".join(h3.text_content().split()) for h3 in page.xpath("//ol/li/h3")]
    assert titles == [" ".join(entry.title.split()) for entry in feed.entries]
    assert [a.get("href") for a in page.xpath("//ol/li/h3/a")] == [entry.link for entry in feed.entries]


@pytest.mark.interop
@pytest.mark.parametrize("extension", ["atom", "rss"])
def test_hostile_text_is_shown_as_the_text_it_is(extension: str) -> None:
    page = shown(GOLDEN, f"timeline.{extension}")
    assert not page.xpath("//script | //*[@onerror]")
    texts = [p.text_content() for p in page.xpath("//ol/li/p[not(@class)]")]
    assert any("END:VEVENT; commas, semicolons; back\\slash" in text for text in texts)
    titles = [h3.text_content() for h3 in page.xpath("//ol/li/h3")]
    assert any("<script>alert(1)</script> ]]> & </title>" in title for title in titles)


@pytest.mark.interop
def test_an_archive_page_says_it_need_not_be_subscribed_to(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text("feed_entries: 5\n" + FEATURES.read_text(encoding="utf-8"), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "timeline",
        "build",
        "--source",
        str(source),
        "--out",
        str(tmp_path / "out"),
    ]
    subprocess.run(command, check=True, capture_output=True)
    archive = sorted((tmp_path / "out" / "archive").glob("*.atom"))[0]
    page = shown(archive.parent, archive.name)
    assert "This page is an archive of older entries" in page.xpath("string(//section)")
    latest = shown(tmp_path / "out", "timeline.atom")
    assert latest.xpath("//a[text()='Older entries']")


@pytest.mark.interop
@pytest.mark.parametrize("name", ["timeline.atom", "timeline.rss", "tags/range.rss"])
def test_chromium_shows_a_feed_served_by_the_daemon_as_a_page(name: str, tmp_path: Path) -> None:
    browser = chromium()
    source = tmp_path / "events.yaml"
    shutil.copy(FEATURES, source)
    daemon = daemons.start(source, tmp_path / "out")
    try:
        served = daemon.request(f"/{feeds.STYLESHEET}")
        assert served.status == 200 and served.headers["content-type"].startswith("application/xslt+xml")
        profile = f"--user-data-dir={tmp_path / 'profile'}"
        result = subprocess.run(
            [browser, *CHROMIUM_FLAGS, profile, "--dump-dom", f"{daemon.url}/{name}"],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    finally:
        daemon.stop()
    page = lxml_html.fromstring(result.stdout)
    assert page.xpath("string(//section[@id='what-is-this']/h2)") == "This is a feed"
    entries = etree.fromstring((tmp_path / "out" / name).read_bytes())
    count = len(entries.findall("{http://www.w3.org/2005/Atom}entry")) or len(entries.findall("channel/item"))
    assert len(page.xpath("//ol/li")) == count > 0


@pytest.mark.interop
@pytest.mark.parametrize("characters", ["<", ">", "&", "a<b&c>d ", "&amp;"])
def test_a_summary_of_thousands_of_escaped_characters_is_shown_whole(characters: str, tmp_path: Path) -> None:
    from tests.conftest import MINIMAL, event_yaml
    from timeline.builder.publish import build

    summary = (characters * 3000)[:6000] + " end"
    source = tmp_path / "events.yaml"
    source.write_text(MINIMAL + event_yaml("one", summary=f'"{summary}"'), encoding="utf-8")
    build(source, tmp_path / "feeds")
    page = shown(tmp_path / "feeds", "timeline.rss")
    (text,) = [p.text_content() for p in page.xpath("//ol/li/p[not(@class)]")]
    assert text == summary
