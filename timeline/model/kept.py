"""Values worked out once per model object and kept on it: the model is frozen, so they cannot
go stale, and every output asks for the same ones, for every event of every build."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

Owner = TypeVar("Owner")
T = TypeVar("T")


def remembered(owner: Owner, name: str, compute: Callable[[Owner], T]) -> T:
    """`compute(owner)`, worked out once per object and kept on it: the model's objects are frozen
    (so the value cannot go stale) and asked for the same derived values by every output, for
    every event of every build (so no closure is made to ask)."""
    try:
        return owner.__dict__[name]  # type: ignore[no-any-return]
    except KeyError:
        value = compute(owner)
        object.__setattr__(owner, name, value)
        return value


class kept(Generic[Owner, T]):
    """functools.cached_property without its lock: Python 3.11 takes one at every first look,
    and a build looks at each of 100,000 events' dates and revisions for the first time (a
    third of the time of such a pass). The value is kept in the object's __dict__, which
    answers every later look without calling here."""

    def __init__(self, compute: Callable[[Owner], T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type[Owner], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: Any = None) -> kept[Owner, T]: ...
    @overload
    def __get__(self, instance: Owner, owner: Any = None) -> T: ...
    def __get__(self, instance: Owner | None, owner: Any = None) -> T | kept[Owner, T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value
