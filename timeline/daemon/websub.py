"""WebSub: after a publish that changed a feed, each hub the timeline names is told, with a
`hub.mode=publish` POST for each changed feed's address, so that the readers subscribed there
get the change at once instead of at their next poll.

The posts go out from a thread for each hub: a build never waits for a hub, a hub that is slow
or silent holds no other back, and a hub that is down is tried again later, with backoff, until
it answers or the tries run out. Whatever a hub answers (a malformed status line, endless
headers, a byte every few seconds), it is that hub's failure, reported in /healthz and the log:
each post has TIMEOUT_SECONDS in all, and nothing a hub sends ends its thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from timeline.fediverse import remote
from timeline.fediverse.sending import Destinations, Words
from timeline.model import Timeline
from timeline.render.formats import FEEDS

log = logging.getLogger("timeline.websub")

TIMEOUT_SECONDS = remote.TIMEOUT_SECONDS  # for one post, from connecting to the end of the answer
FIRST_RETRY_SECONDS = 5.0  # then twice as long each time
TRIES = 6  # about five minutes of a hub being down, then the change is given up on
_FEEDS = tuple(f".{f.suffix}" for f in FEEDS)  # what a hub carries: the registry's feeds


def topics(timeline: Timeline, written: Iterable[str]) -> list[str]:
    """The addresses of the feeds among the outputs written that name the hubs: every feed, in
    every language (`vi/timeline.atom`), but the archive pages, which never change once full."""
    return [timeline.url(name) for name in written if name.endswith(_FEEDS) and "/archive/" not in f"/{name}"]


class Pusher:
    """Tells the hubs of changed feeds, from a thread for each hub (timeline.fediverse.sending).
    `post(url, body)` sends one form-encoded POST and returns the status; it is remote.post's
    unless a test gives another."""

    def __init__(
        self,
        post: Callable[[str, bytes], int] | None = None,
        *,
        first_retry: float = FIRST_RETRY_SECONDS,
        tries: int = TRIES,
    ) -> None:
        send = post or _post

        def ping(hub: str, topic: str) -> int:
            return send(hub, urlencode({"hub.mode": "publish", "hub.url": topic}).encode())

        self._hubs = Destinations(
            ping,
            lambda topic: topic,
            Words("hub", "published", "told", "tell"),
            log,
            first_retry=first_retry,
            tries=tries,
            timeout=TIMEOUT_SECONDS,
            name="websub",
        )

    def publish(self, hubs: Iterable[str], changed: Iterable[str]) -> None:
        """Tell each of `hubs` that each feed address in `changed` has changed (returns at once).
        A topic already waiting (a hub that is down) is told once, with its tries started afresh:
        the change it announces is newer."""
        self._hubs.put(hubs, ((topic, topic) for topic in changed))

    def stop(self) -> None:
        self._hubs.stop()

    def report(self) -> list[dict[str, Any]]:
        """For /healthz: each hub, what it was last told and what is waiting."""
        return self._hubs.report()


def _post(url: str, body: bytes) -> int:
    """POST `body` to `url` and return the status, within TIMEOUT_SECONDS in all: a hub that
    sends its answer a byte at a time is cut off then. A redirect is not followed (a hub that
    answers one has not taken the ping)."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "timeline (WebSub publisher)",
    }
    return remote.post(url, body, headers, timeout=TIMEOUT_SECONDS)
