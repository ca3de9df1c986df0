"""The history's file, events.history.json beside events.yaml: read, written line by line.

One event or change a line, so that version control diffs stay readable; written atomically.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from itertools import chain, repeat
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from timeline.errors import HistoryError
from timeline.files import MAX_HISTORY_FILE, NotRegular, TooLarge, read_regular_file, write_atomic
from timeline.history.facts import FACTS, facts_by_name, joined_facts
from timeline.history.tracking import headline_of
from timeline.model import (
    Change,
    EventDate,
    History,
    Precision,
    Revision,
    remembered,
)

FORMAT_VERSION = 1
_quote = json.encoder.encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False) writes it


def history_path(source: Path) -> Path:
    """Where the history of an events file lives: beside it, committed with it."""
    return source.with_name(source.stem + ".history.json")


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
        history = _history(document)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise HistoryError(
            f"{path}: the history store is damaged ({error}). Restore it from version control "
            f"(git checkout -- {path.name}), or delete it to start a new history: event ids and "
            "calendar UIDs stay the same, but every event will show the next build's time as "
            "first published."
        ) from None
    return history


def _history(document: dict[str, Any]) -> History:
    revisions = tuple(_revision(event_id, item) for event_id, item in document["events"].items())
    published = {r.event_id: r for r in revisions if r.removed is None}
    changes = tuple(_change(item, published) for item in document.get("changes", []))
    forgotten = tuple(sorted((str(k), int(v)) for k, v in document.get("forgotten", {}).items()))
    notices = tuple(str(name) for name in document.get("notices", []))
    languages = tuple((str(name), _history(kept)) for name, kept in document.get("languages", {}).items())
    return History(revisions, changes, forgotten, notices, languages)


def dumps(history: History) -> bytes:
    """The store's text: one event or change a line, so that version control diffs stay readable."""
    return b"".join(_pieces(history))


def write(path: Path, history: History) -> None:
    """Store the history atomically, written line by line (60 MB at 100,000 events)."""
    write_atomic(path, _pieces(history))


def _pieces(history: History) -> list[bytes]:
    lines = _lines(history)
    events = list(chain.from_iterable(zip(lines, repeat(b",\n"))))[:-1]
    logged = history.changes
    changes = ",\n".join([remembered(change, "_line", _change_line) for change in logged])
    head = f'{{\n "version": {FORMAT_VERSION},\n "events": {{\n'.encode()
    tail = f'\n }},\n "changes": [\n{changes}\n ]'
    if history.forgotten:  # only once an event was forgotten: older stores keep their bytes
        tail += f',\n "forgotten": {json.dumps(dict(history.forgotten), ensure_ascii=False)}'
    if history.notices:  # the same: only once a notice was given
        tail += f',\n "notices": {json.dumps(list(history.notices))}'
    pieces = [head, *events, tail.encode()]
    if history.languages:  # each other language's history, the same way
        for number, (language, kept) in enumerate(history.languages):
            opening = ',\n "languages": {' if number == 0 else ", "
            pieces += [f"{opening}{_quote(language)}: ".encode(), *_pieces(kept)[:-1], b"\n}"]
        pieces.append(b"}")
    return [*pieces, b"\n}\n"]


def _change_line(change: Change) -> str:
    return f"  {json.dumps(_change_json(change), ensure_ascii=False)}"


def _lines(history: History) -> list[bytes]:
    # Each line kept on its revision: update() hands an unchanged event's revision on to the
    # next history as it is, so a build writes again only the lines of what changed.
    return [remembered(revision, "_line", _revision_line) for revision in history.revisions]


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
    written = {
        "at": _timestamp(change.at),
        "event": change.event_id,
        "kind": change.kind,
        "sequence": change.sequence,
        "name": change.name,
        "link": change.link,
        "details": list(change.details),
    }
    if change.notice:
        written["notice"] = change.notice
    return written


def _change(item: dict[str, Any], published: dict[str, Revision]) -> Change:
    event_id, kind = str(item["event"]), str(item["kind"])
    if "name" in item:
        name, link = str(item["name"]), str(item["link"])
    else:
        # Written before a change kept its words: those it was last published with, which the
        # changes feed took from the event as the last build had it (the store's revision).
        revision = published.get(event_id)
        name = headline_of(revision) if revision is not None and kind != "removed" else str(item["title"])
        link = "#" + event_id if revision is not None else ""
    return Change(
        at=_parse_timestamp(item["at"]),
        event_id=event_id,
        kind=kind,
        sequence=int(item["sequence"]),
        name=name,
        link=link,
        details=tuple(str(d) for d in item.get("details", [])),
        notice=str(item.get("notice", "")),
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
        facts=joined_facts({str(k): str(v) for k, v in item.get("facts", {}).items()}),
    )


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _parse_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment


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
