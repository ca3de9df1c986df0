"""No client and no file takes the daemon down, makes it lie, or leaks a file.

Each test reproduces one way it was taken down or made to lie, with real signals, real FIFOs,
a real descriptor limit and raw sockets, bounded in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html

from bench import generate
from tests.conftest import MINIMAL, T0, event_yaml
from tests.daemons import Daemon, start
from timeline import history
from timeline.builder.publish import build
from timeline.errors import PublishError
from timeline.render.formats import VIEW_FORMATS

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(write_events: Callable[[str], Path], tmp_path: Path) -> Iterator[Daemon]:
    running = start(write_events(event_yaml("one") + event_yaml("two")), tmp_path / "feeds")
    yield running
    running.stop()


def _healthy(daemon: Daemon) -> bool:
    return daemon.request("/healthz").status == 200


def _peak_memory_mib(daemon: Daemon) -> float:
    status = Path(f"/proc/{daemon.process.pid}/status").read_text(encoding="ascii")
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


# -- signals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(10))
def test_a_burst_of_sighups_rebuilds_and_leaves_the_daemon_answering_and_stoppable(
    write_events: Callable[[str], Path], tmp_path: Path, attempt: int
) -> None:
    daemon = start(write_events(event_yaml("one")), tmp_path / "feeds")
    try:
        for _ in range(100):
            daemon.signal(signal.SIGHUP)
            time.sleep(0.001)
        daemon.wait_for(lambda: "build (SIGHUP)" in daemon.log(), what="the SIGHUP rebuild")
        assert _healthy(daemon)
    finally:
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


# -- what the events file is replaced by ------------------------------------------------------


def _replace_by_fifo(source: Path) -> None:
    os.mkfifo(source)


def _replace_by_symlink_loop(source: Path) -> None:
    source.symlink_to(source.name)


def _replace_by_link_to_dev_zero(source: Path) -> None:
    source.symlink_to("/dev/zero")


def _replace_by_one_gib_file(source: Path) -> None:
    with source.open("wb") as handle:
        handle.truncate(1 << 30)  # sparse: no disk spent on it


@pytest.mark.parametrize(
    ("replace", "says"),
    [
        (_replace_by_fifo, "is a FIFO (named pipe), not a regular file"),
        (_replace_by_symlink_loop, "cannot be read (Too many levels of symbolic links)"),
        (_replace_by_link_to_dev_zero, "is a device, not a regular file"),
        (_replace_by_one_gib_file, "the file is 1024 MiB, more than the 128 MiB an events file may be"),
    ],
    ids=["fifo", "symlink-loop", "dev-zero", "1-GiB"],
)
def test_an_events_file_replaced_by_what_cannot_be_read_is_reported_and_the_daemon_serves_on(
    daemon: Daemon, replace: Callable[[Path], None], says: str
) -> None:
    good = daemon.source.read_bytes()
    daemon.source.unlink()
    replace(daemon.source)
    daemon.wait_for(lambda: daemon.request("/healthz").json()["stale"], what="the failed build")
    report = daemon.request("/healthz").json()
    assert any(says in error for error in report["last_build"]["errors"]), report["last_build"]
    assert daemon.request("/timeline.atom").status == 200  # the last good outputs
    time.sleep(0.5)  # a few more ticks: none of them blocks, reads it, or says it again
    assert daemon.log().count(says) == 1
    assert _peak_memory_mib(daemon) < 300
    daemon.source.unlink()
    daemon.source.write_bytes(good + event_yaml("three").encode())
    daemon.wait_for(lambda: not daemon.request("/healthz").json()["stale"], what="the good save")
    assert b"three" in daemon.request("/timeline.atom").body
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


# -- builds that would take long ---------------------------------------------------------------


def test_sigterm_stops_a_large_build_under_way_before_its_next_output(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    daemon = start(write_events(event_yaml("one")), tmp_path / "feeds")
    try:
        large = daemon.source.with_name("large.yaml")
        large.write_text(generate.timeline(60_000), encoding="utf-8")
        large.replace(daemon.source)  # whole: the daemon never reads it half written
        time.sleep(2.5)  # into the build: parsing 60,000 events, then making their outputs
        daemon.signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=60) == 0
    finally:
        daemon.stop()
    log = daemon.log()
    # Stopped, not finished: it did not make the outputs of 60,000 events before exiting.
    assert "the build stopped before all outputs were made: the daemon is stopping" in log, log
    assert "build (events file changed): 60000 events" not in log
    assert "Traceback" not in log


# -- what is left on disk, and what is served from it ----------------------------------------


def test_a_tag_no_event_has_any_more_loses_its_outputs_and_is_404(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    tagged = event_yaml("one") + "    tags: [gone, kept]\n" + event_yaml("two") + "    tags: [kept]\n"
    daemon = start(write_events(tagged), tmp_path / "feeds")
    try:
        assert daemon.request("/tags/gone.atom").status == 200
        before = daemon.request("/changes.atom").headers["etag"]
        write_events(event_yaml("one") + "    tags: [kept]\n" + event_yaml("two") + "    tags: [kept]\n")
        daemon.wait_for(lambda: daemon.request("/changes.atom").headers["etag"] != before, what="the rebuild")
        for suffix in (f.suffix for f in VIEW_FORMATS):
            assert daemon.request(f"/tags/gone.{suffix}").status == 404
            assert not (tmp_path / "feeds" / "tags" / f"gone.{suffix}").exists()
            assert daemon.request(f"/tags/kept.{suffix}").status == 200
        assert b"tags/gone" not in daemon.request("/timeline.opml").body
        assert b"tags/gone" not in daemon.request("/").body
    finally:
        assert daemon.stop() == 0


def test_a_page_replaced_by_a_symlink_is_never_served_as_the_file_it_points_to(
    daemon: Daemon, tmp_path: Path
) -> None:
    """Served as the build made it, or 404 if it was to be read from the folder (see
    tests/serve/test_snapshot.py): never the file a symlink put in its place points to."""
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web\n", encoding="utf-8")
    page = tmp_path / "feeds" / "events" / "two.html"
    page.unlink()
    page.symlink_to(secret)
    answer = daemon.request("/events/two.html")
    assert answer.status in (200, 404) and b"not for the web" not in answer.body
    assert daemon.request("/events/one.html").status == 200
    assert "Traceback" not in daemon.log()


def test_a_first_build_that_fails_partway_serves_nothing_of_it(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    # A real fault, as on a full disk: tags/ is a file, so the outputs before it are written and
    # those after it are not. Half a set is never served as "the last good outputs".
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "tags").write_text("in the way", encoding="utf-8")
    daemon = start(write_events(event_yaml("one") + "    tags: [x]\n"), out, wait=False)
    assert daemon.process.wait(timeout=15) == 1
    assert list(out.glob("*.atom")), "some outputs were written before the fault"
    log = daemon.log()
    assert "cannot write (Not a directory)" in log
    assert "has no complete set of outputs from an earlier build to serve" in log
    assert "Traceback" not in log


def test_a_history_that_cannot_be_written_is_named_and_no_output_changes(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(MINIMAL + event_yaml("one"), encoding="utf-8")
    out = tmp_path / "feeds"
    build(source, out, now=T0)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    source.write_text(MINIMAL + event_yaml("one", title="Edited"), encoding="utf-8")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder", encoding="utf-8")
    stored = history.read(tmp_path / "events.history.json")
    with pytest.raises(PublishError) as caught:
        # Read from where it is, written to where it cannot be.
        build(
            source, out, now=T0, history_file=blocked / "events.history.json", history_reader=lambda _: stored
        )
    assert str(caught.value) == (
        f"{blocked / 'events.history.json'}: cannot write the history store (Not a directory); no output was "
        "changed. Free some space or fix the folder's permissions, then build again."
    )
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a disk of 64 KiB (a tmpfs), which sixty long events fill."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=False).returncode:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


LONG_EVENTS = MINIMAL + "".join(event_yaml(f"e{n}", title="x" * 250) for n in range(60))


def test_a_history_store_on_a_full_disk_is_named(full_disk: Path, tmp_path: Path) -> None:
    source = full_disk / "events.yaml"
    source.write_text(LONG_EVENTS, encoding="utf-8")
    with pytest.raises(
        PublishError, match=r"events.history.json: cannot write the history store \(No space left on device\)"
    ):
        build(source, tmp_path / "feeds", now=T0)
    assert not list(full_disk.glob(".*.tmp"))


def test_an_output_on_a_full_disk_is_named_not_its_folder(full_disk: Path, tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(LONG_EVENTS, encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        build(source, full_disk, now=T0)
    named = str(caught.value).split(": cannot write (No space left on device)")[0]
    assert named.startswith(f"{full_disk}/") and named != str(full_disk), str(caught.value)
    assert not list(full_disk.rglob(".*.tmp"))


# -- connections -------------------------------------------------------------------------------


def _limits(daemon: Daemon) -> tuple[int, int]:
    line = next(
        line
        for line in Path(f"/proc/{daemon.process.pid}/limits").read_text(encoding="ascii").splitlines()
        if line.startswith("Max open files")
    )
    soft, hard = line.split()[3:5]
    return int(soft), int(hard)


def test_the_soft_limit_on_open_files_is_raised_to_the_hard_one(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    daemon = start(write_events(event_yaml("one")), tmp_path / "feeds", open_files=(1024, 4096))
    try:
        assert _limits(daemon) == (4096, 4096)
        assert "at most 3840 connections at once (of 4096 file descriptors)" in daemon.log()
    finally:
        assert daemon.stop() == 0


def test_idle_connections_past_the_descriptor_limit_neither_block_requests_nor_edits(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4096:
        pytest.skip(f"this test needs 4,096 file descriptors, the hard limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))
    daemon = start(write_events(event_yaml("one")), tmp_path / "feeds", open_files=(1024, 1024))
    idle: list[socket.socket] = []
    try:
        for _ in range(1100):  # more than the daemon has descriptors: they connect, send nothing
            idle.append(socket.create_connection(("127.0.0.1", daemon.port)))
        answered = [daemon.request("/timeline.atom").status for _ in range(30)]
        assert answered == [200] * 30
        before = daemon.request("/timeline.atom").headers["etag"]
        write_events(event_yaml("one") + event_yaml("saved-meanwhile"))
        daemon.wait_for(lambda: daemon.request("/timeline.atom").headers["etag"] != before, what="the edit")
        assert b"saved-meanwhile" in daemon.request("/timeline.atom").body
    finally:
        for connection in idle:
            connection.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert daemon.request("/healthz").json()["status"] == "ok"
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


def _raw(daemon: Daemon, data: bytes, seconds: float = 5) -> bytes:
    """Send `data` as it is on a fresh connection; everything the daemon answers until it closes."""
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=seconds) as connection:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            connection.sendall(data)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(1 << 16):
                answer += chunk
        return answer


def test_a_request_head_over_64_kib_is_answered_431_without_being_read_whole(daemon: Daemon) -> None:
    head = b"GET /timeline.atom HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (16 << 20) + b"\r\n\r\n"
    answer = _raw(daemon, head)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert answer.endswith(b"\r\n\r\nthe request's head is over 65536 bytes\n")
    assert _peak_memory_mib(daemon) < 300
    assert daemon.request("/timeline.atom").status == 200


def test_a_good_request_then_a_bad_one_in_one_packet_gets_both_answers(daemon: Daemon) -> None:
    answer = _raw(daemon, b"GET /timeline.atom HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP\r\n\r\n")
    first, _, rest = answer.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert rest.count(b"HTTP/1.1 400 Bad Request\r\n") == 1
    assert rest.endswith(b"not a valid HTTP/1.1 request\n")


def test_two_good_requests_in_one_packet_get_two_answers_in_order(daemon: Daemon) -> None:
    two = b"GET /timeline.atom HTTP/1.1\r\n\r\n" + b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n"
    answer = _raw(daemon, two)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.count(b"HTTP/1.1 404 Not Found\r\n") == 1


def test_a_request_with_no_http_version_is_refused(daemon: Daemon) -> None:
    answer = _raw(daemon, b"GET /timeline.atom\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert answer.endswith(b"HTTP/1.0 or 1.1 only\n")


# -- bad input is a 4xx, never a 5xx ---------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "limit=%C2%B2",  # a superscript two: a digit to str.isdigit(), not to int()
        "limit=" + "9" * 5000,  # more digits than int() takes
        "from=%D9%A2%D9%A0%D9%A1%D9%A1",  # 2011 in Arabic-Indic digits
        "from=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%91",  # 2011 in full-width digits
        "to=%DF%82%DF%80%DF%81%DF%81-12",  # 2011 in N'Ko digits
    ],
)
def test_a_filter_in_anything_but_ascii_digits_is_a_400(daemon: Daemon, query: str) -> None:
    answer = daemon.request(f"/timeline.atom?{query}")
    assert answer.status == 400
    assert (
        answer.body.startswith(b'"limit" must be a whole number')
        or b"must be a year, month or day" in answer.body
    )


@pytest.mark.parametrize(
    "since",
    ["Wed, 02 Dec 2026 07:14:48 +99999999999999999999", "Wed, 02 Dec 99999999999 07:14:48 GMT"],
)
def test_an_if_modified_since_no_clock_can_hold_is_ignored(daemon: Daemon, since: str) -> None:
    assert daemon.request("/timeline.atom", headers={"If-Modified-Since": since}).status == 200


def _memory_mib(daemon: Daemon) -> float:
    status = Path(f"/proc/{daemon.process.pid}/status").read_text(encoding="ascii")
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def test_distinct_filters_that_each_select_everything_keep_memory_bounded(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(generate.timeline(2_000), encoding="utf-8")
    daemon = start(source, tmp_path / "feeds")
    try:
        whole = len(daemon.request("/timeline.ics?from=1000").body)
        before = _memory_mib(daemon)
        for year in range(1001, 1091):  # 90 filters, each the whole calendar again
            answer = daemon.request(f"/timeline.ics?from={year}", headers={"Accept-Encoding": "gzip"})
            assert answer.status == 200
        grown = _memory_mib(daemon) - before
        assert whole > 1_000_000  # so unbounded, 90 of them (with their gzip) would be 100 MB more
        assert grown < 100, f"{grown:.0f} MiB more after 90 filters of {whole / 2**20:.1f} MiB each"
    finally:
        assert daemon.stop() == 0


# -- what every answer says about itself -------------------------------------------------------


def test_a_cors_preflight_is_answered_so_a_page_elsewhere_may_ask_conditionally(daemon: Daemon) -> None:
    answer = daemon.request(
        "/timeline.json",
        method="OPTIONS",
        headers={
            "Origin": "https://reader.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert (answer.status, answer.body) == (204, b"")
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["access-control-allow-methods"] == "GET, HEAD"
    assert answer.headers["access-control-allow-headers"] == "If-None-Match, If-Modified-Since"


@pytest.mark.parametrize("path", ["/", "/timeline.atom", "/nope", "/healthz", "/timeline.atom?limit=x"])
def test_every_answer_is_never_sniffed_framed_or_given_a_full_referrer(daemon: Daemon, path: str) -> None:
    headers = daemon.request(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_healthz_shows_paths_and_errors_only_to_this_machine_not_through_a_proxy(daemon: Daemon) -> None:
    daemon.source.write_text("title: [unclosed\n", encoding="utf-8")
    daemon.wait_for(lambda: daemon.request("/healthz").json()["stale"], what="the failed build")
    here = daemon.request("/healthz").json()
    assert str(daemon.source) in here["last_build"]["errors"][0]
    proxied = daemon.request("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    report = proxied.json()
    assert (report["status"], report["last_build"]["problems"], report["serving"]["files"]) == (
        "stale",
        1,
        # 12 feeds, calendars and lists; the page, the page to embed and the two style sheets
        # (the pages', the feeds'); two events, a page and a calendar each; their year
        20,
    )
    assert "errors" not in report["last_build"] and str(daemon.source.parent) not in proxied.body.decode()


def test_listening_beyond_loopback_is_warned_about(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    daemon = start(write_events(event_yaml("one")), tmp_path / "feeds", "--host", "0.0.0.0")
    try:
        assert (
            "WARNING timeline: listening on every address of this machine: anyone who can reach"
            in daemon.log()
        )
    finally:
        assert daemon.stop() == 0


def test_a_summary_that_looks_like_html_reaches_rss_readers_as_text(
    write_events: Callable[[str], Path], tmp_path: Path
) -> None:
    source = write_events(event_yaml("one", summary='"<img src=x onerror=alert(1)> & more"'))
    build(source, tmp_path / "feeds", now=T0)
    text = "<img src=x onerror=alert(1)> & more"
    rss = feedparser.parse((tmp_path / "feeds" / "timeline.rss").read_bytes()).entries[0]
    # RSS's description is HTML: the reader gets HTML that shows the text, with no element in it.
    assert rss.summary_detail.type == "text/html"
    assert (
        "<img" not in rss.summary
        and lxml_html.fragment_fromstring(rss.summary, create_parent="p").text == text
    )
    atom = feedparser.parse((tmp_path / "feeds" / "timeline.atom").read_bytes()).entries[0]
    assert (atom.summary_detail.type, atom.summary) == ("text/plain", text)
    assert json.loads((tmp_path / "feeds" / "timeline.json").read_bytes())["items"][0]["summary"] == text
