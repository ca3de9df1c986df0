"""One event written the common way, read straight into the model: no YAML nodes in between.

Reading an event through YAML nodes (timeline.plain_yaml, then the loader's walk with a
position for every value) was the largest part of a build at scale. Nearly every event is
written the same way: keys one a line, one-line values or folded and literal blocks, tags and
date ranges in brackets, sources as a list of two-key mappings. This module reads exactly that,
a key at a time with one regular expression, and checks the values as the loader does. At
anything else (a comment, a blank line inside, a value the loader would report) it gives up,
returning None, and the caller reads the event the full way, which explains every problem.
What it reads is what plain_yaml and the loader make of the same text (tests/test_plain_event.py
compares them on every file the tests have and on generated events).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from functools import cache
from typing import TypeVar

from timeline import values as check
from timeline.compose import NULLS
from timeline.load import EVENT_KEYS, MAX_SOURCES_PER_EVENT, MAX_TAGS_PER_EVENT, MAX_TEXT, REQUIRED_EVENT_KEYS
from timeline.model import Article, Certainty, Event, EventDate, Precision, Source, Status
from timeline.plain_yaml import BLOCK_HEADERS, DOUBLE, FLAT, FLAT_ITEM, PLAIN, SINGLE, beyond_plain

# What a key's value can be here: text, a list, or a mapping of keys to values.
Value = str | list["Value"] | dict[str, "Value"]

Choice = TypeVar("Choice", bound=Enum)

_ITEM = re.compile(r"( *)- ")
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*:[ \n]")
_ALLOWED = frozenset(EVENT_KEYS)
_REQUIRED = frozenset(REQUIRED_EVENT_KEYS)


class _Unread(Exception):
    """The text is not written the common way, or the loader would report something in it."""


def read(text: str, zone: zoneinfo.ZoneInfo, articles: Mapping[str, Article]) -> Event | None:
    """The event one item of the events list (`text`, from its "- " on) describes, or None when
    it is written some other way or has a problem; `zone` and `articles` are the file's."""
    if beyond_plain(text):
        return None
    item = _ITEM.match(text)
    if item is None:
        return None
    indent = len(item.group())
    # The item's "- " read as the margin its other keys have; the blank lines after an event
    # are the events list's, not the event's.
    body = " " * indent + text[indent:].rstrip("\n") + "\n"
    try:
        values = _mapping(body, indent)
        if next(iter(values)) != "id":
            return None  # the caller takes the id's line to be the item's (see reload)
        return _event(values, zone, articles)
    except _Unread:
        return None


# -- the text ----------------------------------------------------------------------------------


_KEY_LINE = r"([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: (.*))?"  # a key, and the rest of its line if any
_ITEM_LINE = r"- (\S.*)"  # a list's item, and the rest of its line


@cache
def _block(indent: int, opening: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Lines that are all keys, or all a list's items (`opening` says which), at column
    `indent`, each with the lines below it indented further; and one such, its parts apart."""
    margin = " " * indent
    entry = rf"{margin}{opening}\n((?:{margin} +\S.*\n)*)"
    return re.compile(f"(?:{entry})+"), re.compile(entry)


def _mapping(text: str, indent: int) -> dict[str, Value]:
    """The block mapping `text` is, its keys at column `indent`."""
    whole, each = _block(indent, _KEY_LINE)
    if whole.fullmatch(text) is None:
        raise _Unread
    values: dict[str, Value] = {}
    for key, rest, below in each.findall(text):
        if key in values:
            raise _Unread  # said twice: the loader says where
        if not rest:  # the value is on the lines below
            values[key] = _below(below)
        elif below:
            values[key] = _block_scalar(rest, below)
        else:
            values[key] = _inline(rest)
    return values


def _below(text: str) -> Value:
    """A key's value written on the lines below it: a block list or mapping."""
    if not text:
        raise _Unread  # nothing: an empty value
    indent = len(text) - len(text.lstrip(" "))
    if not text.startswith("- ", indent):
        return _mapping(text, indent)
    whole, each = _block(indent, _ITEM_LINE)
    if whole.fullmatch(text) is None:
        raise _Unread
    items: list[Value] = []
    for first, below in each.findall(text):
        if _KEY.match(first):  # a mapping, its first key on the item's line
            items.append(_mapping(" " * (indent + 2) + first + "\n" + below, indent + 2))
        elif below:
            raise _Unread  # text over several lines
        else:
            items.append(_inline(first))
    return items


def _block_scalar(header: str, lines: str) -> str:
    """A folded (>) or literal (|) scalar of `lines`, clipped or stripped (the same once
    trimmed, as every text is)."""
    if header not in BLOCK_HEADERS:
        raise _Unread
    indent = len(lines) - len(lines.lstrip(" "))
    # Each line's break and margin at once, so no line is made apart.
    framed, margin = "\n" + lines, "\n" + " " * indent
    if framed.count(margin) != lines.count("\n"):
        raise _Unread  # a line indented less than the first ends the scalar, too soon
    if header[0] == ">":
        if margin + " " in framed:
            raise _Unread  # more indented lines keep their breaks when folded
        return lines[indent:-1].replace(margin, " ")
    return lines[indent:-1].replace(margin, "\n")


def _inline(text: str) -> Value:
    """A value written on one line: plain or quoted text, or a list or mapping in brackets."""
    first = text[0]
    if first in "[{":
        if FLAT.fullmatch(text) is None:
            raise _Unread
        return _flat(text)
    if first == '"':
        quoted = DOUBLE.fullmatch(text)
        if quoted is None:
            raise _Unread
        return quoted.group(1)
    if first == "'":
        quoted = SINGLE.fullmatch(text)
        if quoted is None:
            raise _Unread
        return quoted.group(1).replace("''", "'")
    if first in ">|" or text in NULLS or PLAIN.fullmatch(text) is None:
        raise _Unread  # a block header where none can be, nothing, or beyond plain YAML
    return text


def _flat(text: str) -> Value:
    """A list of words or a mapping of words to words or quoted text, as FLAT matched it."""
    items = FLAT_ITEM.findall(text, 1)
    values = [value[1:-1] if value[0] == '"' else _not_null(value) for _, value in items]
    if text[0] == "[":
        return values
    mapping: dict[str, Value] = dict(zip([key for key, _ in items], values, strict=True))
    if "" in mapping or len(mapping) != len(items):
        raise _Unread
    return mapping


def _not_null(plain: str) -> str:
    if plain in NULLS:
        raise _Unread  # nothing, not text
    return plain


# -- the event ---------------------------------------------------------------------------------


def _event(values: dict[str, Value], zone: zoneinfo.ZoneInfo, articles: Mapping[str, Article]) -> Event:
    """The event the values describe, checked as the loader checks them."""
    if not values.keys() <= _ALLOWED or not values.keys() >= _REQUIRED:
        raise _Unread
    event_id = _text(values["id"], "id")
    if not check.is_slug(event_id):
        raise _Unread
    if "timezone" in values:
        zone = zoneinfo.ZoneInfo(_checked(values["timezone"], "timezone", check.timezone))
    certainty = _choice(values.get("certainty"), Certainty, Certainty.STATED)
    if "date_note" in values:
        note: str | None = _text(values["date_note"], "date_note")
    elif certainty is not Certainty.STATED:
        raise _Unread  # the reasoning is missing
    else:
        note = None
    return Event(
        id=event_id,
        title=_text(values["title"], "title"),
        summary=_text(values["summary"], "summary"),
        date=_date(values["date"], zone),
        sources=_sources(values["sources"], articles),
        certainty=certainty,
        date_note=note,
        location=_text(values["location"], "location") if "location" in values else None,
        tags=_tags(values["tags"]) if "tags" in values else (),
        status=_choice(values.get("status"), Status, Status.CONFIRMED),
    )


def _text(value: Value, what: str) -> str:
    """Text as the loader takes it: trimmed, not empty, not too long. (The characters it
    forbids never get here: see plain_yaml.beyond_plain.)"""
    if not isinstance(value, str):
        raise _Unread
    value = value.strip()
    if not value or len(value) > MAX_TEXT[what]:
        raise _Unread
    return value


def _checked(value: Value, what: str, check_value: Callable[[str], str]) -> str:
    try:
        return check_value(_text(value, what))
    except ValueError:
        raise _Unread from None


def _choice(value: Value | None, kind: type[Choice], default: Choice) -> Choice:
    if value is None:
        return default
    if not isinstance(value, str):
        raise _Unread
    try:
        return kind(value.strip())
    except ValueError:
        raise _Unread from None


def _date(value: Value, zone: zoneinfo.ZoneInfo) -> EventDate:
    if isinstance(value, str):
        return EventDate(*_point(value, zone))
    if not isinstance(value, dict) or value.keys() != {"start", "end"}:
        raise _Unread
    start, precision = _point(value["start"], zone)
    end, end_precision = _point(value["end"], zone)
    if precision is not end_precision or end < start:
        raise _Unread
    return EventDate(start, precision) if end == start else EventDate(start, precision, end)


def _point(value: Value, zone: zoneinfo.ZoneInfo) -> tuple[date, Precision]:
    try:
        return check.parse_point(_text(value, "date"), zone)
    except ValueError:
        raise _Unread from None


def _tags(value: Value) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_TAGS_PER_EVENT:
        raise _Unread
    tags = tuple(_text(tag, "tag") for tag in value)
    if not all(map(check.is_slug, tags)) or len(set(tags)) != len(tags):
        raise _Unread
    return tags


def _sources(value: Value, articles: Mapping[str, Article]) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value or len(value) > MAX_SOURCES_PER_EVENT:
        raise _Unread
    sources = []
    for source in value:
        if not isinstance(source, dict) or source.keys() != {"article", "quote"}:
            raise _Unread
        article = articles.get(_text(source["article"], "article"))
        if article is None:
            raise _Unread  # not listed under articles
        sources.append(Source(article, " ".join(_text(source["quote"], "quote").split())))
    return tuple(sources)
