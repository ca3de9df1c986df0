"""One event's text read quickly, straight into the model: rapidyaml (the only module that imports
it) parses the YAML in C++, and the values go into the Event checked as the loader checks them.

However the event is written (keys a line, folded or wrapped text, quoted strings, lists and
ranges in brackets or in blocks, comments between), it is read the same way and as fast. At
anything the loader would report, and at what this reader leaves to libyaml (an anchor, an
alias, a tag, a null, a key given twice, a tab or a control character), it gives up, returning
None, and the caller reads the event the full way, which explains every problem. What it reads
is what the loader makes of the same text (tests/source/test_quick_event.py compares the two on
every file the tests have, on timelines in several styles and on generated events).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from enum import Enum
from typing import TypeVar

import ryml
from ryml import _ryml

from timeline.model import (
    Article,
    Certainty,
    Event,
    EventDate,
    Geo,
    Image,
    Precision,
    Source,
    Status,
    Translation,
)
from timeline.source import checks, schema
from timeline.source.compose import NULLS
from timeline.source.events import EVENT_KEYS, REQUIRED_EVENT_KEYS, TEXT_KEYS
from timeline.source.nodes import FORBIDDEN_IN_TEXT
from timeline.source.parts import MAX_SOURCES_PER_EVENT, MAX_TAGS_PER_EVENT, MAX_TEXT

# What a key's value can be here: text, a list, or a mapping of keys to values.
Value = str | list["Value"] | dict[str, "Value"]

Choice = TypeVar("Choice", bound=Enum)

_ALLOWED = frozenset(EVENT_KEYS)
_TRANSLATION_KEYS = frozenset(schema.names(schema.TRANSLATION))
_REQUIRED = frozenset(REQUIRED_EVENT_KEYS)
# Characters left to libyaml wherever they occur: tabs, carriage returns, the line breaks YAML
# knows beyond \n (U+0085, U+2028, U+2029), the byte order mark, and every character YAML does
# not allow unescaped (the loader names them); trailing white space too.
_LEFT_TO_LIBYAML = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_NONE = ryml.NONE
_TREES = threading.local()
_CONTAINER = ryml.MAP | ryml.SEQ
_MAP, _SEQ, _VAL_PLAIN, _VAL_DQUO, _KEY_PLAIN = (
    ryml.MAP,
    ryml.SEQ,
    ryml.VAL_PLAIN,
    ryml.VAL_DQUO,
    ryml.KEY_PLAIN,
)
# What YAML does not let a plain scalar start with, and libyaml refuses (or reads as something
# else), where rapidyaml takes it as text.
_NOT_FIRST_IN_PLAIN = frozenset("*@`]}&!|>%,[{#?:-'\"")
# A negative number (a longitude west, a latitude south) is plain text to both parsers.
_NEGATIVE = re.compile(r"-\d+(\.\d+)?\Z")
# A node with any of these is left to the full path: anchors and aliases are refused there,
# tags checked, quoted keys and the like explained.
_UNREAD = ryml.KEYANCH | ryml.VALANCH | ryml.KEYREF | ryml.VALREF | ryml.KEYTAG | ryml.VALTAG


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Read events inside this: rapidyaml prints each parse error to the standard error stream
    (file descriptor 2, from C++) before raising it, and the caller, which then reads the event
    the full way, says what is wrong itself. Meanwhile descriptor 2 goes to a temporary file,
    and what else was written there (another thread's log line) is written back after."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [
                line for line in caught.read().splitlines(keepends=True) if not _RAPIDYAML_SAYS.match(line)
            ]
            if kept:
                os.write(2, b"".join(kept))


# rapidyaml's lines: "line=2 col=1 (6B): ERROR: [parse] ...", then where in its code it was.
_RAPIDYAML_SAYS = re.compile(rb"line=\d+ col=\d+ \(\d+B\): ERROR: |\S+\.[ch]pp:\d+: \(detected here\)$")


class _Unread(Exception):
    """The text has something the loader would report, or that is left to it."""


def read(
    text: str, zone: zoneinfo.ZoneInfo, articles: Mapping[str, Article], languages: Sequence[str] = ()
) -> Event | None:
    """The event one item of the events list (`text`, from its "- " on) describes, or None when
    it has a problem or something left to the full reader; `zone`, `articles` and `languages`
    (the default first) are the file's."""
    return read_many([text], zone, articles, languages)[0]


def read_many(
    texts: Sequence[str],
    zone: zoneinfo.ZoneInfo,
    articles: Mapping[str, Article],
    languages: Sequence[str] = (),
) -> list[Event | None]:
    """read() of each of `texts`, items of one events list, parsed at once: one call into
    rapidyaml for all of them costs less than one each. If that fails (one of them is not YAML,
    or holds what is left to libyaml), each is read on its own."""
    joined = "".join(texts)
    items = _items(joined) if len(texts) > 1 else None
    if items is None or len(items[1]) != len(texts):
        if len(texts) > 1:
            return [read(text, zone, articles, languages) for text in texts]
        items = _items(joined)
        if items is None or len(items[1]) != 1:
            return [None]
    tree, nodes = items
    return [_item_event(tree, node, zone, articles, languages) for node in nodes]


def _items(text: str) -> tuple[ryml.Tree, list[int]] | None:
    """The tree of an events list's items, and the items' nodes; None if it is none."""
    if " \n" in text or text.endswith(" ") or _LEFT_TO_LIBYAML.search(text):
        return None
    tree = getattr(_TREES, "tree", None)  # one a thread, cleared and reused: making one costs
    if tree is None:
        tree = _TREES.tree = ryml.Tree()
    tree.clear()
    tree.clear_arena()
    try:
        ryml.parse_in_arena(text.encode(), tree)
    except Exception:  # rapidyaml's parse errors: the full reader says what and where
        return None
    root = tree.root_id()
    if not tree.is_seq(root):
        return None
    nodes = []
    child = tree.first_child(root)
    while child != _NONE:
        nodes.append(child)
        child = tree.next_sibling(child)
    return tree, nodes


def _item_event(
    tree: ryml.Tree,
    item: int,
    zone: zoneinfo.ZoneInfo,
    articles: Mapping[str, Article],
    languages: Sequence[str],
) -> Event | None:
    kind = tree.type(item)
    if not kind & _MAP or kind & _UNREAD:
        return None
    try:
        values = _mapping(tree, item)  # the item's own anchor or tag: see kind above
        if next(iter(values), None) != "id":
            return None  # the caller takes the id's line to be the item's (see reload)
        return _event(values, zone, articles, languages)
    except _Unread:
        return None


# -- the tree --------------------------------------------------------------------------------


# rapidyaml's own functions, called without the method of its Python class around each: a
# large timeline's tree is walked a hundred thousand nodes at a time.
_TYPE, _KEY_OF, _VAL = _ryml.Tree_type, _ryml.Tree_key, _ryml.Tree_val
_FIRST_CHILD, _NEXT_SIBLING = _ryml.Tree_first_child, _ryml.Tree_next_sibling


def _value(tree: ryml.Tree, node: int, kind: int) -> Value:
    """The value of `node`, whose type bits are `kind` (asked once: each call into rapidyaml
    costs more than the test of a bit)."""
    if kind & _UNREAD:
        raise _Unread
    if kind & _MAP:
        return _mapping(tree, node)
    if kind & _SEQ:
        items: list[Value] = []
        child = _FIRST_CHILD(tree, node)
        while child != _NONE:
            items.append(_value(tree, child, _TYPE(tree, child)))
            child = _NEXT_SIBLING(tree, child)
        return items
    return _scalar(tree, node, kind)


def _scalar(tree: ryml.Tree, node: int, kind: int) -> str:
    value = _VAL(tree, node)
    if value is None:
        raise _Unread  # nothing, not text
    text = str(value, "utf-8")
    if kind & _VAL_PLAIN:
        if text in NULLS or (text[:1] in _NOT_FIRST_IN_PLAIN and not _NEGATIVE.match(text)):
            raise _Unread
    elif kind & _VAL_DQUO and FORBIDDEN_IN_TEXT.search(text):
        # Only an escape can make a character the loader refuses: the text itself has none.
        raise _Unread
    return text


def _mapping(tree: ryml.Tree, node: int) -> dict[str, Value]:
    values: dict[str, Value] = {}
    child = _FIRST_CHILD(tree, node)
    while child != _NONE:
        kind = _TYPE(tree, child)
        if not kind & _KEY_PLAIN or kind & _UNREAD:
            raise _Unread
        key = str(_KEY_OF(tree, child), "utf-8")
        if key[:1] in _NOT_FIRST_IN_PLAIN or key in values:
            raise _Unread  # said twice: the loader says where
        values[key] = _value(tree, child, kind) if kind & _CONTAINER else _scalar(tree, child, kind)
        child = _NEXT_SIBLING(tree, child)
    return values


# -- the event ---------------------------------------------------------------------------------


def _event(
    values: dict[str, Value],
    zone: zoneinfo.ZoneInfo,
    articles: Mapping[str, Article],
    languages: Sequence[str],
) -> Event:
    """The event the values describe, checked as the loader checks them."""
    if not values.keys() <= _ALLOWED or not values.keys() >= _REQUIRED:
        raise _Unread
    event_id = _text(values["id"], "id")
    if not checks.is_slug(event_id):
        raise _Unread
    if "timezone" in values:
        zone = zoneinfo.ZoneInfo(_checked(values["timezone"], "timezone", checks.timezone))
    certainty = _choice(values.get("certainty"), Certainty, Certainty.STATED)
    if "date_note" not in values and certainty is not Certainty.STATED:
        raise _Unread  # the reasoning is missing
    # Every text key of the schema, as the loader reads them (see events.TEXT_KEYS).
    texts = {field: _text(values[key.name], key.name) for key, field in TEXT_KEYS if key.name in values}
    return Event(
        id=event_id,
        date=_date(values["date"], zone),
        sources=_sources(values["sources"], articles),
        certainty=certainty,
        tags=_tags(values["tags"]) if "tags" in values else (),
        status=_choice(values.get("status"), Status, Status.CONFIRMED),
        reviewed=_boolean(values.get("reviewed"), True),
        image=_image(values["image"]) if "image" in values else None,
        geo=_geo(values["geo"]) if "geo" in values else None,
        translations=_translations(values["translations"], languages[1:]) if "translations" in values else (),
        **texts,
    )


def _translations(value: Value, others: Sequence[str]) -> tuple[Translation, ...]:
    """An event's translations, as the loader reads them: each in one of the timeline's other
    languages, saying by whom, giving some of its words."""
    if not isinstance(value, dict) or not value:
        raise _Unread
    made = []
    for language, words in value.items():
        if language not in others or not isinstance(words, dict) or not words.keys() <= _TRANSLATION_KEYS:
            raise _Unread
        if "by" not in words or words.keys() == {"by"}:
            raise _Unread
        texts = {key: _text(words[key], key) for key in _TRANSLATION_KEYS if key in words}
        made.append(Translation(language, texts.pop("by"), **texts))
    return tuple(made)


def _boolean(value: Value | None, default: bool) -> bool:
    if value is None:
        return default
    if value not in ("true", "false"):
        raise _Unread
    return value == "true"


def _text(value: Value, what: str) -> str:
    """Text as the loader takes it: trimmed, not empty, not too long. (The characters it
    forbids never get here: see _LEFT_TO_LIBYAML.)"""
    if not isinstance(value, str):
        raise _Unread
    value = value.strip()
    if not value or len(value) > MAX_TEXT.get(what, 10_000):
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
        return checks.parse_point(_text(value, "date"), zone)
    except ValueError:
        raise _Unread from None


def _tags(value: Value) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_TAGS_PER_EVENT:
        raise _Unread
    tags = tuple(_text(tag, "tag") for tag in value)
    if not all(map(checks.is_slug, tags)) or len(set(tags)) != len(tags):
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


_IMAGE_KEYS, _IMAGE_REQUIRED = frozenset(schema.names(schema.IMAGE)), frozenset(schema.required(schema.IMAGE))
_GEO_KEYS, _GEO_REQUIRED = frozenset(schema.names(schema.GEO)), frozenset(schema.required(schema.GEO))


def _image(value: Value) -> Image:
    if not isinstance(value, dict) or not _IMAGE_KEYS >= value.keys() >= _IMAGE_REQUIRED:
        raise _Unread
    credit = " ".join(_text(value["credit"], "credit").split()) if "credit" in value else None
    return Image(
        _checked(value["url"], "url", checks.uri), " ".join(_text(value["alt"], "alt").split()), credit
    )


def _geo(value: Value) -> Geo:
    if not isinstance(value, dict) or not _GEO_KEYS >= value.keys() >= _GEO_REQUIRED:
        raise _Unread
    certainty = _choice(value.get("certainty"), Certainty, Certainty.STATED)
    if "note" not in value and certainty is not Certainty.STATED:
        raise _Unread  # the reasoning is missing
    note = _text(value["note"], "note") if "note" in value else None
    return Geo(_degrees(value["lat"], "latitude"), _degrees(value["lon"], "longitude"), certainty, note)


def _degrees(value: Value, kind: str) -> float:
    try:
        return checks.degrees(_text(value, kind), schema.DEGREES[kind], schema.MAX_DECIMALS)
    except ValueError:
        raise _Unread from None
