"""The history: per event, when it was first published, when it last changed, and how often
(update), kept in events.history.json beside the events file (store)."""

from timeline.history.facts import FACTS, facts_by_name
from timeline.history.store import FORMAT_VERSION, dumps, history_path, read, write
from timeline.history.tracking import MAX_CHANGES, content_hash, digest, update

__all__ = [
    "FACTS",
    "FORMAT_VERSION",
    "MAX_CHANGES",
    "content_hash",
    "digest",
    "dumps",
    "facts_by_name",
    "history_path",
    "read",
    "update",
    "write",
]
