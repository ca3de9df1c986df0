"""A large output as the pieces it is made of, written one after another instead of joined.

The calendar and the page of 100,000 events are 100 MB each; joining their pieces would hold
the whole file in memory beside them.
"""

from __future__ import annotations


class Pieces(tuple[bytes | memoryview, ...]):
    """An output's bytes in order (some of them views into bytes held elsewhere, such as a
    remembered fragment); `joined()` gives them as one."""

    __slots__ = ()

    def joined(self) -> bytes:
        return b"".join(self)

    @property
    def size(self) -> int:
        return sum(map(len, self))


Content = bytes | Pieces  # what a renderer makes of one output


def whole(content: Content) -> bytes:
    """The output's bytes as one, whichever way it was made."""
    return content.joined() if isinstance(content, Pieces) else content
