"""A large timeline's daemon makes each event's own page and calendar when a client first asks
for one, instead of writing two files an event before it serves: the bytes `timeline build`
writes, in every language; validators that change exactly when the page does; no page left on
disk for nginx to serve stale; and every page written for a bucket or by `timeline build`."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from bench import generate
from tests.asgi import get
from tests.conftest import ROOT, copy_shipped
from tests.daemon.test_deploy import _nginx
from tests.daemons import start
from timeline.bucket.s3 import Target
from timeline.builder import publish, record
from timeline.daemon.main import Site
from timeline.daemon.mirror import Mirror
from timeline.serve.health import Health
from timeline.serve.server import App

SHIPPED = ROOT / "feeds"


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every timeline counts as large: the shipped one, with its two languages, is enough."""
    monkeypatch.setattr(publish, "PAGES_ON_REQUEST_FROM", 1)


@pytest.fixture
def served(tmp_path: Path, large: None) -> Iterator[tuple[Site, App]]:
    source = copy_shipped(tmp_path, history=True)
    status = Health()
    site = Site(source, tmp_path / "feeds", status)
    assert site.rebuild("start")
    yield site, App(status, cache_seconds=1)


def _own_pages(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder)) for p in folder.glob("**/events/*") if p.suffix in (".html", ".ics")
    )


def test_no_event_page_is_written_yet_each_is_served_as_timeline_build_writes_it_in_every_language(
    served: tuple[Site, App],
) -> None:
    site, app = served
    assert _own_pages(site.out) == []
    expected = _own_pages(SHIPPED)
    assert len(expected) == 2 * 2 * 14  # a page and a calendar an event, in English and Vietnamese
    for name in expected:
        status, headers, body = get(app, "/" + name)
        assert status == 200, name
        assert body == (SHIPPED / name).read_bytes(), name
        media = "text/html; charset=utf-8" if name.endswith(".html") else "text/calendar; charset=utf-8"
        assert headers["content-type"] == media
        assert headers["x-frame-options"] == "DENY"  # the same headers as every output
    assert _own_pages(site.out) == []  # served from memory, never written


@pytest.mark.parametrize(
    "path",
    [
        "/events/no-such-event.html",
        "/events/iom-office-hanoi.txt",
        "/events/",
        "/events/x/y.html",
        "/fr/events/a.html",
    ],
)
def test_an_address_that_is_no_events_page_is_not_found(served: tuple[Site, App], path: str) -> None:
    assert get(served[1], path)[0] == 404


def test_a_page_keeps_its_validators_until_its_own_event_changes(served: tuple[Site, App]) -> None:
    site, app = served
    events = sorted(p.stem for p in (SHIPPED / "events").glob("*.html"))
    edited, other = events[0], events[1]
    before = {e: get(app, f"/events/{e}.html")[1] for e in (edited, other)}
    assert get(app, f"/events/{edited}.html", {"If-None-Match": before[edited]["etag"]})[0] == 304
    text = site.source.read_text(encoding="utf-8")
    title = text.index("title: ", text.index(f"id: {edited}\n")) + len("title: ")
    site.source.write_text(text[:title] + "Edited, " + text[title:], encoding="utf-8")
    assert site.rebuild("events file changed")
    changed = get(app, f"/events/{edited}.html", {"If-None-Match": before[edited]["etag"]})
    assert changed[0] == 200 and b"Edited, " in changed[2]
    assert changed[1]["etag"] != before[edited]["etag"]
    assert parsedate_to_datetime(changed[1]["last-modified"]) >= parsedate_to_datetime(
        before[edited]["last-modified"]
    )
    kept = get(app, f"/events/{other}.html")[1]
    assert (kept["etag"], kept["last-modified"]) == (before[other]["etag"], before[other]["last-modified"])


def test_pages_a_timeline_build_left_are_removed_and_written_again_by_the_next_timeline_build(
    tmp_path: Path, large: None
) -> None:
    source = copy_shipped(tmp_path, history=True)
    out = tmp_path / "feeds"
    # Without the record of the build that wrote them (a fresh clone has none): found by looking.
    shutil.copytree(SHIPPED, out, ignore=shutil.ignore_patterns(record.RECORD))
    status = Health()
    assert Site(source, out, status).rebuild("start")
    # Left there, a page would be served by nginx as it was, whatever the events file says now.
    assert _own_pages(out) == []
    assert record.up_to_date(source, out, source.with_name("events.history.json"), None) is None
    built = subprocess.run(
        [sys.executable, "-m", "timeline", "build", "--source", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    assert _own_pages(out) == _own_pages(SHIPPED)


def test_a_daemon_that_publishes_to_a_bucket_writes_every_page(tmp_path: Path, large: None) -> None:
    source = copy_shipped(tmp_path, history=True)
    status = Health()
    mirror = Mirror(Target.parse("s3://bucket/site"), 60, status, None)
    site = Site(source, tmp_path / "feeds", status, mirror=mirror)
    assert site.publisher.build().pages_on_request is False
    assert _own_pages(site.out) == _own_pages(SHIPPED)


def test_a_small_timeline_has_its_pages_written_as_before(tmp_path: Path) -> None:
    source = copy_shipped(tmp_path, history=True)
    status = Health()
    assert Site(source, tmp_path / "feeds", status).rebuild("start")
    assert _own_pages(tmp_path / "feeds") == _own_pages(SHIPPED)
    assert not status.snapshot.pages_on_request


def _through(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_a_real_daemon_of_2000_events_serves_pages_it_never_wrote_through_nginx(tmp_path: Path) -> None:
    (tmp_path / "built").mkdir()
    (tmp_path / "served").mkdir()
    text = generate.timeline(publish.PAGES_ON_REQUEST_FROM)
    for folder in ("built", "served"):
        (tmp_path / folder / "events.yaml").write_text(text, encoding="utf-8")
    built = subprocess.run(
        [sys.executable, "-m", "timeline", "build", "--source", str(tmp_path / "built" / "events.yaml"),
         "--out", str(tmp_path / "built" / "feeds"), "--no-article-check"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    # The same history, so that both make the same bytes.
    shutil.copy(tmp_path / "built" / "events.history.json", tmp_path / "served")
    daemon = start(tmp_path / "served" / "events.yaml", tmp_path / "served" / "feeds", "--no-article-check")
    try:
        nginx = _nginx(tmp_path, tmp_path / "served" / "feeds", daemon.port)
        port = next(nginx)
        try:
            assert _own_pages(tmp_path / "served" / "feeds") == []
            pages = _own_pages(tmp_path / "built" / "feeds")
            assert len(pages) == 2 * publish.PAGES_ON_REQUEST_FROM
            for name in pages[:: len(pages) // 50]:
                expected = (tmp_path / "built" / "feeds" / name).read_bytes()
                assert daemon.request("/" + name).body == expected
                status, headers, body = _through(port, "/" + name)
                assert (status, body) == (200, expected), name
                assert _through(port, "/" + name, {"If-None-Match": headers["etag"]})[0] == 304
            assert _through(port, "/events/no-such-event.html")[0] == 404
        finally:
            next(nginx, None)
    finally:
        assert daemon.stop() == 0
