"""The README's "Your own timeline" works as written: its lines, run as they are, make a
timeline whose feeds hold the reviewed events and whose calendar strict parsers accept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import feedparser
import icalendar

from tests.conftest import ROOT
from tests.interop.test_interop import libical_check

__all__ = ["libical_check"]  # the fixture, built once for this module too

SECTION = re.compile(
    r"<!-- your-own-timeline: .*? -->\n```sh\n(.*?)```\n<!-- end of your-own-timeline -->", re.DOTALL
)


def own_timeline_lines() -> list[str]:
    found = SECTION.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found is not None, "the README's section is marked for this test"
    return found[1].splitlines()


def test_the_readmes_own_timeline_lines_make_a_timeline_a_reader_and_a_calendar_accept(
    tmp_path: Path, libical_check: str
) -> None:
    lines = own_timeline_lines()
    # All but the daemon, which runs until stopped (tests/test_fresh_clone.py runs the main one).
    assert lines[-1].startswith("timeline serve ")
    script = "set -euo pipefail\n" + "\n".join(lines[:-1]) + "\n"
    environment = {
        **os.environ,
        "HOME": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "5 events, all valid; 5 drafts not published until reviewed" in done.stdout
    site = tmp_path / "my-timeline"
    feed = feedparser.parse((site / "feeds" / "timeline.atom").read_bytes())
    assert feed.bozo == 0 and feed.feed.title == "IOM and Viet Nam, my way"
    assert len(feed.entries) == 5
    assert any("Dec. 5-7" in entry.summary for entry in feed.entries)
    calendar = site / "feeds" / "timeline.ics"
    assert len(list(icalendar.Calendar.from_ical(calendar.read_bytes()).walk("VEVENT"))) == 5
    checked = subprocess.run([libical_check, str(calendar)], capture_output=True, text=True, timeout=60)
    assert (checked.returncode, checked.stdout) == (0, "events 5\nerrors 0\n")
