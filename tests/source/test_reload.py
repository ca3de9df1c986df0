"""Reloading reparses only what changed, and always gives what a full parse gives."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MINIMAL, copy_shipped, event_yaml
from timeline.builder import second_core
from timeline.errors import ValidationError
from timeline.model import Event, event_index
from timeline.model.index import _make_index
from timeline.source.load import load
from timeline.source.reload import Reloader


def events(count: int, changed: dict[int, str] | None = None) -> str:
    changed = changed or {}
    return "".join(
        event_yaml(f"e{i}", title=changed.get(i, f"Event {i}"), date=f"{1900 + i}") for i in range(count)
    )


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(MINIMAL + events(50), encoding="utf-8")
    return path


def test_a_reload_equals_a_full_parse_after_every_kind_of_edit(source: Path) -> None:
    reloader = Reloader(source)
    assert reloader.load() == load(source)
    edits = [
        MINIMAL + events(50, {7: "Edited"}),  # one event changed
        MINIMAL + events(49),  # one removed
        MINIMAL + events(51),  # one added at the end
        MINIMAL + events(51).replace("date: 1907", "date: 1930-06"),  # one moved later in time
        MINIMAL + events(51).replace("date: 1907", "date: 1899-12-31"),  # and to the very first
        MINIMAL + events(30) + event_yaml("late", date="1915-03") + events(51)[len(events(30)) :],
        MINIMAL + event_yaml("first", date="1800") + events(51),  # one added at the top: all move
        MINIMAL.replace("Test timeline", "Renamed") + events(51),  # the header changed
        MINIMAL + "# a comment\n" + events(51),  # only a comment
    ]
    for text in edits:
        source.write_text(text, encoding="utf-8")
        assert reloader.load() == load(source)


def tagged_events(count: int, edits: dict[int, str] | None = None) -> str:
    """Events of every precision, some timed, with a few tags each; `edits` replaces the
    lines after an event's date (its tags) or, given "-", leaves the event out."""
    edits = edits or {}
    dates = ["{year}", "{year}-06", "{year}-06-0{day}", "{year}-06-0{day}T09:00"]
    text = ""
    for i in range(count):
        if edits.get(i) == "-":
            continue
        date = dates[i % 4].format(year=1950 + i // 3, day=1 + i % 7)
        text += event_yaml(f"e{i}", date=date) + edits.get(i, f"    tags: [t{i % 3}, u{i % 5}]\n")
    return text


def test_an_index_carried_across_edits_is_the_index_made_afresh(source: Path) -> None:
    """After an edit the reloader amends the last timeline's index (the events by id and tag,
    the timed and the day-dated, the spans and years) rather than list every event again."""
    edits: list[tuple[str, bool]] = [  # the file, and whether the last index can be carried
        (tagged_events(40), False),  # the first load
        (tagged_events(40, {7: "    tags: [t0]\n"}), True),  # a tag taken off
        (tagged_events(40, {7: "    tags: [t0, u0, t2]\n"}), True),  # tags put on
        (tagged_events(40, {5: "-"}), True),  # an event removed
        (tagged_events(40, {5: "-", 11: "-", 30: "-"}), True),  # three
        (tagged_events(40).replace("date: 1953-06-06T09:00", "date: 1999"), True),  # moved, untimed
        (tagged_events(40).replace("date: 1951\n", "date: 2001-01-01T08:00\n"), True),  # moved, timed
        (tagged_events(41), True),  # one added
        (tagged_events(41, {3: "    tags: [brand-new]\n"}), False),  # a new tag
        (tagged_events(41, {i: "    tags: [u1]\n" for i in range(41) if i % 3 == 2}), False),  # t2 gone
    ]
    reloader = Reloader(source)
    for text, carried in edits:
        source.write_text(MINIMAL + text, encoding="utf-8")
        timeline = reloader.load()
        assert ("_index" in timeline.__dict__) is carried
        assert event_index(timeline) == _make_index(timeline)
        assert timeline == load(source)


def test_an_unchanged_file_is_not_parsed_again(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reloader = Reloader(source)
    first = reloader.load()
    monkeypatch.setattr("timeline.source.reload.parse_in_order", lambda *a, **k: pytest.fail("parsed again"))
    assert reloader.load() is first


def test_an_edit_reparses_only_the_changed_event(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reloader = Reloader(source)
    reloader.load()
    from timeline.source import quick_event

    read: list[str] = []
    real = quick_event.read_many

    def counting(texts: list[str], *rest: Any) -> list[Event | None]:
        read.extend(text.split("\n", 1)[0] for text in texts)
        return real(texts, *rest)

    monkeypatch.setattr("timeline.source.reload.quick_event.read_many", counting)
    monkeypatch.setattr(
        "timeline.source.reload.parse_event", lambda *a, **k: pytest.fail("read the full way")
    )
    monkeypatch.setattr(
        "timeline.source.reload.parse_in_order", lambda *a, **k: pytest.fail("parsed in full")
    )
    source.write_text(MINIMAL + events(50, {20: "Edited"}), encoding="utf-8")
    assert [e.title for e in reloader.load().events if e.id == "e20"] == ["Edited"]
    assert read == ["  - id: e20"]
    assert reloader.parsed == 1


def test_a_first_load_reads_one_event_at_a_time(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import timeline.source.load

    real = timeline.source.load.parse_in_order

    def header_only(text: str, path: str, index_offset: int = 0, **options: Any) -> Any:
        assert text.endswith("events:\n  []\n"), "only the header is parsed whole"
        return real(text, path, index_offset, **options)

    monkeypatch.setattr("timeline.source.reload.parse_in_order", header_only)
    assert Reloader(source).load() == load(source)


@pytest.mark.parametrize(
    "broken",
    [
        events(50, {3: "[unclosed"}),
        events(10) + event_yaml("e3", date="1999"),  # a repeated id
        events(10).replace("date: 1905", "date: 1905-13"),
    ],
)
def test_a_broken_edit_reports_exactly_what_a_full_parse_reports(source: Path, broken: str) -> None:
    reloader = Reloader(source)
    reloader.load()
    source.write_text(MINIMAL + broken, encoding="utf-8")
    with pytest.raises(ValidationError) as from_reload:
        reloader.load()
    with pytest.raises(ValidationError) as from_load:
        load(source)
    assert str(from_reload.value) == str(from_load.value)


def test_the_shipped_file_reloads_to_the_same_timeline(tmp_path: Path) -> None:
    path = copy_shipped(tmp_path)
    reloader = Reloader(path)
    reloader.load()
    path.write_text(path.read_text(encoding="utf-8").replace("IOM marks its 60th", "IOM marks its sixtieth"))
    assert reloader.load() == load(path)


@pytest.mark.parametrize("edit", [None, 7])
def test_a_load_shared_with_a_second_core_equals_a_full_parse(
    source: Path, monkeypatch: pytest.MonkeyPatch, edit: int | None
) -> None:
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)
    monkeypatch.setattr("timeline.source.reload._CHUNK", 5)  # ten chunks, taken by whichever core is free
    reloader = Reloader(source, share=second_core.shared)  # as the builder hands it over
    first = reloader.load(parallel=True)
    assert reloader.parsed == 50
    if edit is not None:
        source.write_text(MINIMAL + events(50, {edit: "Edited"}), encoding="utf-8")
        assert reloader.load(parallel=True) == load(source)
        assert reloader.parsed == 1
    else:
        assert first == load(source)


def test_a_problem_in_the_half_parsed_over_there_is_reported_as_by_a_full_parse(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)
    source.write_text(MINIMAL + events(50).replace("date: 1945", "date: 1945-13"), encoding="utf-8")
    with pytest.raises(ValidationError) as shared:
        Reloader(source, share=second_core.shared).load(parallel=True)
    with pytest.raises(ValidationError) as full:
        load(source)
    assert str(shared.value) == str(full.value)


def test_chunks_taken_by_a_worker_that_dies_are_parsed_here(
    source: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("timeline.builder.second_core.WORTH_IT", 10)
    monkeypatch.setattr("timeline.source.reload._CHUNK", 5)
    parent, parse = os.getpid(), Reloader._parse

    def dies_on_its_second_chunk(self: Reloader, *args: Any) -> Any:
        if os.getpid() != parent:
            with (tmp_path / "chunks").open("a") as chunks:
                chunks.write("one\n")
            if len((tmp_path / "chunks").read_text().split()) > 1:
                os._exit(1)
        else:
            time.sleep(0.02)  # so that the worker surely takes chunks
        return parse(self, *args)

    monkeypatch.setattr(Reloader, "_parse", dies_on_its_second_chunk)
    assert Reloader(source, share=second_core.shared).load(parallel=True) == load(source)
    assert (tmp_path / "chunks").exists()  # the worker did take chunks before it died


def test_a_reload_refuses_the_tag_one_too_many_for_the_timeline_as_a_full_parse_does(source: Path) -> None:
    def tagged(events: int) -> str:
        return "".join(
            event_yaml(f"e{n}") + f"    tags: [{', '.join(f't{n}-{k}' for k in range(20))}]\n"
            for n in range(events)
        )

    reloader = Reloader(source)
    source.write_text(MINIMAL + tagged(25), encoding="utf-8")  # 500 tags
    reloader.load()
    source.write_text(MINIMAL + tagged(25) + event_yaml("one-more") + "    tags: [new]\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r'events\[25\].tags\[0\]: "new" would be tag number 501'):
        reloader.load()
