"""`timeline extract --into` never loses what a person wrote: the events file is replaced whole
or not at all, and a save made while the drafts were being made is kept, not written over."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.extract.test_extract import INTO_HEADER
from tests.test_cli import run
from timeline.extract import into
from timeline.source.load import parse

ARTICLE = SEEDS / "004_3b7a710dc2f60c9b.txt"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(INTO_HEADER.format(seeds=SEEDS), encoding="utf-8")
    return path


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_killed_at_its_first_write_it_leaves_the_events_file_as_it_was(source: Path) -> None:
    before = source.read_bytes()
    # The kernel kills it at its first write of any file: the drafts' (nothing else is written
    # before them: no bytecode caches, nothing printed until the end).
    killed = subprocess.run(
        [
            "strace", "-f", "-o", "/dev/null", "-e", "trace=write,writev",
            "-e", "inject=write,writev:signal=SIGKILL:when=1",
            sys.executable, "-m", "timeline", "extract", str(ARTICLE), "--into", str(source),
        ],
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
    )  # fmt: skip
    assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL)
    assert source.read_bytes() == before


def test_a_full_disk_leaves_the_events_file_as_it_was_and_says_so(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = source.read_bytes()

    def full_disk(fd: int, buffers: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("timeline.files.os.writev", full_disk)
    code, out, err = run("extract", str(ARTICLE), "--into", str(source))
    assert (code, out) == (1, "")
    assert err == (
        f"error: {source}: the drafts cannot be written (No space left on device); the file is as it was\n"
    )
    assert source.read_bytes() == before
    assert [p.name for p in source.parent.iterdir()] == ["events.yaml"]  # no temporary file left


def test_a_save_made_while_the_drafts_are_made_is_kept_and_the_drafts_are_not_written(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = INTO_HEADER.format(seeds=SEEDS).replace("title: Drafts", "title: Saved meanwhile")
    checking = parse

    def a_person_saves_while_the_file_is_checked(text: str, path: str) -> object:
        if source.read_text(encoding="utf-8") != saved:
            source.write_text(saved, encoding="utf-8")
        return checking(text, path)

    monkeypatch.setattr(into, "parse", a_person_saves_while_the_file_is_checked)
    code, out, err = run("extract", str(ARTICLE), "--into", str(source))
    assert (code, out) == (1, "")
    assert err.endswith(
        f"error: {source}: was saved by someone else while the drafts were made; nothing was written, "
        "so that save is kept; run extract again\n"
    )
    assert source.read_text(encoding="utf-8") == saved


def test_the_drafts_keep_the_files_permissions_and_a_symlink_stays_a_symlink(source: Path) -> None:
    real = source.with_name("real.yaml")
    source.rename(real)
    real.chmod(0o640)
    source.symlink_to(real.name)
    code, _, _ = run("extract", str(ARTICLE), "--into", str(source))
    assert code == 0
    assert source.is_symlink() and real.read_text(encoding="utf-8").count("reviewed: false") == 4
    assert real.stat().st_mode & 0o777 == 0o640
