"""Rendered fragments remembered from one build to the next, by what they were made from.

A fragment (an event's VEVENT, its HTML) is a pure function of its key, so reusing it changes
no byte; it only saves the work. What a build did not ask for is forgotten after it, except the
parts of a fragment it reused whole: a view rendered again from memory still holds its events'
VEVENTs for the build that next edits one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import partial
from itertools import islice
from typing import TypeVar

from timeline.render.fragments import Key

T = TypeVar("T")
# What a forked worker hands back: the fragments it made; what each is made of, as places in
# the last build (see made_since) and keys it made; the places of the fragments it reused.
Made = tuple[list[tuple[Hashable, object]], dict[Hashable, tuple[list[int], list[Hashable]]], list[int]]
NOTHING_MADE: Made = ([], {}, [])  # what a worker hands back when nothing is to be kept
_NOTHING = object()
# A run of items (see Memo.in_runs) ends after an item whose key's hash has these bits clear.
_RUN_END = 31


class Memo:
    def __init__(self) -> None:
        self._previous: dict[Hashable, object] = {}
        self._current: dict[Hashable, object] = {}
        # The keys asked for while a fragment was made, by the fragment's key.
        self._previous_parts: dict[Hashable, list[Hashable]] = {}
        self._current_parts: dict[Hashable, list[Hashable]] = {}
        self._making: list[list[Hashable]] = []
        self._outer: set[Hashable] = set()  # the keys this build asked for not while making another
        self._run_items: set[Hashable] = set()  # the keys asked for while making a run
        self._scope: Hashable = None  # what every fragment remembered was made under (see within)
        self._languages: dict[str, Memo] = {}  # the timeline's other languages' (see in_language)

    def get(self, key: Hashable, make: Callable[[], T], valid: Callable[[T], bool] | None = None) -> T:
        """The fragment for `key`, made only if neither this build nor the last one made it, or
        if `valid` says the one remembered no longer holds (an output file changed on disk)."""
        if self._making:
            self._making[-1].append(key)
        else:
            self._outer.add(key)
        value: T = self._current.get(key, _NOTHING)  # type: ignore[assignment]
        if value is not _NOTHING:
            if valid is None or valid(value):
                return value
        else:
            value = self._previous.get(key, _NOTHING)  # type: ignore[assignment]
            if value is not _NOTHING and (valid is None or valid(value)):
                self._carry(key, value)
                return value
        self._making.append([])
        try:
            value = make()
        finally:
            parts = self._making.pop()
        self._current[key] = value
        if parts:
            self._current_parts[key] = parts
        return value

    def in_runs(self, kind: Hashable, keys: Sequence[Hashable], make: Callable[[int], T]) -> list[T]:
        """[make(i) for each place i of `keys`], where keys[i] names everything make(i) is made
        from, remembered by runs of consecutive items: asking again costs a look-up a run, not
        an item, and an edit makes again only the run it falls in (whose other items `make`
        may take from the memo one by one). A run ends after an item whose key's hash ends in
        five clear bits, about 32 items, so an item added or removed moves no other run."""
        made: list[T] = []
        start = 0
        ends = [place + 1 for place, code in enumerate(map(hash, keys)) if not code & _RUN_END]
        for end in (*ends, len(keys)):
            if end > start:
                made += self.get(Key((kind, *keys[start:end])), partial(self._run, make, start, end))
                start = end
        return made

    def _run(self, make: Callable[[int], T], start: int, end: int) -> tuple[T, ...]:
        made = tuple([make(place) for place in range(start, end)])  # a tuple: see made_since
        # What its items asked for are not the run's parts: a run reused whole need not keep
        # them (walking them was most of what reusing the runs of 10,000 events cost), and an
        # edit makes its run again, item by item at worst. Nor does a worker hand them back.
        asked = self._making[-1]
        self._run_items.update(asked)
        asked.clear()
        return made

    def _carry(self, key: Hashable, value: object) -> None:
        """Carry a fragment of the last build, not yet in this one, into it, with its parts.
        (A key is looked up once a step: a run's key is hashed in Python, see Key.)"""
        self._current[key] = value
        parts = self._previous_parts.get(key)
        if parts:
            self._current_parts[key] = parts
            self._keep(parts)

    def _keep(self, keys: list[Hashable]) -> None:
        """Carry fragments of the last build into this one, with the parts they were made of;
        those already carried are passed over."""
        current, previous = self._current, self._previous
        current_parts, previous_parts = self._current_parts, self._previous_parts
        pending = list(keys)
        # Checked as taken, not as added: an unchanged rebuild of a large timeline keeps hundreds
        # of thousands of parts, and testing each before adding it was a pass too many.
        while pending:
            key = pending.pop()
            if key in current or key not in previous:
                continue
            current[key] = previous[key]
            parts = previous_parts.get(key)
            if parts:
                current_parts[key] = parts
                pending.extend(parts)

    def remembers(self) -> bool:
        """Whether the last build left anything to reuse."""
        return bool(self._previous)

    def in_worker(self) -> None:
        """Ask from here on as a forked worker: the fragments being made when it was forked are
        the parent's to finish, so what the worker asks is its own, for made_since()."""
        self._making = []

    def mark(self) -> int:
        """A point in this build, to ask later what was made after it (see made_since)."""
        return len(self._current)

    def made_since(self, mark: int) -> Made:
        """What this build asked for after `mark`, for a forked worker to hand back: the fragments
        it made that were asked for directly, and the parts it made that are text (a calendar's
        head) or tuples of plain values (a run of VEVENTs, the axis's lanes), with what each is
        made of; and which of the last build's fragments it reused. Parts that are objects (a
        feed entry) are left out: pickling them costs more than making them again when their
        fragment changes; so are the items of runs, whose bytes go with their run.

        The last build's fragments are named by their place in it, which the parent shares:
        after an edit, pickling the keys of thousands of reused articles cost more than it saved."""
        place = {key: number for number, key in enumerate(self._previous)}
        run_items = self._run_items  # in the runs handed back: a VEVENT's bytes, not its key
        items: list[tuple[Hashable, object]] = []
        kept: list[int] = []
        for key, value in islice(self._current.items(), mark, None):
            if self._previous.get(key, _NOTHING) is value:
                kept.append(place[key])
            elif key in self._outer or (isinstance(value, str | bytes | tuple) and key not in run_items):
                items.append((key, value))
        return items, self._parts_handed({key for key, _ in items}, place), kept

    def _parts_handed(
        self, handed: set[Hashable], place: dict[Hashable, int]
    ) -> dict[Hashable, tuple[list[int], list[Hashable]]]:
        """What each fragment handed back is made of: the last build's parts by their place in
        it, and the parts handed back with it."""
        parts = {}
        for key in handed & self._current_parts.keys():
            made_of = self._current_parts[key]
            old = [place[part] for part in made_of if part in place]
            parts[key] = (old, [part for part in made_of if part in handed and part not in place])
        return parts

    def adopt(self, made: Made) -> None:
        """Take fragments made elsewhere (by a forked worker) as if this build had made them,
        and keep those of the last build it reused, which this process remembers too."""
        items, parts, kept = made
        last = list(self._previous)
        reused = [last[number] for number in kept]
        self._current.update(items)
        for key, (old, new) in parts.items():
            self._current_parts[key] = [last[number] for number in old] + new
        self._keep(reused + [last[number] for old, _ in parts.values() for number in old])
        asked = [key for key, _ in items] + reused
        if self._making:  # adopted while making a fragment: they are its parts, as if asked here
            self._making[-1].extend(asked)
        else:
            self._outer.update(asked)

    def keep_all(self) -> None:
        """The build under way failed: the next one keeps what it used and what the one before
        used too. A build refused for a bad file uses nothing, and the good build after it would
        otherwise make every fragment again."""
        self._current = {**self._previous, **self._current}
        self._current_parts = {**self._previous_parts, **self._current_parts}
        for memo in self._languages.values():
            memo.keep_all()

    def in_language(self, language: str) -> Memo:
        """The memo of the timeline as published in another of its languages: its fragments
        are that language's, kept from build to build with this one's."""
        if language not in self._languages:
            self._languages[language] = type(self)()
        return self._languages[language]

    def within(self, scope: Hashable) -> None:
        """Say what this build's fragments are all made under (the timeline's settings, see
        timeline.builder.publish): what was made under another scope is forgotten, so no key need
        name a setting, and none can forget one."""
        if scope != self._scope:
            self._scope = scope
            self._previous, self._previous_parts = {}, {}

    def next_build(self) -> None:
        """Start a new build: keep what the last one used, drop the rest."""
        self._previous, self._current = self._current, {}
        self._previous_parts, self._current_parts = self._current_parts, {}
        self._outer, self._run_items = set(), set()
        for memo in self._languages.values():
            memo.next_build()


class Forgetful(Memo):
    """A memo that remembers nothing: every fragment is made when asked for (the fragment cache
    switched off, see Accelerators)."""

    def get(self, key: Hashable, make: Callable[[], T], valid: Callable[[T], bool] | None = None) -> T:
        return make()

    def in_runs(self, kind: Hashable, keys: Sequence[Hashable], make: Callable[[int], T]) -> list[T]:
        return [make(place) for place in range(len(keys))]

    def remembers(self) -> bool:
        return False
