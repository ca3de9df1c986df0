"""The inbox in process, with the sender's server and the deliveries played by the test: what it
keeps, what it sends back, and what it answers when it cannot keep what it was sent."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from timeline.fediverse.delivery import Deliverer
from timeline.fediverse.followers import Followers
from timeline.fediverse.inbox import Inbox
from timeline.fediverse.keys import KeyPair
from timeline.fediverse.signatures import sign

ME = "https://timeline.example.org/actor"
ALICE = "https://social.example/users/alice"


def _key() -> KeyPair:
    return KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


ALICE_KEY = _key()
ALICE_DOCUMENT = {
    "id": ALICE,
    "type": "Person",
    "inbox": ALICE + "/inbox",
    "endpoints": {"sharedInbox": "https://social.example/inbox"},
    "publicKey": {"id": ALICE + "#main-key", "owner": ALICE, "publicKeyPem": ALICE_KEY.public_pem},
}


def _inbox(followers_file: Path, sent: list[tuple[str, dict[str, Any]]]) -> Inbox:
    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        sent.append((url, json.loads(body)))
        return 202

    deliverer = Deliverer(_key(), ME + "#main-key", private=False, post=post)
    return Inbox(
        lambda: ME, Followers(followers_file), deliverer, private=False, fetch=lambda url: ALICE_DOCUMENT
    )


def _posted(inbox: Inbox, activity: dict[str, Any]) -> tuple[int, str]:
    body = json.dumps(activity).encode()
    headers = sign(ALICE_KEY, ALICE + "#main-key", "POST", "https://timeline.example.org/inbox", body)
    answer = inbox.receive("/inbox", {name.lower(): value for name, value in headers.items()}, body)
    return answer.status, answer.text


FOLLOW = {"id": ALICE + "#f", "type": "Follow", "actor": ALICE, "object": ME}


def test_a_follow_is_kept_and_accepted_at_the_followers_own_inbox(tmp_path: Path) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    inbox = _inbox(tmp_path / "events.followers.json", sent)
    assert _posted(inbox, FOLLOW)[0] == 202
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    inbox.deliverer.stop()
    ((url, accept),) = sent
    assert url == ALICE + "/inbox" and accept["type"] == "Accept" and accept["object"] == FOLLOW
    assert inbox.followers.inboxes() == ["https://social.example/inbox"]  # later: its server once
    # Anything else is taken and dropped: a Like, a Follow of someone else.
    assert _posted(inbox, {"type": "Like", "actor": ALICE, "object": ME})[0] == 202
    assert _posted(inbox, {**FOLLOW, "object": "https://elsewhere.example/actor"})[0] == 202
    assert len(inbox.followers) == 1


def test_a_follow_that_cannot_be_kept_is_said_to_be_tried_again(tmp_path: Path) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    inbox = _inbox(tmp_path / "no such folder" / "events.followers.json", sent)
    status, text = _posted(inbox, FOLLOW)
    assert status == 503 and "try again later" in text
    assert sent == [] and len(inbox.followers) == 0  # no Accept for a follower not kept


def test_an_activity_whose_actor_is_not_the_signer_is_refused(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path / "events.followers.json", [])
    status, text = _posted(inbox, {**FOLLOW, "actor": "https://social.example/users/mallory"})
    assert status == 401 and "not the activity's actor's" in text
