"""Activities delivered to other servers' inboxes, signed (timeline.fediverse.signatures), each
inbox from a thread of its own: a build never waits for a server, a slow or silent one holds no
other back, and one that is down is tried again with backoff until it takes the activity or
the tries run out. What was delivered and what failed is in /healthz."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from timeline.fediverse import remote
from timeline.fediverse.keys import KeyPair
from timeline.fediverse.signatures import sign

log = logging.getLogger("timeline.fediverse")

FIRST_RETRY_SECONDS = 30.0  # then twice as long each time
TRIES = 8  # about two hours of a server being down, then the activity is given up on
MEDIA_TYPE = "application/activity+json"


@dataclass
class _Waiting:
    body: bytes
    due: float
    tries: int = 0


@dataclass
class _Inbox:
    url: str
    waiting: deque[_Waiting] = field(default_factory=deque)  # in the order they were made
    delivered: int = 0
    given_up: int = 0
    last_delivered: datetime | None = None
    last_error: str | None = None
    thread: threading.Thread | None = None


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
        self._post = post or (lambda url, body, headers: remote.post(url, body, headers, private))
        self._first_retry, self._tries = first_retry, tries
        self._inboxes: dict[str, _Inbox] = {}
        self._changed = threading.Condition()
        self._stopping = False

    def deliver(self, inboxes: list[str], activity: dict[str, Any]) -> None:
        """Send `activity` to each of `inboxes` (returns at once)."""
        body = json.dumps(activity, ensure_ascii=False).encode()
        with self._changed:
            for url in inboxes:
                inbox = self._inboxes.setdefault(url, _Inbox(url))
                inbox.waiting.append(_Waiting(body, time.monotonic()))
                if inbox.thread is None:
                    inbox.thread = threading.Thread(target=self._run, args=(inbox,), daemon=True)
                    inbox.thread.start()
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            threads = [inbox.thread for inbox in self._inboxes.values() if inbox.thread is not None]
        for thread in threads:
            thread.join(timeout=remote.TIMEOUT_SECONDS + 1)

    def report(self) -> list[dict[str, Any]]:
        """For /healthz: each inbox, what it was sent and what is waiting."""
        with self._changed:
            return [
                {
                    "inbox": inbox.url,
                    "waiting": len(inbox.waiting),
                    "delivered": inbox.delivered,
                    "given_up": inbox.given_up,
                    "last_delivered": inbox.last_delivered.isoformat() if inbox.last_delivered else None,
                    "last_error": inbox.last_error,
                }
                for inbox in self._inboxes.values()
            ]

    def _run(self, inbox: _Inbox) -> None:
        while True:
            with self._changed:
                while not self._stopping and (not inbox.waiting or inbox.waiting[0].due > time.monotonic()):
                    wait = inbox.waiting[0].due - time.monotonic() if inbox.waiting else None
                    self._changed.wait(None if wait is None else max(0.0, wait))
                if self._stopping:
                    return
                waiting = inbox.waiting[0]
            self._send(inbox, waiting)

    def _send(self, inbox: _Inbox, waiting: _Waiting) -> None:
        headers = sign(self.key, self.key_id, "POST", inbox.url, waiting.body, content_type=MEDIA_TYPE)
        try:
            status = self._post(inbox.url, waiting.body, headers)
            error = None if 200 <= status < 300 else f"answered {status}"
            # A refusal would be said again; a server down, busy or slow may recover.
            lasting = status < 500 and status not in (408, 429)
        except Exception as failure:  # refused, unreachable, timed out, an answer that is no HTTP
            error, lasting = f"{type(failure).__name__}: {failure}"[:300], False
        with self._changed:
            if error is None:
                inbox.waiting.popleft()
                inbox.delivered += 1
                inbox.last_delivered, inbox.last_error = datetime.now(UTC), None
                return
            inbox.last_error = error
            waiting.tries += 1
            if lasting or waiting.tries >= self._tries:
                inbox.waiting.popleft()
                inbox.given_up += 1
                log.error("could not deliver to %s (%s); giving up", inbox.url, error)
                return
            wait = self._first_retry * 2 ** (waiting.tries - 1)
            waiting.due = time.monotonic() + wait
            log.warning("could not deliver to %s (%s); trying again in %.0f s", inbox.url, error, wait)
