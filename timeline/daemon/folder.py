"""`timeline serve --folder DIR`: several timelines in one daemon, a subfolder each.

A subfolder of DIR holding an events.yaml is a timeline (its articles and history beside it, as
for one timeline alone), built into its own feeds/ and served under `/<subfolder>/`. Each is
a Site of its own: a timeline whose file breaks keeps serving its last good outputs while the
others go on. Folders added or removed while the daemon runs are seen at the next tick. Builds
take turns on the scheduler's one thread (see scheduler.py): one timeline's long build delays
the others' ticks, never overlaps them.
"""

from __future__ import annotations

import logging
import logging.config
import threading
from dataclasses import dataclass
from pathlib import Path

from timeline.daemon import websub
from timeline.daemon.main import ServeOptions, Site, listen_until_stopped, log_config
from timeline.daemon.scheduler import Scheduler
from timeline.daemon.watch import Wakeup
from timeline.errors import TimelineError
from timeline.serve.folder import FolderApp
from timeline.serve.health import Health
from timeline.serve.server import App
from timeline.source.folder import EVENTS, OUT, misnamed_message, timelines_in

log = logging.getLogger("timeline")


@dataclass
class _Served:
    site: Site
    app: App
    wakeup: Wakeup


class Timelines:
    """The timelines of a folder being served, by name, kept in step with the folder."""

    def __init__(self, folder: Path, options: ServeOptions, pusher: websub.Pusher) -> None:
        self.folder, self.options, self.pusher = folder, options, pusher
        self.served: dict[str, _Served] = {}
        self.apps: dict[str, App] = {}  # replaced whole, never changed: the server reads it
        self.scheduler: Scheduler | None = None  # woken when a timeline's file is written
        self._lock = threading.Lock()
        self._misnamed: set[str] = set()  # said once, not at every tick

    def refresh(self) -> None:
        """Start serving the timelines added to the folder, stop serving those taken out."""
        with self._lock:
            names, misnamed = timelines_in(self.folder) if self.folder.is_dir() else ([], [])
            for name in set(misnamed) - self._misnamed:
                log.warning("%s", misnamed_message(self.folder, name))
            self._misnamed = set(misnamed)
            for name in [name for name in self.served if name not in names]:
                gone = self.served.pop(name)
                gone.site.stop()
                gone.wakeup.stop()
                log.info("%s: no longer served (its folder or events file is gone)", name)
            for name in [name for name in names if name not in self.served]:
                self.served[name] = self._start(name)
            self.apps = {name: served.app for name, served in self.served.items()}

    def _start(self, name: str) -> _Served:
        source = self.folder / name / EVENTS
        status = Health()
        status.websub = self.pusher.report
        checked = self.options.check_articles
        site = Site(
            source, self.folder / name / OUT, status, check_articles=checked, pusher=self.pusher, name=name
        )
        site.rebuild("start")
        if status.model is not None and not status.model[0].base_url.endswith(f"/{name}/"):
            log.warning(
                "%s: its base_url (%s) does not end with /%s/, where it is served: its feeds' links "
                "point elsewhere",
                name,
                status.model[0].base_url,
                name,
            )
        wakeup = Wakeup(source, self.wake)
        wakeup.start()
        return _Served(site, App(status, cache_seconds=int(self.options.watch_seconds)), wakeup)

    def wake(self) -> None:
        if self.scheduler is not None:
            self.scheduler.wake()

    def watch(self) -> None:
        """The frequent job: the folder looked at again, then each timeline's own watch."""
        self.refresh()
        for served in list(self.served.values()):
            served.site.watch()

    def rebuild(self, reason: str) -> None:
        for served in list(self.served.values()):
            served.site.rebuild(reason)

    def ask(self, reason: str) -> None:
        for served in list(self.served.values()):
            served.site.ask(reason)

    def stop(self) -> None:
        for served in list(self.served.values()):
            served.site.stop()
            served.wakeup.stop()


def run_folder(options: ServeOptions) -> None:
    """Build every timeline of `options.folder`, then watch, rebuild and serve them all until
    SIGTERM or SIGINT."""
    logging.config.dictConfig(log_config())
    assert options.folder is not None
    if not options.folder.is_dir():
        raise TimelineError(f"{options.folder}: not a folder; give a folder of timelines, one a subfolder")
    pusher = websub.Pusher()
    timelines = Timelines(options.folder, options, pusher)
    timelines.refresh()
    if not timelines.served:
        log.warning(
            "%s holds no timeline yet (a subfolder with an %s): waiting for one", options.folder, EVENTS
        )
    scheduler = Scheduler("UTC")
    timelines.scheduler = scheduler
    scheduler.start(timelines.watch, options.watch_seconds, timelines.rebuild, options.rebuild_cron)
    log.info(
        "serving %d timeline(s) from %s: %s",
        len(timelines.served),
        options.folder,
        ", ".join(timelines.served),
    )
    app = FolderApp(lambda: timelines.apps, cache_seconds=int(options.watch_seconds))
    try:
        listen_until_stopped(app, options, timelines.ask)
    finally:
        timelines.stop()
        scheduler.shutdown()
        pusher.stop()
        log.info("stopped")
