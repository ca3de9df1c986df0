"""Activities delivered to other servers' inboxes, signed (timeline.fediverse.signatures), each
inbox from a thread of its own (timeline.fediverse.sending): a build never waits for a server, a
slow or silent one holds no other back, and one that is down is tried again with backoff until
it takes the activity or the tries run out; an inbox takes every activity, in the order they
were made. What was delivered and what failed is in /healthz."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

from timeline.fediverse import remote
from timeline.fediverse.keys import KeyPair
from timeline.fediverse.sending import Destinations, Words
from timeline.fediverse.signatures import sign

log = logging.getLogger("timeline.fediverse")

FIRST_RETRY_SECONDS = 30.0  # then twice as long each time
TRIES = 8  # about two hours of a server being down, then the activity is given up on
MEDIA_TYPE = "application/activity+json"


class Deliverer:
    """Sends activities signed by `key` (its id `key_id`). `post(url, body, headers)` sends one
    and returns the status: remote.post unless a test gives another."""

    def __init__(
        self,
        key: KeyPair,
        key_id: str,
        *,
        private: bool,
        post: Callable[[str, bytes, dict[str, str]], int] | None = None,
        first_retry: float = FIRST_RETRY_SECONDS,
        tries: int = TRIES,
    ) -> None:
        self.key, self.key_id, self.private = key, key_id, private
        send = post or (lambda url, body, headers: remote.post(url, body, headers, private))

        def signed(inbox: str, body: bytes) -> int:
            # Signed when sent, not when made: a retry hours later carries a fresh Date.
            return send(
                inbox, body, sign(self.key, self.key_id, "POST", inbox, body, content_type=MEDIA_TYPE)
            )

        self._inboxes = Destinations(
            signed,
            _about,
            Words("inbox", "delivered", "delivered to", "deliver to"),
            log,
            first_retry=first_retry,
            tries=tries,
            timeout=remote.TIMEOUT_SECONDS,
            name="fediverse",
        )
        self._numbers = itertools.count()  # every activity its own key: none takes another's place

    def deliver(self, inboxes: list[str], activity: dict[str, Any]) -> None:
        """Send `activity` to each of `inboxes` (returns at once)."""
        body = json.dumps(activity, ensure_ascii=False).encode()
        self._inboxes.put(inboxes, [(next(self._numbers), body)])

    def stop(self) -> None:
        self._inboxes.stop()

    def report(self) -> list[dict[str, Any]]:
        """For /healthz: each inbox, what it was sent and what is waiting."""
        return self._inboxes.report()


def _about(body: bytes) -> str:
    """An activity as the log names it: its type and id."""
    try:
        activity = json.loads(body)
        return f"{activity.get('type')} {activity.get('id')}"
    except (ValueError, AttributeError):
        return "an activity"
