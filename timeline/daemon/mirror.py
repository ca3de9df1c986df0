"""`timeline serve --publish-to s3://BUCKET/PREFIX`: after each build, the outputs go to the
bucket (timeline.bucket.s3), and only then are the WebSub hubs told: a hub fetches a feed at
its public address, which the bucket (behind its CDN) serves, so it must be there first. A
publish that fails is logged, shown in /healthz, and tried again (what was not sent is sent by
the next publish); the daemon goes on serving what it built."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from timeline.bucket import s3
from timeline.daemon import websub
from timeline.errors import TimelineError
from timeline.serve.health import Health, moment_text

log = logging.getLogger("timeline.bucket")


class Mirror:
    def __init__(self, target: s3.Target, max_age: int, status: Health, pusher: websub.Pusher | None) -> None:
        self.target, self.max_age, self.status, self.pusher = target, max_age, status, pusher
        self._hubs: tuple[str, ...] = ()
        self._topics: dict[str, None] = {}  # changed feeds not yet told of: a set that keeps order

    def built(self, hubs: Sequence[str], topics: Sequence[str]) -> None:
        """Feeds a build changed, to tell the hubs of once they are in the bucket."""
        self._hubs = tuple(hubs)
        self._topics.update(dict.fromkeys(topics))

    def publish(self, out: Path) -> bool:
        """Send the build in `out` to the bucket, then tell the hubs; False if it failed."""
        at = datetime.now(UTC)
        try:
            sent = s3.publish(out, self.target, max_age=self.max_age)
        except TimelineError as error:
            log.error("publishing to %s failed: %s", self.target, error)
            self.status.bucket = {"target": str(self.target), "at": moment_text(at), "result": "failed",
                                  "error": str(error)}  # fmt: skip
            return False
        log.info(
            "published to %s: uploaded %d, deleted %d, %d unchanged",
            self.target, len(sent.uploaded), len(sent.deleted), sent.unchanged,
        )  # fmt: skip
        self.status.bucket = {"target": str(self.target), "at": moment_text(at), "result": "ok",
                              "uploaded": len(sent.uploaded), "deleted": len(sent.deleted)}  # fmt: skip
        if self.pusher is not None and self._hubs and self._topics:
            self.pusher.publish(self._hubs, list(self._topics))
        self._topics.clear()
        return True
