"""The daemon over real HTTP: media types, validators, 304s, HEAD, gzip, health, safety, and
following edits of the events file while always serving the last good outputs."""

from __future__ import annotations

import gzip
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest

from tests.conftest import FEATURES, event_yaml
from tests.daemons import Daemon, start
from timeline.builder import record
from timeline.render import formats
from timeline.serve.server import _accepts_gzip, _not_modified

MEDIA_TYPES = {
    "/timeline.atom": "application/atom+xml; charset=utf-8",
    "/timeline.rss": "application/rss+xml; charset=utf-8",
    "/timeline.json": "application/feed+json; charset=utf-8",
    "/timeline.ics": "text/calendar; charset=utf-8",
}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    folder = tmp_path_factory.mktemp("served")
    shutil.copy(FEATURES, folder / "events.yaml")
    running = start(folder / "events.yaml", folder / "feeds")
    yield running
    assert running.stop() == 0


# What Chromium asks for when it opens an address, and what a feed reader that names HTML asks for.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
READER = "application/atom+xml, application/rss+xml;q=0.9, text/html;q=0.1"


@pytest.mark.parametrize(("path", "media_type"), MEDIA_TYPES.items())
@pytest.mark.parametrize("accept", ["*/*", "application/xml", "text/html", BROWSER, READER])
def test_every_output_is_served_with_its_media_type_and_a_feed_to_a_browser_as_xml(
    daemon: Daemon, path: str, media_type: str, accept: str
) -> None:
    response = daemon.request(path, headers={"Accept": accept})
    assert response.status == 200
    for_browsers = formats.FOR_BROWSERS.get(media_type)
    if for_browsers is not None and "text/html" in accept and accept != READER:
        media_type = for_browsers  # the same bytes, which a browser then shows with feed.xsl
    assert response.headers["content-type"] == media_type
    assert response.body == (daemon.out / path.lstrip("/")).read_bytes()
    assert response.headers["content-length"] == str(len(response.body))
    assert response.headers["etag"].startswith('"') and not response.headers["etag"].startswith("W/")
    assert response.headers["cache-control"] == "public, max-age=1"
    assert response.headers["vary"] == ("Accept, Accept-Encoding" if for_browsers else "Accept-Encoding")
    modified = parsedate_to_datetime(response.headers["last-modified"])
    assert abs(modified.timestamp() - (daemon.out / path.lstrip("/")).stat().st_mtime) < 1


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/timeline.json", {}, 200),
        ("/timeline.ics", {"If-None-Match": "*"}, 304),
        ("/timeline.atom?colour=red", {}, 400),
        ("/nope", {}, 404),
        ("/healthz", {}, 200),
    ],
)
def test_every_answer_may_be_read_by_a_page_on_any_origin_with_its_etag(
    daemon: Daemon, path: str, headers: dict[str, str], status: int
) -> None:
    response = daemon.request(path, headers={"Origin": "https://reader.example", **headers})
    assert response.status == status
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "ETag"


@pytest.mark.parametrize("path", MEDIA_TYPES)
def test_a_matching_etag_gets_304_without_a_body(daemon: Daemon, path: str) -> None:
    etag = daemon.request(path).headers["etag"]
    response = daemon.request(path, headers={"If-None-Match": etag})
    assert (response.status, response.body) == (304, b"")
    assert response.headers["etag"] == etag
    assert daemon.request(path, headers={"If-None-Match": f'"other", W/{etag}'}).status == 304
    assert daemon.request(path, headers={"If-None-Match": "*"}).status == 304


def test_if_modified_since_gets_304_only_when_nothing_is_newer(daemon: Daemon) -> None:
    last_modified = daemon.request("/timeline.atom").headers["last-modified"]
    assert daemon.request("/timeline.atom", headers={"If-Modified-Since": last_modified}).status == 304
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(seconds=1), usegmt=True)
    assert daemon.request("/timeline.atom", headers={"If-Modified-Since": earlier}).status == 200
    assert daemon.request("/timeline.atom", headers={"If-Modified-Since": "garbage"}).status == 200


def test_a_mismatched_etag_wins_over_a_matching_date(daemon: Daemon) -> None:
    last_modified = daemon.request("/timeline.rss").headers["last-modified"]
    response = daemon.request(
        "/timeline.rss", headers={"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    )
    assert response.status == 200


@pytest.mark.parametrize("path", MEDIA_TYPES)
def test_head_sends_the_headers_of_get_without_the_body(daemon: Daemon, path: str) -> None:
    get, head = daemon.request(path), daemon.request(path, method="HEAD")
    assert (head.status, head.body) == (200, b"")
    for name in ("content-type", "content-length", "etag", "last-modified", "cache-control"):
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize("path", MEDIA_TYPES)
def test_gzip_is_sent_when_asked_with_its_own_etag(daemon: Daemon, path: str) -> None:
    plain = daemon.request(path)
    packed = daemon.request(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert packed.headers["etag"] != plain.headers["etag"]
    assert (
        daemon.request(
            path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]}
        ).status
        == 304
    )
    assert "content-encoding" not in daemon.request(path, headers={"Accept-Encoding": "gzip;q=0"}).headers


def test_healthz_reports_the_build_and_the_etags(daemon: Daemon) -> None:
    response = daemon.request("/healthz")
    report = response.json()
    assert (response.status, response.headers["content-type"]) == (200, "application/json")
    assert (report["status"], report["stale"]) == ("ok", False)
    assert report["last_build"]["result"] == "ok"
    assert report["serving"]["events"] == 12
    for path in MEDIA_TYPES:
        etag = daemon.request(path).headers["etag"]
        assert daemon.request("/healthz").json()["serving"]["files"][path]["etag"] == etag


def test_the_root_is_the_timeline_page(daemon: Daemon) -> None:
    response = daemon.request("/")
    assert response.status == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.body == (daemon.out / "index.html").read_bytes()
    assert daemon.request("/index.html").body == response.body


def test_tag_feeds_and_the_other_outputs_are_served(daemon: Daemon) -> None:
    for path, media_type in [
        ("/tags/range.atom", "application/atom+xml; charset=utf-8"),
        ("/tags/range.ics", "text/calendar; charset=utf-8"),
        ("/changes.json", "application/feed+json; charset=utf-8"),
        ("/on-this-day.rss", "application/rss+xml; charset=utf-8"),
        ("/anniversaries.ics", "text/calendar; charset=utf-8"),
        ("/timeline.opml", "text/x-opml; charset=utf-8"),
    ]:
        response = daemon.request(path)
        assert (response.status, response.headers["content-type"]) == (200, media_type), path


@pytest.mark.parametrize(
    "path",
    [
        "/events.yaml",
        "/../events.yaml",
        "/%2e%2e/events.yaml",
        "/%252e%252e/events.yaml",
        "/..%2fevents.yaml",
        "/feeds/timeline.atom",
        "/timeline.atom/",
        "/.timeline.atom.tmp",
        "/nope",
        "//etc/passwd",
    ],
)
def test_anything_outside_the_outputs_is_404(daemon: Daemon, path: str) -> None:
    assert daemon.request(path).status == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head_are_allowed(daemon: Daemon, method: str) -> None:
    response = daemon.request("/timeline.atom", method=method)
    assert response.status == 405 and response.headers["allow"] == "GET, HEAD, OPTIONS"


# -- following edits --------------------------------------------------------------------------


def items(daemon: Daemon) -> dict[str, dict[str, object]]:
    feed = daemon.request("/timeline.json").json()
    return {item["_timeline"]["event_id"]: item for item in feed["items"]}


def etags(daemon: Daemon) -> dict[str, str]:
    return {path: daemon.request(path).headers["etag"] for path in MEDIA_TYPES}


@pytest.fixture
def editable(tmp_path: Path, write_events: Callable[[str], Path]) -> Iterator[Daemon]:
    source = write_events(event_yaml("one", title="First") + event_yaml("two", title="Second"))
    running = start(source, tmp_path / "feeds")
    yield running
    assert running.stop() == 0
    assert "Traceback" not in running.log()


def test_the_outputs_follow_edits_and_only_the_changed_event_moves(
    editable: Daemon, write_events: Callable[[str], Path]
) -> None:
    before = items(editable)
    write_events(
        event_yaml("one", title="First") + event_yaml("two", title="Second, corrected") + event_yaml("three")
    )
    editable.wait_for(lambda: "three" in items(editable), what="the new event")
    after = items(editable)
    assert after["one"] == before["one"]
    assert after["two"]["date_published"] == before["two"]["date_published"]
    assert after["two"]["title"] == "2011: Second, corrected"
    assert after["two"]["_timeline"]["sequence"] == 1  # type: ignore[index]


def test_a_saved_edit_is_built_when_the_kernel_says_so_not_at_the_next_tick(
    tmp_path: Path, write_events: Callable[[str], Path]
) -> None:
    source = write_events(event_yaml("one", title="First"))
    daemon = start(source, tmp_path / "feeds", "--watch-interval", "3600")  # no tick in the test
    try:
        time.sleep(0.3)  # the watch is set up
        write_events(event_yaml("one", title="First") + event_yaml("two"))
        deadline = time.monotonic() + 5
        while "two" not in items(daemon) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "two" in items(daemon)
    finally:
        assert daemon.stop() == 0


def test_an_edit_that_changes_no_output_changes_no_etag(
    editable: Daemon, write_events: Callable[[str], Path]
) -> None:
    before = etags(editable)
    editable.source.write_text(
        editable.source.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8"
    )
    editable.wait_for(lambda: "events file changed" in editable.log(), what="the rebuild")
    assert etags(editable) == before


def test_a_broken_edit_keeps_serving_the_last_good_outputs_until_fixed(
    editable: Daemon, write_events: Callable[[str], Path]
) -> None:
    good = {path: editable.request(path) for path in MEDIA_TYPES}
    editable.source.write_text("title: [unclosed\n", encoding="utf-8")
    editable.wait_for(lambda: editable.request("/healthz").json()["stale"], what="the failed build")
    health = editable.request("/healthz")
    report = health.json()
    assert (health.status, report["status"]) == (200, "stale")
    assert report["last_build"]["result"] == "failed"
    assert report["last_build"]["errors"] == [
        f"{editable.source}:2:1: YAML syntax: while parsing a flow sequence that starts at line 1, column 8, "
        "did not find expected ',' or ']'; "
        "close the [ or { that starts there, and separate its items with commas"
    ]
    assert report["last_good_build"]["result"] == "ok"
    for path, response in good.items():
        served = editable.request(path)
        assert (served.status, served.body, served.headers["etag"]) == (
            200,
            response.body,
            response.headers["etag"],
        )
    assert f"ERROR timeline: {editable.source}:2:1: YAML syntax" in editable.log()

    write_events(event_yaml("one", title="First") + event_yaml("two", title="Second") + event_yaml("fixed"))
    editable.wait_for(lambda: not editable.request("/healthz").json()["stale"], what="the fixed build")
    assert "fixed" in items(editable)


def test_sighup_rebuilds_now(editable: Daemon) -> None:
    editable.signal(signal.SIGHUP)
    editable.wait_for(lambda: "build (SIGHUP)" in editable.log(), what="the SIGHUP rebuild")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_stop_cleanly_with_exit_0(
    write_events: Callable[[str], Path], tmp_path: Path, signum: signal.Signals
) -> None:
    running = start(write_events(event_yaml("one")), tmp_path / "feeds")
    running.signal(signum)
    assert running.process.wait(timeout=15) == 0
    assert running.log().rstrip().endswith("INFO timeline: stopped")
    assert {m.lstrip("/") for m in MEDIA_TYPES} <= {p.name for p in (tmp_path / "feeds").iterdir()}
    hidden = [p.name for p in (tmp_path / "feeds").iterdir() if p.name.startswith(".")]
    assert hidden == [record.RECORD]  # no temporary file left, and the record of the complete build


def test_a_bad_file_with_nothing_to_serve_refuses_to_start(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text("title: [unclosed\n", encoding="utf-8")
    running = start(source, tmp_path / "feeds", wait=False)
    assert running.process.wait(timeout=15) == 1
    log = running.log()
    assert f"{source}:2:1: YAML syntax" in log
    assert log.rstrip().endswith(
        f"error: cannot start: {source} does not build and {tmp_path / 'feeds'} has no complete set of "
        "outputs from an earlier build to serve; fix the problems above and start again"
    )
    assert "Traceback" not in log


def test_a_bad_file_at_start_serves_the_previous_outputs(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    first = start(write_events(event_yaml("one")), tmp_path / "feeds")
    served = first.request("/timeline.atom").body
    assert first.stop() == 0
    (tmp_path / "events.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    second = start(tmp_path / "events.yaml", tmp_path / "feeds")
    try:
        assert second.request("/timeline.atom").body == served
        assert second.request("/healthz").json()["status"] == "stale"
    finally:
        assert second.stop() == 0


# -- the rules, one by one --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (b"gzip", True),
        (b"deflate, gzip;q=0.5", True),
        (b"gzip;q=0", False),
        (b"br", False),
        (b"*", True),
        (b"", False),
        (b"*;q=1, gzip;q=0", False),  # named, gzip's own weight decides
        (b"gzip;level=9;q=0", False),  # other parameters before the weight
        (b"gzip; Q=0.0", False),
        (b"*;q=0", False),
        (b"br;q=1, *;q=0.1", True),
        (b"gzip;q=nonsense", False),
        (b"x-gzip", True),
    ],
)
def test_accept_encoding_is_read_with_its_q_values(header: bytes, accepted: bool) -> None:
    assert _accepts_gzip(header) is accepted


def test_if_none_match_decides_before_if_modified_since() -> None:
    from datetime import UTC, datetime

    modified = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    date = format_datetime(modified, usegmt=True).encode()
    assert _not_modified({b"if-none-match": b'"a"'}, '"a"', modified)
    assert not _not_modified({b"if-none-match": b'"b"', b"if-modified-since": date}, '"a"', modified)
    assert _not_modified({b"if-modified-since": date}, '"a"', modified)
    assert not _not_modified({}, '"a"', modified)


# -- filtered URLs ----------------------------------------------------------------------------


def test_a_filtered_url_is_served_once_per_canonical_query(daemon: Daemon) -> None:
    first = daemon.request("/timeline.atom?tag=range&limit=5")
    again = daemon.request("/timeline.atom?limit=05&tag=range")
    assert (first.status, again.status) == (200, 200)
    assert first.headers["etag"] == again.headers["etag"] and first.body == again.body
    assert first.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert (
        daemon.request(
            "/timeline.atom?tag=range&limit=5", headers={"If-None-Match": first.headers["etag"]}
        ).status
        == 304
    )
    assert first.headers["etag"] != daemon.request("/timeline.atom").headers["etag"]


@pytest.mark.parametrize("path", MEDIA_TYPES)
def test_filters_keep_the_ids_and_uids_of_the_full_outputs(daemon: Daemon, path: str) -> None:
    filtered = daemon.request(f"{path}?tag=range").body
    full = daemon.request(path).body
    for event_id in ("day-range", "year-range"):
        assert event_id.encode() in filtered and event_id.encode() in full
    assert b"leap-day" not in filtered


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/timeline.atom?colour=red", 'unknown parameter "colour"; use tag, from, to or limit\n'),
        ("/timeline.ics?limit=-1", '"limit" must be a whole number from 1 to 1000\n'),
        (
            "/tags/range.atom?limit=1",
            "filters apply to /timeline.atom, /timeline.rss, /timeline.json, /timeline.ics and /embed.html\n",
        ),
    ],
)
def test_a_bad_filter_is_a_400_with_the_reason(daemon: Daemon, url: str, message: str) -> None:
    response = daemon.request(url)
    assert (response.status, response.body.decode()) == (400, message)


def test_a_query_on_the_page_is_ignored(daemon: Daemon) -> None:
    assert daemon.request("/?utm_source=x").body == daemon.request("/").body


def test_a_daemon_with_nothing_to_serve_answers_healthz_503_with_every_header() -> None:
    import asyncio

    from timeline.serve.health import Health
    from timeline.serve.server import EVERY_ANSWER, App

    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/healthz", "headers": [], "client": ("127.0.0.1", 1)}
    asyncio.run(App(Health(), cache_seconds=2)(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 503
    assert set(EVERY_ANSWER) <= set(sent[0]["headers"])  # type: ignore[call-overload]
