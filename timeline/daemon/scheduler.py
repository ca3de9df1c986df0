"""When to build: APScheduler jobs (the only module that imports it).

One scheduler per process, one worker thread: builds never overlap (feedgen's date formatting
changes the process locale, and two builds would race on the same files), a late job is run
once rather than once per missed tick, and a job that raises is logged while the daemon runs on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger("timeline.daemon.scheduler")

WATCH = "watch"
NIGHTLY = "nightly-rebuild"


def valid_cron(expression: str, timezone: str) -> str:
    """The expression, if it is a five-field crontab line; ValueError says what is wrong."""
    CronTrigger.from_crontab(expression, timezone=ZoneInfo(timezone))
    return expression


class Scheduler:
    """The daemon's clock: a frequent cheap watch (which also does the rebuilds asked for) and a
    nightly full rebuild."""

    def __init__(self, timezone: str) -> None:
        self._timezone = ZoneInfo(timezone)
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=self._timezone,
        )

    def start(
        self,
        watch: Callable[[], None],
        watch_seconds: float,
        rebuild: Callable[[str], Any],
        rebuild_cron: str,
    ) -> None:
        self._scheduler.add_job(_guarded(watch), "interval", seconds=watch_seconds, id=WATCH)
        trigger = CronTrigger.from_crontab(rebuild_cron, timezone=self._timezone)
        self._scheduler.add_job(_guarded(rebuild), trigger, args=["scheduled rebuild"], id=NIGHTLY)
        self._scheduler.start()
        job = self._scheduler.get_job(NIGHTLY)
        log.info(
            "watching every %ss; next scheduled rebuild %s", watch_seconds, job.next_run_time.isoformat()
        )

    def wake(self) -> None:
        """Run the watch job now rather than at its next tick (the file was written)."""
        if self._scheduler.running:
            with contextlib.suppress(JobLookupError):  # shutting down: the job is gone
                self._scheduler.modify_job(WATCH, next_run_time=datetime.now(self._timezone))

    def shutdown(self) -> None:
        """Stop the jobs, letting a build under way finish so that no file is left half done."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)


def _guarded(job: Callable[..., Any]) -> Callable[..., None]:
    def run(*args: str) -> None:
        try:
            job(*args)
        except Exception:  # a bug, not a user's mistake: log it whole and keep the daemon alive
            log.exception("job %s failed; the daemon keeps running", getattr(job, "__name__", job))

    run.__name__ = getattr(job, "__name__", "job")
    return run
