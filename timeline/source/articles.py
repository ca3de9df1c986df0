"""An article's text, decided once for every use: the text a quote is checked against is the
text `extract` drafts from. Plain text as it is; HTML through trafilatura (the only module that
imports it), which finds the article's text among the page's menus and footers, and its
publication date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from timeline.files import read_regular_file

MAX_ARTICLE_BYTES = 4 * 2**20


@dataclass(frozen=True)
class Text:
    text: str
    published: date | None = None  # as the page's metadata gives it (HTML only)


def read(path: Path) -> Text:
    """The article's text. Raises what reading it does (timeline.files), or UnicodeDecodeError."""
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
