"""The history store: timestamps and sequence numbers move exactly when an event changes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FEATURES, MINIMAL, T0, event_yaml
from timeline import history
from timeline.errors import HistoryError
from timeline.history import FACTS, store
from timeline.model import History, Revision
from timeline.source.load import load, parse

T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)


def test_new_events_are_first_published_now_with_sequence_zero() -> None:
    h = history.update(History(), parse(MINIMAL + event_yaml("one")), T0)
    revision = h.get("one")
    assert (revision.first_published, revision.last_changed, revision.sequence) == (T0, T0, 0)


def test_an_unchanged_rebuild_changes_nothing() -> None:
    timeline = parse(MINIMAL + event_yaml("one") + event_yaml("two"))
    first = history.update(History(), timeline, T0)
    assert history.update(first, timeline, T1) == first


def test_editing_one_event_moves_only_its_last_changed_and_sequence() -> None:
    before = history.update(History(), parse(MINIMAL + event_yaml("one") + event_yaml("two")), T0)
    after = history.update(before, parse(MINIMAL + event_yaml("one", title="New") + event_yaml("two")), T1)
    one = after.get("one")
    first = before.get("one").first_published
    assert (one.first_published, one.last_changed, one.sequence, one.title) == (first, T1, 1, "New")
    assert after.get("two") == before.get("two")
    assert after.newest_change() == T1


@pytest.mark.parametrize(
    "edit",
    [
        {"title": "Other"},
        {"summary": "Other"},
        {"date": "2012"},
        {"date": "2011-01"},
    ],
)
def test_any_visible_field_counts_as_a_change(edit: dict[str, str]) -> None:
    before = history.update(History(), parse(MINIMAL + event_yaml("one")), T0)
    after = history.update(before, parse(MINIMAL + event_yaml("one", **edit)), T1)
    assert after.get("one").sequence == 1


def test_a_removed_event_is_kept_as_cancelled_then_forgotten_after_the_grace_period() -> None:
    both = parse(MINIMAL + event_yaml("one") + event_yaml("two"))
    only_one = parse(MINIMAL + event_yaml("one"))
    h = history.update(History(), both, T0)
    h = history.update(h, only_one, T1)
    removed = h.get("two")
    assert (removed.removed, removed.last_changed, removed.sequence) == (T1, T1, 1)
    assert [r.event_id for r in h.removed()] == ["two"]
    assert history.update(h, only_one, T1 + timedelta(days=29)) == h
    forgotten = history.update(h, only_one, T1 + timedelta(days=30))
    assert [r.event_id for r in forgotten.revisions] == ["one"]


def test_an_event_put_back_is_the_same_event_with_a_higher_sequence() -> None:
    both = parse(MINIMAL + event_yaml("one") + event_yaml("two"))
    h = history.update(History(), both, T0)
    h = history.update(h, parse(MINIMAL + event_yaml("one")), T1)
    h = history.update(h, both, T2)
    back = h.get("two")
    assert (back.first_published, back.last_changed, back.sequence, back.removed) == (T0, T2, 2, None)


def test_an_event_added_again_after_it_was_forgotten_goes_on_from_its_last_sequence(tmp_path: Path) -> None:
    both = parse(MINIMAL + event_yaml("one") + event_yaml("two"))
    only_one = parse(MINIMAL + event_yaml("one"))
    h = history.update(History(), both, T0)
    h = history.update(h, only_one, T1)  # two is cancelled, sequence 1
    h = history.update(h, only_one, T1 + timedelta(days=30))  # and forgotten
    assert h.forgotten == (("two", 1),)
    path = tmp_path / "events.history.json"
    history.write(path, h)
    h = history.update(history.read(path), both, T1 + timedelta(days=31))
    assert (h.get("two").sequence, h.forgotten) == (2, ())
    # Its calendar event goes on from SEQUENCE 1, and no change entry's id comes back.
    ids = [(c.event_id, c.sequence) for c in h.changes]
    assert ids == [("one", 0), ("two", 0), ("two", 1), ("two", 2)]


def test_the_store_round_trips_through_its_file(tmp_path: Path) -> None:
    h = history.update(History(), load(FEATURES), T0)
    h = history.update(h, replace(load(FEATURES), events=load(FEATURES).events[1:]), T1)
    path = tmp_path / "events.history.json"
    history.write(path, h)
    assert history.read(path) == h
    assert history.dumps(history.read(path)) == path.read_bytes()


def test_a_missing_store_is_an_empty_history(tmp_path: Path) -> None:
    assert history.read(tmp_path / "events.history.json") == History()


@pytest.mark.parametrize("damage", [b"{not json", b'{"version": 99, "events": {}}', b'{"version": 1}', b"[]"])
def test_a_damaged_store_says_how_to_recover(tmp_path: Path, damage: bytes) -> None:
    path = tmp_path / "events.history.json"
    path.write_bytes(damage)
    with pytest.raises(HistoryError) as caught:
        history.read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: the history store is damaged (")
    assert "git checkout -- events.history.json" in message
    assert "event ids and calendar UIDs stay the same" in message


def test_the_store_sits_beside_its_events_file() -> None:
    assert history.history_path(Path("data/events.yaml")) == Path("data/events.history.json")


def test_events_published_together_get_distinct_times_in_timeline_order_ending_now() -> None:
    timeline = parse(
        MINIMAL
        + event_yaml("late", date="2011")
        + event_yaml("early", date="1987")
        + event_yaml("mid", date="2007")
    )
    h = history.update(History(), timeline, T0)
    second = timedelta(seconds=1)
    assert [h.get(i).first_published for i in ("early", "mid", "late")] == [T0 - 2 * second, T0 - second, T0]
    assert h.newest_change() == T0


def test_a_change_never_reuses_or_precedes_a_time_already_given() -> None:
    h = history.update(History(), parse(MINIMAL + event_yaml("one")), T0)
    # An edit within the same second: later, and not later than the build.
    h = history.update(h, parse(MINIMAL + event_yaml("one", title="Two")), T0 + timedelta(seconds=0.25))
    assert h.get("one").last_changed == T0 + timedelta(seconds=0.25)
    # The clock set back an hour: just after the last time given, never before it.
    h = history.update(h, parse(MINIMAL + event_yaml("one", title="Three")), T0 - timedelta(hours=1))
    assert h.get("one").last_changed == T0 + timedelta(seconds=0.25, microseconds=1)
    assert h.get("one").sequence == 2


def test_no_time_is_later_than_the_build_however_many_events_change_again_and_again() -> None:
    def events(title: str) -> str:
        return MINIMAL + "".join(event_yaml(f"e{i}", title=f"{title} {i}") for i in range(2_000))

    h = history.update(History(), parse(events("First")), T0)
    for edit in range(1, 4):  # every event edited, a minute apart: 2,000 seconds do not fit
        now = T0 + timedelta(minutes=edit)
        before = h.newest_change()
        h = history.update(h, parse(events(f"Edit {edit}")), now)
        times = [revision.last_changed for revision in h.revisions]
        assert max(times) <= now and min(times) > before
        assert len(set(times)) == 2_000  # no two entries share an `updated`


def test_every_real_change_is_logged_with_what_changed() -> None:
    h = history.update(History(), parse(MINIMAL + event_yaml("one", date="2006") + event_yaml("two")), T0)
    h = history.update(
        h, parse(MINIMAL + event_yaml("one", date="2007", title="Renamed") + event_yaml("two")), T1
    )
    h = history.update(h, parse(MINIMAL + event_yaml("one", date="2007", title="Renamed")), T2)
    h = history.update(
        h,
        parse(MINIMAL + event_yaml("one", date="2007", title="Renamed") + event_yaml("two")),
        T2 + timedelta(hours=1),
    )
    log = [(c.event_id, c.kind, c.sequence, c.details) for c in h.changes]
    assert log == [
        ("one", "added", 0, ()),
        ("two", "added", 0, ()),
        ("one", "changed", 1, ("title changed: “A title” → “Renamed”", "date corrected: 2006 → 2007")),
        ("two", "removed", 1, ()),
        ("two", "restored", 2, ()),
    ]
    assert [c.at for c in h.changes] == sorted(c.at for c in h.changes)


@pytest.mark.parametrize(
    ("before", "after", "details"),
    [
        ("    location: Hanoi\n", "    location: Geneva\n", ("location changed: Hanoi → Geneva",)),
        ("", "    location: Geneva\n", ("location added: Geneva",)),
        ("    tags: [a, b]\n", "    tags: [b, c]\n", ("tags: +c, -a",)),
        ("    status: planned\n", "", ("status: planned → confirmed",)),
        (
            "",
            "    certainty: inferred\n    date_note: why\n",
            ("date now inferred (was stated)", "reasoning for the date revised"),
        ),
        ("", "    image: {url: 'https://e.org/a.jpg', alt: A}\n", ("picture added",)),
        (
            "    image: {url: 'https://e.org/a.jpg', alt: A}\n",
            "    image: {url: 'https://e.org/a.jpg', alt: B}\n",
            ("picture's description revised",),
        ),
        (
            "    image: {url: 'https://e.org/a.jpg', alt: A}\n",
            "    image: {url: 'https://e.org/b.jpg', alt: A}\n",
            ("picture changed",),
        ),
        ("    image: {url: 'https://e.org/a.jpg', alt: A}\n", "", ("picture removed",)),
        ("", "    geo: {lat: 46.2044, lon: 6.1432}\n", ("place on the map added: 46.2044 6.1432",)),
        (
            "    geo: {lat: 46.2044, lon: 6.1432}\n",
            "    geo: {lat: 46.2044, lon: -6.1432}\n",
            ("place on the map changed: 46.2044 6.1432 → 46.2044 -6.1432",),
        ),
        ("    geo: {lat: 46.2044, lon: 6.1432}\n", "", ("place on the map removed",)),
    ],
)
def test_changes_are_described_in_words(before: str, after: str, details: tuple[str, ...]) -> None:
    def with_extra(extra: str) -> str:
        return MINIMAL + event_yaml("one") + extra

    h = history.update(History(), parse(with_extra(before)), T0)
    h = history.update(h, parse(with_extra(after)), T1)
    assert h.changes[-1].details == details


def test_source_changes_are_described() -> None:
    source = "    sources:\n      - {article: a.txt, quote: %s}\n"
    base = MINIMAL + "  - id: one\n    title: T\n    summary: s\n    date: 2011\n"
    h = history.update(History(), parse(base + source % "first"), T0)
    h = history.update(h, parse(base + source % "corrected"), T1)
    assert h.changes[-1].details == ("quote corrected (a.txt)",)
    h = history.update(
        h, parse(base + source % "corrected" + "      - {article: a.txt, quote: second}\n"), T2
    )
    assert h.changes[-1].details == ("source added (a.txt)",)


def test_the_change_log_survives_the_store(tmp_path: Path) -> None:
    h = history.update(History(), parse(MINIMAL + event_yaml("one")), T0)
    h = history.update(h, parse(MINIMAL + event_yaml("one", title="B")), T1)
    history.write(tmp_path / "h.json", h)
    assert history.read(tmp_path / "h.json") == h


def _line_by_json(revision: Revision) -> bytes:
    """The store's line for a revision, as json.dumps writes it: what the hand-written one must give."""
    when = revision.date
    date: dict[str, str | None] = {
        "precision": when.precision.value,
        "start": when.start.isoformat(),
        "end": when.end.isoformat() if when.end is not None else None,
    }
    zone = getattr(when.start, "tzinfo", None)
    if isinstance(zone, ZoneInfo):
        date["zone"] = zone.key
    item: dict[str, object] = {
        "hash": revision.content_hash,
        "first_published": revision.first_published.isoformat().replace("+00:00", "Z"),
        "last_changed": revision.last_changed.isoformat().replace("+00:00", "Z"),
        "sequence": revision.sequence,
        "title": revision.title,
        "date": date,
    }
    if revision.removed is not None:
        item["removed"] = revision.removed.isoformat().replace("+00:00", "Z")
    item["tags"] = list(revision.tags)
    item["facts"] = history.facts_by_name(revision.facts)
    return f"  {json.dumps(revision.event_id)}: {json.dumps(item, ensure_ascii=False)}".encode()


@given(
    title=st.text(min_size=1),
    note=st.text().filter(lambda text: "\x1f" not in text),
    tags=st.lists(st.sampled_from(["a", "b-c", "ü"]), unique=True),
    removed=st.booleans(),
    timed=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_the_store_writes_each_revision_as_json_writes_it(
    title: str, note: str, tags: list[str], removed: bool, timed: bool
) -> None:
    timeline = load(FEATURES)
    h = history.update(History(), timeline, T0)
    for revision in h.revisions:
        event = next((e for e in timeline.events if e.id == revision.event_id), None)
        is_timed = event is not None and isinstance(event.date.start, datetime)
        if timed != is_timed:
            continue
        facts = revision.facts.replace("\x1f", "\x1f" + note, 1) if revision.facts else ""
        changed = replace(
            revision, title=title, tags=tuple(tags), facts=facts, removed=T1 if removed else None
        )
        assert store._revision_line(changed) == _line_by_json(changed)


def test_the_change_log_keeps_the_newest_changes_when_one_build_makes_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("timeline.history.tracking.MAX_CHANGES", 3)
    timeline = parse(MINIMAL + "".join(event_yaml(f"e{i}", date=str(2000 + i)) for i in range(5)))
    h = history.update(History(), timeline, T0)
    assert [(c.event_id, c.kind) for c in h.changes] == [("e2", "added"), ("e3", "added"), ("e4", "added")]
    assert [c.at for c in h.changes] == [h.get(f"e{i}").first_published for i in (2, 3, 4)]


def test_the_versions_of_some_events_follow_them_in_order_whichever_tuple_asks() -> None:
    timeline = parse(MINIMAL + event_yaml("a") + event_yaml("b", date="2012") + event_yaml("c", date="1990"))
    current = history.update(History(), timeline, T0)
    assert current.versions_of(timeline.events) == tuple(current.get(e.id).version for e in timeline.events)
    backwards = tuple(reversed(timeline.events))
    assert current.versions_of(backwards) == tuple(reversed(current.versions_of(timeline.events)))
    edited = replace(timeline, events=(replace(timeline.events[0], title="Edited"), *timeline.events[1:]))
    later = history.update(current, edited, T0 + timedelta(days=1))
    assert later.versions_of(edited.events)[0] != current.versions_of(timeline.events)[0]
    assert later.versions_of(edited.events)[1:] == current.versions_of(timeline.events)[1:]


@given(st.lists(st.text().filter(lambda text: "\x1f" not in text), min_size=len(FACTS), max_size=len(FACTS)))
@settings(max_examples=500, deadline=None)
def test_a_revisions_facts_are_written_as_json_writes_them_whatever_they_hold(values: list[str]) -> None:
    """Quoted at once and cut at the separator's escape: a backslash in a fact (which could
    spell that escape) takes the slower way, member by member."""
    members = store._facts_json("\x1f".join(values))
    assert json.loads("{" + members + "}") == dict(zip(history.FACTS, values, strict=True))
    assert members == json.dumps(dict(zip(history.FACTS, values, strict=True)), ensure_ascii=False)[1:-1]
