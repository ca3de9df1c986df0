"""The history store: per event, when it was first published, when it last changed, and how often.

Feeds and calendars show these times, so they must move only when an event really changes: a
rebuild of unchanged input yields the same history, and so the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from functools import lru_cache, partial
from itertools import chain, repeat
from operator import attrgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from timeline.build.atomic import write_atomic
from timeline.build.memo import Memo
from timeline.errors import HistoryError
from timeline.model import (
    Article,
    Certainty,
    Change,
    Event,
    EventDate,
    History,
    Precision,
    Revision,
    Source,
    Timeline,
    marked_label,
    remembered,
)
from timeline.source.reading import MAX_HISTORY_FILE, NotRegular, TooLarge, read_regular_file

FORMAT_VERSION = 1
MAX_CHANGES = 1000  # the change log keeps this many; the changes feed shows the newest


def history_path(source: Path) -> Path:
    """Where the history of an events file lives: beside it, committed with it."""
    return source.with_name(source.stem + ".history.json")


def content_hash(event: Event) -> str:
    """A digest of everything an event shows, so any visible edit counts as a change.

    Computed once per event object and kept on it (the reloader hands back the very same
    object for an unchanged event, and a forked parser sends it back with the digest)."""
    return remembered(event, "_content_hash", _content_hash)


def digest(event: Event) -> None:
    """Compute what update() will ask of a new event, where it was parsed: on the second core
    when a large file is parsed there."""
    content_hash(event)
    _facts(event)


def _content_hash(event: Event) -> str:
    # Every field of the model, so that no field can be forgotten here. A field added since the
    # first version counts only once it is given: leaving it out at its default keeps every
    # digest already stored (and so every event's SEQUENCE) as it was.
    values = event.__dict__
    fields = {}
    for name, default, canonical in _FIELDS:
        value = values[name]
        if default is _ALWAYS or value != default:
            fields[name] = canonical(value) if canonical is not None else value
    return hashlib.sha256(_CANONICAL.encode(fields).encode()).hexdigest()


def _canonical(value: object) -> object:
    """A field's value as JSON: dates with their zone, choices by name, sources flat."""
    if isinstance(value, EventDate):
        return _date_json(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, Source):
        article = value.article
        return [article.file, article.title, article.publisher, article.url, value.quote]
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"no canonical form for the content hash of {type(value).__name__}")


_ALWAYS = object()
_FIRST_FIELDS = frozenset(
    ("id", "title", "summary", "date", "certainty", "date_note", "location", "tags", "status", "sources")
)
# Text needs no conversion; the rest is converted by _canonical. Worked out once: the fields
# are asked for every event of every build.
_FIELDS = tuple(
    (
        field.name,
        _ALWAYS if field.name in _FIRST_FIELDS else field.default,
        None if field.type in ("str", "str | None") else _canonical,
    )
    for field in dataclasses.fields(Event)
)


# One encoder for all: json.dumps() with options builds a new one per call, a third of its cost.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_quote = json.encoder.encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False) writes it


def update(history: History, timeline: Timeline, now: datetime) -> History:
    """The history after publishing `timeline` at `now`: new, changed and removed events get
    fresh times; unchanged ones keep theirs; removals older than the grace period are forgotten.

    Events that change together get distinct times a second apart, in timeline order, ending at
    `now` (or just after the newest time already given, if that is later): a reader that sorts
    by date shows them in the order they happened, no two entries share an `updated` (the W3C
    validator warns of that), and an event's times only ever move forward.

    A forgotten event's last sequence number is kept, so that an event of that id added again
    later goes on from it: its calendar event and its change entries never reuse a number.
    """
    previous = history.by_id()  # the last build listed them already
    kept: list[Revision] = []
    removed: list[Revision] = []
    changed: list[tuple[Event, Revision | None]] = []
    for event in timeline.events:
        old = previous.pop(event.id, None)
        if old is None or old.content_hash != content_hash(event) or old.removed is not None:
            changed.append((event, old))
        else:
            kept.append(old)
    grace = timedelta(days=timeline.removed_grace_days)
    forgotten = dict(history.forgotten)
    for old in previous.values():
        if old.removed is None:
            removed.append(old)
        elif now - old.removed < grace:
            kept.append(old)
        else:
            forgotten[old.event_id] = old.sequence
    if not changed and not removed and len(kept) == len(history.revisions):
        return history  # the very same object: the caller can tell nothing changed at a glance
    stamps = iter(_fresh_times(len(removed) + len(changed), now, history.newest_change()))
    revisions = kept
    changes: list[Change] = []
    # Only the last MAX_CHANGES go into the log: a first build of 100,000 events made a Change
    # for each, to keep a thousand.
    unlogged = len(removed) + len(changed) - MAX_CHANGES
    for old in sorted(removed, key=lambda r: r.event_id):
        stamp = next(stamps)
        revision = replace(old, last_changed=stamp, sequence=old.sequence + 1, removed=stamp)
        revisions.append(revision)
        unlogged -= 1
        if unlogged < 0:
            changes.append(Change(stamp, old.event_id, "removed", revision.sequence, _headline(old), ""))
    for event, old in changed:
        stamp = next(stamps)
        facts = _facts(event)
        unlogged -= 1
        if old is None:
            last = forgotten.pop(event.id, None)
            sequence = 0 if last is None else last + 1
            revision = Revision(
                event.id,
                content_hash(event),
                stamp,
                stamp,
                sequence,
                event.title,
                event.date,
                tags=event.tags,
                facts=facts,
            )
            if unlogged < 0:
                changes.append(Change(stamp, event.id, "added", sequence, event.headline(), "#" + event.id))
        else:
            revision = replace(
                old,
                content_hash=content_hash(event),
                last_changed=stamp,
                sequence=old.sequence + 1,
                title=event.title,
                date=event.date,
                removed=None,
                tags=event.tags,
                facts=facts,
            )
            kind = "restored" if old.removed is not None else "changed"
            if unlogged < 0:
                details = (
                    _differences(facts_by_name(old.facts), facts_by_name(facts)) if kind == "changed" else ()
                )
                name, link = event.headline(), "#" + event.id
                changes.append(Change(stamp, event.id, kind, revision.sequence, name, link, details))
        revisions.append(revision)
    log = (history.changes + tuple(changes))[-MAX_CHANGES:]
    # By id: the store's order, so that version control diffs stay small. The key is read in C.
    return History(tuple(sorted(revisions, key=_EVENT_ID)), log, tuple(sorted(forgotten.items())))


def _headline(revision: Revision) -> str:
    """The event's headline as it was last published (see Event.headline), from its revision."""
    certainty = Certainty(facts_by_name(revision.facts).get("certainty", Certainty.STATED.value))
    return f"{marked_label(revision.date, certainty)}: {revision.title}"


_EVENT_ID = attrgetter("event_id")


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
)
# Joins the facts in one string: a tuple of pairs cost a kilobyte an event, a third of the model
# at 100,000 events. It cannot occur in any value: the loader refuses control characters.
_BETWEEN = "\x1f"


def _facts(event: Event) -> str:
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
    )


@lru_cache(maxsize=1024)
def _articles_digest(articles: tuple[Article, ...]) -> str:
    # The same few articles back thousands of events: digested once each combination.
    return _digest(repr([(a.title, a.publisher, a.url) for a in articles]))


def facts_by_name(facts: str) -> dict[str, str]:
    """A revision's facts by name; empty for a history written before facts were kept."""
    return dict(zip(FACTS, facts.split(_BETWEEN), strict=True)) if facts else {}


def _joined_facts(by_name: dict[str, str]) -> str:
    return _BETWEEN.join(by_name.get(name, "") for name in FACTS) if by_name else ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


_NO_TEXT = _digest("")


def _differences(old: dict[str, str], new: dict[str, str]) -> tuple[str, ...]:
    """What changed, in words a reader understands: "date corrected: 2006 → 2007"."""
    if not old:  # a history written before facts were kept
        return ("details revised",)
    said: list[str] = []

    def moved(key: str) -> bool:
        return old.get(key, "") != new.get(key, "")

    if moved("title"):
        said.append(f"title changed: “{old.get('title', '')}” → “{new['title']}”")
    if moved("date"):
        said.append(f"date corrected: {old.get('date', '')} → {new['date']}")
    if moved("certainty"):
        said.append(f"date now {new['certainty']} (was {old.get('certainty', '')})")
    if moved("date_note"):
        said.append("reasoning for the date revised")
    if moved("summary"):
        said.append("summary revised")
    if moved("location"):
        before, after = old.get("location", ""), new["location"]
        said.append(
            f"location added: {after}" if not before else
            f"location removed (was {before})" if not after else
            f"location changed: {before} → {after}"
        )  # fmt: skip
    if moved("tags"):
        had, has = set(old.get("tags", "").split()), set(new["tags"].split())
        said.append(
            "tags: " + ", ".join([f"+{t}" for t in sorted(has - had)] + [f"-{t}" for t in sorted(had - has)])
        )
    if moved("status"):
        said.append(f"status: {old.get('status', '')} → {new['status']}")
    if moved("sources"):
        said.extend(_source_differences(old.get("sources", "").split(), new["sources"].split()))
    if moved("articles") and not moved("sources"):
        said.append("source details revised")
    return tuple(said) or ("details revised",)


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


def _fresh_times(count: int, now: datetime, newest: datetime) -> list[datetime]:
    """`count` whole seconds, one apart, ending at `now` but all later than `newest`."""
    second = timedelta(seconds=1)
    first = max(now.replace(microsecond=0) - (count - 1) * second, newest + second)
    return [first + i * second for i in range(count)]


def read(path: Path) -> History:
    """The stored history; an empty one when the file does not exist yet."""
    try:
        data = read_regular_file(path, MAX_HISTORY_FILE)
    except FileNotFoundError:
        return History()
    except (NotRegular, TooLarge) as error:
        raise HistoryError(
            f"{error}; the history store must be the file {path.name} that timeline writes. Restore it "
            f"from version control (git checkout -- {path.name}), or delete it to start a new history"
        ) from None
    except OSError as error:
        raise HistoryError(
            f"{path}: cannot read the history store ({error.strerror}); fix its permissions"
        ) from None
    try:
        document = json.loads(data)
        if document.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown format version {document.get('version')!r}")
        revisions = tuple(_revision(event_id, item) for event_id, item in document["events"].items())
        published = {r.event_id: r for r in revisions if r.removed is None}
        changes = tuple(_change(item, published) for item in document.get("changes", []))
        forgotten = tuple(sorted((str(k), int(v)) for k, v in document.get("forgotten", {}).items()))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise HistoryError(
            f"{path}: the history store is damaged ({error}). Restore it from version control "
            f"(git checkout -- {path.name}), or delete it to start a new history: event ids and "
            "calendar UIDs stay the same, but every event will show the next build's time as "
            "first published."
        ) from None
    return History(revisions, changes, forgotten)


def dumps(history: History, memo: Memo | None = None) -> bytes:
    """The store's text: one event or change a line, so that version control diffs stay readable."""
    return b"".join(_pieces(history, memo or Memo()))


def write(path: Path, history: History, memo: Memo | None = None) -> None:
    """Store the history atomically, written line by line (60 MB at 100,000 events)."""
    write_atomic(path, _pieces(history, memo or Memo()))


def _pieces(history: History, memo: Memo) -> list[bytes]:
    lines = _lines(history, memo)
    events = list(chain.from_iterable(zip(lines, repeat(b",\n"))))[:-1]
    logged = history.changes
    changes = ",\n".join(memo.in_runs("change lines", logged, lambda place: _change_line(logged[place])))
    head = f'{{\n "version": {FORMAT_VERSION},\n "events": {{\n'.encode()
    tail = f'\n }},\n "changes": [\n{changes}\n ]'
    if history.forgotten:  # only once an event was forgotten: older stores keep their bytes
        tail += f',\n "forgotten": {json.dumps(dict(history.forgotten), ensure_ascii=False)}'
    return [head, *events, f"{tail}\n}}\n".encode()]


def _change_line(change: Change) -> str:
    return f"  {json.dumps(_change_json(change), ensure_ascii=False)}"


def remember(history: History, memo: Memo) -> None:
    """Ask for the store's lines on every build, so that the lines of an unchanged history stay
    remembered for the build that changes one of them (the text itself is not kept)."""
    # Keyed by identity: update() returns the very same object when nothing changed, and the
    # memo holds it, so no other object can have its id meanwhile.
    held, _ = memo.get(("history lines", id(history)), lambda: (history, len(_lines(history, memo))))
    if held is not history:
        _lines(history, memo)


def _lines(history: History, memo: Memo) -> list[bytes]:
    # Kept on the history: a build that changes it asks twice (remember() and write()).
    return remembered(history, "_lines", partial(_make_lines, memo=memo))


def _make_lines(history: History, memo: Memo) -> list[bytes]:
    revisions = history.revisions
    # All that a line shows: the content hash stands for its title, date, tags and facts.
    keys = [(r.version, r.first_published, r.removed) for r in revisions]

    def line(place: int) -> bytes:
        return memo.get(("history line", keys[place]), partial(_revision_line, revisions[place]))

    return memo.in_runs("history lines", keys, line)


def _revision_line(revision: Revision) -> bytes:
    """The revision's line of the store, as `json` writes it (the tests compare the two), by hand:
    `json` took two thirds of the time of a large history, building a dict for each revision.
    Remembered as UTF-8: half the memory of Python's text for Vietnamese."""
    quote = _quote
    when = revision.date
    end = quote(when.end.isoformat()) if when.end is not None else "null"
    date = f'{{"precision": "{when.precision.value}", "start": {quote(when.start.isoformat())}, "end": {end}'
    zone = getattr(when.start, "tzinfo", None)
    if isinstance(zone, ZoneInfo):
        date += f', "zone": {quote(zone.key)}'
    removed = f', "removed": "{_timestamp(revision.removed)}"' if revision.removed is not None else ""
    tags = ", ".join(map(quote, revision.tags))
    facts = _facts_json(revision.facts)
    return (
        f'  {quote(revision.event_id)}: {{"hash": {quote(revision.content_hash)}, '
        f'"first_published": "{_timestamp(revision.first_published)}", '
        f'"last_changed": "{_timestamp(revision.last_changed)}", '
        f'"sequence": {revision.sequence}, "title": {quote(revision.title)}, "date": {date}}}{removed}, '
        f'"tags": [{tags}], "facts": {{{facts}}}}}'
    ).encode()


def _facts_json(facts: str) -> str:
    """The facts' members of a store line, as `json` writes them: the facts are quoted at once,
    the separator coming out as its escape, which no other text can (with no backslash in it)."""
    values = _quote(facts)[1:-1].split("\\u001f") if facts and "\\" not in facts else ()
    if len(values) != len(FACTS):
        return ", ".join(f'"{name}": {_quote(value)}' for name, value in facts_by_name(facts).items())
    return "".join(chain.from_iterable(zip(_FACT_OPENINGS, values, strict=True))) + '"'


# What comes before each fact's quoted value: '"title": "', '", "date": "', ...
_FACT_OPENINGS = [("" if n == 0 else '", ') + f'"{name}": "' for n, name in enumerate(FACTS)]


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "at": _timestamp(change.at),
        "event": change.event_id,
        "kind": change.kind,
        "sequence": change.sequence,
        "name": change.name,
        "link": change.link,
        "details": list(change.details),
    }


def _change(item: dict[str, Any], published: dict[str, Revision]) -> Change:
    event_id, kind = str(item["event"]), str(item["kind"])
    if "name" in item:
        name, link = str(item["name"]), str(item["link"])
    else:
        # Written before a change kept its words: those it was last published with, which the
        # changes feed took from the event as the last build had it (the store's revision).
        revision = published.get(event_id)
        name = _headline(revision) if revision is not None and kind != "removed" else str(item["title"])
        link = "#" + event_id if revision is not None else ""
    return Change(
        at=_parse_timestamp(item["at"]),
        event_id=event_id,
        kind=kind,
        sequence=int(item["sequence"]),
        name=name,
        link=link,
        details=tuple(str(d) for d in item.get("details", [])),
    )


def _revision(event_id: str, item: dict[str, Any]) -> Revision:
    removed = item.get("removed")
    return Revision(
        event_id=event_id,
        content_hash=str(item["hash"]),
        first_published=_parse_timestamp(item["first_published"]),
        last_changed=_parse_timestamp(item["last_changed"]),
        sequence=int(item["sequence"]),
        title=str(item["title"]),
        date=_parse_date(item["date"]),
        removed=_parse_timestamp(removed) if removed is not None else None,
        tags=tuple(str(t) for t in item.get("tags", [])),
        facts=_joined_facts({str(k): str(v) for k, v in item.get("facts", {}).items()}),
    )


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _parse_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment


def _date_json(when: EventDate) -> dict[str, str | None]:
    item = {
        "precision": when.precision.value,
        "start": when.start.isoformat(),
        "end": when.end.isoformat() if when.end is not None else None,
    }
    zone = getattr(when.start, "tzinfo", None)
    if isinstance(zone, ZoneInfo):
        # An offset alone would lose the zone's rules, which the calendar's VTIMEZONE shows.
        item["zone"] = zone.key
    return item


def _parse_date(item: dict[str, Any]) -> EventDate:
    precision = Precision(item["precision"])
    end = item.get("end")
    if precision is not Precision.TIME:
        return EventDate(
            date.fromisoformat(item["start"]), precision, date.fromisoformat(end) if end else None
        )
    zone = ZoneInfo(item["zone"]) if item.get("zone") else UTC

    def moment(text: str) -> datetime:
        return _parse_timestamp(text).astimezone(zone)

    return EventDate(moment(item["start"]), precision, moment(end) if end else None)
