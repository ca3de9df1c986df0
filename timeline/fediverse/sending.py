"""Items sent to other servers, from a thread for each destination: the WebSub pings of the
hubs (timeline.daemon.websub) and the activities of the followers' inboxes
(timeline.fediverse.delivery).

A build never waits for a destination, a slow or silent one holds no other back, and one that is
down is tried again with backoff until it takes the item or the tries run out. A destination's
items go in the order they were put, each once: an item put again under the key of one still
waiting takes its place, with its tries started afresh (a hub is told of a feed once, however
often it changed meanwhile). Whatever a destination answers is that destination's failure,
kept for /healthz and the log; nothing it sends ends its thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")


@dataclass
class _Waiting(Generic[Item]):
    item: Item
    due: float
    tries: int = 0


@dataclass
class _Destination(Generic[Item]):
    url: str
    waiting: dict[Hashable, _Waiting[Item]] = field(default_factory=dict)  # in the order put
    sent: int = 0
    given_up: int = 0
    last_sent: datetime | None = None
    last_error: str | None = None
    thread: threading.Thread | None = None  # its own, started with its first item


@dataclass(frozen=True)
class Words:
    """How the log and /healthz name things: ("hub", "published", "told", "tell")."""

    destination: str
    sent: str
    done: str  # "told {destination} of {item}"
    do: str  # "could not {do} {destination} ..."


class Destinations(Generic[Item]):
    """Sends each item put for a destination with `send(url, item)`, which returns the status
    (or raises: a refusal, a timeout, an answer that is no HTTP). `about(item)` names an item in
    the log and in /healthz's last error; `timeout` is the longest a send may take."""

    def __init__(
        self,
        send: Callable[[str, Item], int],
        about: Callable[[Item], str],
        words: Words,
        log: logging.Logger,
        *,
        first_retry: float,
        tries: int,
        timeout: float,
        name: str,
    ) -> None:
        """`name`: what its threads are called (a test counts them)."""
        self._send, self._about, self._words, self._log = send, about, words, log
        self._name = name
        self._first_retry, self._tries, self._timeout = first_retry, tries, timeout
        self._destinations: dict[str, _Destination[Item]] = {}
        self._changed = threading.Condition()
        self._stopping = False

    def put(self, urls: Iterable[str], items: Iterable[tuple[Hashable, Item]]) -> None:
        """Send each item (by its key) to each destination of `urls`; returns at once."""
        items = list(items)
        if not items:
            return
        with self._changed:
            now = time.monotonic()
            for url in urls:
                destination = self._destinations.setdefault(url, _Destination(url))
                for key, item in items:
                    destination.waiting[key] = _Waiting(item, now)
                # Started with the first item: a thread running during the daemon's first build
                # would keep that build from forking a second core (see second_core.available).
                if destination.thread is None:
                    destination.thread = threading.Thread(
                        target=self._run, args=(destination,), name=self._name, daemon=True
                    )
                    destination.thread.start()
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            threads = [d.thread for d in self._destinations.values() if d.thread is not None]
        deadline = time.monotonic() + self._timeout + 1  # a send under way ends within its time
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def report(self) -> list[dict[str, Any]]:
        """For /healthz: each destination, what it was sent and what is waiting."""
        words = self._words
        with self._changed:
            return [
                {
                    words.destination: destination.url,
                    "waiting": len(destination.waiting),
                    words.sent: destination.sent,
                    "given_up": destination.given_up,
                    f"last_{words.sent}": _moment(destination.last_sent),
                    "last_error": destination.last_error,
                }
                for destination in self._destinations.values()
            ]

    def _run(self, destination: _Destination[Item]) -> None:
        while True:
            with self._changed:
                first = self._first(destination)
                while not self._stopping and (first is None or first[1].due > time.monotonic()):
                    wait = None if first is None else max(0.0, first[1].due - time.monotonic())
                    self._changed.wait(wait)
                    first = self._first(destination)
                if self._stopping:
                    return
                assert first is not None
            self._send_one(destination, *first)

    @staticmethod
    def _first(destination: _Destination[Item]) -> tuple[Hashable, _Waiting[Item]] | None:
        return next(iter(destination.waiting.items()), None)

    def _send_one(self, destination: _Destination[Item], key: Hashable, waiting: _Waiting[Item]) -> None:
        words, about = self._words, self._about(waiting.item)
        try:
            status = self._send(destination.url, waiting.item)
            error = None if 200 <= status < 300 else f"answered {status}"
            # A refusal would be said again; a destination down, busy or slow may recover.
            lasting = status < 500 and status not in (408, 429)
        except Exception as failure:  # refused, unreachable, timed out, an answer that is no HTTP
            error, lasting = f"{type(failure).__name__}: {failure}"[:300], False
        with self._changed:
            current = destination.waiting.get(key) is waiting  # not put again meanwhile
            if error is None:
                if current:
                    del destination.waiting[key]
                destination.sent += 1
                destination.last_sent, destination.last_error = datetime.now(UTC), None
                self._log.info("%s %s of %s", words.done, destination.url, about)
                return
            destination.last_error = f"{about}: {error}"
            if not current:
                return  # the newer one, put meanwhile, is tried afresh
            waiting.tries += 1
            if lasting or waiting.tries >= self._tries:
                del destination.waiting[key]
                destination.given_up += 1
                self._log.error(
                    "could not %s %s of %s (%s); giving up", words.do, destination.url, about, error
                )
                return
            wait = self._first_retry * 2 ** (waiting.tries - 1)
            waiting.due = time.monotonic() + wait
            self._log.warning(
                "could not %s %s of %s (%s); trying again in %.0f s",
                words.do,
                destination.url,
                about,
                error,
                wait,
            )


def _moment(moment: datetime | None) -> str | None:
    """As /healthz writes a moment: UTC, to the second, "2026-12-02T20:15:02Z"."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None
