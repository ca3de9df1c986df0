"""Every accelerator only saves work: built by the daemon's builder with all of them and by the
plain build (timeline/builder/plain.py, two code paths), every output and the history are the
same bytes, for the test corpus, for timelines in several YAML styles, and across a walk of
edits of every event key, article key and header key as the daemon builds them."""

from __future__ import annotations

import os
import shutil
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import generate
from tests.conftest import DATA, ROOT, T0, shipped_text
from tests.history.test_stored_entries import Step, steps
from tests.test_cli import run
from timeline.builder import accelerators, plain, second_core
from timeline.builder.accelerators import NONE, Accelerators
from timeline.builder.publish import Publisher, build
from timeline.builder.result import BuildResult
from timeline.source import schema

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
    if speed == NONE:  # the plain build, a code path of its own (timeline/builder/plain.py)
        plain.build(source, where / "feeds", now=T0, today=TODAY)
    else:
        build(source, where / "feeds", now=T0, today=TODAY, accelerators=speed)
    return folder(where)


def test_timeline_plain_switches_every_accelerator_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_PLAIN", "1")
    assert accelerators.from_environment() == NONE == Accelerators(*([False] * len(fields(Accelerators))))
    monkeypatch.delenv("TIMELINE_PLAIN")
    assert accelerators.from_environment() == Accelerators()


def test_timeline_plain_runs_the_plain_build_for_the_command_and_the_daemon(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[Path] = []
    building = plain.build

    def counted(source: Path, out: Path, **options: Any) -> BuildResult:
        calls.append(out)
        return building(source, out, **options)

    monkeypatch.setattr(plain, "build", counted)
    monkeypatch.setenv("TIMELINE_PLAIN", "1")
    source = tmp_path / "events.yaml"
    source.write_text(shipped_text(), encoding="utf-8")
    assert run("build", "-s", str(source), "-o", str(tmp_path / "by-command"))[0] == 0
    Publisher(source, tmp_path / "by-daemon").build(now=T0, today=TODAY)
    assert calls == [tmp_path / "by-command", tmp_path / "by-daemon"]


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
    sites = tmp_path / "fast", tmp_path / "plain"
    for site in sites:
        site.mkdir()
    walk_both_ways(sites, steps())


def walk_both_ways(sites: tuple[Path, Path], walk: list[Step]) -> None:
    """Save each step in both sites and build it, as the daemon does (every accelerator, one
    Publisher throughout) and with none; after each, every file is the same."""
    fast_site, plain_site = sites
    daemon = Publisher(fast_site / "events.yaml", fast_site / "feeds", Accelerators())
    plain = Publisher(plain_site / "events.yaml", plain_site / "feeds", NONE)
    for number, step in enumerate(walk):
        for site in sites:
            (site / "events.yaml").write_text(step.text, encoding="utf-8")
            os.utime(site / "events.yaml", (number, number))
        now = T0 + timedelta(hours=number)
        daemon.build(now=now, today=TODAY)
        plain.build(now=now, today=TODAY)
        assert folder(fast_site) == folder(plain_site), step.what


# One edit of each key of the header, made in turn on top of the walk's last step (an event
# removed and within its grace days, so that removed_grace_days shows): the daemon's builder
# must make what a fresh build makes after each.
HEADER_EDITS: dict[str, tuple[str, str]] = {
    "title": ("title: Stored entries\n", "title: Stored entries, renamed\n"),
    "description": ("events:\n", "description: A walk through every key.\nevents:\n"),
    "base_url": ("base_url: https://example.org/t/\n", "base_url: https://example.org/walk/\n"),
    "id_authority": ("id_authority: example.org,2026\n", "id_authority: example.net,2026\n"),
    "author": ("events:\n", "author: {name: Someone, email: someone@example.org}\nevents:\n"),
    "language": ("events:\n", "language: fr\nevents:\n"),
    # Every output again under vi/, from a history of its own; each event's words the default's.
    "languages": ("events:\n", "languages: [fr, vi]\nevents:\n"),
    "translations": ("events:\n", "translations: {vi: {by: a person, title: Dòng thời gian}}\nevents:\n"),
    "timezone": ("timezone: Asia/Ho_Chi_Minh\n", "timezone: Europe/Paris\n"),
    "refresh_minutes": ("events:\n", "refresh_minutes: 15\nevents:\n"),
    "removed_grace_days": ("events:\n", "removed_grace_days: 400\nevents:\n"),
    "feed_entries": ("feed_entries: 2\n", "feed_entries: 3\n"),
    "articles_dir": ("events:\n", "articles_dir: articles\nevents:\n"),
    "articles": ("publisher: A paper", "publisher: Another paper"),
    "websub_hubs": ("events:\n", "websub_hubs: [https://hub.example.org/]\nevents:\n"),
    "fediverse": ("events:\n", "fediverse: {account: walk}\nevents:\n"),
    "events": (
        "events:\n",
        "events:\n  - {id: late, title: Late, summary: s, date: 2012,\n"
        "     sources: [{article: a.txt, quote: Since 1987.}]}\n",
    ),
}


def test_the_walk_of_header_edits_covers_every_key_of_the_header() -> None:
    assert set(HEADER_EDITS) == {key.name for key in schema.HEADER}


def header_steps() -> list[Step]:
    """The walk up to an event removed, then each edit of HEADER_EDITS in turn."""
    walk = steps()
    walk = walk[: 1 + next(n for n, step in enumerate(walk) if step.what == "an event removed")]
    text = walk[-1].text
    for key, (old, new) in HEADER_EDITS.items():
        assert old in text, key
        text = text.replace(old, new, 1)
        walk.append(Step(f"the header's {key} edited", text, frozenset()))
    return walk


def test_a_walk_of_header_edits_builds_to_the_same_bytes_as_the_daemon_and_with_no_accelerator(
    tmp_path: Path,
) -> None:
    sites = tmp_path / "fast", tmp_path / "plain"
    for site in sites:
        (site / "articles").mkdir(parents=True)
        for article in ("a.txt", "b.txt"):  # every quote of the walk, for the articles_dir step
            (site / "articles" / article).write_text(QUOTED, encoding="utf-8")
    walk_both_ways(sites, header_steps())


QUOTED = "Q. Since 1987. Rapid growth has drawn millions to the cities. Rapid growth. From Dec. 5-7. At two."
