"""embed.html: the latest events on a compact page another site may frame, and only that page."""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests import daemons
from tests.conftest import ROOT, copy_shipped
from tests.render.test_html import CHROMIUM_FLAGS, chromium
from timeline.render import embed
from timeline.source.load import load

EMBED = ROOT / "feeds" / "embed.html"


def test_the_embed_page_lists_the_latest_events_newest_first_with_links_that_open_a_tab() -> None:
    page = lxml_html.fromstring(EMBED.read_bytes())
    timeline = load(ROOT / "events.yaml")
    latest = list(reversed(timeline.events))[: embed.LATEST]
    items = page.xpath("//ol[@class='embedded-events']/li")
    assert [li.xpath("string(a)") for li in items] == [e.title for e in latest]
    assert [li.xpath("string(span[@class='when'])") for li in items] == [e.date.label() for e in latest]
    assert [li.xpath("a/@href")[0] for li in items] == [timeline.url(f"events/{e.id}.html") for e in latest]
    # Every link opens a new tab: a reader following one leaves the framing page where it was.
    links = page.xpath("//a")
    leaving = [a for a in links if not a.get("href").startswith("webcal:")]
    assert leaving and all(a.get("target") == "_blank" and a.get("rel") == "noopener" for a in leaving)
    assert page.xpath("string(//p[@class='embedded-more']/a[1])") == f"All {len(timeline.events)} events"
    # No script, nothing loaded but the style sheet.
    assert not page.xpath("//script") and page.xpath("//link[@rel='stylesheet']/@href") == ["style.css"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _OtherSite:
    """A page of another origin (another port) that frames the embed page and the timeline's."""

    def __init__(self, folder: Path, daemon_url: str) -> None:
        (folder / "host.html").write_text(
            "<!doctype html><html><head><meta charset='utf-8'><title>Another site</title></head>"
            "<body style='margin:0;background:#ffd'><h1>Another site</h1>"
            f"<iframe id='embedded' src='{daemon_url}/embed.html' width='600' height='420'></iframe>"
            f"<iframe id='page' src='{daemon_url}/index.html' width='300' height='200'></iframe>"
            "</body></html>",
            encoding="utf-8",
        )
        handler = partial(_Quiet, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/host.html"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def framing(tmp_path: Path) -> Iterator[tuple[daemons.Daemon, _OtherSite]]:
    source = copy_shipped(tmp_path)
    daemon = daemons.start(source, tmp_path / "feeds")
    host_folder = tmp_path / "host"
    host_folder.mkdir()
    site = _OtherSite(host_folder, daemon.url)
    yield daemon, site
    site.close()
    daemon.stop()


@pytest.mark.interop
def test_chromium_shows_the_embed_page_inside_a_page_of_another_origin_and_refuses_any_other(
    framing: tuple[daemons.Daemon, _OtherSite], tmp_path: Path
) -> None:
    daemon, site = framing
    shot = tmp_path / "framed.png"
    done = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=1", "--window-size=1000,700", "--virtual-time-budget=5000", f"--screenshot={shot}", site.url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Chromium says each frame it blocks, by its origin: one, the timeline's page (frame-ancestors
    # 'none'), not the embed page of the same origin beside it.
    refusals = [line for line in done.stderr.splitlines() if "violates" in line and "frame-ancestors" in line]
    assert len(refusals) == 1 and f"'{daemon.url}/'" in refusals[0], refusals
    # And the frame fetched it and its style sheet: the daemon knows an output's ETag once it
    # was first asked for, and nothing else asked for these.
    files = daemon.request("/healthz").json()["serving"]["files"]
    assert files["/embed.html"]["etag"] is not None and files["/style.css"]["etag"] is not None


def test_the_daemon_embeds_a_filtered_set_whose_links_subscribe_to_the_same_filter(tmp_path: Path) -> None:
    daemon = daemons.start(copy_shipped(tmp_path), tmp_path / "feeds")
    try:
        answer = daemon.request("/embed.html?limit=2&tag=iom-council")
        assert answer.status == 200
        # Framed by any site, as the unfiltered page: the answer is the embed page's.
        assert "x-frame-options" not in answer.headers
        assert "frame-ancestors *" in answer.headers["content-security-policy"]
        page = lxml_html.fromstring(answer.body)
        timeline = load(copy_shipped(tmp_path))
        tagged = [e for e in timeline.events if "iom-council" in e.tags][-2:]
        items = page.xpath("//ol[@class='embedded-events']/li/a/@href")
        assert items == [timeline.url(f"events/{e.id}.html") for e in reversed(tagged)]
        links = page.xpath("//p[@class='embedded-more']/a/@href")
        assert links[1:] == [
            timeline.url("timeline.atom?limit=2&tag=iom-council"),
            timeline.url("timeline.ics?limit=2&tag=iom-council").replace("http://", "webcal://"),
        ]
        # One filter, one answer, whatever order it is written in.
        again = daemon.request("/embed.html?tag=iom-council&limit=2")
        assert again.body == answer.body and again.headers["etag"] == answer.headers["etag"]
        refused = daemon.request("/embed.html?tag=nope")
        assert refused.status == 400 and b'unknown tag "nope"' in refused.body
    finally:
        daemon.stop()
