"""Every accelerator only saves work: built with all of them and with none, every output and the
history are the same bytes, for the test corpus, for timelines in several YAML styles, and
across a walk of edits as the daemon builds them."""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import generate
from tests.conftest import DATA, ROOT, T0, shipped_text
from tests.history.test_stored_entries import steps
from timeline.build import accelerators, second_core
from timeline.build.accelerators import NONE, Accelerators
from timeline.build.publish import Publisher, build

TODAY = date(2026, 12, 1)
CORPUS = [ROOT / "events.yaml", *sorted((DATA / "valid").glob("*.yaml")), DATA / "old-store" / "events.yaml"]


def folder(path: Path) -> dict[str, bytes]:
    """Every file a build left, the history beside the events file included (the record is the
    build's own note of what it made, not an output)."""
    files = {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    files.pop("feeds/.timeline-build", None)
    return files


def built(
    source_text: str, where: Path, speed: Accelerators, history: Path | None = None
) -> dict[str, bytes]:
    where.mkdir()
    source = where / "events.yaml"
    source.write_text(source_text, encoding="utf-8")
    if history is not None:
        shutil.copy(history, where / "events.history.json")
    build(source, where / "feeds", now=T0, today=TODAY, accelerators=speed)
    return folder(where)


def test_timeline_plain_switches_every_accelerator_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_PLAIN", "1")
    assert accelerators.from_environment() == NONE == Accelerators(*([False] * 6))
    monkeypatch.delenv("TIMELINE_PLAIN")
    assert accelerators.from_environment() == Accelerators()


@pytest.mark.parametrize("source", CORPUS, ids=[str(p.relative_to(ROOT)) for p in CORPUS])
def test_the_corpus_builds_to_the_same_bytes_with_every_accelerator_and_with_none(
    source: Path, tmp_path: Path
) -> None:
    history = source.with_name(source.stem + ".history.json")
    text = shipped_text() if source == ROOT / "events.yaml" else source.read_text(encoding="utf-8")
    known = history if history.exists() else None
    assert built(text, tmp_path / "fast", Accelerators(), known) == built(
        text, tmp_path / "plain", NONE, known
    )


@pytest.mark.parametrize("style", generate.STYLES)
def test_a_large_timeline_in_each_style_builds_to_the_same_bytes_both_ways(
    style: str, tmp_path: Path
) -> None:
    # 1,200 events: enough for the second core to take part in the parse and the build.
    assert second_core.available(), (
        "a fork is possible here (Linux, one thread): the second core is compared too"
    )
    text = generate.timeline(1_200, style=style)
    fast = built(text, tmp_path / "fast", Accelerators())
    assert fast == built(text, tmp_path / "plain", NONE)
    # And the style changes no output (only the events file itself differs).
    reference = built(generate.timeline(1_200), tmp_path / "generator", NONE)
    assert {k: v for k, v in fast.items() if k != "events.yaml"} == {
        k: v for k, v in reference.items() if k != "events.yaml"
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(1, 60), seed=st.integers(0, 2**32), style=st.sampled_from(generate.STYLES))
def test_generated_timelines_build_to_the_same_bytes_both_ways(
    count: int, seed: int, style: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = generate.timeline(count, seed=seed, style=style)
    where = tmp_path_factory.mktemp("generated")
    assert built(text, where / "fast", Accelerators()) == built(text, where / "plain", NONE)


def test_a_walk_of_edits_builds_to_the_same_bytes_as_the_daemon_and_with_no_accelerator(
    tmp_path: Path,
) -> None:
    fast_site, plain_site = tmp_path / "fast", tmp_path / "plain"
    fast_site.mkdir()
    plain_site.mkdir()
    daemon = Publisher(fast_site / "events.yaml", fast_site / "feeds", Accelerators())
    plain = Publisher(plain_site / "events.yaml", plain_site / "feeds", NONE)
    for number, step in enumerate(steps()):
        for site in (fast_site, plain_site):
            (site / "events.yaml").write_text(step.text, encoding="utf-8")
            os.utime(site / "events.yaml", (number, number))
        now = T0 + timedelta(hours=number)
        daemon.build(now=now, today=TODAY)
        plain.build(now=now, today=TODAY)
        assert folder(fast_site) == folder(plain_site), step.what
