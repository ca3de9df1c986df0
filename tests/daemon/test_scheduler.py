"""When the daemon builds: the watcher notices real changes only, and a failing job never stops it."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from timeline.daemon.scheduler import Scheduler, _guarded, valid_cron
from timeline.daemon.watch import SourceWatcher, Wakeup


def test_the_watcher_sees_a_change_of_content(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("a", encoding="utf-8")
    watcher = SourceWatcher(path)
    assert watcher.changed()  # never seen yet
    watcher.seen()
    assert not watcher.changed()
    path.write_text("b", encoding="utf-8")
    assert watcher.changed()


def test_the_watcher_ignores_a_save_of_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("a", encoding="utf-8")
    watcher = SourceWatcher(path)
    watcher.seen()
    later = time.time() + 5
    os.utime(path, (later, later))
    assert not watcher.changed()


def test_the_watcher_reports_a_deleted_file_as_a_change(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("a", encoding="utf-8")
    watcher = SourceWatcher(path)
    watcher.seen()
    path.unlink()
    assert watcher.changed()


def test_a_job_that_raises_is_logged_and_does_not_propagate(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="timeline.daemon.scheduler"):
        _guarded(broken)()
    assert caplog.records[0].getMessage() == "job broken failed; the daemon keeps running"
    assert caplog.records[0].exc_info is not None


def test_the_scheduler_runs_the_watch_a_tick_at_a_time_never_two_at_once() -> None:
    running, overlaps = [0], [0]
    ticks = threading.Semaphore(0)

    def watch() -> None:
        running[0] += 1
        overlaps[0] = max(overlaps[0], running[0])
        time.sleep(0.05)
        running[0] -= 1
        ticks.release()

    scheduler = Scheduler("Asia/Ho_Chi_Minh")
    scheduler.start(watch, 0.01, lambda reason: None, "5 0 * * *")
    try:
        for _ in range(3):
            assert ticks.acquire(timeout=5)
    finally:
        scheduler.shutdown()
    assert overlaps[0] == 1


@pytest.mark.parametrize("expression", ["5 0 * * *", "*/15 * * * *", "0 6 * * mon-fri"])
def test_valid_crontab_lines_are_accepted(expression: str) -> None:
    assert valid_cron(expression, "UTC") == expression


@pytest.mark.parametrize("expression", ["every day", "5 0 * *", "61 0 * * *"])
def test_invalid_crontab_lines_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        valid_cron(expression, "UTC")


def test_a_wake_runs_the_watch_now_not_at_its_next_tick() -> None:
    ran = threading.Event()
    scheduler = Scheduler("UTC")
    scheduler.start(ran.set, 3600, lambda reason: None, "5 0 * * *")
    try:
        assert not ran.wait(0.3)  # the first tick is an hour away
        scheduler.wake()
        assert ran.wait(2)
    finally:
        scheduler.shutdown()
    scheduler.wake()  # after shutdown: nothing to wake, and no error


def test_the_kernel_tells_of_the_file_being_saved_or_replaced_and_of_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("a", encoding="utf-8")
    woken = threading.Event()
    wakeup = Wakeup(path, woken.set)
    wakeup.start()
    try:
        time.sleep(0.3)  # the watch is set up
        (tmp_path / "events.history.json").write_text("{}", encoding="utf-8")  # the builder's
        assert not woken.wait(0.5)
        path.write_text("b", encoding="utf-8")
        assert woken.wait(2)
        woken.clear()
        replacement = tmp_path / ".events.yaml.swp"
        replacement.write_text("c", encoding="utf-8")
        replacement.rename(path)  # as an editor saves
        assert woken.wait(2)
    finally:
        wakeup.stop()


def test_the_watcher_waits_for_a_save_in_progress_to_end(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("", encoding="utf-8")  # truncated: the save has begun
    watcher = SourceWatcher(path)

    def save_slowly() -> None:  # a piece every 20 ms, for 0.2 s
        for piece in range(10):
            time.sleep(0.02)
            with path.open("a", encoding="utf-8") as file:
                file.write(f"line {piece}\n")

    saving = threading.Thread(target=save_slowly)
    saving.start()
    watcher.settle(quiet=0.05)
    assert path.read_text(encoding="utf-8").count("line") == 10  # not before the last piece
    saving.join()
    started = time.monotonic()
    watcher.settle(quiet=0.05)  # nothing moving: two looks and done
    assert time.monotonic() - started < 0.5


def test_the_watcher_waits_for_a_truncated_file_to_be_written(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text("", encoding="utf-8")  # truncated, and the writing takes its time
    watcher = SourceWatcher(path)

    def write_later() -> None:
        time.sleep(0.2)
        path.write_text("title: done\n", encoding="utf-8")

    writing = threading.Thread(target=write_later)
    writing.start()
    watcher.settle(quiet=0.02)
    assert path.read_text(encoding="utf-8") == "title: done\n"
    writing.join()
    started = time.monotonic()
    path.write_text("", encoding="utf-8")  # empty for good: built (and refused) within `most`
    watcher.settle(quiet=0.02, most=0.3)
    assert time.monotonic() - started < 1
