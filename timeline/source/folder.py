"""A folder of timelines (`timeline build --folder`, `timeline serve --folder`): which of its
subfolders are timelines, and where each one's events and outputs are."""

from __future__ import annotations

import re
from pathlib import Path

EVENTS = "events.yaml"
OUT = "feeds"
# A folder's name is its address: one path segment, lowercase, no dot (so never index.html or
# timelines.opml, the root's own files); "healthz" is the root's too.
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
RESERVED = frozenset({"healthz"})


def timelines_in(folder: Path) -> tuple[list[str], list[str]]:
    """The names of the timelines in `folder`, sorted: its subfolders (not links to elsewhere)
    that hold an events.yaml and whose name can be an address; and those that would be one but
    for their name."""
    found, misnamed = [], []
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink() or not entry.is_dir() or not (entry / EVENTS).is_file():
            continue
        if NAME.fullmatch(entry.name) and entry.name not in RESERVED:
            found.append(entry.name)
        else:
            misnamed.append(entry.name)
    return found, misnamed


def misnamed_message(folder: Path, name: str) -> str:
    return (
        f"{folder / name}: skipped: a timeline's folder name is its address, of lowercase letters, "
        "digits, '-' and '_' (and not 'healthz'); rename it"
    )
