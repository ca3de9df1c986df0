"""The accelerators, each of which can be switched off: the seam the builder owns.

Each one only saves work; none changes a byte of any output (tests/builder/test_accelerators.py builds
with all of them and with none and compares every file). `TIMELINE_PLAIN=1` switches them all
off, `TIMELINE_WORKERS=1` the second core alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Accelerators:
    # Reread only the events whose text changed since the last load (timeline.source.reload).
    incremental_reparse: bool = True
    # Read each event with rapidyaml straight into the model (timeline.source.quick_event); what it
    # leaves, and every problem, the full way (libyaml, timeline.source.compose and the loader).
    quick_readers: bool = True
    # Keep rendered fragments between views and builds (timeline.builder.memo).
    fragment_cache: bool = True
    # Share a large parse or build with a forked worker (timeline.builder.second_core).
    second_core: bool = True
    # Skip a `timeline build` whose inputs, code and outputs are all as recorded (timeline.builder.record).
    skip_unchanged_builds: bool = True
    # Remember what the last build left in the folder, for the next build of the same process
    # (timeline.builder.record.Remembered).
    remembered_folder: bool = True
    # A large timeline's daemon leaves each event's own page and calendar to be made when first
    # asked for, instead of writing two files an event before it serves (Publisher's
    # pages_on_request; `timeline build` and `publish` always write them).
    pages_on_request: bool = True


NONE = Accelerators(False, False, False, False, False, False, False)


def from_environment() -> Accelerators:
    """All of them, unless TIMELINE_PLAIN=1 says none."""
    return NONE if os.environ.get("TIMELINE_PLAIN") == "1" else Accelerators()
