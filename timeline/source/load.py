"""events.yaml -> Timeline: safe YAML, a position for every value, every problem in one run.

The file is composed into YAML nodes (timeline.source.compose), never constructed into objects, so no
tag can build a Python object and every value keeps the line and column it was written at.
Scalars are read from the text the user wrote (`2011-12` stays "2011-12"; `no` is not False).
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from timeline.errors import Problem, TimelineError, ValidationError
from timeline.model import (
    CHRONOLOGICAL,
    Article,
    Author,
    Certainty,
    Event,
    EventDate,
    Precision,
    Source,
    Status,
    Timeline,
)
from timeline.source import schema
from timeline.source import values as check
from timeline.source.compose import (
    ALIAS,
    STR,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    StructureError,
    SyntaxProblem,
    YamlSyntaxError,
    compose,
)
from timeline.source.reading import MAX_EVENTS_FILE, NotRegular, TooLarge, read_regular_file
from timeline.source.values import DATE_FORMS, shorten

T = TypeVar("T")

# Characters XML 1.0 forbids even escaped (C0 controls but tab, newline and return; surrogates;
# U+FFFE and U+FFFF: a feed containing one is rejected by every XML parser), and DEL, which
# RFC 5545 forbids in a calendar's text (strict parsers reject the calendar).
FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ALLOWED_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
MAX_FILE_BYTES = MAX_EVENTS_FILE
MAX_TEXT = schema.limits()

MAX_TAGS_PER_EVENT = schema.find(schema.EVENT, "tags").most or 0
MAX_SOURCES_PER_EVENT = schema.find(schema.EVENT, "sources").most or 0
MAX_TAGS = schema.MAX_TAGS

_REQUIRED_HINTS = schema.hints()
EVENT_KEYS = schema.names(schema.EVENT)
REQUIRED_EVENT_KEYS = schema.required(schema.EVENT)
_HEADER_KEYS = schema.names(schema.HEADER)


def load(path: str | Path) -> Timeline:
    """Read and validate an events file; raise ValidationError listing every problem."""
    return parse(read(Path(path)), str(path))


def read(path: Path) -> bytes:
    """The bytes of an events file, or a TimelineError a user can act on. Only a regular file
    is read, never past the size limit, and never waiting (see timeline.source.reading)."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except TooLarge as error:
        raise ValidationError([Problem(str(path), 1, 1, "", _too_big(error.size))]) from None
    except NotRegular as error:
        if error.kind == "a folder":
            raise TimelineError(f"{path}: is a folder; pass the events file itself") from None
        raise TimelineError(
            f"{path}: is {error.kind}, not a regular file; the events file must be a file of its own"
        ) from None
    except FileNotFoundError:
        raise TimelineError(f"{path}: no such file; pass the events file with --source") from None
    except PermissionError:
        raise TimelineError(f"{path}: permission denied; make the file readable") from None
    except OSError as error:  # a symlink loop, a name too long, an I/O error
        raise TimelineError(f"{path}: cannot be read ({error.strerror}); check the path") from None


def parse(data: bytes | str, path: str = "events.yaml") -> Timeline:
    """Validate the text of an events file named `path` (used only in messages)."""
    return parse_in_order(text_of(data, path), path)[0]


def text_of(data: bytes | str, path: str) -> str:
    """The text of an events file: UTF-8 checked, the size limit applied, a BOM dropped."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError([Problem(path, 1, 1, "", _too_big(len(data)))])
        text = _decode(data, path)
    else:
        text = data
    return text.removeprefix("\ufeff")


def parse_in_order(text: str, path: str, index_offset: int = 0) -> tuple[Timeline, list[Event]]:
    """The timeline, and its events in the order the file lists them."""
    try:
        root, structure = compose(text)
    except YamlSyntaxError as error:
        raise ValidationError([_syntax_problem(error.problem, path)]) from None
    except StructureError as error:
        raise ValidationError(
            [Problem(path, line, column, "", message) for line, column, message in error.problems]
        ) from None
    reader = _Reader(path, index_offset=index_offset)
    reader.problems.extend(Problem(path, line, column, "", message) for line, column, message in structure)
    timeline = reader.timeline(root)
    if reader.problems or timeline is None:
        raise ValidationError(reader.problems)
    return timeline, reader.file_order


def parse_event(
    text: str,
    path: str,
    line: int,
    index: int,
    header: Timeline,
    first_line: dict[str, int],
) -> Event:
    """One event's text, cut from the events list at `line` of the file, as an Event.

    `header` gives the articles and the time zone; `first_line` (the ids read so far, with
    their lines) is updated. Positions in problems are the file's.
    """
    try:
        root, structure = compose(text)
    except (YamlSyntaxError, StructureError):
        raise ValidationError([Problem(path, line, 1, f"events[{index}]", "not one event")]) from None
    reader = _Reader(path, index_offset=index, line_offset=line - 1)
    articles = {article.file: article for article in header.articles}
    events = reader.events(root, articles, zoneinfo.ZoneInfo(header.timezone), first_line)
    if structure or reader.problems or not events or len(events) != 1:
        raise ValidationError(
            reader.problems or [Problem(path, line, 1, f"events[{index}]", "not one event")]
        )
    return events[0]


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 2**20:.0f} MiB, more than the {MAX_FILE_BYTES // 2**20} MiB "
        "an events file may be; split the archive or remove what is not an event"
    )


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        byte = data[error.start]
        raise ValidationError(
            [
                Problem(
                    path,
                    line,
                    column,
                    "",
                    f"byte 0x{byte:02x} is not UTF-8; save the file as UTF-8",
                )
            ]
        ) from None


def _syntax_problem(error: SyntaxProblem, path: str) -> Problem:
    what = error.problem
    if error.context:
        context = error.context
        if error.context_line is not None and error.context_line != error.line:
            context += f" that starts at line {error.context_line}, column {error.context_column}"
        what = f"{context}, {what}"
    if "tab character" in what or "'\\t'" in what:
        hint = "indent with spaces; YAML does not allow tabs there"
    elif "flow sequence" in what or "flow mapping" in what:
        hint = "close the [ or { that starts there, and separate its items with commas"
    elif "quoted scalar" in what:
        hint = "close the quote, or escape a quote inside the text"
    elif "anchor" in what or "alias" in what:
        hint = "write each value out in full"
    elif "not allowed in YAML" in what:
        return Problem(path, error.line, error.column, "", what)
    else:
        hint = "check the indentation, quoting and colons on this line and the one before"
    return Problem(path, error.line, error.column, "", f"YAML syntax: {what}; {hint}")


def _type_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing"
    return f'"{shorten(node.value)}"'


@dataclass
class _Reader:
    """Walks the node tree, collecting problems instead of stopping at the first."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    index_offset: int = 0  # where the first event read stands in the whole file
    line_offset: int = 0  # lines of the file before the text read
    file_order: list[Event] = field(default_factory=list)  # the events as written, unsorted
    timeline_tags: set[str] = field(default_factory=set)  # every tag of the events read so far

    def problem(self, node: Node, where: str, message: str) -> None:
        mark = node.start_mark
        line = mark.line + 1 + self.line_offset
        self.problems.append(Problem(self.path, line, mark.column + 1, where, message))

    # -- structure -------------------------------------------------------------------------

    def _plain(self, node: Node, where: str) -> bool:
        """Reject what plain data never needs: explicit tags (aliases were reported when composed)."""
        if node.tag == ALIAS:
            return False
        if node.tag not in _ALLOWED_TAGS:
            self.problem(
                node,
                where,
                f"the tag {node.tag} is not allowed; events files hold plain data only, remove the tag",
            )
            return False
        return True

    def mapping(
        self,
        node: Node,
        where: str,
        keys: tuple[str, ...] | None,
        required: tuple[str, ...],
        what: str,
    ) -> dict[str, Node] | None:
        """The mapping's values by key, after reporting unknown, repeated and missing keys.

        `keys` lists the keys allowed; None allows any (a mapping keyed by names the user chose).
        """
        if not self._plain(node, where):
            return None
        if not isinstance(node, MappingNode):
            self.problem(
                node,
                where,
                f"expected {what} (a mapping of keys to values), got {_type_name(node)}",
            )
            return None
        if keys is not None:
            # The common case first, for speed: plain known keys, each once, none missing.
            known = {key_node.value: value for key_node, value in node.value if key_node.value in keys}
            if len(known) == len(node.value) and all(key in known for key in required):
                return known
        values: dict[str, Node] = {}
        lines: dict[str, int] = {}
        unknown: list[str] = []
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.problem(key_node, where, "a key must be a plain word")
                continue
            inner = f"{where}.{key}" if where else key
            if key in values:
                self.problem(
                    key_node,
                    inner,
                    f'the key "{key}" appears twice (first at line {lines[key]}); keep one',
                )
                continue
            if keys is not None and key not in keys:
                self.problem(key_node, inner, check.unknown_key(key, keys))
                unknown.append(key)
                continue
            values[key] = value_node
            lines[key] = key_node.start_mark.line + 1
        # A misspelt key was already reported with its correction; do not report it missing too.
        corrected = {close for key in unknown for close in difflib.get_close_matches(key, keys or (), n=1)}
        for key in required:
            if key not in values and key not in corrected:
                hint = _REQUIRED_HINTS.get(key, "")
                self.problem(node, where or "the file", f'missing required key "{key}"{hint}')
        return values

    def sequence(self, node: Node, where: str, what: str) -> list[Node]:
        if not self._plain(node, where):
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, where, f"expected a list of {what}, got {_type_name(node)}")
            return []
        return list(node.value)

    # -- scalars ---------------------------------------------------------------------------

    def text(self, node: Node | None, where: str, *, limit: int = 10_000) -> str | None:
        """A non-empty string, trimmed; None (after a problem) when it is not one."""
        if node.__class__ is ScalarNode and node.tag == STR:
            # The common case first, for speed: the checks below, in one go.
            value = node.value.strip()
            if value and len(value) <= limit and not FORBIDDEN_IN_TEXT.search(value):
                return value  # type: ignore[no-any-return]
        if node is None:
            return None
        if not self._plain(node, where):
            return None
        if not isinstance(node, ScalarNode) or node.tag.endswith(":null"):
            self.problem(node, where, f"expected text, got {_type_name(node)}")
            return None
        value = str(node.value).strip()
        if not value:
            self.problem(node, where, "must not be empty")
            return None
        bad = FORBIDDEN_IN_TEXT.search(value)
        if bad:
            self.problem(
                node,
                where,
                f"contains the control character U+{ord(bad.group()):04X}, "
                "which feeds cannot carry; remove it",
            )
            return None
        if len(value) > limit:
            self.problem(node, where, f"is {len(value):,} characters long, more than {limit:,}; shorten it")
            return None
        return value

    def checked(
        self, node: Node | None, where: str, check: Callable[[str], T], *, limit: int = 300
    ) -> T | None:
        """Text passed through `check`, which raises ValueError with the reason it is wrong."""
        value = self.text(node, where, limit=limit)
        if value is None or node is None:
            return None
        try:
            return check(value)
        except ValueError as error:
            self.problem(node, where, str(error))
            return None

    def integer(self, node: Node | None, where: str, default: int, minimum: int) -> int:
        if node is None:
            return default
        value = self.text(node, where)
        if value is None:
            return default
        if not value.isdigit() or int(value) < minimum:
            self.problem(node, where, f'"{shorten(value)}" is not a whole number of at least {minimum}')
            return default
        return int(value)

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
        description = self.text(header.get("description"), "description") if "description" in header else None
        base_url = self.checked(header.get("base_url"), "base_url", check.base_url)
        authority = self.checked(header.get("id_authority"), "id_authority", check.id_authority)
        author = self.author(header.get("author"))
        language = (
            self.checked(header.get("language"), "language", check.language) if "language" in header else "en"
        )
        timezone = (
            self.checked(header.get("timezone"), "timezone", check.timezone) if "timezone" in header else None
        )
        refresh = self.integer(header.get("refresh_minutes"), "refresh_minutes", 60, 1)
        feed_entries = self.integer(header.get("feed_entries"), "feed_entries", 100, 1)
        grace = self.integer(header.get("removed_grace_days"), "removed_grace_days", 30, 0)
        articles = self.articles(header.get("articles"))
        default_zone = zoneinfo.ZoneInfo(timezone) if timezone else zoneinfo.ZoneInfo("UTC")
        events = self.events(header.get("events"), articles, default_zone)
        if title is None or base_url is None or authority is None or language is None or events is None:
            return None
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
        )

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
        email = self.checked(values.get("email"), "author.email", check.email) if "email" in values else None
        url = self.checked(values.get("url"), "author.url", check.url) if "url" in values else None
        return Author(name, email, url) if name else None

    def articles(self, node: Node | None) -> dict[str, Article]:
        articles: dict[str, Article] = {}
        if node is None:
            return articles
        values = self.mapping(node, "articles", None, (), "the articles by file name")
        for name, article_node in (values or {}).items():
            where = f"articles.{name}"
            if isinstance(article_node, ScalarNode) and article_node.tag.endswith(":null"):
                articles[name] = Article(name)
                continue
            fields = self.mapping(article_node, where, ("title", "publisher", "url"), (), "an article")
            if fields is None:
                continue
            articles[name] = Article(
                file=name,
                title=self.text(fields.get("title"), f"{where}.title", limit=500),
                publisher=self.text(fields.get("publisher"), f"{where}.publisher", limit=200),
                url=self.checked(fields.get("url"), f"{where}.url", check.url) if "url" in fields else None,
            )
        return articles

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
        event_id = self.checked(values.get("id"), f"{where}.id", check.slug("id"), limit=MAX_TEXT["id"])
        if event_id is not None:
            id_node = values["id"]
            if event_id in first_line:
                self.problem(
                    id_node,
                    f"{where}.id",
                    f'"{event_id}" is used twice (first at line {first_line[event_id]}); '
                    "give each event its own id, and never change an id once published",
                )
                event_id = None
            else:
                first_line[event_id] = id_node.start_mark.line + 1 + self.line_offset
        if "timezone" in values:
            zone_name = self.checked(
                values["timezone"], f"{where}.timezone", check.timezone, limit=MAX_TEXT["timezone"]
            )
            zone = zoneinfo.ZoneInfo(zone_name) if zone_name else zone
        title = self.text(values.get("title"), f"{where}.title", limit=MAX_TEXT["title"])
        summary = self.text(values.get("summary"), f"{where}.summary", limit=MAX_TEXT["summary"])
        when = self.event_date(values.get("date"), f"{where}.date", zone)
        certainty = self.choice(values.get("certainty"), f"{where}.certainty", Certainty, Certainty.STATED)
        status = self.choice(values.get("status"), f"{where}.status", Status, Status.CONFIRMED)
        note = None
        if "date_note" in values:
            note = self.text(values["date_note"], f"{where}.date_note", limit=MAX_TEXT["date_note"])
        elif certainty not in (None, Certainty.STATED):
            self.problem(
                node,
                where,
                f'a date marked "{certainty}" needs a date_note giving the reasoning',
            )
        location = None
        if "location" in values:
            location = self.text(values["location"], f"{where}.location", limit=MAX_TEXT["location"])
        tags = self.tags(values.get("tags"), f"{where}.tags")
        sources = self.sources(values.get("sources"), f"{where}.sources", articles)
        if None in (event_id, title, summary, when, certainty, status, tags, sources):
            return None
        assert event_id and title and summary and when and certainty and status
        assert tags is not None and sources is not None
        return Event(
            id=event_id,
            title=title,
            summary=summary,
            date=when,
            sources=sources,
            certainty=certainty,
            date_note=note,
            location=location,
            tags=tags,
            status=status,
        )

    def choice(self, node: Node | None, where: str, kind: type[T], default: T) -> T | None:
        if node is None:
            return default
        value = self.text(node, where)
        if value is None:
            return None
        try:
            return kind(value)  # type: ignore[call-arg]
        except ValueError:
            names = ", ".join(str(member) for member in kind)  # type: ignore[attr-defined]
            self.problem(node, where, f'"{shorten(value)}" is not one of: {names}')
            return None

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
            tag = self.checked(item, f"{where}[{index}]", check.slug("tag"), limit=MAX_TEXT["tag"])
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
            return check.parse_point(value, zone)
        except ValueError as error:
            self.problem(node, where, f'"{shorten(value)}" is not a date ({error}); write {DATE_FORMS}')
            return None
