"""Where a renderer names what a part of its output is made from, so that a build can reuse it.

A renderer is a pure function of the model and the history, with no cache of its own. A part of
its output that depends on less than the whole (an event's VEVENT, its <li>, a calendar's head)
it makes through `fragment(key, make)`, the key naming everything `make` reads; a list of such
parts through `each(kind, keys, make)`. Called as is, these only call `make`. The builder lends
them its cache for the length of a build (`lent`, with timeline.builder.memo), which hands back
what it made from the same key before: the bytes are the same either way, and
tests/builder/test_accelerators.py builds every output both ways and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class Key(tuple[Hashable, ...]):
    """A key whose hash is worked out once, not at each look-up: a run's key holds 32 events'
    versions, a view's all of them, and a build looks each up several times."""

    _hash: int

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = tuple.__hash__(self)
            return self._hash

    def __reduce__(self) -> tuple[type[Key], tuple[tuple[Hashable, ...]]]:
        return (Key, (tuple(self),))  # the hash is the process's own (Python salts str hashes)


class Cache(Protocol):
    """What a build lends the renderers: timeline.builder.memo.Memo."""

    def get(self, key: Hashable, make: Callable[[], T]) -> T: ...

    def in_runs(self, kind: Hashable, keys: Sequence[Hashable], make: Callable[[int], T]) -> list[T]: ...


# A context variable, not a global: the daemon's server renders filtered feeds in its own
# threads, outside any build, while the scheduler's thread builds.
_LENT: ContextVar[Cache | None] = ContextVar("the cache a build lends the renderers", default=None)


def fragment(key: Hashable, make: Callable[[], T]) -> T:
    """make(), or what the build's cache made from `key` before: `key` names everything `make`
    reads."""
    cache = _LENT.get()
    return make() if cache is None else cache.get(key, make)


def each(kind: Hashable, keys: Sequence[Hashable], make: Callable[[int], T]) -> list[T]:
    """[make(i) for each place i of `keys`], keys[i] naming everything make(i) reads; a build's
    cache remembers them by runs of consecutive items (see Memo.in_runs)."""
    cache = _LENT.get()
    if cache is None:
        return [make(place) for place in range(len(keys))]
    return cache.in_runs(kind, keys, make)


@contextmanager
def lent(cache: Cache) -> Iterator[None]:
    """Renderers called inside this block reuse what `cache` remembers (the builder's seam)."""
    token = _LENT.set(cache)
    try:
        yield
    finally:
        _LENT.reset(token)
