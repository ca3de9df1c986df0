"""No client and no file takes the daemon down, makes it lie, or leaks a file.

Each test reproduces one way it was taken down or made to lie, with real signals, real FIFOs,
a real descriptor limit and raw sockets, bounded in time.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import event_yaml
from tests.daemon import Daemon, start

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(write_events: Callable[[str], Path], tmp_path: Path) -> Iterator[Daemon]:
    running = start(write_events(event_yaml("one") + event_yaml("two")), tmp_path / "feeds")
    yield running
    running.stop()


def _healthy(daemon: Daemon) -> bool:
    return daemon.request("/healthz").status == 200


def _peak_memory_mib(daemon: Daemon) -> float:
    status = Path(f"/proc/{daemon.process.pid}/status").read_text(encoding="ascii")
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


# -- signals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(10))
def test_a_burst_of_sighups_rebuilds_and_leaves_the_daemon_answering_and_stoppable(
    write_events: Callable[[str], Path], tmp_path: Path, attempt: int
) -> None:
    daemon = start(write_events(event_yaml("one")), tmp_path / "feeds")
    try:
        for _ in range(100):
            daemon.signal(signal.SIGHUP)
            time.sleep(0.001)
        daemon.wait_for(lambda: "build (SIGHUP)" in daemon.log(), what="the SIGHUP rebuild")
        assert _healthy(daemon)
    finally:
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()


# -- what the events file is replaced by ------------------------------------------------------


def _replace_by_fifo(source: Path) -> None:
    os.mkfifo(source)


def _replace_by_symlink_loop(source: Path) -> None:
    source.symlink_to(source.name)


def _replace_by_link_to_dev_zero(source: Path) -> None:
    source.symlink_to("/dev/zero")


def _replace_by_one_gib_file(source: Path) -> None:
    with source.open("wb") as handle:
        handle.truncate(1 << 30)  # sparse: no disk spent on it


@pytest.mark.parametrize(
    ("replace", "says"),
    [
        (_replace_by_fifo, "is a FIFO (named pipe), not a regular file"),
        (_replace_by_symlink_loop, "cannot be read (Too many levels of symbolic links)"),
        (_replace_by_link_to_dev_zero, "is a device, not a regular file"),
        (_replace_by_one_gib_file, "the file is 1024 MiB, more than the 128 MiB an events file may be"),
    ],
    ids=["fifo", "symlink-loop", "dev-zero", "1-GiB"],
)
def test_an_events_file_replaced_by_what_cannot_be_read_is_reported_and_the_daemon_serves_on(
    daemon: Daemon, replace: Callable[[Path], None], says: str
) -> None:
    good = daemon.source.read_bytes()
    daemon.source.unlink()
    replace(daemon.source)
    daemon.wait_for(lambda: daemon.request("/healthz").json()["stale"], what="the failed build")
    report = daemon.request("/healthz").json()
    assert any(says in error for error in report["last_build"]["errors"]), report["last_build"]
    assert daemon.request("/timeline.atom").status == 200  # the last good outputs
    time.sleep(0.5)  # a few more ticks: none of them blocks, reads it, or says it again
    assert daemon.log().count(says) == 1
    assert _peak_memory_mib(daemon) < 300
    daemon.source.unlink()
    daemon.source.write_bytes(good + event_yaml("three").encode())
    daemon.wait_for(lambda: not daemon.request("/healthz").json()["stale"], what="the good save")
    assert b"three" in daemon.request("/timeline.atom").body
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.log()
