"""The parts of an event read from their nodes: its date, tags and sources, its picture and
its place, each checked as the schema says."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from timeline.model import Article, Certainty, EventDate, Geo, Image, Precision, Source, Translation
from timeline.source import checks, schema
from timeline.source.checks import DATE_FORMS, shorten
from timeline.source.compose import MappingNode, Node, SequenceNode
from timeline.source.nodes import NodeReader

MAX_TEXT = schema.limits()
Made = TypeVar("Made")  # what a translation is read into: an event's or the header's

MAX_TAGS_PER_EVENT = schema.find(schema.EVENT, "tags").most or 0
MAX_SOURCES_PER_EVENT = schema.find(schema.EVENT, "sources").most or 0
MAX_TAGS = schema.MAX_TAGS
IMAGE_KEYS, REQUIRED_IMAGE_KEYS = schema.names(schema.IMAGE), schema.required(schema.IMAGE)
GEO_KEYS, REQUIRED_GEO_KEYS = schema.names(schema.GEO), schema.required(schema.GEO)


@dataclass
class EventPartsReader(NodeReader):
    """What an event is made of, read from its nodes (TimelineReader reads the rest)."""

    def reasoned(
        self,
        node: Node,
        where: str,
        values: dict[str, Node],
        certainty: Certainty | None,
        note: str,
        what: str,
    ) -> None:
        """A problem when `what` is not stated and `values` give no `note` with the reasoning."""
        if note not in values and certainty not in (None, Certainty.STATED):
            self.problem(node, where, f'{what} marked "{certainty}" needs a {note} giving the reasoning')

    def tags(self, node: Node | None, where: str) -> tuple[str, ...] | None:
        if node is None:
            return ()
        items = self.sequence(node, where, "tags")
        if len(items) > MAX_TAGS_PER_EVENT:
            self.problem(
                node,
                where,
                f"lists {len(items):,} tags, more than {MAX_TAGS_PER_EVENT}; keep those that matter most",
            )
            return None
        tags: dict[str, None] = {}  # a set that keeps the order written
        ok = True
        unsaid = True  # that a tag is one too many for the timeline
        for index, item in enumerate(items):
            tag = self.checked(item, f"{where}[{index}]", checks.slug("tag"), limit=MAX_TEXT["tag"])
            if tag is None:
                ok = False
            elif tag in tags:
                self.problem(item, f"{where}[{index}]", f'the tag "{tag}" is listed twice; keep one')
                ok = False
            elif tag not in self.timeline_tags and len(self.timeline_tags) >= MAX_TAGS:
                if unsaid:  # once an event
                    unsaid = False
                    self.problem(
                        item,
                        f"{where}[{index}]",
                        f'"{tag}" would be tag number {MAX_TAGS + 1} of the timeline, more than '
                        f"{MAX_TAGS} (each tag is published as its own feeds and calendar); "
                        "use one of the tags the timeline has",
                    )
                ok = False
            else:
                tags[tag] = None
                self.timeline_tags.add(tag)
        if not isinstance(node, SequenceNode):
            return None
        return tuple(tags) if ok else None

    def sources(
        self, node: Node | None, where: str, articles: dict[str, Article]
    ) -> tuple[Source, ...] | None:
        if node is None:
            return None
        items = self.sequence(node, where, "sources")
        if isinstance(node, SequenceNode) and not items:
            self.problem(node, where, "must list at least one source: the article and the sentence quoted")
            return None
        if len(items) > MAX_SOURCES_PER_EVENT:
            self.problem(
                node, where, f"lists {len(items):,} sources, more than {MAX_SOURCES_PER_EVENT}; keep the best"
            )
            return None
        sources: list[Source] = []
        ok = bool(items)
        for index, item in enumerate(items):
            inner = f"{where}[{index}]"
            values = self.mapping(item, inner, ("article", "quote"), ("article", "quote"), "a source")
            if values is None:
                ok = False
                continue
            name = self.text(values.get("article"), f"{inner}.article", limit=MAX_TEXT["article"])
            quote = self.text(values.get("quote"), f"{inner}.quote", limit=MAX_TEXT["quote"])
            if name is not None and name not in articles:
                known = ", ".join(sorted(articles)) or "none yet"
                self.problem(
                    values["article"],
                    f"{inner}.article",
                    f'"{shorten(name)}" is not listed under articles (listed: {known}); add it there first',
                )
                name = None
            if name is None or quote is None:
                ok = False
                continue
            sources.append(Source(articles[name], " ".join(quote.split())))
        return tuple(sources) if ok else None

    def event_date(self, node: Node | None, where: str, zone: zoneinfo.ZoneInfo) -> EventDate | None:
        if node is None:
            return None
        if isinstance(node, MappingNode):
            values = self.mapping(node, where, ("start", "end"), ("start", "end"), "a date range")
            if values is None or "start" not in values or "end" not in values:
                return None
            start = self.point(values["start"], f"{where}.start", zone)
            end = self.point(values["end"], f"{where}.end", zone)
            if start is None or end is None:
                return None
            if start[1] is not end[1]:
                self.problem(
                    node,
                    where,
                    f"start is a {start[1]} and end is a {end[1]}; write both to the same precision",
                )
                return None
            if end[0] < start[0]:
                self.problem(
                    values["end"],
                    f"{where}.end",
                    f'ends ("{values["end"].value}") before it starts ("{values["start"].value}"); '
                    "swap start and end",
                )
                return None
            if end[0] == start[0]:
                return EventDate(start[0], start[1])
            return EventDate(start[0], start[1], end[0])
        point = self.point(node, where, zone)
        return EventDate(point[0], point[1]) if point else None

    def point(self, node: Node, where: str, zone: zoneinfo.ZoneInfo) -> tuple[date, Precision] | None:
        value = self.text(node, where, limit=MAX_TEXT["date"])
        if value is None:
            return None
        try:
            return checks.parse_point(value, zone)
        except ValueError as error:
            self.problem(node, where, f'"{shorten(value)}" is not a date ({error}); write {DATE_FORMS}')
            return None

    def image(self, node: Node, where: str) -> Image | None:
        values = self.mapping(node, where, IMAGE_KEYS, REQUIRED_IMAGE_KEYS, "an image")
        if values is None:
            return None
        url = self.checked(values.get("url"), f"{where}.url", checks.uri)
        alt = self.text(values.get("alt"), f"{where}.alt", limit=MAX_TEXT["alt"])
        credit = (
            self.text(values["credit"], f"{where}.credit", limit=MAX_TEXT["credit"])
            if "credit" in values
            else ""
        )
        if url is None or alt is None or credit is None:
            return None
        return Image(url, " ".join(alt.split()), " ".join(credit.split()) or None)

    def geo(self, node: Node, where: str) -> Geo | None:
        values = self.mapping(node, where, GEO_KEYS, REQUIRED_GEO_KEYS, "a point on the map")
        if values is None:
            return None
        lat = self.degrees(values.get("lat"), f"{where}.lat", schema.DEGREES["latitude"])
        lon = self.degrees(values.get("lon"), f"{where}.lon", schema.DEGREES["longitude"])
        certainty = self.choice(values.get("certainty"), f"{where}.certainty", Certainty, Certainty.STATED)
        note = self.text(values["note"], f"{where}.note", limit=MAX_TEXT["note"]) if "note" in values else ""
        self.reasoned(node, where, values, certainty, "note", "a point on the map")
        if lat is None or lon is None or certainty is None or note is None:
            return None
        return Geo(lat, lon, certainty, note or None)

    def translations(self, node: Node, where: str) -> tuple[Translation, ...] | None:
        """The event's words in the header's other languages, each marked by whom (or how)."""
        return self.by_language(node, where, schema.TRANSLATION, _translation)

    def by_language(
        self,
        node: Node,
        where: str,
        keys: tuple[schema.Key, ...],
        make: Callable[[str, dict[str, str]], Made],
    ) -> tuple[Made, ...] | None:
        """Translations by language tag (an event's, the header's): each in one of the
        timeline's other languages, saying by whom, giving some of the words `keys` name;
        `make(language, texts)` the model's ("" for a text not given). None if any is wrong."""
        values = self.mapping(node, where, None, (), "translations by language tag")
        if values is None:
            return None
        found = {
            language: self.words(language, words, f"{where}.{language}", keys)
            for language, words in values.items()
        }
        if any(texts is None for texts in found.values()):
            return None
        return tuple(make(language, texts) for language, texts in found.items() if texts is not None)

    def words(
        self, language: str, node: Node, where: str, keys: tuple[schema.Key, ...]
    ) -> dict[str, str] | None:
        """One translation's texts by key ("" for one not given); None, said, if it is wrong."""
        if not self.another_language(language, node, where):
            return None
        before = len(self.problems)
        values = self.mapping(node, where, schema.names(keys), schema.required(keys), "a translation")
        if values is None or len(self.problems) > before:  # a key misspelt is said once, as that
            return None
        texts = {
            key.name: self.text(values[key.name], f"{where}.{key.name}", limit=key.limit or 300)
            if key.name in values
            else ""
            for key in keys
        }
        if None in texts.values():
            return None
        given = [key.name for key in keys if not key.required]
        if not any(texts[name] for name in given):
            either = f"{', '.join(given[:-1])} or {given[-1]}"
            self.problem(node, where, f"gives no words: give the {either} in that language")
            return None
        return {name: text or "" for name, text in texts.items()}

    def another_language(self, language: str, node: Node, where: str) -> bool:
        """Whether `language` is one of the timeline's other languages; a problem if not."""
        default, others = (self.languages or ("en",))[0], self.languages[1:]
        if language in others:
            return True
        listed = f"the header lists {', '.join(others)}" if others else "the header lists no other language"
        said = (
            f'"{language}" is the default language: its words are those written outside translations'
            if language == default
            else f'"{language}" is not one of the timeline\'s other languages ({listed}); add it '
            "to `languages` in the header, or remove this translation"
        )
        self.problem(node, where, said)
        return False

    def degrees(self, node: Node | None, where: str, most: int) -> float | None:
        value = self.text(node, where, limit=20) if node is not None else None
        if value is None:
            return None
        try:
            return checks.degrees(value, most, schema.MAX_DECIMALS)
        except ValueError as error:
            assert node is not None
            self.problem(node, where, str(error))
            return None


def _translation(language: str, texts: dict[str, str]) -> Translation:
    return Translation(
        language, texts["by"], texts["title"] or None, texts["summary"] or None, texts["date_note"] or None
    )
