"""The record of the last build: a build with nothing to do is skipped, and anything that could
change an output (the events, the history, the day, this code, a library) builds again."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import event_yaml
from timeline.builder import record
from timeline.builder.publish import build
from timeline.history import history_path
from timeline.model import Timeline
from timeline.source.reload import Reloader

D0 = date(2026, 11, 23)


def test_a_build_records_what_it_was_made_from(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one") + event_yaml("two"))
    out = source.parent / "feeds"
    assert record.up_to_date(source, out, history_path(source), D0) is None  # never built
    build(source, out, today=D0)
    assert record.up_to_date(source, out, history_path(source), D0) == 2


def test_an_edit_saved_while_a_build_runs_is_built_by_the_next_one(
    write_events: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The record names the bytes the build read, not the file as it is once the build is done.
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    load = Reloader.load

    def load_then_save_an_edit(self: Reloader, *, parallel: bool = False) -> Timeline:
        timeline = load(self, parallel=parallel)
        write_events(event_yaml("one", title="Saved meanwhile"))
        return timeline

    monkeypatch.setattr(Reloader, "load", load_then_save_an_edit)
    build(source, out, today=D0)
    monkeypatch.undo()
    assert record.up_to_date(source, out, history_path(source), D0) is None
    build(source, out, today=D0)
    assert b"Saved meanwhile" in (out / "timeline.atom").read_bytes()
    assert record.up_to_date(source, out, history_path(source), D0) == 1


def test_the_record_digests_a_file_as_the_reloader_does(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    reloader = Reloader(source)
    reloader.load()
    assert reloader.file_digest == record.digest(source.read_bytes())


def test_a_new_version_of_a_library_builds_again(
    write_events: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "libraries" / "fakefeeds"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("VERSION = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(library.parent))
    monkeypatch.setattr(record, "_LIBRARIES", ("fakefeeds",))
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, today=D0)
    assert record.up_to_date(source, out, history_path(source), D0) == 1
    (library / "writer.py").write_text("", encoding="utf-8")  # what installing another version does
    os.utime(library, ns=(0, 1))
    assert record.up_to_date(source, out, history_path(source), D0) is None
    assert "fakefeeds" not in sys.modules  # found, never imported


def test_a_damaged_record_only_means_building(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, today=D0)
    (out / record.RECORD).write_text("{not json", encoding="utf-8")
    assert record.up_to_date(source, out, history_path(source), D0) is None
    build(source, out, today=D0)
    assert record.up_to_date(source, out, history_path(source), D0) == 1
