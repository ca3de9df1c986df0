"""Reading files someone else may have put there: only regular files, never blocking, never past
the limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from timeline import history
from timeline.errors import HistoryError
from timeline.files import NotRegular, TooLarge, read_regular_file


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 3_000_000)
    assert read_regular_file(path) == b"x" * 3_000_000
    assert read_regular_file(path, limit=3_000_000) == b"x" * 3_000_000


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f"
    with path.open("wb") as handle:
        handle.truncate(1 << 40)  # a terabyte, sparse: reading it would never end here
    with pytest.raises(TooLarge) as refused:
        read_regular_file(path, limit=1000)
    assert refused.value.size == 1 << 40


@pytest.mark.parametrize(("make", "kind"), [("fifo", "a FIFO (named pipe)"), ("folder", "a folder")])
def test_what_is_not_a_regular_file_is_refused_without_waiting(tmp_path: Path, make: str, kind: str) -> None:
    path = tmp_path / "f"
    os.mkfifo(path) if make == "fifo" else path.mkdir()
    with pytest.raises(NotRegular) as refused:
        read_regular_file(path, limit=1000)
    assert refused.value.kind == kind


def test_a_device_is_refused_and_never_read(tmp_path: Path) -> None:
    (tmp_path / "zero").symlink_to("/dev/zero")
    with pytest.raises(NotRegular, match="is a device, not a regular file"):
        read_regular_file(tmp_path / "zero")


def test_a_history_store_replaced_by_a_fifo_is_a_clear_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "events.history.json")
    with pytest.raises(
        HistoryError, match=r"is a FIFO \(named pipe\), not a regular file; the history store"
    ):
        history.read(tmp_path / "events.history.json")
