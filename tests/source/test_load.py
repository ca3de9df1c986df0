"""Loading events.yaml: valid files become the model; every problem is reported at once, word for word."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import DATA, FEATURES, MINIMAL, ROOT, event_yaml
from timeline.errors import TimelineError, ValidationError
from timeline.model import Certainty, Precision, Status
from timeline.source.load import load, parse

INVALID = sorted((DATA / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("case", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_file_is_rejected_with_exactly_the_expected_messages(case: Path) -> None:
    expected = case.with_suffix(".errors").read_text(encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        parse(case.read_bytes(), "events.yaml")
    assert str(caught.value) + "\n" == expected


def test_every_invalid_case_has_its_expected_messages() -> None:
    assert len(INVALID) >= 40
    for case in INVALID:
        assert case.with_suffix(".errors").exists(), case


def test_every_message_names_file_line_and_column() -> None:
    for case in INVALID:
        for line in case.with_suffix(".errors").read_text(encoding="utf-8").splitlines():
            path, line_number, column, _ = line.split(":", 3)
            assert path == "events.yaml" and int(line_number) >= 1 and int(column) >= 1, line


def test_problems_are_listed_in_file_order() -> None:
    with pytest.raises(ValidationError) as caught:
        parse((DATA / "invalid" / "many-errors-at-once.yaml").read_bytes())
    positions = [(p.line, p.column) for p in caught.value.problems]
    assert positions == sorted(positions)
    assert len(positions) == 6


def test_shipped_events_file_is_valid() -> None:
    timeline = load(ROOT / "events.yaml")
    assert len(timeline.events) >= 10
    assert timeline.events == tuple(sorted(timeline.events, key=lambda e: (e.date.sort_key(), e.id)))


def test_features_file_reads_every_precision() -> None:
    timeline = load(FEATURES)
    by_id = {e.id: e for e in timeline.events}
    assert by_id["year-event"].date.precision is Precision.YEAR
    assert by_id["month-event"].date.precision is Precision.MONTH
    assert by_id["month-event"].certainty is Certainty.APPROXIMATE
    assert by_id["day-range"].date.start == date(2011, 12, 5)
    assert by_id["day-range"].date.end == date(2011, 12, 7)
    local = by_id["local-time"].date.start
    assert isinstance(local, datetime) and local.utcoffset() is not None
    assert str(local.tzinfo) == "Asia/Ho_Chi_Minh"
    zurich = by_id["time-range-with-zone"].date.start
    assert isinstance(zurich, datetime) and str(zurich.tzinfo) == "Europe/Zurich"
    offset = by_id["offset-time"].date.start
    assert isinstance(offset, datetime) and offset.hour == 11 and offset.utcoffset() is not None
    assert by_id["planned-event"].status is Status.PLANNED


def test_scalars_are_read_as_written_not_as_yaml_types(write_events: Callable[[str], Path]) -> None:
    path = write_events(event_yaml("one", title="no", date="2011-12") + event_yaml("two", title="1987"))
    titles = [e.title for e in load(path).events]
    assert sorted(titles) == ["1987", "no"]
    assert load(path).events[-1].date.label() == "December 2011"


def test_quotes_are_folded_to_single_spaces(write_events: Callable[[str], Path]) -> None:
    path = write_events(
        "  - id: one\n    title: T\n    summary: s\n    date: 2011\n"
        "    sources:\n      - article: a.txt\n        quote: >-\n          wrapped\n          quote\n"
    )
    assert load(path).events[0].sources[0].quote == "wrapped quote"


def test_a_byte_order_mark_is_accepted() -> None:
    timeline = parse(b"\xef\xbb\xbf" + (MINIMAL + event_yaml("one")).encode())
    assert [e.id for e in timeline.events] == ["one"]


def test_a_missing_file_is_a_user_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(TimelineError, match="no such file; pass the events file with --source"):
        load(tmp_path / "nope.yaml")


def test_a_file_over_the_size_limit_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("timeline.source.load.MAX_FILE_BYTES", 1000)
    with pytest.raises(ValidationError, match=r"events.yaml:1:1: the file is 0 MiB, more than the 0 MiB"):
        parse(b"#" * 2000)


def test_a_title_over_the_length_limit_is_reported() -> None:
    text = MINIMAL + event_yaml("one", title="x" * 1_000_000)
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert str(caught.value) == (
        "events.yaml:8:12: events[0].title: is 1,000,000 characters long, more than 300; shorten it"
    )


DEPTH = 100_000
DEEP = {
    "flow lists": "title: " + "[" * DEPTH + "]" * DEPTH,
    "flow mappings": "title: " + "{a: " * DEPTH + "x" + "}" * DEPTH,
    "block lists": "title:\n" + "- " * DEPTH + "x",
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_nesting_a_hundred_thousand_levels_deep_is_an_error_not_a_crash(text: str) -> None:
    # PyYAML's composer recurses in C and would crash the process on these.
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert "nested more than 32 levels deep" in str(caught.value)


def test_a_file_of_fifty_megabytes_is_rejected_quickly_with_a_position() -> None:
    text = MINIMAL + event_yaml("one", title="x" * (50 * 2**20))
    with pytest.raises(ValidationError) as caught:
        parse(text.encode())
    assert str(caught.value) == (
        "events.yaml:8:12: events[0].title: is 52,428,800 characters long, more than 300; shorten it"
    )


def _event_with_tags(event_id: str, tags: list[str]) -> str:
    return event_yaml(event_id) + f"    tags: [{', '.join(tags)}]\n"


def test_an_event_with_a_hundred_thousand_tags_is_refused_at_once() -> None:
    text = MINIMAL + _event_with_tags("one", [f"t{n}" for n in range(100_000)])
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert (
        str(caught.value)
        == "events.yaml:12:11: events[0].tags: lists 100,000 tags, more than 20; keep those that matter most"
    )


def test_a_timeline_of_more_than_500_tags_is_refused_at_the_first_one_too_many() -> None:
    events = [_event_with_tags(f"e{n}", [f"t{n}-{k}" for k in range(20)]) for n in range(26)]  # 520 tags
    with pytest.raises(ValidationError) as caught:
        parse(MINIMAL + "".join(events))
    assert str(caught.value) == (
        'events.yaml:162:12: events[25].tags[0]: "t25-0" would be tag number 501 of the timeline, more '
        "than 500 (each tag is published as its own feeds and calendar); use one of the tags the timeline has"
    )


def test_500_tags_and_tags_shared_by_many_events_are_fine() -> None:
    events = [_event_with_tags(f"e{n}", [f"t{n}-{k}" for k in range(20)]) for n in range(25)]
    events += [_event_with_tags(f"again{n}", ["t0-0", "t24-19"]) for n in range(100)]
    assert len({tag for e in parse(MINIMAL + "".join(events)).events for tag in e.tags}) == 500


def test_an_event_with_more_than_50_sources_is_refused() -> None:
    sources = "".join(f"      - {{article: a.txt, quote: q{n}}}\n" for n in range(51))
    text = MINIMAL + "  - id: one\n    title: t\n    summary: s\n    date: 2011\n    sources:\n" + sources
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert (
        str(caught.value)
        == "events.yaml:12:7: events[0].sources: lists 51 sources, more than 50; keep the best"
    )


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    from timeline.source.load import MAX_FILE_BYTES

    path = tmp_path / "events.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no memory or disk spent on it
    with pytest.raises(ValidationError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path}:1:1: the file is 128 MiB, more than the 128 MiB an events file may be; "
        "split the archive or remove what is not an event"
    )


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("9999", "years after 9998 are not supported"),
        ("9999-12-31", "years after 9998 are not supported"),
        ("9999-12-31T23:00", "years after 9998 are not supported"),
        ("0000-01-01T00:00", "year 0 does not exist"),
        ("0001-01-01T00:00+01:00", "not a valid time"),
    ],
)
def test_dates_a_calendar_cannot_hold_are_refused(written: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(MINIMAL + event_yaml("edge", date=f'"{written}"'))
    assert str(caught.value) == (
        f'events.yaml:10:11: events[0].date: "{written}" is not a date ({reason}); '
        "write YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM[+HH:MM], or {start: ..., end: ...}"
    )


def test_a_base_url_with_characters_a_uri_may_not_hold_is_percent_encoded_once() -> None:
    timeline = parse(
        MINIMAL.replace("https://example.org/t/", 'https://example.org/t"<>é') + event_yaml("one")
    )
    assert timeline.base_url == "https://example.org/t%22%3C%3E%C3%A9/"


@pytest.mark.parametrize("written", ["\u0664\u0666.\u0662", "\uff14\uff16.\uff12", "46.2\u0660"])
def test_coordinates_are_written_in_ascii_digits(written: str) -> None:
    text = MINIMAL + event_yaml("one") + f"    geo: {{lat: '{written}', lon: 6.1}}\n"
    with pytest.raises(ValidationError, match="is not a number of degrees"):
        parse(text)


def test_minus_zero_degrees_is_zero_degrees() -> None:
    events = [
        parse(MINIMAL + event_yaml("one") + f"    geo: {{lat: {lat}, lon: 0}}\n").events[0]
        for lat in ("-0", "0")
    ]
    assert events[0] == events[1] and str(events[0].geo.lat if events[0].geo else None) == "0.0"
