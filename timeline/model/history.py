"""What the history knows of each event, and of each change: the plain data of events.history.json."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter

from timeline.model.events import Event, EventDate
from timeline.model.kept import kept

Version = tuple[str, str, int, datetime]  # see Revision.version


@dataclass(frozen=True)
class Revision:
    """What the history knows of one event: when it was first published and last changed.

    `title` and `date` are kept so that a removed event can still be announced as cancelled.
    """

    event_id: str
    content_hash: str
    first_published: datetime
    last_changed: datetime
    sequence: int
    title: str
    date: EventDate
    removed: datetime | None = None
    tags: tuple[str, ...] = ()
    # What a reader sees of the event, compact (long texts as digests), to say what changed.
    facts: str = ""  # the values of history.FACTS, joined by U+001F

    @kept
    def version(self) -> Version:
        """What names this version of the event: its content hash covers every field, the
        sequence and time the stamps. Rendered pieces are remembered under it."""
        return (self.event_id, self.content_hash, self.sequence, self.last_changed)


@dataclass(frozen=True)
class Change:
    """One real change to the timeline, as the changes feed announces it. What its entry says
    is settled when the change is made: a reader keeps the entry, and whatever later happens
    to the event (edited, removed, put back) must not rewrite it."""

    at: datetime
    event_id: str  # "" for a notice
    kind: str  # added, changed, removed or restored; or notice: a change to the site itself
    sequence: int
    name: str  # the event as the entry names it then: "1987: IOM begins working in Vietnam"
    # Where the entry points, under the base URL: the event's page (or "#<event id>", on the
    # timeline's page, before events had pages), or "" for the timeline's page.
    link: str
    details: tuple[str, ...] = ()
    notice: str = ""  # which notice (see history.tracking.NOTICES)


@dataclass(frozen=True)
class History:
    """Revisions by event id. Timestamps in the outputs come from here, never from the clock."""

    revisions: tuple[Revision, ...] = ()
    changes: tuple[Change, ...] = ()
    # (event id, last sequence) of removed events forgotten after the grace period
    forgotten: tuple[tuple[str, int], ...] = ()
    notices: tuple[str, ...] = ()  # the notices given (see history.tracking.NOTICES)
    # The history of each of the timeline's other languages, by language: what was published
    # in it, and when (see timeline.model.languages).
    languages: tuple[tuple[str, History], ...] = ()

    def in_language(self, language: str) -> History:
        """The history of the timeline as published in `language`, one of its other languages."""
        return next((kept for name, kept in self.languages if name == language), _EMPTY)

    def get(self, event_id: str) -> Revision:
        return self._by_id[event_id]

    def by_id(self) -> dict[str, Revision]:
        """The revisions by event id: a copy to change at will (made in C from the one kept)."""
        return dict(self._by_id)

    def versions(self) -> dict[str, Version]:
        """Each event's Revision.version by id: a build looks up every event's, view by view."""
        return self._versions

    def versions_of(self, events: tuple[Event, ...]) -> tuple[Version, ...]:
        """Each event's Revision.version, in order: kept for the very tuple asked about (a
        timeline's events, a view's), which a build asks about for each output it makes."""
        held = self._versions_of.get(id(events))
        if held is None or held[0] is not events:
            versions = tuple(map(self._versions.__getitem__, map(attrgetter("id"), events)))
            held = self._versions_of[id(events)] = (events, versions)
        return held[1]

    def removed(self) -> tuple[Revision, ...]:
        """Events taken out of the timeline that calendars must still hear were cancelled."""
        return self._removed

    def newest_change(self, event_ids: frozenset[str] | None = None) -> datetime:
        """When anything (or any of `event_ids`) last changed: a feed's `updated`."""
        if event_ids is None:
            return self._newest_change
        return max((r.last_changed for r in self.revisions if r.event_id in event_ids), default=EPOCH)

    # Worked out once per object (the history is frozen) and read by every output, event by
    # event; in one pass over the revisions, which lie scattered in memory (see event_index).
    @property
    def _by_id(self) -> dict[str, Revision]:
        return self._lookups[0]

    @property
    def _versions(self) -> dict[str, Version]:
        return self._lookups[1]

    @property
    def _newest_change(self) -> datetime:
        return self._lookups[2]

    @property
    def _removed(self) -> tuple[Revision, ...]:
        return self._lookups[3]

    @kept
    def _lookups(self) -> tuple[dict[str, Revision], dict[str, Version], datetime, tuple[Revision, ...]]:
        by_id: dict[str, Revision] = {}
        versions: dict[str, Version] = {}
        newest: datetime | None = None
        removed: list[Revision] = []
        for revision in self.revisions:
            by_id[revision.event_id] = revision
            versions[revision.event_id] = revision.version
            if newest is None or revision.last_changed > newest:
                newest = revision.last_changed
            if revision.removed is not None:
                removed.append(revision)
        return by_id, versions, EPOCH if newest is None else newest, tuple(removed)

    @kept
    def _versions_of(self) -> dict[int, tuple[tuple[Event, ...], tuple[Version, ...]]]:
        return {}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_EMPTY = History()
