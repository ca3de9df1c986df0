"""events.yaml as JSON Schema (draft 2020-12), made from the schema's keys: what editors check a
file by as it is typed (`timeline schema` prints it; the repository ships it as
events.schema.json, and `timeline init` writes it beside a new timeline)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from timeline.model import Certainty, Status
from timeline.source import checks
from timeline.source.schema import (
    ARTICLE,
    AUTHOR,
    DEGREES,
    EVENT,
    FEDIVERSE,
    GEO,
    HEADER,
    IMAGE,
    RANGE,
    SOURCE,
    TITLE_TRANSLATION,
    TRANSLATION,
    Key,
    required,
)

SCHEMA_ID = "https://timeline.example.org/events.schema.json"


def _pattern(regex: re.Pattern[str]) -> str:
    """A Python pattern matched from the start (re.match) and anchored with \\Z, as JSON Schema's
    ECMA-262 regex: ^...$, \\d spelled [0-9]."""
    return "^" + regex.pattern.removesuffix(r"\Z").replace(r"\d", "[0-9]") + "$"


# Text is not blank, and holds no character feeds and calendars cannot carry (see the loader).
_NOT_BLANK = r"\S"
_NO_CONTROL = "^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


def _text(key: Key) -> dict[str, Any]:
    text: dict[str, Any] = {
        "type": "string",
        "minLength": 1,
        "allOf": [{"pattern": _NOT_BLANK}, {"pattern": _NO_CONTROL}],
    }
    if key.limit is not None:
        text["maxLength"] = key.limit
    return text


_MONTH = "(0[1-9]|1[0-2])"
_DAY = "(0[1-9]|[12][0-9]|3[01])"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?"
_OFFSET = "(Z|[+-][0-9]{2}:?[0-9]{2})?"


def _point() -> dict[str, Any]:
    # A year is a number to YAML; a month, a day or a time is text.
    return {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": 9999},
            {"type": "string", "pattern": f"^[0-9]{{4}}-{_MONTH}(-{_DAY}([T ]{_TIME}{_OFFSET})?)?$"},
        ]
    }


def _value(key: Key) -> dict[str, Any]:
    """The JSON Schema of a key's value, by its kind."""
    if key.kind in DEGREES:  # the decimals are the loader's to count: a float has none to count
        return {"type": "number", "minimum": -DEGREES[key.kind], "maximum": DEGREES[key.kind]}
    if key.kind not in _KINDS:
        raise ValueError(f"{key.name}: no JSON Schema for the kind {key.kind!r}")
    return _KINDS[key.kind](key)


def _string(regex: re.Pattern[str]) -> Callable[[Key], dict[str, Any]]:
    return lambda key: {"type": "string", "pattern": _pattern(regex)}


def _tags(key: Key) -> dict[str, Any]:
    slug = {"type": "string", "pattern": _pattern(checks.SLUG), "maxLength": key.limit}
    return {"type": "array", "items": slug, "maxItems": key.most, "uniqueItems": True}


def _urls(key: Key) -> dict[str, Any]:
    url = {"type": "string", "pattern": _pattern(checks.URL)}
    return {"type": "array", "items": url, "maxItems": key.most, "uniqueItems": True}


def _articles(key: Key) -> dict[str, Any]:
    article = {**_mapping(ARTICLE, "an article"), **_reasoned("published_certainty", "published_note")}
    return {"type": "object", "additionalProperties": {"anyOf": [{"type": "null"}, article]}}


_PUBLISHED = {
    "anyOf": [
        {"type": "integer", "minimum": 1, "maximum": 9999},
        {"type": "string", "pattern": f"^[0-9]{{4}}-{_MONTH}(-{_DAY})?$"},
    ]
}
# Each kind of value's JSON Schema (the kinds of KINDS, but the degrees).
_KINDS: dict[str, Callable[[Key], dict[str, Any]]] = {
    "text": _text,
    "slug": lambda key: {"type": "string", "pattern": _pattern(checks.SLUG), "maxLength": key.limit or 100},
    "url": _string(checks.URL),
    "email": _string(checks.EMAIL),
    "authority": _string(checks.ID_AUTHORITY),
    "language": _string(checks.LANGUAGE),
    "languages": lambda key: {
        "type": "array", "items": _string(checks.LANGUAGE)(key), "minItems": 1, "maxItems": key.most,
        "uniqueItems": True,
    },
    "translations": lambda key: _by_language(TRANSLATION),
    "title translations": lambda key: _by_language(TITLE_TRANSLATION),
    "timezone": lambda key: {"type": "string", "minLength": 1, "maxLength": 300},
    "count": lambda key: {
        "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]
    },
    "boolean": lambda key: {"type": "boolean"},
    "certainty": lambda key: {"enum": [c.value for c in Certainty]},
    "status": lambda key: {"enum": [s.value for s in Status]},
    "point": lambda key: _point(),
    "date": lambda key: {"anyOf": [_point(), _mapping(RANGE, "a date range")]},
    "tags": _tags,
    "sources": lambda key: {
        "type": "array", "items": _mapping(SOURCE, "a source"), "minItems": 1, "maxItems": key.most
    },
    "urls": _urls,
    "image": lambda key: _mapping(IMAGE, "an image"),
    "geo": lambda key: {**_mapping(GEO, "a point on the map"), **_reasoned("certainty", "note")},
    "author": lambda key: {"anyOf": [{"type": "string", "minLength": 1}, _mapping(AUTHOR, "an author")]},
    "fediverse": lambda key: _mapping(FEDIVERSE, "the fediverse account"),
    "account": _string(checks.ACCOUNT),
    "folder": lambda key: {"type": "string", "minLength": 1, "maxLength": key.limit},
    "published": lambda key: _PUBLISHED,
    "articles": _articles,
    "events": lambda key: {
        "type": "array", "items": {**_mapping(EVENT, "an event"), **_reasoned("certainty", "date_note")}
    },
}  # fmt: skip


def _by_language(keys: tuple[Key, ...]) -> dict[str, Any]:
    """Translations by language tag, each saying by whom and giving some words."""
    return {
        "type": "object",
        "title": "translations by language tag",
        "propertyNames": _string(checks.LANGUAGE)(keys[0]),
        "additionalProperties": {**_mapping(keys, "a translation"), "minProperties": 2},
    }


def _reasoned(certainty: str, note: str) -> dict[str, Any]:
    """A date that is not stated needs its reasoning: `note` is required once `certainty` is
    anything but stated."""
    unstated = [c.value for c in Certainty if c is not Certainty.STATED]
    return {
        "if": {"properties": {certainty: {"enum": unstated}}, "required": [certainty]},
        "then": {"required": [note]},
    }


def _mapping(keys: tuple[Key, ...], what: str) -> dict[str, Any]:
    properties = {}
    for key in keys:
        properties[key.name] = {**_value(key), **({"description": key.doc} if key.doc else {})}
    return {
        "type": "object",
        "title": what,
        "properties": properties,
        "required": list(required(keys)),
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """events.yaml as JSON Schema (draft 2020-12): the structure, the kinds of values and their
    limits. What only the loader can tell (a date that does not exist, an unknown time zone, an
    id used twice, an article not listed) it leaves to `timeline validate`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **_mapping(HEADER, "a timeline"),
        "description": "The events file of timeline: a dated list of events, each with its sources.",
    }


def json_schema_text() -> str:
    """json_schema() as `timeline schema` prints it and events.schema.json holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
