"""The timeline as a fediverse actor (issue 34, its first part): a header naming an account
makes the daemon answer WebFinger for `@NAME@host`, serve the actor with its public key, its
outbox and followers, and each event's page as a Note to a client that asks for ActivityPub;
its key pair is made once, kept beside the history (owner only), never among the outputs."""

from __future__ import annotations

import http.client
import http.server
import json
import stat
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.asgi import get
from tests.conftest import copy_shipped
from tests.daemon.test_deploy import _nginx
from tests.daemons import start
from timeline.daemon.main import Site
from timeline.errors import TimelineError
from timeline.fediverse.keys import KeyPair, key_pair, key_path
from timeline.fediverse.signatures import parse, sign, verify
from timeline.serve.health import Health
from timeline.serve.server import App

ACTIVITY = "application/activity+json"
MASTODON_ACCEPT = (
    'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
BASE = "http://127.0.0.1:8000/"


ICON = "https://example.org/iom.png"


def _followable(folder: Path, account: str = "iom_vietnam") -> Path:
    source = copy_shipped(folder, history=True)
    text = source.read_text(encoding="utf-8")
    header = f"\nfediverse: {{account: {account}, icon: {ICON}}}\nevents:\n"
    source.write_text(text.replace("\nevents:\n", header, 1), encoding="utf-8")
    return source


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Site, App]]:
    status = Health()
    site = Site(_followable(tmp_path), tmp_path / "feeds", status)
    assert site.rebuild("start")
    yield site, App(status, cache_seconds=1)


def _json(app: App, path: str, accept: str = MASTODON_ACCEPT) -> tuple[dict[str, str], dict[str, object]]:
    status, headers, body = get(app, path, {"Accept": accept})
    assert status == 200, (path, body)
    return headers, json.loads(body)


def test_webfinger_finds_the_account_and_leads_to_the_actor(served: tuple[Site, App]) -> None:
    _, app = served
    headers, found = _json(app, "/.well-known/webfinger?resource=acct:iom_vietnam@127.0.0.1:8000", "*/*")
    assert headers["content-type"] == "application/jrd+json"
    assert headers["access-control-allow-origin"] == "*"  # a web client may look it up too
    assert found["subject"] == "acct:iom_vietnam@127.0.0.1:8000"
    assert {"rel": "self", "type": ACTIVITY, "href": BASE + "actor"} in found["links"]  # type: ignore[operator]
    for nobody in ("acct:someone@127.0.0.1:8000", "acct:iom_vietnam@elsewhere.example", ""):
        assert get(app, f"/.well-known/webfinger?resource={nobody}")[0] == 404
    assert get(app, "/.well-known/webfinger")[0] == 404


def test_the_actor_is_the_timeline_with_its_key(served: tuple[Site, App]) -> None:
    site, app = served
    headers, actor = _json(app, "/actor")
    assert headers["content-type"] == ACTIVITY
    assert actor["id"] == BASE + "actor" and actor["type"] == "Service"
    assert actor["preferredUsername"] == "iom_vietnam" and actor["name"] == "IOM and Viet Nam: a timeline"
    assert actor["url"] == BASE + "index.html" and actor["icon"] == {"type": "Image", "url": ICON}
    assert (actor["inbox"], actor["outbox"], actor["followers"]) == (
        BASE + "inbox",
        BASE + "outbox",
        BASE + "followers",
    )
    key = actor["publicKey"]
    assert isinstance(key, dict) and key["id"] == BASE + "actor#main-key" and key["owner"] == BASE + "actor"
    # The key served is the one kept beside the history, readable by its owner alone.
    path = key_path(site.source)
    assert key["publicKeyPem"] == key_pair(path).public_pem
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not any(p.suffix == ".pem" for p in site.out.rglob("*"))  # never among the outputs
    # The same key across restarts: a follower knows the actor by it.
    status = Health()
    assert Site(site.source, site.out, status).rebuild("restart")
    assert status.followable is not None and status.followable.public_key_pem == key["publicKeyPem"]


def test_an_events_page_is_its_note_to_whoever_asks_for_activitypub(served: tuple[Site, App]) -> None:
    _, app = served
    page = "/events/iom-council-100th-session.html"
    headers, note = _json(app, page)
    assert headers["content-type"] == ACTIVITY and headers["vary"] == "Accept, Accept-Encoding"
    assert note["id"] == note["url"] == BASE + page[1:] and note["type"] == "Note"
    assert note["attributedTo"] == BASE + "actor"
    assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"] and note["cc"] == [
        BASE + "followers"
    ]
    content = str(note["content"])
    # The date at its honest precision, marked inferred, the sources and the way to the page.
    assert "5–7 December 2011 (inferred)" in content and "<blockquote>" in content and page in content
    assert {"type": "Hashtag", "name": "#iom-council", "href": BASE + "tags/iom-council.atom"} in note["tag"]  # type: ignore[operator]
    # A browser gets the page, told that the answer depends on what it asks for.
    status, html_headers, body = get(app, page, {"Accept": "text/html"})
    assert (
        status == 200
        and body.startswith(b"<!doctype html>")
        and html_headers["vary"] == "Accept, Accept-Encoding"
    )
    assert get(app, "/events/no-such-event.html", {"Accept": ACTIVITY})[0] == 404


def test_the_outbox_holds_the_latest_events_and_the_followers_only_their_number(
    served: tuple[Site, App],
) -> None:
    site, app = served
    _, outbox = _json(app, "/outbox")
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 14
    items = outbox["orderedItems"]
    assert isinstance(items, list) and len(items) == 14
    assert all(item["type"] == "Create" and item["object"]["type"] == "Note" for item in items)
    latest = site.status.model[0].events[-1] if site.status.model else None
    assert latest is not None and items[0]["object"]["id"] == BASE + f"events/{latest.id}.html"
    _, followers = _json(app, "/followers")
    assert followers == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": BASE + "followers",
        "type": "OrderedCollection",
        "totalItems": 0,
    }


def test_a_timeline_that_names_no_account_is_no_actor(tmp_path: Path) -> None:
    status = Health()
    source = copy_shipped(tmp_path, history=True)
    assert Site(source, tmp_path / "feeds", status).rebuild("start")
    app = App(status, cache_seconds=1)
    for path in ("/.well-known/webfinger?resource=acct:iom_vietnam@127.0.0.1:8000", "/actor", "/outbox"):
        assert get(app, path)[0] == 404
    _, headers, body = get(app, "/events/iom-council-100th-session.html", {"Accept": ACTIVITY})
    assert body.startswith(b"<!doctype html>") and "Accept," not in headers["vary"]
    assert not key_path(source).exists()  # no key made for nothing


def test_a_damaged_key_is_said_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "events.fediverse.pem"
    path.write_text("not a key", encoding="utf-8")
    with pytest.raises(TimelineError, match="not the fediverse key timeline writes"):
        key_pair(path)
    assert path.read_text(encoding="utf-8") == "not a key"
    made = key_pair(tmp_path / "other.pem")
    assert key_pair(tmp_path / "other.pem").public_pem == made.public_pem  # read back, not made again


@pytest.mark.slow
def test_through_nginx_a_fediverse_server_gets_what_the_daemon_answers(tmp_path: Path) -> None:

    daemon = start(_followable(tmp_path), tmp_path / "feeds")
    nginx = _nginx(tmp_path, tmp_path / "feeds", daemon.port)
    port = next(nginx)

    def fetch(where: int, path: str) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", where, timeout=10)
        try:
            connection.request("GET", path, headers={"Accept": MASTODON_ACCEPT})
            response = connection.getresponse()
            return response.status, str(response.getheader("content-type")), response.read()
        finally:
            connection.close()

    alice = _Follower()
    try:
        # A Follow posted through nginx is checked against the Host it was signed for.
        assert alice.post(port, alice.follow()) == 202
        daemon.wait_for(lambda: bool(alice.received), what="the Accept through nginx")
        host = "127.0.0.1:8000"  # the shipped base URL's host, wherever the daemon listens
        for path in (
            f"/.well-known/webfinger?resource=acct:iom_vietnam@{host}",
            "/actor",
            "/outbox",
            "/followers",
            "/events/iom-council-100th-session.html",
        ):
            direct, through = fetch(daemon.port, path), fetch(port, path)
            assert direct[0] == 200 and through == direct, path
    finally:
        alice.close()
        next(nginx, None)
        assert daemon.stop() == 0


class _Follower:
    """Another fediverse server with one account, alice, on 127.0.0.1: her actor document with
    her public key, and her inbox, which keeps what is posted to it."""

    def __init__(self) -> None:

        self.key = KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        self.received: list[tuple[dict[str, str], bytes]] = []
        follower = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != "/users/alice":
                    self.send_error(404)
                    return
                body = json.dumps(follower.actor()).encode()
                self.send_response(200)
                self.send_header("Content-Type", ACTIVITY)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                follower.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/users/alice"
        self.key_id = self.url + "#main-key"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def actor(self) -> dict[str, object]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.url,
            "type": "Person",
            "preferredUsername": "alice",
            "inbox": self.url + "/inbox",
            "publicKey": {
                "id": self.url + "#main-key",
                "owner": self.url,
                "publicKeyPem": self.key.public_pem,
            },
        }

    def follow(self) -> dict[str, object]:
        """Alice's Follow of the timeline."""
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.url + "#follows/1",
            "type": "Follow",
            "actor": self.url,
            "object": BASE + "actor",
        }

    def post(self, port: int, activity: Mapping[str, object], key: KeyPair | None = None) -> int:
        """Post `activity` to the inbox at `port`, signed as alice (with `key`, if given)."""
        body = json.dumps(activity).encode()
        headers = sign(key or self.key, self.key_id, "POST", f"http://127.0.0.1:{port}/inbox", body)
        return _post_raw(port, body, headers)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.slow
def test_a_follow_is_accepted_signed_kept_and_undone(tmp_path: Path) -> None:

    source = _followable(tmp_path)
    daemon = start(source, tmp_path / "feeds")
    alice = _Follower()
    try:
        follow = alice.follow()
        # Signed with a key that is not alice's: refused, and no one follows.
        stranger = KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        assert alice.post(daemon.port, follow, stranger) == 401
        assert alice.post(daemon.port, follow) == 202
        daemon.wait_for(lambda: bool(alice.received), what="the Accept")
        headers, body = alice.received[0]
        accept = json.loads(body)
        assert accept["type"] == "Accept" and accept["actor"] == BASE + "actor" and accept["object"] == follow
        # Signed by the timeline's key, as its actor document gives it.
        actor = daemon.request("/actor", headers={"Accept": ACTIVITY}).json()
        signature = parse(headers["signature"])
        assert signature.key_id == BASE + "actor#main-key"
        verify(signature, actor["publicKey"]["publicKeyPem"], "POST", "/users/alice/inbox", headers, body)
        kept = json.loads((tmp_path / "events.followers.json").read_text(encoding="utf-8"))
        assert [f["actor"] for f in kept["followers"]] == [alice.url]
        assert daemon.request("/followers").json()["totalItems"] == 1
        health = daemon.request("/healthz").json()["fediverse"]
        assert health["followers"] == 1 and health["deliveries"][0]["delivered"] == 1
        # The followers outlive the daemon.
        assert daemon.stop() == 0
        daemon = start(source, tmp_path / "feeds")
        assert daemon.request("/followers").json()["totalItems"] == 1
        undo = {"id": alice.url + "#undo/1", "type": "Undo", "actor": alice.url, "object": follow}
        assert alice.post(daemon.port, undo) == 202
        assert daemon.request("/followers").json()["totalItems"] == 0
    finally:
        alice.close()
        daemon.stop()


@pytest.mark.slow
def test_followers_are_sent_each_event_added_changed_and_removed_signed(tmp_path: Path) -> None:
    source = _followable(tmp_path)
    daemon = start(source, tmp_path / "feeds")
    alice = _Follower()
    try:
        assert alice.post(daemon.port, alice.follow()) == 202
        daemon.wait_for(lambda: len(alice.received) == 1, what="the Accept")
        public = daemon.request("/actor", headers={"Accept": ACTIVITY}).json()["publicKey"]["publicKeyPem"]
        text = source.read_text(encoding="utf-8")
        first = text.index("\n  - id: ")
        block = text[first : text.index("\n  - id: ", first + 1)]
        event_id = block.split("id: ", 1)[1].split("\n", 1)[0]
        added = block.replace(f"id: {event_id}\n", "id: a-copy-to-follow\n", 1)
        walk = [
            ("Create", text[:first] + added + text[first:], "a-copy-to-follow"),
            (
                "Update",
                text[:first] + added.replace("title: ", "title: Edited, ", 1) + text[first:],
                "a-copy-to-follow",
            ),
            ("Delete", text, "a-copy-to-follow"),
        ]
        for number, (kind, saved, changed) in enumerate(walk, start=2):
            source.write_text(saved, encoding="utf-8")
            daemon.wait_for(lambda n=number: len(alice.received) >= n, seconds=30, what=kind)  # type: ignore[misc]
            headers, body = alice.received[number - 1]
            verify(parse(headers["signature"]), public, "POST", "/users/alice/inbox", headers, body)
            activity = json.loads(body)
            assert activity["type"] == kind and activity["actor"] == BASE + "actor"
            assert activity["object"]["id"] == BASE + f"events/{changed}.html"
            assert activity["object"]["type"] == ("Tombstone" if kind == "Delete" else "Note")
            if kind == "Update":
                assert "Edited, " in activity["object"]["content"]
        assert len(alice.received) == 4  # nothing more: one activity a change
    finally:
        alice.close()
        daemon.stop()


def _post_raw(port: int, body: bytes, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/inbox", body, headers)
        response = connection.getresponse()
        response.read()
        return int(response.status)
    finally:
        connection.close()


@pytest.mark.slow
def test_whatever_is_posted_to_the_inbox_the_daemon_answers_and_goes_on(tmp_path: Path) -> None:
    daemon = start(_followable(tmp_path), tmp_path / "feeds")
    alice = _Follower()
    try:
        # Unsigned, signed by no one it can name, too large, not an activity: each refused.
        assert _post_raw(daemon.port, b"{}", {"Content-Type": ACTIVITY}) == 401
        nobody = "http://127.0.0.1:1/nobody"  # no server there
        bogus = f'keyId="{nobody}#main-key",headers="(request-target) host date digest",signature="AAAA"'
        follow = json.dumps({"type": "Follow", "actor": nobody, "object": BASE + "actor"}).encode()
        assert _post_raw(daemon.port, follow, {"Signature": bogus}) == 401
        assert _post_raw(daemon.port, b"x" * (300 * 1024), {"Content-Type": ACTIVITY}) == 413
        signed = sign(alice.key, alice.key_id, "POST", f"http://127.0.0.1:{daemon.port}/inbox", b"not json")
        assert _post_raw(daemon.port, b"not json", signed) == 400
        # A server that posts too much is told to wait, and the daemon serves on.
        answers = [_post_raw(daemon.port, follow, {"Signature": bogus}) for _ in range(70)]
        assert 429 in answers
        assert daemon.request("/timeline.atom").status == 200
        assert daemon.request("/followers").json()["totalItems"] == 0
        assert "Traceback" not in daemon.log()
    finally:
        alice.close()
        daemon.stop()


def test_a_timeline_that_names_no_account_takes_no_post(tmp_path: Path) -> None:
    daemon = start(copy_shipped(tmp_path, history=True), tmp_path / "feeds")
    try:
        assert _post_raw(daemon.port, b"{}", {"Content-Type": ACTIVITY}) == 405
    finally:
        daemon.stop()


def test_a_header_that_no_longer_names_an_account_takes_the_actor_away(tmp_path: Path) -> None:
    status = Health()
    source = _followable(tmp_path)
    site = Site(source, tmp_path / "feeds", status)
    assert site.rebuild("start")
    app = App(status, cache_seconds=1)
    assert get(app, "/actor")[0] == 200
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace(f"fediverse: {{account: iom_vietnam, icon: {ICON}}}\n", ""), encoding="utf-8"
    )
    assert site.rebuild("events file changed")
    assert get(app, "/actor")[0] == 404 and status.followable is None
    assert key_path(source).exists()  # kept, for when it names one again
