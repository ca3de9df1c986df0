"""A save is built once it is whole: a file written in parts, with a pause between them, is never
taken for the shorter timeline its first part parses as (which would publish false removals)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import copy_shipped
from tests.daemons import Daemon, start
from timeline.files import being_written

# Writes the file as a shell's `>` or an editor writing in place does: truncate, write a part,
# pause, write the rest, close. A process of its own, as an editor is.
WRITE_IN_TWO_PARTS = """
import sys, time
path, cut, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = sys.stdin.buffer.read()
with open(path, "wb", buffering=0) as file:
    file.write(data[:cut])
    time.sleep(pause)
    file.write(data[cut:])
"""


def write_in_two_parts(path: Path, data: bytes, cut: int, pause: float = 0.3) -> None:
    subprocess.run(
        [sys.executable, "-c", WRITE_IN_TWO_PARTS, str(path), str(cut), str(pause)], input=data, check=True
    )


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    running = start(copy_shipped(tmp_path, history=True), tmp_path / "feeds")
    yield running
    assert running.stop() == 0
    assert "Traceback" not in running.log()


def titles(daemon: Daemon) -> list[str]:
    return [item["title"] for item in daemon.request("/timeline.json").json()["items"]]


def shows_correction(daemon: Daemon, wanted: bool) -> bool:
    return any("The 100th IOM Council" in title for title in titles(daemon)) == wanted


def cut_points(data: bytes) -> list[int]:
    """Where a cut leaves a valid, shorter timeline (just before an event), and a few elsewhere."""
    before_events = [match.start() + 1 for match in re.finditer(rb"\n  - id: ", data)]
    elsewhere = [len(data) // 3, len(data) // 2, len(data) - 7]
    return before_events[::2] + elsewhere


def test_a_save_written_in_two_parts_is_built_whole_at_every_cut(daemon: Daemon) -> None:
    shipped = daemon.source.read_bytes()
    corrected = shipped.replace(b"title: 100th session of the IOM Council", b"title: The 100th IOM Council")
    assert corrected != shipped
    versions = [corrected, shipped]
    for number, cut in enumerate(cut_points(shipped)):
        data = versions[number % 2]
        write_in_two_parts(daemon.source, data, cut)
        daemon.wait_for(partial(shows_correction, daemon, data is corrected), what=f"the save cut at {cut}")
    changes = daemon.request("/changes.json").json()["items"]
    assert not [item["title"] for item in changes if item["title"].startswith(("Removed", "Restored"))]
    assert " failed" not in daemon.log()
    assert len(titles(daemon)) == 14


def test_a_program_holding_the_file_open_to_write_is_seen_as_writing_it(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("title: x\n", encoding="utf-8")
    assert being_written(path) is False
    with path.open("a", encoding="utf-8"):
        assert being_written(path) is True
    assert being_written(path) is False
    assert being_written(tmp_path / "absent.yaml") is None


def test_a_build_from_the_command_line_refuses_a_file_being_written(tmp_path: Path) -> None:
    source = copy_shipped(tmp_path)
    with source.open("a", encoding="utf-8"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "timeline",
                "build",
                "--source",
                str(source),
                "--out",
                str(tmp_path / "f"),
            ],
            capture_output=True,
            text=True,
        )
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {source}: is open for writing by another program (a save under way?); "
        "run again once it is saved\n"
    )
    assert not (tmp_path / "f").exists()


def test_history_records_no_removal_after_saves_in_parts(daemon: Daemon) -> None:
    shipped = daemon.source.read_bytes()
    cut = shipped.index(b"\n  - id: ", len(shipped) // 2) + 1  # the first half is a valid timeline
    write_in_two_parts(daemon.source, shipped + b"# saved again\n", cut, pause=0.5)
    daemon.wait_for(lambda: "events file changed" in daemon.log(), what="the rebuild")
    history = json.loads((daemon.source.parent / "events.history.json").read_text(encoding="utf-8"))
    assert "removed" not in json.dumps(history)
