"""The header's text goes through the same checks and escaping as an event's: a title over two
lines, or holding a carriage return, is a calendar name with an escaped line break, never a raw
CR or LF in a calendar's head."""

from __future__ import annotations

import re
from pathlib import Path

import icalendar
import pytest

from tests.conftest import MINIMAL, T0, event_yaml
from timeline.builder.publish import build

TITLES = {
    "a literal block": "title: |\n  Two\n  lines\n",
    "a folded block over an empty line": "title: >\n  Two\n\n  lines\n",
    "a carriage return": 'title: "Two\\rlines"\n',
    "a CR LF": 'title: "Two\\r\\nlines"\n',
}


@pytest.mark.parametrize("title", TITLES.values(), ids=TITLES)
def test_a_header_title_with_a_line_break_is_an_escaped_line_break_in_every_calendar(
    title: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(MINIMAL.replace("title: Test timeline\n", title) + event_yaml("one"), encoding="utf-8")
    build(source, tmp_path / "feeds", now=T0)
    calendars = sorted((tmp_path / "feeds").rglob("*.ics"))
    assert len(calendars) == 3
    for calendar in calendars:
        data = calendar.read_bytes()
        assert not re.search(rb"\r(?!\n)|(?<!\r)\n", data), calendar.name  # every line ends in CRLF
        if calendar.name == "timeline.ics":
            assert b"\r\nNAME:Two\\nlines\r\n" in data and b"\r\nX-WR-CALNAME:Two\\nlines\r\n" in data
        parsed = icalendar.Calendar.from_ical(data)
        # (an event dated to the year has no anniversary)
        assert len(list(parsed.walk("VEVENT"))) == (calendar.name != "anniversaries.ics")
