"""Rendered fragments remembered from one build to the next, by what they were made from.

A fragment (an event's VEVENT, its HTML) is a pure function of its key, so reusing it changes
no byte; it only saves the work. What a build did not ask for is forgotten after it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Memo:
    def __init__(self) -> None:
        self._previous: dict[Hashable, object] = {}
        self._current: dict[Hashable, object] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The fragment for `key`, made only if neither this build nor the last one made it."""
        try:
            return self._current[key]  # type: ignore[return-value]
        except KeyError:
            value = self._previous[key] if key in self._previous else make()
            self._current[key] = value
            return value  # type: ignore[return-value]

    def next_build(self) -> None:
        """Start a new build: keep what the last one used, drop the rest."""
        self._previous, self._current = self._current, {}
