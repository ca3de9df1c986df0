"""No client and no file takes the daemon down, makes it lie, or leaks a file.

Each test reproduces one way it was taken down or made to lie, with real signals, real FIFOs,
a real descriptor limit and raw sockets, bounded in time.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import event_yaml
from tests.daemon import Daemon, start

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(write_events: Callable[[str], Path], tmp_path: Path) -> Daemon:
    running = start(write_events(event_yaml("one") + event_yaml("two")), tmp_path / "feeds")
    yield running
    running.stop()


def _healthy(daemon: Daemon) -> bool:
    return daemon.request("/healthz").status == 200


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
