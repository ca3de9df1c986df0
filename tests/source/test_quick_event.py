"""An event is read quickly (rapidyaml, then straight into the model) exactly as the full reader
(YAML nodes, then the loader) reads it, however it is written; what the loader would report,
and what is left to libyaml, is left to the full reader."""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench import generate
from tests.conftest import DATA, ROOT
from timeline.errors import ValidationError
from timeline.model import Event, Timeline
from timeline.source import quick_event
from timeline.source.load import parse_event, parse_in_order
from timeline.source.reload import Reloader, _split

T = TypeVar("T")

HEADER = """\
title: Test timeline
base_url: https://example.org/t/
id_authority: example.org,2026
timezone: Asia/Ho_Chi_Minh
articles:
  a.txt: {title: An article}
  000_b.txt:
events:
"""


def _header(text: str) -> Timeline | None:
    try:
        return parse_in_order(text + "  []\n", "events.yaml")[0]
    except ValidationError:
        return None


def _quick(piece: str, header: Timeline) -> Event | None:
    articles = {article.file: article for article in header.articles}
    return quick_event.read(piece, zoneinfo.ZoneInfo(header.timezone), articles, header.languages)


def _full(piece: str, header: Timeline) -> Event | None:
    try:
        return parse_event(piece, "events.yaml", 1, 0, header, {})
    except ValidationError:
        return None


def _assert_agrees(piece: str, header: Timeline) -> bool:
    """The quick reader gives the full reader's event or gives up; True if it read the piece."""
    quick = _quick(piece, header)
    if quick is not None:
        assert quick == _full(piece, header), piece
        # Every value the model holds, not only those the event compares by.
        assert quick.__dict__ == _full(piece, header).__dict__, piece
    return quick is not None


def _files() -> list[Path]:
    return [ROOT / "events.yaml", *sorted((DATA / "valid").glob("*.yaml")), *sorted(DATA.glob("*/*.yaml"))]


@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_event_of_every_test_file_reads_as_the_full_reader_reads_it(path: Path) -> None:
    split = _split(path.read_bytes())
    header = _header(split[0]) if split else None
    if split is None or header is None:
        return  # the reloader reads such a file whole, the full way
    for piece in split[1]:
        _assert_agrees(str(piece, "utf-8", "replace"), header)


@pytest.mark.parametrize("style", generate.STYLES)
def test_the_shipped_file_and_the_benchmark_timelines_in_every_style_are_read_the_quick_way(
    style: str, tmp_path: Path
) -> None:
    generated = tmp_path / "events.yaml"
    generate.write(generated, 300, style)
    for path in (ROOT / "events.yaml", generated):
        split = _split(path.read_bytes())
        assert split is not None
        header = _header(split[0])
        assert header is not None
        assert all(_assert_agrees(str(piece, "utf-8"), header) for piece in split[1]), path


COMMON = """\
  - id: council-100th-session
    title: The 100th session of the IOM Council
    summary: >-
      Viet Nam attends the 100th session
      of the Council in Geneva.
    date: {start: 2011-12-05, end: 2011-12-07}
    location: "Geneva, Switzerland"
    tags: [council, membership]
    sources:
      - {article: a.txt, quote: "The 100th session, held on 5-7 December."}
      - article: 000_b.txt
        quote: |-
          A literal quote
            kept as written.

"""


def test_an_event_written_the_common_way_is_read_whole() -> None:
    event = _quick(COMMON, _header(HEADER))  # type: ignore[arg-type]
    assert event is not None
    assert event == _full(COMMON, _header(HEADER))  # type: ignore[arg-type]
    assert event.summary == "Viet Nam attends the 100th session of the Council in Geneva."
    assert event.date.label() == "5–7 December 2011"
    assert event.location == "Geneva, Switzerland"
    assert event.tags == ("council", "membership")
    assert [source.quote for source in event.sources] == [
        "The 100th session, held on 5-7 December.",
        "A literal quote kept as written.",
    ]


# Written other ways than the common one, and read all the same.
OTHER_WAYS = [
    ("    location:", "    # a comment\n    location:"),
    ("    location:", "\n    location:"),  # a blank line inside the event
    ('location: "Geneva, Switzerland"', "location: Geneva # the city"),
    ('location: "Geneva, Switzerland"', 'location: "Gen\\u00e8ve"'),  # an escape
    ('location: "Geneva, Switzerland"', "location: 'Geneva, ''Switzerland'''"),
    ("      of the Council", "        of the Council"),  # folded, more indented
    ("    title: The 100th", "    title: >2\n      The 100th"),
    ("    title: The 100th session of the IOM Council", "    title: The 100th\n      session"),
    ("    tags: [council, membership]", "    tags:\n      - council\n      - membership"),
    ("date: {start: 2011-12-05, end: 2011-12-07}", "date:\n      start: 2011-12-05\n      end: 2011-12-07"),
]


@pytest.mark.parametrize(("replace", "by"), OTHER_WAYS)
def test_an_event_written_another_way_is_read_as_the_full_reader_reads_it(replace: str, by: str) -> None:
    assert replace in COMMON
    assert _assert_agrees(COMMON.replace(replace, by, 1), _header(HEADER))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("replace", "by"),
    [
        ("  - id: council-100th-session\n    title:", "  - title:"),  # the id not first
        ("    tags:", "    title: Again\n    tags:"),  # a key given twice
        ("    tags:", "    colour: blue\n    tags:"),  # an unknown key
        ("    tags: [council, membership]", "    tags: [council, council]"),
        ("    tags: [council, membership]", "    tags: [Council]"),
        ("    tags: [council, membership]", "    tags: council"),
        ("end: 2011-12-07", "end: 2011-12"),  # a range of two precisions
        ("end: 2011-12-07", "end: 2011-12-01"),  # ending before it starts
        ("end: 2011-12-07", "end: 2011-13-07"),
        ("    date: {start: 2011-12-05, end: 2011-12-07}", "    date: [2011]"),
        ("    location:", "    certainty: inferred\n    location:"),  # no date_note
        ("    location:", "    certainty: sure\n    location:"),
        ("    location:", "    status: done\n    location:"),
        ("    location:", "    timezone: Mars/Olympus\n    location:"),
        ('location: "Geneva, Switzerland"', "location: ~"),
        ('location: "Geneva, Switzerland"', 'location: ""'),
        ('location: "Geneva, Switzerland"', "location: " + "x" * 301),
        ('location: "Geneva, Switzerland"', "location: &place Geneva"),  # an anchor
        ('location: "Geneva, Switzerland"', "location: !!str Geneva"),  # a tag
        ('location: "Geneva, Switzerland"', 'location: "Gen\teva"'),  # a tab
        ('location: "Geneva, Switzerland"', 'location: "Geneva'),  # unclosed
        ('location: "Geneva, Switzerland"', "location: Geneva: Switzerland"),
        ("article: a.txt", "article: unlisted.txt"),
        ("article: a.txt, ", ""),  # a source without its article
        ("      - {article: a.txt", "      - {article: a.txt, page: 2"),
        ("      of the Council", "     of the Council"),  # less indented
        ("    tags: [council, membership]", "    tags: [council, membership"),
        ("    summary: >-", "    summary: >-\n  - id: second"),
    ],
)
def test_what_the_loader_reports_or_libyaml_is_left_to_read_is_left_to_the_full_reader(
    replace: str, by: str
) -> None:
    assert replace in COMMON
    assert _quick(COMMON.replace(replace, by, 1), _header(HEADER)) is None  # type: ignore[arg-type]


# -- generated events ----------------------------------------------------------------------------


def _mostly(good: list[T], odd: list[T]) -> st.SearchStrategy[T]:
    """One of `good` nine times in ten, else one of `odd`: most generated events are then
    readable, and the rest bent in a place or two."""
    return st.sampled_from(good * 9 * max(1, len(odd)) + odd * len(good))


_TEXTS = _mostly(
    ["plain text", "Việt Nam", "a#b", "a:b", "x, y [z]", '"double, quoted"', "'single ''quoted'''", '"null"'],
    [
        "null",
        "~",
        "-dash",
        ":c",
        '""',
        "'  '",
        "[a, b]",
        "{a: b}",
        ">2",
        "a: b",
        "a #b",
        "  padded",
        '"esc\\x41pe"',
        '"tab\\there"',
        "&anchor a",
        "*alias",
        "!tag x",
        "a\tb",
        '"open',
        "'open",
        "- item",
        "? key",
        "%directive",
        "@at",
        "`tick",
        "a: b: c",
        "{a: b",
        "[a, b",
        "|2-",
        "x\r",
    ],
)
_DATES = _mostly(
    ["1987", "2011-12", "2011-12-05", "2011-12-05T09:30", "2011-12-05T09:30+07:00",
     "{start: 1990, end: 2007}", "{start: 1990, end: 1990}", '{start: "1990", end: "2007"}'],
    ["0000", "2011-02-30", "{start: 2007, end: 1990}", "{start: 1990, end: 2007-01}", "{start: 1990}",
     "[1990]", "{start: null, end: 2007}"],
)  # fmt: skip
_TAGS = _mostly(["[]", "[a]", "[a, b-c]"], ["[a, a]", "[A]", "[null]", "[a,b]", "x"])
_SOURCES = _mostly(
    [
        ['{article: a.txt, quote: "A quote."}'],
        ["{article: 000_b.txt, quote: Two}"],
        ["article: a.txt", "  quote: >-", "    Over two", "    lines."],
        ["article: 000_b.txt", "  quote: |", "    Kept", "      indented"],
    ],
    [
        ["{article: c.txt, quote: x}"],
        ["{quote: x, article: a.txt}"],
        ["{article: a.txt}"],
        ["article: a.txt", "  quote: x", "  quote: y"],
    ],
)
_IDS = _mostly(["ev-1"], ["Ev 1", "null"])
_CERTAINTIES = _mostly(["inferred", "stated", "approximate"], ["maybe"])
_STATUSES = _mostly(["planned", "cancelled", "confirmed"], ["over"])
_ZONES = _mostly(["Europe/Zurich", "UTC"], ["Nowhere/Else"])
_IMAGES = _mostly(
    ['{url: "https://e.org/a.jpg", alt: A picture.}', "{url: https://e.org/café.jpg, alt: x, credit: y}",
     "\n  url: https://e.org/a.jpg\n  alt: >-\n    Over\n    two lines"],
    ["{url: ftp://e.org/a.jpg, alt: x}", "{url: https://e.org/a.jpg}", "{url: https://e.org/a.jpg, alt: ''}",
     "{url: https://e.org/a.jpg, alt: x, size: 2}", "https://e.org/a.jpg"],
)  # fmt: skip
_GEOS = _mostly(
    ["{lat: 46.2044, lon: 6.1432}", "{lat: -33.5, lon: -70}", '{lat: "10", lon: 0}',
     "{lat: 0.000001, lon: 180, certainty: approximate, note: The country.}", "\n  lat: 1\n  lon: -2.25"],
    ["{lat: 91, lon: 0}", "{lat: 1.1234567, lon: 0}", "{lat: 1, lon: east}", "{lat: 1}", "{lat: 1e3, lon: 0}",
     "{lat: 1, lon: 2, certainty: inferred}", "{lat: .5, lon: 1}", "{lat: -, lon: 1}", "{lat: 1., lon: 1}"],
)  # fmt: skip
_OPTIONAL = _mostly(
    ["certainty", "date_note", "location", "tags", "status", "timezone", "image", "geo"], ["colour"]
)


@st.composite
def _events(draw: st.DrawFn) -> str:
    """One item of an events list, most often written the common way, often with something in
    it the loader reports or the quick reader leaves to the full one."""
    indent = draw(st.sampled_from([2, 0, 4]))
    pad = " " * (indent + 2)
    lines = [f"id: {draw(_IDS)}"]
    keys = ["title", "summary", "date", "sources", *draw(st.lists(_OPTIONAL, max_size=3))]
    for key in draw(st.permutations(keys)):
        if key == "date":
            lines.append(f"date: {draw(_DATES)}")
        elif key == "tags":
            lines.append(f"tags: {draw(_TAGS)}")
        elif key == "sources":
            lines.append("sources:")
            under = draw(_mostly([2], [0]))
            for source in draw(st.lists(_SOURCES, min_size=draw(_mostly([1], [0])), max_size=2)):
                first, *rest = source
                lines.append(" " * under + "- " + first)
                lines += [" " * under + line for line in rest]
        elif key in ("summary", "date_note") and draw(st.booleans()):
            lines.append(f"{key}: {draw(st.sampled_from(['>-', '>', '|', '|-']))}")
            lines += ["  " + draw(_TEXTS) for _ in range(draw(st.integers(1, 3)))]
        elif key == "certainty":
            lines.append(f"certainty: {draw(_CERTAINTIES)}")
        elif key == "status":
            lines.append(f"status: {draw(_STATUSES)}")
        elif key == "timezone":
            lines.append(f"timezone: {draw(_ZONES)}")
        elif key in ("image", "geo"):
            value = draw(_IMAGES if key == "image" else _GEOS)
            lines.append(
                f"{key}: " + value.replace("\n", "\n" + pad) if value.startswith("\n") else f"{key}: {value}"
            )
        else:
            lines.append(f"{key}: {draw(_TEXTS)}")
    body = [" " * indent + "- " + lines[0]] + [pad + line for line in lines[1:]]
    return "\n".join(body) + draw(st.sampled_from(["\n", "\n\n", ""]))


@given(_events())
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(
    "  - id: a\n    title: t\n    summary: s\n    date: 2011\n    sources: [{article: a.txt, quote: q}]\n"
)
@example("- id: a\n  title: '  '\n  summary: s\n  date: 2011\n  sources:\n  - {article: a.txt, quote: q}\n")
def test_generated_events_read_as_the_full_reader_reads_them_or_are_left_to_it(piece: str) -> None:
    _assert_agrees(piece, _header(HEADER))  # type: ignore[arg-type]


def test_the_generated_events_are_often_common_enough_to_read() -> None:
    # The property above means little if the quick reader gave up on every generated event.
    read = []

    @given(_events())
    @settings(max_examples=400, deadline=None, database=None)
    def count(piece: str) -> None:
        read.append(_assert_agrees(piece, _header(HEADER)))  # type: ignore[arg-type]

    count()
    assert 0.05 < sum(read) / len(read) < 0.95


def test_a_broken_event_says_nothing_but_the_loaders_message(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # rapidyaml prints its parse errors from C++; the reader keeps them from the user's screen.
    source = tmp_path / "events.yaml"
    source.write_text(
        HEADER + COMMON + COMMON.replace("council-100th", "other").replace(', Switzerland"', "")
    )
    with pytest.raises(ValidationError, match=r"events.yaml:\d+:\d+: "):
        Reloader(source).load()
    assert capfd.readouterr().err == ""


def test_what_else_is_written_to_the_error_stream_while_events_are_read_is_kept(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with quick_event.quietly():
        assert _quick('  - id: x\n    title: "open\n', _header(HEADER)) is None  # type: ignore[arg-type]
        os.write(2, b"another thread's line\n")
    assert capfd.readouterr().err == "another thread's line\n"
