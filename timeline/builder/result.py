"""What a build did: the model it built from, and which outputs it made and wrote."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from timeline.files import Stamp
from timeline.model import History, Timeline
from timeline.render.pieces import Content


@dataclass(frozen=True)
class BuildResult:
    """What a build did: every output's file name, and which of them it wrote (or, with
    --check, which are stale)."""

    timeline: Timeline
    history: History
    files: tuple[str, ...]
    written: tuple[str, ...] = ()
    stale: tuple[str, ...] = field(default=())
    # The bytes of those written, when asked for (see build's hand_over): the ones this process
    # wrote, not a second core's.
    made: Mapping[str, Content] = field(default_factory=dict)
    stamps: Mapping[str, Stamp] = field(default_factory=dict)  # each output as the build left it
    # The articles the quotes were checked against, with their stamps; None: not checked.
    articles: Mapping[Path, Stamp | None] | None = None
    # Whether the events' own pages and calendars were left to be made when asked for
    # (timeline.render.own_pages): none of them is among `files`.
    pages_on_request: bool = False

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(name for name in self.files if name not in self.written)
