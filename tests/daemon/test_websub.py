"""WebSub: the feeds name their hubs (rel="hub" beside rel="self" in Atom and RSS, `hubs` in JSON
Feed), and after each publish that changed a feed the daemon tells every hub, with a
`hub.mode=publish` POST for each changed feed's address, in the background, retrying a hub that
is down, reported in /healthz. Tested against a hub listening on loopback."""

from __future__ import annotations

import contextlib
import http.server
import json
import logging.config
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest

from tests import daemons
from tests.conftest import MINIMAL, event_yaml
from tests.render.test_render import features_with_history
from timeline.builder.publish import render_all
from timeline.daemon import main, websub
from timeline.errors import TimelineError, ValidationError
from timeline.render.formats import FEEDS
from timeline.source.load import parse

HUBS = ("https://hub.example.org/", "https://other-hub.example.org/websub")


class Hub:
    """A WebSub hub on loopback that records every publish ping; it answers `answers` in turn
    (the last one from then on), after `on_ping` (what a hub does when told: fetch the feed)."""

    def __init__(
        self, answers: tuple[int, ...] = (204,), on_ping: Callable[[], object] | None = None
    ) -> None:
        self.pings: list[dict[str, list[str]]] = []
        self.on_ping = on_ping
        self.answers = list(answers)
        self.lock = threading.Lock()
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = parse_qs(self.rfile.read(length).decode())
                if hub.on_ping is not None:
                    hub.on_ping()
                with hub.lock:
                    assert self.headers["Content-Type"] == "application/x-www-form-urlencoded"
                    hub.pings.append(form)
                    status = hub.answers.pop(0) if len(hub.answers) > 1 else hub.answers[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def topics(self) -> list[str]:
        with self.lock:
            assert all(ping["hub.mode"] == ["publish"] for ping in self.pings)
            return sorted(topic for ping in self.pings for topic in ping["hub.url"])

    def wait_for(self, count: int, timeout: float = 20) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.topics()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.topics()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[Hub]:
    running = Hub()
    yield running
    running.close()


# -- the feeds name their hubs -----------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    timeline, history = features_with_history()
    return render_all(replace(timeline, websub_hubs=HUBS, feed_entries=5), history)


@pytest.mark.parametrize("name", ["timeline.atom", "timeline.rss", "tags/range.atom", "changes.atom"])
def test_every_feed_names_its_hubs_and_itself(site: dict[str, bytes], name: str) -> None:
    feed = feedparser.parse(site[name])
    links = {(link.rel, link.href) for link in feed.feed.links}
    assert {("hub", hub) for hub in HUBS} <= links
    assert ("self", f"https://timeline.example.org/features/{name}") in links


def test_json_feed_names_its_hubs(site: dict[str, bytes]) -> None:
    feed = json.loads(site["timeline.json"])
    assert feed["hubs"] == [{"type": "WebSub", "url": hub} for hub in HUBS]


def test_an_archive_page_names_no_hub_as_it_never_changes(site: dict[str, bytes]) -> None:
    archives = [name for name in site if name.startswith("archive/")]
    assert archives
    for name in archives:
        assert b"hub" not in site[name], name


def test_a_timeline_without_hubs_names_none() -> None:
    site = render_all(*features_with_history())
    assert not any(b'rel="hub"' in site[name] or b'"hubs"' in site[name] for name in site if "." in name)


def test_hubs_are_checked_like_every_url() -> None:

    header = MINIMAL.replace(
        "events:\n", "websub_hubs: [ftp://hub.example.org/, https://a.org/, https://a.org/]\nevents:\n"
    )
    with pytest.raises(ValidationError) as caught:
        parse(header + event_yaml("one"), "events.yaml")
    assert [p.message for p in caught.value.problems] == [
        '"ftp://hub.example.org/" is not an absolute http(s) URL',
        '"https://a.org/" is listed twice; keep one',
    ]


# -- the daemon tells the hubs ----------------------------------------------------------------


def test_the_pusher_tells_each_hub_of_each_changed_feed_in_the_background(hub: Hub) -> None:
    other = Hub()
    pusher = websub.Pusher()
    try:
        started = time.monotonic()
        pusher.publish([hub.url, other.url], ["https://e.org/timeline.atom", "https://e.org/timeline.json"])
        assert time.monotonic() - started < 0.1  # never waits for a hub
        assert hub.wait_for(2) == ["https://e.org/timeline.atom", "https://e.org/timeline.json"]
        assert other.wait_for(2) == hub.topics()
        report = {entry["hub"]: entry for entry in pusher.report()}
        assert report[hub.url]["published"] == 2 and report[hub.url]["waiting"] == 0
        assert report[hub.url]["last_error"] is None and report[hub.url]["last_published"]
    finally:
        pusher.stop()
        other.close()


def test_a_pusher_starts_its_thread_only_once_it_has_something_to_tell(hub: Hub) -> None:
    before = set(threading.enumerate())
    pusher = websub.Pusher()
    try:
        pusher.publish([hub.url], [])
        assert set(threading.enumerate()) == before
        pusher.publish([hub.url], ["https://e.org/timeline.atom"])
        assert [t.name for t in set(threading.enumerate()) - before] == ["websub"]
        assert hub.wait_for(1) == ["https://e.org/timeline.atom"]
    finally:
        pusher.stop()


def test_the_daemon_starts_no_thread_before_its_first_build_which_may_then_use_both_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fork copies no other thread (see second_core.available): one running would make the
    # first build, the largest, use one core.
    source = tmp_path / "events.yaml"
    source.write_text(MINIMAL + event_yaml("one"), encoding="utf-8")
    before = set(threading.enumerate())
    started: list[set[threading.Thread]] = []

    def first_build(site: main.Site, reason: str) -> bool:
        started.append(set(threading.enumerate()) - before)
        return False

    monkeypatch.setattr(main.Site, "rebuild", first_build)
    monkeypatch.setattr(logging.config, "dictConfig", lambda config: None)
    with pytest.raises(TimelineError, match="cannot start"):
        main.run(main.ServeOptions(source=source, out=tmp_path / "out"))
    assert started == [set()]


def test_a_hub_that_is_down_is_tried_again_with_backoff_until_it_answers() -> None:
    down_then_up = Hub(answers=(503, 503, 202))
    pusher = websub.Pusher(first_retry=0.1)
    try:
        started = time.monotonic()
        pusher.publish([down_then_up.url], ["https://e.org/timeline.rss"])
        deadline = time.monotonic() + 10
        while pusher.report()[0]["published"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert time.monotonic() - started >= 0.1 + 0.2  # waited 0.1 s, then 0.2 s
        assert down_then_up.topics() == ["https://e.org/timeline.rss"] * 3
        (report,) = pusher.report()
        assert (report["published"], report["given_up"], report["waiting"]) == (1, 0, 0)
    finally:
        pusher.stop()
        down_then_up.close()


@pytest.mark.parametrize("answer", [400, 301])
def test_a_hub_that_refuses_is_not_asked_again_and_one_unreachable_is_given_up_on(answer: int) -> None:
    refusing = Hub(answers=(answer,))
    pusher = websub.Pusher(first_retry=0.01, tries=3)
    try:
        pusher.publish([refusing.url, "http://127.0.0.1:9/hub"], ["https://e.org/timeline.atom"])
        deadline = time.monotonic() + 10
        while sum(r["given_up"] for r in pusher.report()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        report = {entry["hub"]: entry for entry in pusher.report()}
        assert refusing.topics() == ["https://e.org/timeline.atom"]  # once: it would say so again
        assert report[refusing.url]["last_error"] == f"https://e.org/timeline.atom: answered {answer}"
        unreachable = report["http://127.0.0.1:9/hub"]
        assert unreachable["given_up"] == 1 and "Connection refused" in unreachable["last_error"]
    finally:
        pusher.stop()
        refusing.close()


def test_only_changed_feeds_are_topics_and_never_an_archive_page() -> None:
    timeline = parse(MINIMAL + event_yaml("one"))
    written = ["timeline.atom", "tags/a.rss", "timeline.ics", "index.html", "archive/1.atom", "changes.json"]
    written += ["vi/timeline.atom", "vi/archive/1.atom"]  # another language's, the same way
    assert websub.topics(timeline, written) == [
        "https://example.org/t/timeline.atom",
        "https://example.org/t/tags/a.rss",
        "https://example.org/t/changes.json",
        "https://example.org/t/vi/timeline.atom",
    ]


def test_the_daemon_tells_the_hub_after_each_publish_that_changed_a_feed(hub: Hub, tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    header = MINIMAL.replace("events:\n", f"websub_hubs: [{hub.url}]\nevents:\n")
    source.write_text(header + event_yaml("one") + event_yaml("two"), encoding="utf-8")
    daemon = daemons.start(source, tmp_path / "out")
    try:
        # Every feed of the first publish, each told in turn: the timeline's three, the changes'
        # two and on this day's three.
        first = hub.wait_for(8)
        assert (
            "https://example.org/t/timeline.atom" in first and "https://example.org/t/changes.atom" in first
        )
        assert not any(topic.endswith(".ics") or "archive/" in topic for topic in first)
        told = len(first)
        source.write_text(header + event_yaml("one", title="Retitled") + event_yaml("two"), encoding="utf-8")
        # Every ping of the edit's publish: the timeline's three feeds and the changes' two.
        after = hub.wait_for(told + 5)
        second = Counter(after) - Counter(first)
        feeds = {
            f"https://example.org/t/{stem}.{ext}"
            for stem in ("timeline", "changes")
            for ext in (f.suffix for f in FEEDS)
        }
        assert "https://example.org/t/timeline.atom" in second and set(second) <= feeds
        health = daemon.request("/healthz").json()
        daemon.wait_for(
            lambda: daemon.request("/healthz").json()["websub"][0]["waiting"] == 0, what="the pings"
        )
        (reported,) = daemon.request("/healthz").json()["websub"]
        assert reported["hub"] == hub.url and reported["published"] == len(hub.topics())
        assert health["status"] == "ok"
        proxied = daemon.request("/healthz", headers={"X-Forwarded-For": "203.0.113.9"}).json()
        assert "last_error" not in proxied["websub"][0]
        unchanged = source.read_text(encoding="utf-8")
        source.write_text(unchanged + "\n", encoding="utf-8")  # a change to the file, none to a feed
        time.sleep(1)
        assert len(hub.topics()) == len(after)
    finally:
        daemon.stop()
    assert "told " + hub.url in daemon.log_path.read_text(encoding="utf-8")


# -- hubs that answer badly, slowly or not at all ----------------------------------------------


class RawHub:
    """A "hub" on loopback that answers every connection with `answer` (bytes sent as they are,
    `every` seconds apart one byte at a time if given), or says nothing at all."""

    def __init__(self, answer: bytes | None, every: float = 0.0) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hub"
        self.answer, self.every = answer, every
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.server.accept()
                self.connections.append(connection)
                threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            connection.recv(65536)
            if self.answer is None:
                return  # silent: the connection stays open, nothing is said
            if not self.every:
                connection.sendall(self.answer)
                connection.close()
                return
            for byte in self.answer:
                connection.sendall(bytes([byte]))
                time.sleep(self.every)

    def close(self) -> None:
        # A thread waiting in accept() is woken by a shutdown, not by a close: no thread is
        # left running (a running thread keeps later tests' builds from forking).
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()


BAD_ANSWERS = {
    "a malformed status line": b"HELLO\r\n\r\n",
    "more than 100 headers": b"HTTP/1.1 204 No Content\r\n" + b"X-A: b\r\n" * 150 + b"\r\n",
    "a status line of 70 KB": b"HTTP/1.1 204 " + b"x" * 70_000 + b"\r\n\r\n",
}


@pytest.mark.parametrize("answer", BAD_ANSWERS.values(), ids=BAD_ANSWERS)
def test_a_hub_that_answers_no_http_is_that_hubs_failure_and_the_pusher_goes_on(
    answer: bytes, hub: Hub
) -> None:
    bad = RawHub(answer)
    pusher = websub.Pusher(first_retry=0.05, tries=2)
    try:
        pusher.publish([bad.url], ["https://e.org/timeline.atom"])
        deadline = time.monotonic() + 10
        while pusher.report()[0]["given_up"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        (report,) = pusher.report()
        assert report["given_up"] == 1 and report["last_error"].startswith("https://e.org/timeline.atom: ")
        # Still telling: the next change reaches a good hub, and the bad one is asked again.
        pusher.publish([hub.url, bad.url], ["https://e.org/timeline.rss"])
        assert hub.wait_for(1) == ["https://e.org/timeline.rss"]
    finally:
        pusher.stop()
        bad.close()


def test_a_slow_or_silent_hub_holds_no_other_back_and_is_cut_off_in_time(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(websub, "TIMEOUT_SECONDS", 3.0)
    slow = RawHub(b"HTTP/1.1 204 No Content\r\n\r\n", every=0.4)  # a byte every 0.4 s: never a timeout
    silent = RawHub(None)
    pusher = websub.Pusher(first_retry=60, tries=2)
    try:
        started = time.monotonic()
        pusher.publish([slow.url, silent.url, hub.url], ["https://e.org/timeline.atom"])
        assert hub.wait_for(1, timeout=5) == ["https://e.org/timeline.atom"]
        assert time.monotonic() - started < 2.5  # not after the others' time ran out
        deadline = time.monotonic() + 10
        while sum(r["last_error"] is not None for r in pusher.report()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        errors = {r["hub"]: r["last_error"] for r in pusher.report()}
        assert errors[hub.url] is None
        assert errors[slow.url] is not None and errors[silent.url] is not None
        assert time.monotonic() - started < 8  # each cut off after its time, not left hanging
    finally:
        pusher.stop()
        slow.close()
        silent.close()
