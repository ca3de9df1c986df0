"""The plain data at the centre: a timeline of dated, sourced events (events), what the outputs
look up about them (index), and what the history knows of each (history). No I/O here."""

from timeline.model.events import (
    CHRONOLOGICAL,
    Article,
    Author,
    Certainty,
    DateOrder,
    Event,
    EventDate,
    Geo,
    Image,
    Precision,
    Source,
    Status,
    Timeline,
    TitleTranslation,
    Translation,
    degrees,
    event_path,
    marked_label,
    reviewed_only,
)
from timeline.model.history import EPOCH, Change, History, Revision, Version
from timeline.model.index import Index, carry_index, event_index
from timeline.model.kept import kept, remembered

__all__ = [
    "CHRONOLOGICAL",
    "EPOCH",
    "Article",
    "Author",
    "Certainty",
    "Change",
    "DateOrder",
    "Event",
    "EventDate",
    "Geo",
    "History",
    "Image",
    "Index",
    "Precision",
    "Revision",
    "Source",
    "Status",
    "Timeline",
    "TitleTranslation",
    "Translation",
    "Version",
    "carry_index",
    "degrees",
    "event_index",
    "event_path",
    "kept",
    "marked_label",
    "remembered",
    "reviewed_only",
]
