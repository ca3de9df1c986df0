"""The timeline in the nodes: its header and each event, read into the model, every value
checked as the schema says."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from timeline.errors import Problem
from timeline.model import (
    CHRONOLOGICAL,
    Article,
    Author,
    Certainty,
    Event,
    EventDate,
    Precision,
    Status,
    Timeline,
    TitleTranslation,
)
from timeline.source import checks, schema
from timeline.source.compose import Node, ScalarNode, SequenceNode
from timeline.source.parts import MAX_TEXT, EventPartsReader

MAX_HUBS = schema.find(schema.HEADER, "websub_hubs").most or 0
MAX_LANGUAGES = schema.find(schema.HEADER, "languages").most or 0

EVENT_KEYS = schema.names(schema.EVENT)
REQUIRED_EVENT_KEYS = schema.required(schema.EVENT)
_HEADER_KEYS = schema.names(schema.HEADER)
ARTICLE_KEYS = schema.names(schema.ARTICLE)
_UTC = zoneinfo.ZoneInfo("UTC")
# The keys whose value is text, read the same way: a new one is a schema entry and its field.
TEXT_KEYS = tuple((key, key.field) for key in schema.EVENT if key.kind == "text" and key.field)

_ARTICLE_NAME = (
    "an article is named by its file name alone, as it is in articles_dir: no folder, no leading dot"
)


@dataclass
class TimelineReader(EventPartsReader):
    """The timeline, its articles and events, read from the nodes of an events file."""

    # -- the file --------------------------------------------------------------------------

    def timeline(self, root: Node | None) -> Timeline | None:
        if root is None:
            self.problems.append(
                Problem(self.path, 1, 1, "", "the file is empty; start from the example in the README")
            )
            return None
        header = self.mapping(
            root, "", _HEADER_KEYS, ("title", "base_url", "id_authority", "events"), "the timeline"
        )
        if header is None:
            return None
        title = self.text(header.get("title"), "title", limit=MAX_TEXT["title"])
        # An optional key left out reads as None (or its default); given but wrong, it is a problem.
        description = self.text(header.get("description"), "description")
        base_url = self.checked(header.get("base_url"), "base_url", checks.base_url)
        authority = self.checked(header.get("id_authority"), "id_authority", checks.id_authority)
        author = self.author(header.get("author"))
        languages = self.language_list(header.get("languages"), header.get("language"))
        translated = header.get("translations")
        translations = self.title_translations(translated) if translated is not None else ()
        first = languages[0] if languages else "en"
        language = self.checked(header.get("language"), "language", checks.language, absent=first)
        timezone = self.checked(header.get("timezone"), "timezone", checks.timezone)
        refresh = self.integer(header.get("refresh_minutes"), "refresh_minutes", 60, 1)
        feed_entries = self.integer(header.get("feed_entries"), "feed_entries", 100, 1)
        grace = self.integer(header.get("removed_grace_days"), "removed_grace_days", 30, 0)
        articles_dir = self.text(header.get("articles_dir"), "articles_dir", limit=MAX_TEXT["articles_dir"])
        articles = self.articles(header.get("articles"))
        hubs = self.urls(header.get("websub_hubs"), "websub_hubs", MAX_HUBS)
        account, icon = self.fediverse(header.get("fediverse"))
        default_zone = zoneinfo.ZoneInfo(timezone) if timezone else zoneinfo.ZoneInfo("UTC")
        events = self.events(header.get("events"), articles, default_zone)
        if None in (title, base_url, authority, language, events, hubs, languages, translations):
            return None
        assert title and base_url and authority and language and events is not None and hubs is not None
        return Timeline(
            title=title,
            description=description or title,
            base_url=base_url,
            id_authority=authority,
            author=author or Author(name=title),
            language=language,
            timezone=timezone or "UTC",
            events=tuple(sorted(events, key=CHRONOLOGICAL)),
            articles=tuple(articles.values()),
            refresh_minutes=refresh,
            feed_entries=feed_entries,
            removed_grace_days=grace,
            articles_dir=articles_dir,
            websub_hubs=hubs,
            languages=languages or (),
            translations=translations or (),
            fediverse_account=account,
            fediverse_icon=icon,
        )

    def title_translations(self, node: Node) -> tuple[TitleTranslation, ...] | None:
        """The timeline's title and description in its other languages, each saying by whom."""
        return self.by_language(node, "translations", schema.TITLE_TRANSLATION, _title_translation)

    def language_list(self, node: Node | None, language: Node | None) -> tuple[str, ...] | None:
        """The header's languages, the default first (agreeing with `language` when it is
        given); `self.languages` from then on, for the events' translations."""
        if node is None:
            return ()
        tags = self.distinct(node, "languages", "language tags", MAX_LANGUAGES, checks.language)
        if not tags:
            return tags
        said = language.value.strip() if isinstance(language, ScalarNode) else None
        if said is not None and said != tags[0]:
            self.problem(
                node,
                "languages",
                f'begins with "{tags[0]}" but `language` is "{said}": the first is the default '
                "language; make them agree, or leave `language` out",
            )
            return None
        self.languages = tuple(tags)
        return self.languages

    def urls(self, node: Node | None, where: str, most: int) -> tuple[str, ...] | None:
        """A list of distinct absolute http(s) URLs, at most `most`."""
        if node is None:
            return ()
        return self.distinct(node, where, "URLs", most, checks.url)

    def distinct(
        self, node: Node, where: str, what: str, most: int, check: Callable[[str], str]
    ) -> tuple[str, ...] | None:
        """A list of at most `most` distinct values, each as `check` has it."""
        items = self.sequence(node, where, what)
        if len(items) > most:
            self.problem(node, where, f"lists {len(items)} {what}, more than {most}; keep those you use")
            return None
        found: dict[str, None] = {}  # a set that keeps the order written
        ok = isinstance(node, SequenceNode)
        for index, item in enumerate(items):
            value = self.checked(item, f"{where}[{index}]", check)
            if value is not None and value in found:
                self.problem(item, f"{where}[{index}]", f'"{value}" is listed twice; keep one')
                value = None
            if value is None:
                ok = False
            else:
                found[value] = None
        return tuple(found) if ok else None

    def author(self, node: Node | None) -> Author | None:
        if node is None:
            return None
        if isinstance(node, ScalarNode):
            name = self.text(node, "author", limit=200)
            return Author(name) if name else None
        values = self.mapping(node, "author", ("name", "email", "url"), ("name",), "an author")
        if values is None:
            return None
        name = self.text(values.get("name"), "author.name", limit=200)
        email = self.checked(values.get("email"), "author.email", checks.email)
        url = self.checked(values.get("url"), "author.url", checks.url)
        return Author(name, email, url) if name else None

    def fediverse(self, node: Node | None) -> tuple[str | None, str | None]:
        """The account the daemon is followed as from the fediverse, and its picture, if the
        header names one."""
        if node is None:
            return None, None
        values = self.mapping(node, "fediverse", ("account", "icon"), ("account",), "the fediverse account")
        if values is None:
            return None, None
        account = self.checked(values.get("account"), "fediverse.account", checks.account)
        return account, self.checked(values.get("icon"), "fediverse.icon", checks.url)

    def articles(self, node: Node | None) -> dict[str, Article]:
        articles: dict[str, Article] = {}
        values = self.mapping(node, "articles", None, (), "the articles by file name") if node else None
        for name, article_node in (values or {}).items():
            article = self.article(name, article_node)
            if article is not None:
                articles[name] = article
        return articles

    def article(self, name: str, node: Node) -> Article | None:
        where = f"articles.{name}"
        if "/" in name or "\\" in name or name.startswith("."):
            self.problem(node, where, _ARTICLE_NAME)
            return None
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return Article(name)
        fields = self.mapping(node, where, ARTICLE_KEYS, (), "an article")
        if fields is None:
            return None
        texts = {
            key.name: self.text(fields.get(key.name), f"{where}.{key.name}", limit=key.limit or 10_000)
            for key in schema.ARTICLE
            if key.kind == "text" and key.name in fields
        }
        certainty = self.choice(
            fields.get("published_certainty"), f"{where}.published_certainty", Certainty, Certainty.STATED
        )
        self.reasoned(node, where, fields, certainty, "published_note", "a publication date")
        return Article(
            file=name,
            url=self.checked(fields.get("url"), f"{where}.url", checks.url),
            published=self.published(fields.get("published"), f"{where}.published"),
            published_certainty=certainty or Certainty.STATED,
            **texts,
        )

    def published(self, node: Node | None, where: str) -> EventDate | None:
        """An article's publication date: one year, month or day."""
        if node is None:
            return None
        point = self.point(node, where, _UTC) if isinstance(node, ScalarNode) else None
        if point is None or point[1] is Precision.TIME:
            if point is not None or not isinstance(node, ScalarNode):
                self.problem(node, where, "is one year, month or day: write YYYY, YYYY-MM or YYYY-MM-DD")
            return None
        return EventDate(point[0], point[1])

    def events(
        self,
        node: Node | None,
        articles: dict[str, Article],
        zone: zoneinfo.ZoneInfo,
        first_line: dict[str, int] | None = None,
    ) -> list[Event] | None:
        if node is None:
            return None
        items = self.sequence(node, "events", "events")
        events: list[Event] = []
        first_line = {} if first_line is None else first_line
        for index, item in enumerate(items):
            event = self.event(item, f"events[{self.index_offset + index}]", articles, zone, first_line)
            if event is not None:
                events.append(event)
        self.file_order = events
        return events

    def event_id(self, values: dict[str, Node], where: str, first_line: dict[str, int]) -> str | None:
        """The event's id, unless it is not a slug or another event has it (`first_line`: the
        line of each id met so far, which this one joins)."""
        event_id = self.checked(values.get("id"), f"{where}.id", checks.slug("id"), limit=MAX_TEXT["id"])
        if event_id is None:
            return None
        id_node = values["id"]
        if event_id in first_line:
            self.problem(
                id_node,
                f"{where}.id",
                f'"{event_id}" is used twice (first at line {first_line[event_id]}); '
                "give each event its own id, and never change an id once published",
            )
            return None
        first_line[event_id] = id_node.start_mark.line + 1 + self.line_offset
        return event_id

    def event_zone(self, values: dict[str, Node], where: str, zone: zoneinfo.ZoneInfo) -> zoneinfo.ZoneInfo:
        """The event's own time zone if it names one, else the timeline's."""
        given = values.get("timezone")
        name = self.checked(given, f"{where}.timezone", checks.timezone, limit=MAX_TEXT["timezone"])
        return zoneinfo.ZoneInfo(name) if name else zone

    def event_texts(self, values: dict[str, Node], where: str) -> dict[str, str | None]:
        """Every text key the schema declares, each into its field (a missing required one the
        mapping reported; a missing optional one keeps the field's default)."""
        return {
            field: self.text(values.get(key.name), f"{where}.{key.name}", limit=key.limit or 10_000)
            for key, field in TEXT_KEYS
            if key.required or key.name in values
        }

    def event(
        self,
        node: Node,
        where: str,
        articles: dict[str, Article],
        zone: zoneinfo.ZoneInfo,
        first_line: dict[str, int],
    ) -> Event | None:
        values = self.mapping(node, where, EVENT_KEYS, REQUIRED_EVENT_KEYS, "an event")
        if values is None:
            return None
        event_id = self.event_id(values, where, first_line)
        zone = self.event_zone(values, where, zone)
        texts = self.event_texts(values, where)
        when = self.event_date(values.get("date"), f"{where}.date", zone)
        certainty = self.choice(values.get("certainty"), f"{where}.certainty", Certainty, Certainty.STATED)
        status = self.choice(values.get("status"), f"{where}.status", Status, Status.CONFIRMED)
        self.reasoned(node, where, values, certainty, "date_note", "a date")
        tags = self.tags(values.get("tags"), f"{where}.tags")
        sources = self.sources(values.get("sources"), f"{where}.sources", articles)
        reviewed = self.boolean(values.get("reviewed"), f"{where}.reviewed", True)
        image = self.image(values["image"], f"{where}.image") if "image" in values else None
        geo = self.geo(values["geo"], f"{where}.geo") if "geo" in values else None
        translations = (
            self.translations(values["translations"], f"{where}.translations")
            if "translations" in values
            else ()
        )
        # An optional part given but wrong is refused with the event (its problem said).
        wrong = (
            ("image" in values and image is None) or ("geo" in values and geo is None) or translations is None
        )
        if wrong or None in (event_id, when, certainty, status, tags, sources, reviewed, *texts.values()):
            return None
        assert event_id and when and certainty and status
        assert tags is not None and sources is not None
        return Event(
            id=event_id,
            date=when,
            sources=sources,
            certainty=certainty,
            tags=tags,
            status=status,
            reviewed=bool(reviewed),
            image=image,
            geo=geo,
            translations=translations or (),
            **texts,  # type: ignore[arg-type]
        )


def _title_translation(language: str, texts: dict[str, str]) -> TitleTranslation:
    return TitleTranslation(language, texts["by"], texts["title"] or None, texts["description"] or None)
