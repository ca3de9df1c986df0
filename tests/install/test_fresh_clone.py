"""The README's main command works in a clone with nothing beside it: `git clone` of this
checkout into an empty folder, `bash scripts/serve` as the README writes it, and the daemon it
starts serves the shipped timeline, its articles inside the clone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.daemons import free_port

pytestmark = pytest.mark.slow


def test_the_readmes_main_command_serves_the_shipped_timeline_from_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "anywhere" / "timeline"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    assert not (clone.parent / "shared").exists() and (clone / "articles").is_dir()
    readme = (clone / "README.md").read_text(encoding="utf-8")
    assert "\nbash scripts/serve    # set up, build feeds/ from events.yaml, run the daemon" in readme
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        # The README's command; the port is the one extra argument it says the script passes on.
        daemon = subprocess.Popen(
            ["bash", "scripts/serve", "--port", str(port)],
            cwd=clone,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"},
        )
    try:
        health = _wait_for_health(port, daemon, log)
        assert health["status"] == "ok" and health["serving"]["events"] == 14
        page = _get(port, "/")
        assert b"IOM and Viet Nam" in page
        feed = _get(port, "/timeline.atom")
        assert (
            feed
            == (clone / "feeds" / "timeline.atom").read_bytes()
            == (ROOT / "feeds" / "timeline.atom").read_bytes()
        )
    finally:
        daemon.send_signal(signal.SIGTERM)  # scripts/serve execs the daemon: this is its pid
        assert daemon.wait(timeout=30) == 0, log.read_text(encoding="utf-8", errors="replace")


def _wait_for_health(port: int, daemon: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 600  # the first run makes .venv and installs the project
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise AssertionError(log.read_text(encoding="utf-8", errors="replace"))
        try:
            report: dict[str, Any] = json.loads(_get(port, "/healthz"))
            return report
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from the daemon:\n{log.read_text(encoding='utf-8', errors='replace')}")


def _get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return bytes(response.read())
