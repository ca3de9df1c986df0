"""Tracking each event: when it was first published, last changed, and how often; what changed.

Feeds and calendars show these times, so they must move only when an event really changes: a
rebuild of unchanged input yields the same history, and so the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta
from enum import Enum
from operator import attrgetter
from zoneinfo import ZoneInfo

from timeline.history.facts import differences, facts_by_name, facts_of
from timeline.model import (
    Certainty,
    Change,
    Event,
    EventDate,
    Geo,
    History,
    Image,
    Revision,
    Source,
    Timeline,
    Translation,
    event_path,
    marked_label,
    remembered,
)
from timeline.model.languages import in_language

MAX_CHANGES = 1000  # the change log keeps this many; the changes feed shows the newest


def content_hash(event: Event) -> str:
    """A digest of everything an event shows, so any visible edit counts as a change.

    Computed once per event object and kept on it (the reloader hands back the very same
    object for an unchanged event, and a forked parser sends it back with the digest)."""
    return remembered(event, "_content_hash", _content_hash)


def digest(event: Event) -> None:
    """Compute what update() will ask of a new event, where it was parsed: on the second core
    when a large file is parsed there."""
    content_hash(event)
    facts_of(event)


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
        return date_json(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, Source):
        article = value.article
        return [article.file, article.title, article.publisher, article.url, value.quote]
    if isinstance(value, Image | Geo | Translation):
        return [_canonical(part) for part in value.__dict__.values()]
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


def update(history: History, timeline: Timeline, now: datetime) -> History:
    """The history after publishing `timeline` at `now`, in each of its languages (see
    _update; the default language's of the timeline without its translations, so that a
    translation moves only its own language's times)."""
    main = _update(history, in_language(timeline, timeline.language), now)
    others = timeline.languages[1:]
    if not others and not history.languages:
        return main
    languages = tuple(
        (language, _update(history.in_language(language), in_language(timeline, language), now))
        for language in others
    )
    same = [(name, id(kept)) for name, kept in languages] == [(n, id(k)) for n, k in history.languages]
    if main is history and same:
        return history  # nothing new in any language: the very same object
    return replace(main, languages=languages)


def _update(history: History, timeline: Timeline, now: datetime) -> History:
    """The history after publishing `timeline` at `now`: new, changed and removed events get
    fresh times; unchanged ones keep theirs; removals older than the grace period are forgotten.

    Events that change together get distinct times a second apart, in timeline order, ending at
    `now` (or just after the newest time already given, if that is later): a reader that sorts
    by date shows them in the order they happened, no two entries share an `updated` (the W3C
    validator warns of that), and an event's times only ever move forward.

    A forgotten event's last sequence number is kept, so that an event of that id added again
    later goes on from it: its calendar event and its change entries never reuse a number.
    """
    sorted_out = _sorted_out(history, timeline, now)
    notices = [notice for notice in NOTICES if notice[0] not in history.notices]
    if sorted_out.nothing_new(history) and not notices:
        return history  # the very same object: the caller can tell nothing changed at a glance
    # A timeline published for the first time has nothing to be told about the site's changes.
    told = notices if history.revisions else []
    stamps = iter(_fresh_times(len(told) + sorted_out.count, now, history.newest_change()))
    changes = [
        Change(next(stamps), "", "notice", 0, title, "", details, notice=name)
        for name, title, details in told
    ]
    revisions = list(sorted_out.kept)
    # Only the last MAX_CHANGES go into the log: a first build of 100,000 events made a Change
    # for each, to keep a thousand.
    unlogged = sorted_out.count - MAX_CHANGES
    for gone in sorted(sorted_out.removed, key=lambda r: r.event_id):
        stamp = next(stamps)
        revision = replace(gone, last_changed=stamp, sequence=gone.sequence + 1, removed=stamp)
        revisions.append(revision)
        unlogged -= 1
        if unlogged < 0:
            changes.append(Change(stamp, gone.event_id, "removed", revision.sequence, headline_of(gone), ""))
    forgotten = dict(sorted_out.forgotten)
    for event, old in sorted_out.changed:
        stamp = next(stamps)
        unlogged -= 1
        revision, change = _changed(event, old, stamp, forgotten, logged=unlogged < 0)
        revisions.append(revision)
        if change is not None:
            changes.append(change)
    log = (history.changes + tuple(changes))[-MAX_CHANGES:]
    given = history.notices + tuple(name for name, _, _ in notices)
    # By id: the store's order, so that version control diffs stay small. The key is read in C.
    return History(tuple(sorted(revisions, key=_EVENT_ID)), log, tuple(sorted(forgotten.items())), given)


@dataclasses.dataclass(frozen=True)
class _SortedOut:
    """A history's revisions against a timeline: those kept as they are, the events new or
    changed (with their revision, if any), the revisions of events removed now, and the
    sequence numbers of the events forgotten."""

    kept: list[Revision]
    changed: list[tuple[Event, Revision | None]]
    removed: list[Revision]
    forgotten: dict[str, int]

    @property
    def count(self) -> int:
        """How many revisions get a fresh time."""
        return len(self.changed) + len(self.removed)

    def nothing_new(self, history: History) -> bool:
        return not self.changed and not self.removed and len(self.kept) == len(history.revisions)


def _sorted_out(history: History, timeline: Timeline, now: datetime) -> _SortedOut:
    previous = history.by_id()  # the last build listed them already
    kept: list[Revision] = []
    changed: list[tuple[Event, Revision | None]] = []
    for event in timeline.events:
        old = previous.pop(event.id, None)
        if old is None or old.content_hash != content_hash(event) or old.removed is not None:
            changed.append((event, old))
        else:
            kept.append(old)
    grace = timedelta(days=timeline.removed_grace_days)
    removed: list[Revision] = []
    forgotten = dict(history.forgotten)
    for old in previous.values():
        if old.removed is None:
            removed.append(old)
        elif now - old.removed < grace:
            kept.append(old)
        else:
            forgotten[old.event_id] = old.sequence
    return _SortedOut(kept, changed, removed, forgotten)


def _changed(
    event: Event, old: Revision | None, stamp: datetime, forgotten: dict[str, int], *, logged: bool
) -> tuple[Revision, Change | None]:
    """The revision of an event new, changed or put back at `stamp`, and its entry in the change
    log if `logged`. A new event whose id was forgotten goes on from its last sequence number."""
    facts = facts_of(event)
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
        added = Change(stamp, event.id, "added", sequence, event.headline(), event_path(event.id))
        return revision, added if logged else None
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
    if not logged:
        return revision, None
    kind = "restored" if old.removed is not None else "changed"
    details = differences(facts_by_name(old.facts), facts_by_name(facts)) if kind == "changed" else ()
    change = Change(stamp, event.id, kind, revision.sequence, event.headline(), event_path(event.id), details)
    return revision, change


# Changes to the site rather than to an event that subscribers should hear of, each announced
# once in the changes feed, by the first build that makes it: (name, title, details).
NOTICES = (
    (
        "event-pages",
        "Each event has a page of its own",
        (
            "Feed entries and calendar events now link to each event's own page instead of its place "
            "on the timeline's page; old links to that place lead to the event's page",
            "The timeline's page shows the latest events and leads to a page for each year",
        ),
    ),
)


def headline_of(revision: Revision) -> str:
    """The event's headline as it was last published (see Event.headline), from its revision."""
    certainty = Certainty(facts_by_name(revision.facts).get("certainty", Certainty.STATED.value))
    return f"{marked_label(revision.date, certainty)}: {revision.title}"


_EVENT_ID = attrgetter("event_id")


def _fresh_times(count: int, now: datetime, newest: datetime) -> list[datetime]:
    """`count` times in order, all later than `newest` and none later than `now`: whole seconds,
    one apart, ending at `now`, when there is room for them; otherwise (thousands of events
    edited again within minutes, an edit within the second of the last) spread evenly between
    the two, to the microsecond, so that they still differ. Only a clock set back behind
    `newest` gives times after it: a microsecond apart, just after `newest`."""
    second, microsecond = timedelta(seconds=1), timedelta(microseconds=1)
    whole = now.replace(microsecond=0)
    if whole - newest >= count * second:
        return [whole - (count - 1 - i) * second for i in range(count)]
    room = max((now - newest) // microsecond, count)
    return [newest + (i + 1) * room // count * microsecond for i in range(count)]


def date_json(when: EventDate) -> dict[str, str | None]:
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
