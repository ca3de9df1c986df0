"""Publishing: outputs are written atomically, only when they change, and never from bad input."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, MINIMAL, ROOT, T0, copy_shipped, event_yaml
from timeline import history as history_store
from timeline.builder import jobs, second_core
from timeline.builder.memo import Memo
from timeline.builder.publish import Publisher, build
from timeline.builder.steps import DATED
from timeline.errors import PublishError, ValidationError
from timeline.files import write_atomic
from timeline.render import feeds

FEEDS = ["timeline.atom", "timeline.ics", "timeline.json", "timeline.rss", "timeline.opml"]
# The site: the timeline's page and its style sheets (the pages', the feeds'), the page to embed,
# the event's page, its year's page.
PAGES = ["index.html", "style.css", "feed.xsl", "embed.html"]
PAGES += ["events/one.html", "events/one.ics", "years/2011.html"]
OTHERS = [
    "changes.atom",
    "changes.json",
    "anniversaries.ics",
    "on-this-day.atom",
    "on-this-day.rss",
    "on-this-day.json",
]
OUTPUTS = sorted(FEEDS + PAGES + OTHERS)
# The folder after a build: the outputs, and the hidden record of what they were made from.
FOLDER = sorted([".timeline-build", *{name.split("/")[0] for name in OUTPUTS}])
D0 = date(2026, 11, 23)
UNDATED = [name for name in OUTPUTS if name not in DATED]
# What editing the title of an event dated to the year changes (not the anniversaries, not the OPML,
# not the style sheet).
AFTER_A_TITLE_EDIT = sorted(
    [
        "changes.atom",
        "changes.json",
        "embed.html",
        "events/one.html",
        "events/one.ics",
        "index.html",
        "years/2011.html",
        "timeline.atom",
        "timeline.ics",
        "timeline.json",
        "timeline.rss",
    ]
)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the folder and below, by its name there: its bytes and mtime."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def published_then_edited(
    write_events: Callable[[str], Path],
) -> tuple[Path, Path, dict[str, tuple[bytes, int]]]:
    """An events file built once, then edited: its path, the output folder, and what is in it."""
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    before = snapshot(out)
    write_events(event_yaml("one", title="Other"))
    return source, out, before


def test_first_build_writes_every_output_and_the_history(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    result = build(source, out, now=T0, today=D0)
    assert sorted(result.written) == OUTPUTS
    assert sorted(p.name for p in out.iterdir()) == FOLDER
    assert (source.parent / "events.history.json").exists()


def test_an_unchanged_rebuild_rewrites_nothing(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one") + event_yaml("two"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    before = snapshot(out)
    history_before = (source.parent / "events.history.json").read_bytes()
    result = build(source, out, now=T0 + timedelta(days=3), today=D0)
    assert result.written == ()
    assert snapshot(out) == before  # same bytes, same mtimes
    assert (source.parent / "events.history.json").read_bytes() == history_before


def test_editing_one_event_moves_only_that_events_timestamps(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one") + event_yaml("two"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    write_events(event_yaml("one", title="Changed") + event_yaml("two"))
    build(source, out, now=T0 + timedelta(days=1), today=D0)
    items = {i["_timeline"]["event_id"]: i for i in json.loads((out / "timeline.json").read_text())["items"]}
    # Published together, "one" and "two" were given times a second apart, ending at T0.
    assert items["one"]["date_modified"] == "2026-11-24T09:00:00Z"
    assert items["one"]["date_published"] == "2026-11-23T08:59:59Z"
    assert items["two"]["date_modified"] == "2026-11-23T09:00:00Z"
    assert (items["one"]["_timeline"]["sequence"], items["two"]["_timeline"]["sequence"]) == (1, 0)


def test_invalid_input_leaves_every_previous_output_untouched(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    before = snapshot(out)
    history_before = (source.parent / "events.history.json").read_bytes()
    source.write_text("title: [broken\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        build(source, out, now=T0 + timedelta(days=1), today=D0)
    assert snapshot(out) == before
    assert (source.parent / "events.history.json").read_bytes() == history_before


def test_no_temporary_files_are_left_behind(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    write_events(event_yaml("one", title="Other"))
    build(source, out, now=T0 + timedelta(days=1), today=D0)
    assert sorted(p.name for p in out.iterdir()) == FOLDER
    assert sorted(p.name for p in source.parent.iterdir()) == ["events.history.json", "events.yaml", "feeds"]


def test_outputs_are_readable_by_a_web_server(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    assert all((out / name).stat().st_mode & 0o777 == 0o644 for name in OUTPUTS)


def test_check_reports_stale_outputs_and_writes_nothing(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    assert sorted(build(source, out, now=T0, today=D0, check=True).stale) == sorted(
        [*UNDATED, "events.history.json"]
    )
    assert not out.exists()
    build(source, out, now=T0, today=D0)
    assert build(source, out, now=T0 + timedelta(days=1), today=D0, check=True).stale == ()
    write_events(event_yaml("one", title="Other"))
    stale = build(source, out, now=T0 + timedelta(days=1), today=D0, check=True).stale
    assert sorted(stale) == sorted([*AFTER_A_TITLE_EDIT, "events.history.json"])


def test_an_unwritable_output_folder_is_a_clear_error_and_keeps_the_old_files(
    write_events: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out, before = published_then_edited(write_events)

    real_mkstemp = tempfile.mkstemp

    def read_only_out(prefix: str, suffix: str, dir: Path) -> tuple[int, str]:
        if Path(dir) == out:
            raise PermissionError(13, os.strerror(13), str(out / f"{prefix}tmp"))
        return real_mkstemp(prefix=prefix, suffix=suffix, dir=dir)

    # Simulated: CI runs as root, which no chmod can stop.
    monkeypatch.setattr("timeline.files.tempfile.mkstemp", read_only_out)
    with pytest.raises(PublishError) as caught:
        build(source, out, now=T0 + timedelta(days=1), today=D0)
    assert str(caught.value) == (
        f"{out}/.timeline.atom.tmp: cannot write (Permission denied); the outputs not yet written are "
        "untouched. "
        "Free some space or fix the folder's permissions, then build again."
    )
    assert snapshot(out) == before

    monkeypatch.undo()  # the folder is writable again: the next build publishes the edit
    assert sorted(build(source, out, now=T0 + timedelta(days=2), today=D0).written) == AFTER_A_TITLE_EDIT
    assert (
        json.loads((out / "timeline.json").read_text())["items"][0]["date_modified"] == "2026-11-24T09:00:00Z"
    )


def test_pieces_written_only_in_part_by_each_system_call_still_make_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """writev() may stop anywhere (a signal): the next call goes on after the last byte written."""
    writev = os.writev
    calls = []

    def a_few_bytes_at_a_time(fd: int, buffers: list[bytes | memoryview]) -> int:
        calls.append(len(buffers))
        return writev(fd, [bytes(b"".join(buffers)[:7])])

    monkeypatch.setattr("timeline.files.os.writev", a_few_bytes_at_a_time)
    pieces = [b"", *(f"piece {n}; ".encode() for n in range(3000)), b"", "đồng".encode()]
    write_atomic(tmp_path / "out", pieces)
    assert (tmp_path / "out").read_bytes() == b"".join(pieces)
    assert max(calls) > 1  # many pieces a call


def test_a_failed_write_keeps_the_old_file_whole(
    write_events: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out, before = published_then_edited(write_events)

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, os.strerror(28), dst)

    monkeypatch.setattr("timeline.files.os.replace", full_disk)
    with pytest.raises(PublishError, match="No space left on device"):
        build(source, out, now=T0 + timedelta(days=1), today=D0)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == FOLDER


def test_an_output_that_cannot_be_flushed_is_reported_and_left_as_it_was(
    write_events: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs are flushed to disk and renamed by threads while the build goes on; a failure
    there still fails the build, names the file, and leaves no temporary file behind."""
    source, out, before = published_then_edited(write_events)
    fsync = os.fsync

    def full_disk_for_the_calendar(fd: int) -> None:
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith(".timeline.ics."):
            raise OSError(28, os.strerror(28), "timeline.ics")
        fsync(fd)

    monkeypatch.setattr("timeline.files.os.fsync", full_disk_for_the_calendar)
    with pytest.raises(PublishError, match=r"timeline.ics: cannot write \(No space left on device\)"):
        build(source, out, now=T0 + timedelta(days=1), today=D0)
    assert (out / "timeline.ics").read_bytes() == before["timeline.ics"][0]
    assert not [path for path in out.rglob("*") if path.name.endswith(".tmp")]


def test_the_committed_feeds_are_up_to_date_with_the_shipped_events(tmp_path: Path) -> None:
    result = build(copy_shipped(tmp_path, history=True), ROOT / "feeds", check=True)
    assert result.stale == (), "run `timeline build` and commit feeds/ and events.history.json"


def test_a_file_changed_twice_within_a_second_still_gets_a_later_whole_second_mtime(
    write_events: Callable[[str], Path],
) -> None:
    # Last-Modified has whole seconds; libcurl-based readers drop a 200 that is not newer.
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    seconds = [(out / "timeline.atom").stat().st_mtime_ns // 10**9]
    for title in ("Two", "Three"):
        write_events(event_yaml("one", title=title))
        build(source, out, now=T0, today=D0)
        seconds.append((out / "timeline.atom").stat().st_mtime_ns // 10**9)
    assert seconds[0] < seconds[1] < seconds[2]


INVALID = sorted((DATA / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("case", INVALID, ids=[p.stem for p in INVALID])
def test_every_broken_file_leaves_the_previous_outputs_byte_identical(
    case: Path, write_events: Callable[[str], Path]
) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)
    before = snapshot(out)
    history_before = (source.parent / "events.history.json").read_bytes()
    source.write_bytes(case.read_bytes())
    with pytest.raises(ValidationError):
        build(source, out, now=T0 + timedelta(days=1), today=D0 + timedelta(days=1))
    assert snapshot(out) == before
    assert (source.parent / "events.history.json").read_bytes() == history_before


def test_a_deleted_history_keeps_every_id_and_uid(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one") + event_yaml("two", date="2011-12-05"))
    out = source.parent / "feeds"
    build(source, out, now=T0, today=D0)

    def identities() -> tuple[list[str], list[bytes]]:
        feed = json.loads((out / "timeline.json").read_text())
        uids = [line for line in (out / "timeline.ics").read_bytes().splitlines() if line.startswith(b"UID:")]
        return [item["id"] for item in feed["items"]], uids

    before = identities()
    (source.parent / "events.history.json").unlink()
    build(source, out, now=T0 + timedelta(days=5), today=D0)
    assert identities() == before


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each second_core.both() of the test was asked to fork; forking pays from 10 events."""
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)
    asked: list[bool] = []
    both = second_core.both

    def spy(here: Callable[[], Any], there: Callable[[], Any], *, fork: bool = True) -> Any:
        asked.append(fork)
        return both(here, there, fork=fork)

    monkeypatch.setattr(second_core, "both", spy)
    return asked


def test_a_build_shared_with_a_second_core_writes_the_same_bytes(tmp_path: Path, forked: list[bool]) -> None:
    source = copy_shipped(tmp_path, history=True)
    shared = build(source, tmp_path / "shared", now=T0, today=D0, parallel=True)
    alone = build(source, tmp_path / "alone", now=T0, today=D0, parallel=False)
    assert shared.files == alone.files
    for name in shared.files:
        assert (tmp_path / "shared" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()
    assert forked == [True, True]  # the parse and the rendering; the build in one process forks neither


def test_a_one_shot_build_does_not_hand_back_what_the_second_core_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`timeline build` ends with the build: pickling the worker's fragments for a memo that no
    build will ask would cost a tenth of it at 10,000 events."""
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)

    def never(self: Memo, mark: int) -> Any:
        raise AssertionError("a one-shot build asked for what the worker made")

    monkeypatch.setattr(Memo, "made_since", never)
    source = tmp_path / "events.yaml"
    events = "".join(event_yaml(f"e{i}", date=f"{1900 + i}-01-0{1 + i % 9}") for i in range(120))
    source.write_text(MINIMAL + events, encoding="utf-8")
    shared = build(source, tmp_path / "shared", now=T0, today=D0, parallel=True)
    alone = build(source, tmp_path / "alone", now=T0, today=D0, parallel=False)
    for name in alone.files:
        assert (tmp_path / "shared" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()
    assert shared.written == alone.written


def test_after_a_build_shared_with_a_second_core_an_edit_makes_only_what_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the worker made (archive pages, anniversaries) is remembered by this process too."""
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)
    source = tmp_path / "events.yaml"
    events = "".join(event_yaml(f"e{i}", date=f"{1900 + i}-01-0{1 + i % 9}") for i in range(120))
    source.write_text(MINIMAL + events, encoding="utf-8")
    publisher = Publisher(source, tmp_path / "out")
    publisher.build(now=T0, today=D0)
    publisher.build(now=T0, today=D0)  # unchanged
    render = feeds.render
    log = tmp_path / "made"  # a file, should the edit be shared with the second core too

    def counting(channel: Any, *rest: Any, **named: Any) -> dict[str, bytes]:
        with log.open("a") as file:
            file.write(channel.stem + "\n")
        return render(channel, *rest, **named)

    monkeypatch.setattr(feeds, "render", counting)
    source.write_text(source.read_text().replace("title: A title", "title: Edited", 1))
    publisher.build(now=T0 + timedelta(days=1), today=D0)
    made = log.read_text().split()
    assert [stem for stem in made if stem.startswith("archive/")] == ["archive/1"]


def test_an_edit_of_a_few_events_is_made_in_one_process_and_a_large_change_on_two_cores(
    tmp_path: Path, forked: list[bool]
) -> None:
    """Handing a worker's fragments back costs more than an edit of a few events takes."""
    source = tmp_path / "events.yaml"
    events = "".join(event_yaml(f"e{i}", date=f"{1900 + i}-01-0{1 + i % 9}") for i in range(120))
    source.write_text(MINIMAL + events, encoding="utf-8")
    publisher = Publisher(source, tmp_path / "out")
    publisher.build(now=T0, today=D0)
    assert forked == [True, True]  # the parse and the rendering
    source.write_text(source.read_text().replace("title: A title", "title: Edited", 3))
    publisher.build(now=T0 + timedelta(days=1), today=D0)
    assert forked == [True, True]
    source.write_text(source.read_text().replace("title: A title", "title: Edited", 20))
    publisher.build(now=T0 + timedelta(days=2), today=D0)
    assert forked == [True, True, True, True]
    alone = build(source, tmp_path / "alone", now=T0 + timedelta(days=2), today=D0, parallel=False)
    for name in alone.files:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()


def test_on_this_day_is_made_again_only_when_the_day_or_an_event_it_announces_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "events.yaml"

    def write(today_title: str, other_title: str) -> None:
        # One event 20 years ago today, one on another day.
        source.write_text(
            MINIMAL
            + event_yaml("today", title=today_title, date="2006-11-23")
            + event_yaml("other", title=other_title, date="2006-06-01")
        )

    write("Today", "Other")
    publisher = Publisher(source, tmp_path / "out")
    publisher.build(now=T0, today=D0)
    made: list[str] = []
    render = feeds.render

    def counting(channel: Any, *rest: Any, **named: Any) -> dict[str, bytes]:
        made.append(channel.stem)
        return render(channel, *rest, **named)

    monkeypatch.setattr(feeds, "render", counting)
    write("Today", "Other edited")
    publisher.build(now=T0 + timedelta(hours=1), today=D0)
    assert "on-this-day" not in made
    write("Today edited", "Other edited")
    publisher.build(now=T0 + timedelta(hours=2), today=D0)
    assert made.count("on-this-day") == 1
    assert "20 years ago today: Today edited" in (tmp_path / "out" / "on-this-day.atom").read_text()
    publisher.build(now=T0 + timedelta(days=1), today=D0 + timedelta(days=1))
    assert made.count("on-this-day") == 2


def test_a_build_shared_with_a_second_core_writes_the_history_before_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)
    source, out = tmp_path / "events.yaml", tmp_path / "out"
    events = "".join(event_yaml(f"e{i}", date=f"{1900 + i}-01-0{1 + i % 9}") for i in range(120))
    source.write_text(MINIMAL + events, encoding="utf-8")
    write = history_store.write

    def slow_write(*args: Any, **named: Any) -> None:
        time.sleep(0.5)  # the second core renders meanwhile, but must not write yet
        write(*args, **named)

    monkeypatch.setattr(history_store, "write", slow_write)
    build(source, out, now=T0, today=D0)
    written = history_store.history_path(source).stat().st_mtime_ns
    outputs = [path for path in out.rglob("*") if path.is_file() and not path.name.startswith(".")]
    assert len(outputs) > 10
    assert all(path.stat().st_mtime_ns >= written for path in outputs)


def test_when_the_second_core_dies_midway_this_process_makes_what_it_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)
    source = tmp_path / "events.yaml"
    header = MINIMAL.replace("events:\n", "feed_entries: 5\nevents:\n")
    source.write_text(header + "".join(event_yaml(f"e{i}", date=f"{1900 + i}") for i in range(60)))
    parent = os.getpid()
    render_archive = jobs._archive_document
    made_over_there: list[str] = []

    def dies_after_two(page: Any) -> dict[str, bytes]:
        if os.getpid() != parent:
            made_over_there.append(page.key[1])
            if len(made_over_there) > 2:
                (tmp_path / "died").touch()
                os._exit(1)
        else:
            time.sleep(0.05)  # so that the worker surely takes more than two pages
        return render_archive(page)

    monkeypatch.setattr(jobs, "_archive_document", dies_after_two)
    build(source, tmp_path / "shared", now=T0, today=D0, parallel=True)
    alone = build(source, tmp_path / "alone", now=T0, today=D0, parallel=False)
    assert (tmp_path / "died").exists()
    assert (
        len([name for name in alone.files if name.startswith("archive/")]) == 24
    )  # 12 pages, in Atom and JSON Feed
    for name in alone.files:
        assert (tmp_path / "shared" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()


def test_an_edit_rewrites_only_the_edited_events_pages_and_still_publishes_every_page(
    write_events: Callable[[str], Path],
) -> None:
    source = write_events(event_yaml("one") + event_yaml("two") + event_yaml("three", date="2012"))
    out = source.parent / "feeds"
    publisher = Publisher(source, out)
    publisher.build(now=T0, today=D0)
    write_events(event_yaml("one", title="Edited") + event_yaml("two") + event_yaml("three", date="2012"))
    edited = publisher.build(now=T0 + timedelta(hours=1), today=D0)
    pages = {name for name in edited.written if name.startswith(("events/", "years/"))}
    assert pages == {"events/one.html", "events/one.ics", "years/2011.html"}
    for name in ("events/two.html", "events/two.ics", "events/three.html", "years/2012.html"):
        assert name in edited.files  # served and kept, though not looked at again


def test_the_daemon_removes_what_it_no_longer_makes_after_another_build_into_its_folder(
    write_events: Callable[[str], Path],
) -> None:
    # The daemon remembers what it left in the folder (record.Remembered), but not what
    # another process put there since.
    kept = event_yaml("one") + event_yaml("three", date="2012")
    source = write_events(kept)
    out = source.parent / "feeds"
    publisher = Publisher(source, out)
    publisher.build(now=T0, today=D0)
    write_events(kept + event_yaml("four", date="2013"))
    build(source, out, now=T0 + timedelta(hours=1), today=D0)  # `timeline build`, say
    assert (out / "years/2013.html").exists()
    write_events(kept)
    publisher.build(now=T0 + timedelta(hours=2), today=D0)
    assert not (out / "years/2013.html").exists()
    assert (out / "years/2012.html").exists()


def test_after_a_build_that_did_not_complete_the_next_removes_what_it_left(
    write_events: Callable[[str], Path],
) -> None:
    kept = event_yaml("one") + event_yaml("three", date="2012")
    source = write_events(kept)
    out = source.parent / "feeds"
    publisher = Publisher(source, out)
    publisher.build(now=T0, today=D0)
    write_events(kept + event_yaml("four", date="2013"))

    def fail(result: object) -> None:
        raise RuntimeError("stopped after writing every output, before the record")

    with pytest.raises(RuntimeError):
        publisher.build(now=T0 + timedelta(hours=1), today=D0, serve=fail)
    assert (out / "years/2013.html").exists()  # written, named by no record
    write_events(kept)
    publisher.build(now=T0 + timedelta(hours=2), today=D0)
    assert not (out / "years/2013.html").exists()
