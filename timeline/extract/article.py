"""An article's text and sentences: plain text as it is, HTML through trafilatura (which also
finds the publication date); sentences by pysbd (it keeps "Dec. 5-7" in one sentence)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from timeline.files import read_regular_file
from timeline.source.quotes import MAX_ARTICLE_BYTES

_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Text:
    text: str
    published: date | None = None  # as the page's metadata gives it (HTML only)


def read(path: Path) -> Text:
    """The article's text; ValueError says why it cannot be read."""
    raw = read_regular_file(path, MAX_ARTICLE_BYTES).decode("utf-8")
    if path.suffix.lower() in (".html", ".htm") or raw.lstrip()[:1] == "<":
        return _from_html(raw)
    return Text(raw)


def _from_html(html: str) -> Text:
    import trafilatura  # only for HTML: it brings lxml's HTML cleaner and htmldate

    text = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
    metadata = trafilatura.extract_metadata(html)
    published = None
    if metadata is not None and metadata.date:
        published = date.fromisoformat(metadata.date[:10])
    return Text(text, published)


def sentences(text: str) -> list[str]:
    """The text's sentences, each with its whitespace runs as one space, paragraph by paragraph
    (a hard-wrapped line is not a sentence's end)."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    found = []
    for paragraph in _PARAGRAPH.split(text):
        joined = " ".join(paragraph.split())
        if joined:
            found += [" ".join(s.split()) for s in segmenter.segment(joined) if s.strip()]
    return found
