"""The files in deploy/ work: systemd accepts the unit, nginx serves feeds/ as the daemon does."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest

from tests.conftest import FEATURES, MINIMAL, ROOT, copy_shipped, event_yaml
from tests.daemons import Daemon, free_port, start
from timeline.render.formats import VIEW_FORMATS
from timeline.serve.server import EVERY_ANSWER, FRAMEABLE_ANSWER

pytestmark = pytest.mark.interop
DEPLOY = ROOT / "deploy"


def program(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def test_the_unit_gives_the_daemon_room_for_its_connections() -> None:
    unit = (DEPLOY / "timeline.service").read_text(encoding="utf-8")
    assert "\nLimitNOFILE=65536\n" in unit


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = program("systemd-analyze")
    unit = (DEPLOY / "timeline.service").read_text(encoding="utf-8")
    # Point ExecStart at a program that exists here; everything else is checked as shipped.
    unit = unit.replace("/srv/timeline/.venv/bin/timeline", sys.executable)
    path = tmp_path / "timeline.service"
    path.write_text(unit, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(path)], capture_output=True, text=True, check=False
    )
    problems = [line for line in result.stderr.splitlines() if "timeline.service" in line]
    assert result.returncode == 0 and problems == [], result.stderr


def test_systemd_accepts_the_unit_with_the_folder_drop_in(tmp_path: Path) -> None:
    analyze = program("systemd-analyze")
    unit = (DEPLOY / "timeline.service").read_text(encoding="utf-8")
    drop_in = (DEPLOY / "folder.conf").read_text(encoding="utf-8")
    (start,) = [line for line in drop_in.splitlines() if line.startswith("ExecStart=/")]
    assert "serve --folder /srv/timelines " in start and "\nReadWritePaths=/srv/timelines\n" in drop_in
    # The drop-in applied: its ExecStart (after the reset) in place of the unit's, its paths added.
    unit = re.sub(r"(?m)^ExecStart=.*$", start, unit).replace(
        "ReadWritePaths=/srv/timeline\n", "ReadWritePaths=/srv/timeline\nReadWritePaths=/srv/timelines\n"
    )
    path = tmp_path / "timeline.service"
    path.write_text(unit.replace("/srv/timeline/.venv/bin/timeline", sys.executable), encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "timeline.service" not in result.stderr, result.stderr


def test_nginx_passes_several_timelines_through_as_the_daemon_answers(tmp_path: Path) -> None:
    timelines = tmp_path / "timelines"
    for name in ("alpha", "beta"):
        (timelines / name).mkdir(parents=True)
        (timelines / name / "events.yaml").write_text(
            MINIMAL.replace("/t/", f"/{name}/") + event_yaml("one", title=f"In {name}"), encoding="utf-8"
        )
    daemon = start(timelines / "unused.yaml", timelines / "unused", "--folder", str(timelines))
    try:
        daemon.wait_for(lambda: daemon.request("/healthz").status == 200, what="both built")
        nginx = _nginx(tmp_path, timelines, daemon.port, site_file="nginx-folder.conf")
        try:
            _same_through_nginx(next(nginx), daemon)
        finally:
            next(nginx, None)  # stops nginx
    finally:
        daemon.stop()


def _same_through_nginx(port: int, daemon: Daemon) -> None:
    for path in (
        "/",
        "/timelines.opml",
        "/alpha/timeline.atom",
        "/beta/timeline.ics",
        "/beta",
        "/nothing",
    ):
        status, headers, body = get(port, path)
        direct = daemon.request(path, headers={"Accept": "application/xml"})
        assert (status, body) == (direct.status, direct.body), path
        for name in ("etag", "cache-control", "x-frame-options", "location"):
            assert headers.get(name) == direct.headers.get(name), (path, name)
    assert b"In alpha" in get(port, "/alpha/timeline.atom")[2]
    etag = get(port, "/alpha/timeline.atom")[1]["etag"]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/alpha/timeline.atom", headers={"If-None-Match": etag})
    assert connection.getresponse().status == 304
    connection.close()
    # Through the proxy, /healthz names no path and no error.
    report = json.loads(get(port, "/healthz")[2])
    assert set(report["timelines"]) == {"alpha", "beta"}
    assert isinstance(report["timelines"]["alpha"]["serving"]["files"], int)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[int]:
    feeds = tmp_path / "feeds"
    shutil.copytree(ROOT / "feeds", feeds)
    (feeds / ".timeline.atom.tmp").write_text("half written", encoding="utf-8")
    (feeds / "passwd.atom").symlink_to("/etc/passwd")  # put there by someone else
    yield from _nginx(tmp_path, feeds)


@pytest.fixture
def nginx_before_a_daemon(tmp_path: Path, write_events: Callable[[str], Path]) -> Iterator[int]:
    daemon = start(write_events(event_yaml("one")), tmp_path / "feeds")
    try:
        yield from _nginx(tmp_path, tmp_path / "feeds", daemon.port)
    finally:
        daemon.stop()


def _nginx(
    tmp_path: Path, feeds: Path, daemon_port: int = 8000, site_file: str = "nginx.conf"
) -> Iterator[int]:
    binary = program("nginx")
    port = free_port()
    site = (DEPLOY / site_file).read_text(encoding="utf-8")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("/srv/timeline/feeds", str(feeds))
    site = site.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{daemon_port}")
    config = tmp_path / "nginx.conf"
    # As root, nginx's workers would drop to an account that cannot read pytest's private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config.write_text(
        f"{user}daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\nclient_body_temp_path {tmp_path};\nproxy_temp_path {tmp_path};\n"
        f"{site}\n}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen([binary, "-c", str(config), "-p", str(tmp_path)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            get(port, "/timeline.atom")
            break
        except OSError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def get(
    port: int, path: str, method: str = "GET", accept: str = "application/xml"
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/timeline.atom", "application/atom+xml; charset=utf-8"),
        ("/timeline.rss", "application/rss+xml; charset=utf-8"),
        ("/timeline.json", "application/feed+json; charset=utf-8"),
        ("/timeline.ics", "text/calendar; charset=utf-8"),
    ],
)
def test_nginx_serves_each_output_with_the_daemons_media_type(nginx: int, path: str, media_type: str) -> None:
    status, headers, body = get(nginx, path)
    assert (status, headers["content-type"]) == (200, media_type)
    assert body == (ROOT / "feeds" / path.lstrip("/")).read_bytes()
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', headers["etag"])


@pytest.mark.parametrize("path", ["/timeline.atom", "/timeline.rss", "/tags/iom-council.rss"])
def test_nginx_sends_a_feed_to_a_browser_as_xml_as_the_daemon_does(nginx: int, path: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = get(nginx, path, accept=browser)
    assert (status, headers["content-type"]) == (200, "application/xml; charset=utf-8")
    assert body == (ROOT / "feeds" / path.lstrip("/")).read_bytes()
    assert "Accept" in headers["vary"]
    assert headers["x-content-type-options"] == "nosniff"  # the server's headers still apply
    assert get(nginx, path)[1]["content-type"].startswith("application/")
    assert get(nginx, path)[1]["content-type"] != "application/xml; charset=utf-8"
    _, style_headers, style = get(nginx, "/feed.xsl", accept=browser)
    assert style_headers["content-type"] == "application/xslt+xml; charset=utf-8"
    assert style == (ROOT / "feeds" / "feed.xsl").read_bytes()


@pytest.mark.parametrize("path", ["/as-xml/timeline.atom", "/as-xml/../events.yaml"])
def test_nginx_never_serves_its_inner_address(nginx: int, path: str) -> None:
    assert get(nginx, path)[0] in (400, 404)


@pytest.mark.parametrize("path", ["/timeline.json", "/timeline.ics", "/nope"])
def test_nginx_lets_a_page_on_any_origin_read_the_answer_as_the_daemon_does(nginx: int, path: str) -> None:
    _, headers, _ = get(nginx, path)
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-expose-headers"] == "ETag"


@pytest.mark.parametrize("path", ["/.timeline.atom.tmp", "/../events.yaml", "/%2e%2e/events.yaml", "/nope"])
def test_nginx_hides_temporary_files_and_everything_outside_feeds(nginx: int, path: str) -> None:
    assert get(nginx, path)[0] in (400, 404)


def test_nginx_allows_only_get_and_head(nginx: int) -> None:
    assert get(nginx, "/timeline.atom", method="HEAD")[0] == 200
    status, headers, body = get(nginx, "/timeline.atom", method="POST")
    assert (status, headers["allow"], body) == (405, "GET, HEAD, OPTIONS", b"only GET and HEAD are allowed\n")


def test_nginx_never_follows_a_symlink_put_into_feeds(nginx: int) -> None:
    status, _, body = get(nginx, "/passwd.atom")
    assert status in (403, 404) and b"root:" not in body


def test_nginx_answers_a_cors_preflight_as_the_daemon_does(nginx: int) -> None:
    status, headers, _ = get(nginx, "/timeline.json", method="OPTIONS")
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "GET, HEAD"
    assert headers["access-control-allow-headers"] == "If-None-Match, If-Modified-Since"


@pytest.mark.parametrize("path", ["/", "/timeline.atom", "/nope"])
def test_nginx_sends_the_daemons_hardening_headers(nginx: int, path: str) -> None:
    _, headers, _ = get(nginx, path)
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["content-security-policy"] == "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def test_healthz_through_nginx_shows_no_paths_or_errors(nginx_before_a_daemon: int) -> None:
    status, _, body = get(nginx_before_a_daemon, "/healthz")
    report = json.loads(body)
    assert status == 200 and report["status"] == "ok"
    assert isinstance(report["serving"]["files"], int) and "errors" not in report["last_build"]
    assert "/tmp" not in body.decode()


# -- addresses with a query, and the headers of every answer, through nginx and the daemon -----


@pytest.fixture
def daemon_behind_nginx(tmp_path: Path) -> Iterator[tuple[Daemon, int]]:
    source = tmp_path / "events.yaml"
    shutil.copy(FEATURES, source)
    daemon = start(source, tmp_path / "feeds")
    try:
        for port in _nginx(tmp_path, tmp_path / "feeds", daemon.port):
            yield daemon, port
    finally:
        daemon.stop()


# Every filter case of the suite (tests/serve/test_filters.py, test_server.py), good and bad.
QUERIES = [
    "tag=range", "limit=05&tag=range", "tag=range&limit=5", "to=2011&from=1990", "from=2011-12-05",
    "color=red", "tag=a&tag=b", "tag=", "tag=nope", "from=yesterday", "from=2011-02-30",
    "from=2012&to=2011", "limit=0", "limit=abc", "limit=-1", "a&&b",
]  # fmt: skip
VIEW_SUFFIXES = [f.suffix for f in VIEW_FORMATS]  # a filter is served in every view format
FILTERED = [f"/timeline.{suffix}?{query}" for suffix in VIEW_SUFFIXES for query in QUERIES]
OTHER_QUERIES = [
    "/tags/range.atom?limit=1", "/?utm_source=x", "/index.html?x=1", "/nope?tag=range",
    "/embed.html?tag=range&limit=2", "/embed.html?tag=nope",
]  # fmt: skip


def test_every_address_with_a_query_gets_through_nginx_what_the_daemon_answers(
    daemon_behind_nginx: tuple[Daemon, int],
) -> None:
    daemon, nginx = daemon_behind_nginx
    statuses = set()
    for address in FILTERED + OTHER_QUERIES:
        direct = get(daemon.port, address)
        through = get(nginx, address)
        statuses.add(direct[0])
        assert (through[0], through[2]) == (direct[0], direct[2]), address
        assert through[1].get("etag") == direct[1].get("etag"), address
        assert through[1]["content-type"] == direct[1]["content-type"], address
    assert statuses == {200, 400, 404}
    # Asked again with the ETag: 304 from both.
    etag = get(daemon.port, "/timeline.ics?tag=range")[1]["etag"]
    assert _status(nginx, "/timeline.ics?tag=range", {"If-None-Match": etag}) == 304


def _answers(port: int) -> dict[str, tuple[int, dict[str, str]]]:
    """One answer of each kind from the server at `port`, by kind."""
    etag = get(port, "/timeline.atom")[1]["etag"]
    big = {"X-Big": "a" * 70_000}
    return {
        "200": _answer(port, "GET", "/timeline.atom"),
        "304": _answer(port, "GET", "/timeline.atom", {"If-None-Match": etag}),
        "400": _answer(port, "GET", "/timeline.atom?colour=red"),
        "404": _answer(port, "GET", "/nope"),
        "405": _answer(port, "DELETE", "/timeline.atom"),
        "431": _answer(port, "GET", "/timeline.atom", big),
        "OPTIONS": _answer(port, "OPTIONS", "/timeline.json"),
        "HEAD": _answer(port, "HEAD", "/timeline.atom"),
        "filtered 200": _answer(port, "GET", "/timeline.atom?tag=range"),
        "filtered 304": _answer(
            port,
            "GET",
            "/timeline.atom?tag=range",
            {"If-None-Match": get(port, "/timeline.atom?tag=range")[1]["etag"]},
        ),
        "/healthz": _answer(port, "GET", "/healthz"),
    }


def test_every_kind_of_answer_carries_every_header_through_nginx_and_from_the_daemon(
    daemon_behind_nginx: tuple[Daemon, int],
) -> None:
    daemon, nginx = daemon_behind_nginx
    expected = {name.decode(): value.decode() for name, value in EVERY_ANSWER}
    for server, port in (("daemon", daemon.port), ("nginx", nginx)):
        answers = _answers(port)
        assert [status for status, _ in answers.values()] == [
            200, 304, 400, 404, 405, 431, 204, 200, 200, 304, 200
        ], server  # fmt: skip
        for kind, (_, headers) in answers.items():
            for name, value in expected.items():
                assert headers.get(name) == value, (server, kind, name)
        assert answers["405"][1]["allow"] == answers["OPTIONS"][1]["allow"] == "GET, HEAD, OPTIONS"
        assert answers["OPTIONS"][1]["access-control-allow-methods"] == "GET, HEAD"
        assert answers["OPTIONS"][1]["access-control-max-age"] == "86400"
        assert "allow" not in answers["200"][1], server
        assert answers["/healthz"][1]["cache-control"] == "no-store", server


def test_only_the_embed_page_may_be_framed_and_by_any_site_through_nginx_and_from_the_daemon(
    daemon_behind_nginx: tuple[Daemon, int],
) -> None:
    daemon, nginx = daemon_behind_nginx
    framed = {name.decode(): value.decode() for name, value in FRAMEABLE_ANSWER}
    assert framed["content-security-policy"] == "frame-ancestors *; base-uri 'none'; form-action 'none'"
    for server, port in (("daemon", daemon.port), ("nginx", nginx)):
        status, headers = _answer(port, "GET", "/embed.html")
        etag = headers["etag"]
        again, revalidated = _answer(port, "GET", "/embed.html", {"If-None-Match": etag})
        for answer in (headers, revalidated):
            assert "x-frame-options" not in answer, server
            assert {name: answer.get(name) for name in framed} == framed, server
        assert (status, again) == (200, 304), server
        _, page = _answer(port, "GET", "/index.html")
        assert page["x-frame-options"] == "DENY", server
        assert "frame-ancestors 'none'" in page["content-security-policy"], server


def test_each_language_is_filtered_and_its_embed_page_framed_as_the_default_ones(tmp_path: Path) -> None:
    source = copy_shipped(tmp_path, history=True)
    daemon = start(source, tmp_path / "feeds")
    try:
        for port in _nginx(tmp_path, tmp_path / "feeds", daemon.port):
            for path in ("/vi/embed.html", "/vi/embed.html?tag=iom-council&limit=2"):
                for server in (daemon.port, port):
                    status, headers = _answer(server, "GET", path)
                    assert status == 200 and "x-frame-options" not in headers, (server, path)
                    assert "frame-ancestors *" in headers["content-security-policy"], (server, path)
            filtered = "/vi/timeline.atom?tag=iom-council"
            direct, through = get(daemon.port, filtered), get(port, filtered)
            assert (direct[0], direct[2]) == (through[0], through[2]) and direct[0] == 200
            feed = feedparser.parse(direct[2])
            assert feed.feed.language == "vi" and "Khóa họp lần thứ 100 của Hội đồng IOM" in [
                entry.title.split(": ", 1)[1] for entry in feed.entries
            ]
            english = feedparser.parse(get(daemon.port, "/timeline.atom?tag=iom-council")[2])
            assert {e.id for e in feed.entries} == {e.id for e in english.entries}
            assert _answer(daemon.port, "GET", "/vi/index.html")[1]["x-frame-options"] == "DENY"
    finally:
        daemon.stop()


def _answer(
    port: int, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str]]:
    """The status and headers (each name once: a header sent twice fails) of one answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        names = [name.lower() for name, _ in response.getheaders()]
        assert len(names) == len(set(names)), (
            port,
            method,
            path,
            sorted(n for n in names if names.count(n) > 1),
        )
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def _status(port: int, path: str, headers: dict[str, str]) -> int:
    return _answer(port, "GET", path, headers)[0]
