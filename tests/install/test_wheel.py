"""The wheel, under the distribution's own name, is complete: built with the sdist from a copy
of the project, installed into a clean virtual environment with no source tree at hand, it
runs every command a user's timeline needs (init, extract, build, serve)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.daemons import free_port

pytestmark = pytest.mark.slow
NAME = "timeline_feeds"


def run(command: list[str], cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_the_wheel_runs_every_command_in_a_clean_environment(tmp_path: Path) -> None:
    source = tmp_path / "source"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(source)], check=True, timeout=120)
    run([sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist"), str(source)], tmp_path)
    built = sorted(p.name for p in (tmp_path / "dist").iterdir())
    assert built == [f"{NAME}-0.1.0-py3-none-any.whl", f"{NAME}-0.1.0.tar.gz"]
    shutil.rmtree(source)  # nothing of the project is at hand from here on

    environment = tmp_path / "environment"
    run([sys.executable, "-m", "venv", str(environment)], tmp_path)
    pip = [
        str(environment / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    run([*pip, "--constraint", str(ROOT / "constraints.txt"), str(tmp_path / "dist" / built[0])], tmp_path)
    timeline = str(environment / "bin" / "timeline")
    home = tmp_path / "home"
    home.mkdir()

    assert "wrote site/events.yaml" in run([timeline, "init", "site", "--title", "From the wheel"], home)
    site = home / "site"
    shutil.copy(SEEDS / "004_3b7a710dc2f60c9b.txt", site / "articles")
    run(
        [
            timeline,
            "extract",
            "articles/004_3b7a710dc2f60c9b.txt",
            "--published",
            "2011-12",
            "--into",
            "events.yaml",
        ],
        site,
    )
    events = site / "events.yaml"
    drafts = events.read_text(encoding="utf-8")
    events.write_text(drafts.replace("    reviewed: false\n", ""), encoding="utf-8")
    assert drafts.count("    reviewed: false\n") >= 3
    assert f"{drafts.count('    reviewed: false')} events -> feeds/" in run([timeline, "build"], site)
    for name in ("index.html", "style.css", "feed.xsl", "timeline.atom", "timeline.ics"):
        assert (site / "feeds" / name).stat().st_size > 0, name
    assert run([timeline, "schema"], site) == (site / "events.schema.json").read_text(encoding="utf-8")

    port = free_port()
    daemon = subprocess.Popen(
        [timeline, "serve", "--port", str(port)],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = _get(f"http://127.0.0.1:{port}/", daemon)
        assert b"From the wheel" in page
        assert b"Dec. 5-7" in _get(f"http://127.0.0.1:{port}/timeline.atom", daemon)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0


def _get(url: str, daemon: subprocess.Popen[bytes]) -> bytes:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bytes(response.read())
        except OSError:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
