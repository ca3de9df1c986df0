"""The timeline as a fediverse actor (issue 34, its first part): a header naming an account
makes the daemon answer WebFinger for `@NAME@host`, serve the actor with its public key, its
outbox and followers, and each event's page as a Note to a client that asks for ActivityPub;
its key pair is made once, kept beside the history (owner only), never among the outputs."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.asgi import get
from tests.conftest import copy_shipped
from timeline.daemon.main import Site
from timeline.errors import TimelineError
from timeline.fediverse.keys import key_pair, key_path
from timeline.serve.health import Health
from timeline.serve.server import App

ACTIVITY = "application/activity+json"
MASTODON_ACCEPT = (
    'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
BASE = "http://127.0.0.1:8000/"


def _followable(folder: Path, account: str = "iom_vietnam") -> Path:
    source = copy_shipped(folder, history=True)
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("\nevents:\n", f"\nfediverse: {{account: {account}}}\nevents:\n", 1), encoding="utf-8"
    )
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
    assert actor["url"] == BASE + "index.html"
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
    import http.client

    from tests.daemon.test_deploy import _nginx
    from tests.daemons import start

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

    try:
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
        next(nginx, None)
        assert daemon.stop() == 0
