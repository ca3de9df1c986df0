"""Real programs as subscribers, for the interop tests: each keeps its state in a folder of its
own, as it would in a person's home, and is asked what it has stored.

A test that needs a program missing here is skipped with the reason; `scripts/test` installs
them from Debian's packages where it can (it always does in CI).
"""

from __future__ import annotations

import email
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


def program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/test installs it as root: apt-get install {name})")
    return path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120, cwd=cwd)


@dataclass
class Newsboat:
    """newsboat subscribed to `url`, its cache in `folder` (one feed a cache: newsboat keeps an
    entry id once, whichever feed it came from)."""

    folder: Path
    url: str

    def __post_init__(self) -> None:
        self.binary = program("newsboat")
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "urls").write_text(f"{self.url}\n", encoding="utf-8")
        (self.folder / "config").write_text("", encoding="utf-8")

    def reload(self) -> dict[str, tuple[str, str, str, int]]:
        """Fetch the feed; what the cache then holds: guid -> (title, link, content, date)."""
        run(self.binary, "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload", cwd=self.folder)
        with sqlite3.connect(self.folder / "cache.db") as cache:
            rows = cache.execute("SELECT guid, title, url, content, pubDate FROM rss_item").fetchall()
        assert len(rows) == len({row[0] for row in rows}), "newsboat holds an entry twice"
        return {guid: (title, url, content, date) for guid, title, url, content, date in rows}


@dataclass
class Rss2email:
    """rss2email subscribed to `urls`, delivering to a maildir: one mail per new entry and, with
    reply-changes, one more each time an entry it has seen comes back changed."""

    folder: Path
    urls: tuple[str, ...]

    def __post_init__(self) -> None:
        self.binary = program("r2e")
        (self.folder / "mail").mkdir(parents=True, exist_ok=True)
        (self.folder / "rss2email.cfg").write_text(
            "[DEFAULT]\n"
            "to = reader@example.org\n"
            "email-protocol = maildir\n"
            f"maildir-path = {self.folder / 'mail'}\n"
            "maildir-mailbox = inbox\n"
            "trust-guid = True\n"
            "reply-changes = True\n",
            encoding="utf-8",
        )
        for number, url in enumerate(self.urls):
            self._r2e("add", f"feed{number}", url)

    def _r2e(self, *args: str) -> None:
        run(self.binary, "-c", "rss2email.cfg", "-d", "rss2email.json", *args, cwd=self.folder)

    def run(self) -> list[tuple[str, str, str]]:
        """Fetch every feed and send what is new; every mail sent so far: (feed, entry id, subject)."""
        self._r2e("run")
        mails = []
        for path in sorted((self.folder / "mail" / "inbox" / "new").iterdir()):
            message = email.message_from_bytes(path.read_bytes())
            subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
            mails.append((str(message["X-RSS-Feed"]), str(message["X-RSS-ID"]), subject))
        return mails


KHAL_CONFIG = """\
[calendars]
[[timeline]]
path = {path}
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
default_timezone = UTC
local_timezone = UTC
[default]
default_calendar = timeline
"""


@dataclass
class SubscribedKhal:
    """khal showing a calendar that vdirsyncer's `http` storage keeps in sync with `url`, as a
    person subscribed to the calendar would have it."""

    folder: Path
    url: str

    def __post_init__(self) -> None:
        self.vdirsyncer = program("vdirsyncer")
        self.khal = program("khal")
        calendar, status = self.folder / "calendar", self.folder / "status"
        calendar.mkdir(parents=True)
        status.mkdir()
        (self.folder / "vdirsyncer.conf").write_text(
            f'[general]\nstatus_path = "{status}/"\n\n'
            '[pair timeline]\na = "published"\nb = "here"\ncollections = null\n'
            'conflict_resolution = "a wins"\n\n'
            f'[storage published]\ntype = "http"\nurl = "{self.url}"\n\n'
            f'[storage here]\ntype = "filesystem"\npath = "{calendar}/"\nfileext = ".ics"\n',
            encoding="utf-8",
        )
        (self.folder / "khal.conf").write_text(KHAL_CONFIG.format(path=calendar), encoding="utf-8")
        self._vdirsyncer("discover")

    def _vdirsyncer(self, *args: str) -> None:
        run(self.vdirsyncer, "-c", str(self.folder / "vdirsyncer.conf"), *args)

    def sync(self) -> None:
        self._vdirsyncer("sync")

    def day(self, day: str) -> list[str]:
        """What khal lists on `day`, "CANCELLED " before a cancelled event, as it shows them."""
        out = run(
            self.khal, "-c", str(self.folder / "khal.conf"), "list",
            "--format", "{cancelled}{title}", "--day-format", "", day, "1d",
        ).stdout  # fmt: skip
        return sorted(line for line in out.splitlines() if line.strip())
