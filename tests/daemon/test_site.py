"""The daemon's builder: whatever makes a build fail, the failure is reported and the last good
outputs stay served."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import event_yaml
from timeline.daemon.main import Site
from timeline.serve.health import Health


def test_a_build_that_fails_unexpectedly_is_a_failed_build_in_healthz(
    tmp_path: Path, write_events: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    status = Health()
    site = Site(write_events(event_yaml("one")), tmp_path / "feeds", status)
    assert site.rebuild("start")
    served = dict(status.snapshot.files)

    def a_bug(**kwargs: object) -> None:
        raise AssertionError("Content line can not contain unescaped new line characters.")

    monkeypatch.setattr(site.publisher, "build", a_bug)
    assert not site.rebuild("events file changed")
    report = status.report()
    assert (report["status"], report["stale"]) == ("stale", True)
    assert report["last_build"]["errors"] == [
        "the build failed unexpectedly (AssertionError: Content line can not contain unescaped new line "
        "characters. at test_site.py:25); this is a bug in timeline: please report it with the events "
        "file that caused it"
    ]
    assert status.snapshot.files == served


def test_a_stop_while_a_program_holds_the_file_open_to_write_ends_the_build(
    tmp_path: Path, write_events: Callable[[str], Path]
) -> None:
    import threading

    status = Health()
    source = write_events(event_yaml("one"))
    site = Site(source, tmp_path / "feeds", status)
    assert site.rebuild("start")
    with source.open("a", encoding="utf-8"):  # a save that never ends
        building = threading.Thread(target=site.rebuild, args=("events file changed",))
        building.start()
        building.join(timeout=0.3)
        assert building.is_alive()  # waiting for the save to end, not building half of it
        site.stop()
        building.join(timeout=5)
        assert not building.is_alive()
    assert status.report()["last_build"]["result"] == "ok"  # nothing half-read was published
