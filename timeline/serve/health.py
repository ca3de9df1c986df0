"""What the daemon is serving and how its last build went: written by the builder, read by the
server. Each update replaces whole immutable values, so a reader never sees half of one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from timeline.model import History, Timeline
from timeline.serve.snapshot import Snapshot


@dataclass(frozen=True)
class Followable:
    """What the server needs to answer as the timeline's fediverse actor (timeline.fediverse):
    its key, how many follow it, what to answer a post to its inbox (the target, the headers by
    lowercase name, the body: a status and a text), and what its deliveries did."""

    public_key_pem: str
    followers: Callable[[], int] = lambda: 0
    receive: Callable[[str, dict[str, str], bytes], tuple[int, str]] | None = None
    deliveries: Callable[[], list[dict[str, Any]]] = list


@dataclass(frozen=True)
class BuildOutcome:
    """The result of one build attempt."""

    at: datetime
    ok: bool
    reason: str
    errors: tuple[str, ...] = ()
    events: int | None = None
    written: tuple[str, ...] = ()


class Health:
    """The snapshot being served and the outcome of the latest build."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()
        self.last_build: BuildOutcome | None = None
        self.last_good: BuildOutcome | None = None
        # The model behind the snapshot, for filtered outputs rendered on request.
        self.model: tuple[Timeline, History] | None = None
        # What the WebSub hubs were told (timeline.daemon.websub), when the daemon tells any.
        self.websub: Callable[[], list[dict[str, Any]]] | None = None
        # The last publish to a bucket (`serve --publish-to`), when the daemon publishes to one.
        self.bucket: dict[str, Any] | None = None
        # Set once a published timeline names a fediverse account: the server then answers as it.
        self.followable: Followable | None = None

    def published(self, snapshot: Snapshot, outcome: BuildOutcome, model: tuple[Timeline, History]) -> None:
        self.model = model
        self.snapshot = snapshot
        self.last_good = outcome
        self.last_build = outcome

    def failed(self, outcome: BuildOutcome) -> None:
        self.last_build = outcome

    def report(self, *, details: bool = True) -> dict[str, Any]:
        """The /healthz document: status, times and counts; with `details`, what a build
        reported (its messages name paths) and every file served with its ETag."""
        last, good, snapshot = self.last_build, self.last_good, self.snapshot
        stale = last is not None and not last.ok
        state = "unavailable" if not snapshot.files else "stale" if stale else "ok"
        files: int | dict[str, Any] = len(snapshot.files)
        if details:
            # An ETag is known once the file was first asked for (most of a site's never are).
            files = {path: {"etag": r.known_etag, "bytes": r.size} for path, r in snapshot.files.items()}
        return {
            "status": state,
            "stale": stale,
            "serving": {
                "since": moment_text(snapshot.loaded_at),
                "events": good.events if good else None,
                "files": files,
            },
            "last_build": _outcome(last, details),
            "last_good_build": _outcome(good, details),
            "websub": self._hubs(details),
            "bucket": self._bucket(details),
            "fediverse": self._fediverse(details),
        }

    def _fediverse(self, details: bool) -> dict[str, Any] | None:
        if self.followable is None:
            return None
        deliveries = self.followable.deliveries()
        if not details:  # where it delivers and what went wrong are this daemon's business
            hidden = ("inbox", "last_error")
            deliveries = [{k: v for k, v in d.items() if k not in hidden} for d in deliveries]
        return {"followers": self.followable.followers(), "deliveries": deliveries}

    def _bucket(self, details: bool) -> dict[str, Any] | None:
        if self.bucket is None or details:
            return self.bucket
        return {key: value for key, value in self.bucket.items() if key != "error"}

    def _hubs(self, details: bool) -> list[dict[str, Any]]:
        hubs = self.websub() if self.websub is not None else []
        if not details:  # what went wrong names addresses and errors of this machine's network
            hubs = [{key: value for key, value in hub.items() if key != "last_error"} for hub in hubs]
        return hubs


def _outcome(outcome: BuildOutcome | None, details: bool) -> dict[str, Any] | None:
    if outcome is None:
        return None
    said: dict[str, Any] = {
        "at": moment_text(outcome.at),
        "result": "ok" if outcome.ok else "failed",
        "reason": outcome.reason,
        "problems": len(outcome.errors),
        "events": outcome.events,
    }
    if details:
        said |= {"errors": list(outcome.errors), "written": list(outcome.written)}
    return said


def moment_text(moment: datetime | None) -> str | None:
    """A moment as /healthz writes it: UTC, to the second, "2026-12-02T20:15:02Z"."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None
