"""What a publish to a bucket does, worked out before anything is sent: which objects to upload, in
which order, which to delete, and with which headers. Pure: the outputs and the bucket's last
state in, the plan out.

The order never shows a reader a link to an object not yet there. An object new to the bucket
is linked only from objects that change with it (an object that gains a link changes), so every
new object goes up first, pages before feeds; then the changed pages; then the changed feeds,
calendars, the timeline page and the OPML, which readers and their programs start from; the
deletions last, once nothing uploaded links to what they remove.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from timeline.render.formats import BY_SUFFIX, media_type

# Archive pages (RFC 5005) change only when one of their events is edited, and the subscription
# feed repeats what changed: a week in a cache costs a reader nothing.
ARCHIVE_SECONDS = 7 * 24 * 3600
# What a reader's program starts from: never uploaded before the pages it links to.
_ENTRY_PAGES = ("index.html",)


@dataclass(frozen=True)
class Entry:
    """One object as published: its content's SHA-256 and the headers it is served with."""

    sha256: str
    media_type: str
    cache_control: str


def entry(name: str, sha256: str, max_age: int) -> Entry:
    """The object an output becomes: its media type from the format registry, and how long a
    cache may keep it."""
    seconds = ARCHIVE_SECONDS if name.startswith("archive/") else max(max_age, 1)
    return Entry(sha256, media_type(name), f"public, max-age={seconds}")


@dataclass(frozen=True)
class State:
    """What the bucket holds as the last publish left it: each object's entry, and `pending`,
    the names a publish was interrupted at (uploaded, deleted or neither: done again next time)."""

    objects: dict[str, Entry] = field(default_factory=dict)
    pending: frozenset[str] = frozenset()

    def to_json(self) -> bytes:
        objects = {n: [e.sha256, e.media_type, e.cache_control] for n, e in sorted(self.objects.items())}
        return json.dumps({"objects": objects, "pending": sorted(self.pending)}, indent=0).encode()

    @classmethod
    def from_json(cls, data: bytes) -> State:
        """The state written by to_json; an empty one for anything else (everything is then
        uploaded again, which is safe)."""
        try:
            loaded = json.loads(data)
            objects = {str(name): Entry(*map(str, fields)) for name, fields in loaded["objects"].items()}
            return cls(objects, frozenset(map(str, loaded["pending"])))
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def interrupted_at(self, plan: Plan) -> State:
        """This state with the plan's names pending: what the bucket holds if a publish stops
        anywhere in it."""
        touched = set(plan.uploads) | set(plan.deletions)
        kept = {name: e for name, e in self.objects.items() if name not in touched}
        return State(kept, self.pending | touched)


@dataclass(frozen=True)
class Plan:
    uploads: tuple[str, ...]  # in the order they go up
    deletions: tuple[str, ...]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletions


def plan(local: dict[str, Entry], state: State) -> Plan:
    """How to make the bucket hold `local` (by name) when it holds `state`."""
    upload = [name for name, e in local.items() if name in state.pending or state.objects.get(name) != e]
    gone = (set(state.objects) | state.pending) - set(local)
    ordered = sorted(upload, key=lambda name: (_rank(name, name in state.objects), name))
    return Plan(tuple(ordered), tuple(sorted(gone)), len(local) - len(upload))


def _rank(name: str, there_before: bool) -> int:
    return 2 * there_before + _is_entry(name)


def _is_entry(name: str) -> bool:
    """A feed, a calendar, the timeline page (in any of its languages: `vi/index.html`) or the
    OPML: what links out to the pages."""
    output = BY_SUFFIX[name.rsplit(".", 1)[-1]]
    page = name.rsplit("/", 1)[-1]
    return output.feed or output.calendar or output.suffix == "opml" or page in _ENTRY_PAGES
