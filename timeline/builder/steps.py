"""The steps of a build that the plain build (plain.py) and the daemon's (publish.py) share:
writing the history, turning a failed write into a message a person can act on, removing the
outputs no build makes any more."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from timeline.builder.outputs import remove_abandoned_temporaries
from timeline.errors import PublishError
from timeline.files import Stamp, folders_locked
from timeline.history import store
from timeline.model import History

# Outputs that depend on the day they are built for, not only on the events: never committed,
# never compared by --check.
DATED = frozenset({"on-this-day.atom", "on-this-day.rss", "on-this-day.json"})

# The folders only outputs live in: a file there that no build makes any more (the feeds of a
# tag no event has, an archive page beyond the last) is removed, even if no record names it.
_OUTPUT_FOLDERS = ("tags", "archive", "events", "years")


def write_history(history_file: Path, history: History) -> None:
    """Write the history store; a PublishError saying so when it cannot be."""
    try:
        store.write(history_file, history)
    except OSError as error:
        raise PublishError(
            f"{history_file}: cannot write the history store ({reason(error)}); no output was "
            "changed. Free some space or fix the folder's permissions, then build again."
        ) from None


@contextlib.contextmanager
def publishing(out: Path, history_file: Path, *, clean: bool = True) -> Iterator[None]:
    """Write into `out` and beside `history_file`: builds of one folder take turns (a `timeline
    build` beside the daemon's), so that what one finds half written there (with `clean`,
    removed) was left by a build that was killed, not another's work in progress; a failure to
    write is a PublishError naming the file."""
    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
        with folders_locked(out, history_file.parent):
            if clean:
                remove_abandoned_temporaries(out)
                remove_abandoned_temporaries(history_file.parent, f".{history_file.name}.*.tmp")
            yield


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Turn a failure to write an output into a PublishError naming it."""
    try:
        yield
    except OSError as error:
        raise PublishError(
            f"{error.filename or out}: cannot write ({reason(error)}); the outputs not yet written are "
            "untouched. Free some space or fix the folder's permissions, then build again."
        ) from None


def reason(error: OSError) -> str:
    return os.strerror(error.errno) if error.errno else str(error)


def remove_outputs_no_longer_made(
    out: Path, made_before: Collection[str], made: Mapping[str, Stamp], *, look: bool = True
) -> None:
    """Delete the outputs of earlier builds that this build did not make: never served again,
    they would otherwise answer 200 forever with what they held. With `look`, also those the
    output folders hold that `made_before` does not name."""
    ours: set[str] = set()
    # The output folders of each language's site too (vi/events/), named by what the builds made.
    sites = {name.split("/", 1)[0] for name in (*made, *made_before) if "/" in name} - set(_OUTPUT_FOLDERS)
    folders = [
        *_OUTPUT_FOLDERS,
        *(f"{site}/{folder}" for site in sorted(sites) for folder in _OUTPUT_FOLDERS),
    ]
    # As the folder lists them, no stat a file: events/ has two an event.
    for folder in folders if look else ():
        with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(out / folder) as listed:
            ours |= {
                f"{folder}/{entry.name}"
                for entry in listed
                if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False)
            }
    for name in sorted((set(made_before) | ours) - set(made) - DATED):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()
