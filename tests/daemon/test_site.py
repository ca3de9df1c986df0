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
