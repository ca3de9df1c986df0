"""Who follows the timeline from the fediverse: kept beside the history, `events.followers.json`,
rewritten whole and atomically at each change, since it is data no one could make again. A file
that cannot be read is said and never written over."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from timeline.errors import TimelineError
from timeline.files import write_atomic


@dataclass(frozen=True)
class Follower:
    actor: str  # the follower's actor id
    inbox: str
    shared_inbox: str | None  # its server's, which takes one delivery for all its followers
    since: str  # when it followed, RFC 3339


def followers_path(source: Path) -> Path:
    return source.with_name(source.stem + ".followers.json")


class Followers:
    """The followers, by actor id, in the order they followed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._by_actor = _read(path)

    def __len__(self) -> int:
        return len(self._by_actor)

    def add(self, follower: Follower) -> None:
        """Keep `follower`: in the file first, so that a follower not written is not counted."""
        with self._lock:
            self._keep({**self._by_actor, follower.actor: follower})

    def remove(self, actor: str) -> bool:
        """Whether `actor` followed, and no longer does."""
        with self._lock:
            if actor not in self._by_actor:
                return False
            self._keep({key: value for key, value in self._by_actor.items() if key != actor})
            return True

    def inboxes(self) -> list[str]:
        """Where an activity goes: each server's shared inbox once, or each follower's own."""
        found: dict[str, None] = {}
        with self._lock:
            for follower in self._by_actor.values():
                found[follower.shared_inbox or follower.inbox] = None
        return list(found)

    def _keep(self, followers: dict[str, Follower]) -> None:
        document = {"version": 1, "followers": [asdict(f) for f in followers.values()]}
        write_atomic(self.path, (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode())
        self._by_actor = followers


def _read(path: Path) -> dict[str, Follower]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise TimelineError(
            f"{path}: cannot read the followers ({error.strerror}); fix its permissions"
        ) from None
    try:
        document = json.loads(data)
        followers = [Follower(**item) for item in document["followers"]]
        if document.get("version") != 1 or not all(_http(f.actor) and _http(f.inbox) for f in followers):
            raise ValueError("not the followers timeline writes")
    except (ValueError, KeyError, TypeError) as error:
        raise TimelineError(
            f"{path}: the followers cannot be read ({error}); restore the file from your backup. "
            "It is never written over while it cannot be read"
        ) from None
    return {follower.actor: follower for follower in followers}


def _http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
