"""The facts of an event kept with its revision, and what a change says of them: "date
corrected: 2006 → 2007", "quote corrected (a.txt)". A fact is the text the outputs show (a long
one by its digest), so that the changes feed can say what changed without the old event."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from timeline.model import Article, Event, Geo, Image, remembered

FACTS = (
    "title",
    "date",
    "certainty",
    "date_note",
    "summary",
    "location",
    "tags",
    "status",
    "sources",
    "articles",
    "image",
    "geo",
)
# Joins the facts in one string: a tuple of pairs cost a kilobyte an event, a third of the
# model's memory. It cannot occur in any value: the loader refuses control characters.
_BETWEEN = "\x1f"


def facts_of(event: Event) -> str:
    """What a reader sees of an event, with long texts reduced to short digests: the values of
    FACTS, in that order, joined by U+001F."""
    return remembered(event, "_facts", _joined_event_facts)


def _joined_event_facts(event: Event) -> str:
    return _BETWEEN.join(_event_facts(event))


def _event_facts(event: Event) -> tuple[str, ...]:
    return (
        event.title,
        event.date.label(),
        event.certainty.value,
        _digest(event.date_note) if event.date_note else _NO_TEXT,
        _digest(event.summary),
        event.location or "",
        " ".join(event.tags),
        event.status.value,
        " ".join(f"{s.article.file}#{_digest(s.quote)}" for s in event.sources),
        _articles_digest(tuple(s.article for s in event.sources)),
        _image_fact(event.image),
        _geo_fact(event.geo),
    )


def _image_fact(image: Image | None) -> str:
    return f"{image.url}#{_digest(repr((image.alt, image.credit)))}" if image else ""


def _geo_fact(geo: Geo | None) -> str:
    return f"{geo.label()}#{geo.certainty.value}#{_digest(geo.note or '')}" if geo else ""


@lru_cache(maxsize=1024)
def _articles_digest(articles: tuple[Article, ...]) -> str:
    # The same few articles back thousands of events: digested once each combination.
    return _digest(repr([(a.title, a.publisher, a.url) for a in articles]))


def facts_by_name(facts: str) -> dict[str, str]:
    """A revision's facts by name; empty for a history written before facts were kept."""
    return dict(zip(FACTS, facts.split(_BETWEEN), strict=True)) if facts else {}


def joined_facts(by_name: dict[str, str]) -> str:
    return _BETWEEN.join(by_name.get(name, "") for name in FACTS) if by_name else ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


_NO_TEXT = _digest("")


def differences(old: dict[str, str], new: dict[str, str]) -> tuple[str, ...]:
    """What changed, in words a reader understands: "date corrected: 2006 → 2007"."""
    if not old:  # a history written before facts were kept
        return ("details revised",)
    said: list[str] = []
    for name, say in _SAID.items():
        before, after = old.get(name, ""), new.get(name, "")
        sources_moved = old.get("sources", "") != new.get("sources", "")
        if before != after and not (name == "articles" and sources_moved):  # said with the sources
            said.extend(say(before, after))
    return tuple(said) or ("details revised",)


def _location(before: str, after: str) -> list[str]:
    return [
        f"location added: {after}" if not before else
        f"location removed (was {before})" if not after else
        f"location changed: {before} → {after}"
    ]  # fmt: skip


def _tags(before: str, after: str) -> list[str]:
    had, has = set(before.split()), set(after.split())
    return ["tags: " + ", ".join([f"+{t}" for t in sorted(has - had)] + [f"-{t}" for t in sorted(had - has)])]


def _image(before: str, after: str) -> list[str]:
    same_picture = before.split("#")[0] == after.split("#")[0]
    return [
        "picture added" if not before else
        "picture removed" if not after else
        "picture's description revised" if same_picture else
        "picture changed"
    ]  # fmt: skip


def _geo(before: str, after: str) -> list[str]:
    before, after = before.split("#")[0], after.split("#")[0]
    return [
        f"place on the map added: {after}" if not before else
        "place on the map removed" if not after else
        "how the place on the map is known revised" if before == after else
        f"place on the map changed: {before} → {after}"
    ]  # fmt: skip


# What is said of each fact that moved, in this order.
_SAID: dict[str, Callable[[str, str], list[str]]] = {
    "title": lambda before, after: [f"title changed: “{before}” → “{after}”"],
    "date": lambda before, after: [f"date corrected: {before} → {after}"],
    "certainty": lambda before, after: [f"date now {after} (was {before})"],
    "date_note": lambda before, after: ["reasoning for the date revised"],
    "summary": lambda before, after: ["summary revised"],
    "location": _location,
    "tags": _tags,
    "status": lambda before, after: [f"status: {before} → {after}"],
    "sources": lambda before, after: _source_differences(before.split(), after.split()),
    "articles": lambda before, after: ["source details revised"],
    "image": _image,
    "geo": _geo,
}


def _source_differences(old: list[str], new: list[str]) -> list[str]:
    added = [s for s in new if s not in old]
    gone = [s for s in old if s not in new]
    said = []
    for source in added:
        article = source.split("#")[0]
        match = next((g for g in gone if g.split("#")[0] == article), None)
        if match is not None:
            gone.remove(match)
            said.append(f"quote corrected ({article})")
        else:
            said.append(f"source added ({article})")
    said.extend(f"source removed ({g.split('#')[0]})" for g in gone)
    return said or ["sources reordered"]
