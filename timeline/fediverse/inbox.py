"""The actor's inbox: what other servers post to the timeline. Only a Follow of it (answered by a
signed Accept) and its Undo (the follower removed) are acted on; everything else is taken and
dropped. Nothing posted here ever reaches the outputs.

A request is read only once it is shown to be what it says: signed (timeline.fediverse.signatures)
by the key of the actor it names, fetched from that actor's server, dated within the window,
its body the one signed. A server sending too many is told to wait (429)."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

from timeline.fediverse import remote
from timeline.fediverse.delivery import Deliverer
from timeline.fediverse.followers import Follower, Followers
from timeline.fediverse.signatures import SignatureError, parse, verify

log = logging.getLogger("timeline.fediverse")

MAX_BODY = 256 * 1024  # an activity is a few kilobytes
_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# Requests a server may send in a minute; more are answered 429 (a Follow is one request).
PER_MINUTE = 60


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


class Inbox:
    """Takes what is posted to `actor_id()`'s inbox (a function: the header may move it)."""

    def __init__(
        self,
        actor_id: Callable[[], str],
        followers: Followers,
        deliverer: Deliverer,
        *,
        private: bool,
        fetch: Callable[[str], Any] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.actor_id, self.followers, self.deliverer, self.private = actor_id, followers, deliverer, private
        self._fetch = fetch or (lambda url: remote.get_json(url, _ACCEPT, private))
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, list[float]] = {}  # by server: when its requests came

    def receive(self, target: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """What to answer a POST of `body` to `target` (headers by lowercase name)."""
        try:
            signature = parse(headers.get("signature", ""))
        except SignatureError as error:
            return Answer(401, f"{error}\n")
        server = urlsplit(signature.key_id).netloc.lower()
        if not self._allowed_now(server):
            return Answer(429, "too many requests from your server; try again in a minute\n")
        try:
            activity = json.loads(body)
        except ValueError:
            return Answer(400, "the body is not JSON\n")
        if not isinstance(activity, dict) or not isinstance(activity.get("actor"), str):
            return Answer(400, "the body is not an activity with an actor\n")
        try:
            owner, key = self._key(signature.key_id)
            if owner != activity["actor"]:
                raise SignatureError("the key that signed it is not the activity's actor's")
            verify(signature, key, "POST", target, headers, body, self._clock())
        except (SignatureError, remote.Refused) as error:
            log.warning("refused a post to the inbox from %s: %s", server, error)
            return Answer(401, f"{error}\n")
        try:
            self._act_on(activity)
        except OSError as error:  # the followers' file cannot be written (a full disk, say)
            log.error("could not keep what %s posted to the inbox: %s", server, error)
            return Answer(503, "this server cannot take it now; try again later\n")
        return Answer(202, "taken\n")

    def _allowed_now(self, server: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [moment for moment in self._recent.get(server, ()) if now - moment < 60]
            if len(recent) >= PER_MINUTE:
                self._recent[server] = recent
                return False
            self._recent[server] = [*recent, now]
            return True

    def _key(self, key_id: str) -> tuple[str, str]:
        """The owner of the key `key_id` names and its PEM, from the owner's server: the key's
        document, or the actor's that holds it (Mastodon's `actor#main-key`)."""
        document = self._fetch(urldefrag(key_id).url)
        key = document.get("publicKey") if isinstance(document, dict) else None
        key = key if isinstance(key, dict) else document
        pem = key.get("publicKeyPem") if isinstance(key, dict) else None
        if not isinstance(key, dict) or key.get("id") != key_id or not isinstance(pem, str):
            raise SignatureError(f"{key_id[:200]} names no public key its server gives")
        owner = key.get("owner")
        if not isinstance(owner, str):
            raise SignatureError(f"{key_id[:200]} names no owner")
        return owner, pem

    def _act_on(self, activity: dict[str, Any]) -> None:
        kind, me = activity.get("type"), self.actor_id()
        if kind == "Follow" and activity.get("object") == me:
            self._followed(activity)
        elif kind == "Undo":
            undone = activity.get("object")
            followed = undone.get("object") if isinstance(undone, dict) else None
            unfollow = isinstance(undone, dict) and undone.get("type") == "Follow" and followed == me
            if unfollow and self.followers.remove(activity["actor"]):
                log.info("%s no longer follows", activity["actor"])

    def _followed(self, follow: dict[str, Any]) -> None:
        actor = follow["actor"]
        try:
            document = self._fetch(actor)
        except remote.Refused as error:
            log.warning("could not read %s, who asked to follow: %s", actor, error)
            return
        inbox = document.get("inbox") if isinstance(document, dict) else None
        shared = (document.get("endpoints") or {}).get("sharedInbox") if isinstance(document, dict) else None
        if not isinstance(inbox, str) or urlsplit(inbox).scheme not in ("http", "https"):
            log.warning("%s asked to follow but gives no inbox", actor)
            return
        since = self._clock().isoformat(timespec="seconds").replace("+00:00", "Z")
        self.followers.add(Follower(actor, inbox, shared if isinstance(shared, str) else None, since))
        accept = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor_id()}#accepts/{uuid.uuid4().hex}",
            "type": "Accept",
            "actor": self.actor_id(),
            "object": follow,
        }
        self.deliverer.deliver([inbox], accept)
        log.info("%s follows", actor)
