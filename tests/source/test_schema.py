"""The schema: every key declared once, and everything that lists keys or fields agrees with it.

A new field of events.yaml is one schema entry: these tests fail until the model, both readers,
the content hash behind timestamps and SEQUENCE, the README's table and the JSON Schema all
know it.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import DATA, MINIMAL, ROOT, T0
from timeline import history
from timeline.builder.publish import build
from timeline.model import Event
from timeline.source import json_schema, quick_event, schema
from timeline.source.load import parse

INVALID = sorted((DATA / "invalid").glob("*.yaml"))
VALID = [ROOT / "events.yaml", *sorted((DATA / "valid").glob("*.yaml")), DATA / "old-store" / "events.yaml"]

# Every event key set, none to its default: the reference each test below edits.
EVERY_KEY = """\
  - id: every-key
    title: A title
    summary: A summary.
    date: 2011-12-05T09:00
    certainty: inferred
    date_note: Inferred from the report.
    location: Geneva
    tags: [one, two]
    status: planned
    timezone: Europe/Zurich
    image: {url: "https://example.org/a.jpg", alt: A picture., credit: Someone}
    geo: {lat: 46.2044, lon: -6.1432, certainty: inferred, note: Looked up.}
    reviewed: false
    sources:
      - article: a.txt
        quote: A quote.
"""
# Another value for each key, as written in the file.
OTHER = {
    "id": "other-id",
    "title": "Another title",
    "summary": "Another summary.",
    "date": "2011-12-05T10:00",
    "certainty": "approximate",
    "date_note": "Approximate, the report says.",
    "location": "Bern",
    "tags": "[one, three]",
    "status": "cancelled",
    "timezone": "Europe/Paris",
    "image": '{url: "https://example.org/b.jpg", alt: Another picture.}',
    "geo": "{lat: 46.2045, lon: -6.1432}",
    "reviewed": "true",
    "sources": "\n      - article: a.txt\n        quote: Another quote.",
}


def with_key(name: str, value: str) -> str:
    """EVERY_KEY with `name` set to `value` (the sources, the last key, written anew)."""
    text = EVERY_KEY[: EVERY_KEY.index("    sources:")] if name == "sources" else EVERY_KEY
    lines = [
        f"    {name}: {value}" if line.startswith(f"    {name}:") else line for line in text.splitlines()
    ]
    if name == "id":
        lines[0] = f"  - id: {value}"
    if name == "sources":
        lines.append(f"    sources:{value}")
    return "\n".join(lines) + "\n"


# Translations name the header's other languages, which MINIMAL has none of: their own tests
# (tests/source/test_translations.py) read them with both readers and hash them per language.
TRANSLATED = {"translations"}
# What the timeline as published in another language says of an event, never read from a file
# (timeline.model.languages): which language its words are in when it gives none in that one.
PROJECTED = {"words_in"}


def test_every_event_key_is_in_the_test_of_every_key() -> None:
    assert set(OTHER) | TRANSLATED == set(schema.names(schema.EVENT))
    assert all(f" {name}:" in EVERY_KEY for name in OTHER)


def test_every_model_field_is_filled_by_exactly_one_key() -> None:
    fields = [f.name for f in dataclasses.fields(Event) if f.name not in PROJECTED]
    filled = [key.field for key in schema.EVENT if key.field is not None]
    assert sorted(filled) == sorted(fields)


def test_both_readers_read_every_key_and_give_the_same_event() -> None:
    timeline = parse(MINIMAL + EVERY_KEY)
    full = timeline.events[0]
    articles = {article.file: article for article in timeline.articles}
    fast = quick_event.read(EVERY_KEY, ZoneInfo(timeline.timezone), articles)
    assert fast is not None, "the fast reader gave up on the plainest event with every key"
    assert fast == full
    for field in dataclasses.fields(Event):  # none at its default: no reader dropped a key
        if field.name not in TRANSLATED | PROJECTED:
            assert getattr(full, field.name) != field.default, field.name


@pytest.mark.parametrize("name", list(OTHER))
def test_the_content_hash_changes_with_each_key_alone(name: str) -> None:
    # (Europe/Zurich and Europe/Paris give the same instant: the events compare equal, but a
    # calendar names the zone, so the hash must see it.)
    before = parse(MINIMAL + EVERY_KEY).events[0]
    after = parse(MINIMAL + with_key(name, OTHER[name])).events[0]
    if name == "id":  # another id is another event
        assert after.id != before.id
    else:
        assert history.content_hash(after) != history.content_hash(before)


# The reference as published: every key but `reviewed` (a draft is not published at all).
PUBLISHED = EVERY_KEY.replace("    reviewed: false\n", "")


@pytest.mark.parametrize("name", [n for n in OTHER if n not in ("id", "reviewed")])
def test_editing_each_key_alone_moves_exactly_that_events_stamps_in_every_format(
    name: str, tmp_path: Path
) -> None:
    other = "  - id: unchanged\n    title: T\n    summary: S\n    date: 2011\n"
    other += "    sources: [{article: a.txt, quote: Q}]\n"
    source, out = tmp_path / "events.yaml", tmp_path / "feeds"
    source.write_text(MINIMAL + PUBLISHED + other, encoding="utf-8")
    build(source, out, now=T0)
    before = {p.name: p.read_text(encoding="utf-8") for p in out.glob("timeline.*")}
    edited = with_key(name, OTHER[name]).replace("    reviewed: false\n", "")
    source.write_text(MINIMAL + edited + other, encoding="utf-8")
    build(source, out, now=T0 + timedelta(hours=1))
    after = {p.name: p.read_text(encoding="utf-8") for p in out.glob("timeline.*")}
    moved = "2026-11-23T10:00:00"
    assert before["timeline.ics"].count("SEQUENCE:1") == 0
    ics = after["timeline.ics"]
    every_key = ics[ics.index("UID:every-key@") - 200 : ics.index("UID:every-key@") + 400]
    assert "SEQUENCE:1" in every_key and "LAST-MODIFIED:20261123T100000Z" in ics
    assert ics.count("SEQUENCE:1") == 1 and ics.count("SEQUENCE:0") == 1  # the other event kept its
    assert after["timeline.atom"].count(f"<updated>{moved}") == 2  # the feed's and the entry's
    assert after["timeline.json"].count(f'"date_modified": "{moved}Z"') == 1
    assert after["timeline.rss"] != before["timeline.rss"] or name == "status"


def test_the_readme_table_is_the_schemas() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert schema.readme_table() in readme, "paste timeline.source.schema.readme_table() into the README"


def test_the_shipped_json_schema_is_what_timeline_schema_prints() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "timeline", "schema"], capture_output=True, text=True, check=True
    ).stdout
    shipped = (ROOT / "events.schema.json").read_text(encoding="utf-8")
    assert printed == json_schema.json_schema_text() == shipped


def test_the_shipped_events_file_names_its_schema_for_editors() -> None:
    first = (ROOT / "events.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=events.schema.json"


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    program = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert program is not None, "check-jsonschema is a test dependency (pyproject.toml)"
    return subprocess.run(
        [program, "--schemafile", str(ROOT / "events.schema.json"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_real_json_schema_validator_accepts_every_valid_file() -> None:
    result = check_jsonschema(*VALID)
    assert result.returncode == 0, result.stdout + result.stderr


# What only the loader can tell: a structure JSON Schema cannot express.
BEYOND_JSON_SCHEMA = {
    "alias-reuse": "YAML aliases are resolved before a JSON Schema validator sees the data",
    "merge-key": "so are merge keys",
    "duplicate-id": "unique ids across the items of a list are not expressible",
    "unknown-article": "a reference to a key of another mapping is not expressible",
    "bad-timezone": "the zone database changes with tzdata, the schema file would with it",
    "bad-header-timezone": "the same",
    "february-30": "days in a month by month and leap year: expressible only by listing them",
    "range-end-before-start": "comparing two values is not expressible",
    "range-mixed-precision": "the same",
}


@pytest.mark.parametrize("case", INVALID, ids=[p.stem for p in INVALID])
def test_a_real_json_schema_validator_rejects_each_invalid_file_it_can(case: Path) -> None:
    result = check_jsonschema(case)
    if case.stem in BEYOND_JSON_SCHEMA:
        assert result.returncode == 0, f"now rejected: take {case.stem} out of BEYOND_JSON_SCHEMA"
    else:
        assert result.returncode != 0, result.stdout
