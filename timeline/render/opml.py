"""OPML 2.0: every feed of the timeline in one file, to import into a reader in one step."""

from __future__ import annotations

from timeline.model import Timeline
from timeline.render.channel import View
from timeline.render.formats import OUTLINED

OPML = "timeline.opml"


def render(
    timeline: Timeline, views: tuple[View, ...], extra: tuple[tuple[str, str], ...]
) -> dict[str, bytes]:
    """The outline: the full timeline's feed, each tag's, and `extra` (stem, title) feeds, in the
    registry's outlined format (Atom)."""
    feeds = [(view.stem, view.title(timeline)) for view in views] + list(extra)
    outlines = [
        {
            "type": "rss",  # OPML's word for any feed, Atom included
            "text": title,
            "title": title,
            "xmlUrl": timeline.url(f"{stem}.{OUTLINED.suffix}"),
            "htmlUrl": timeline.base_url,
        }
        for stem, title in feeds
    ]
    return {OPML: outline(timeline.title, timeline.author.name, outlines).encode()}


def outline(title: str, owner: str | None, outlines: list[dict[str, str]]) -> str:
    """An OPML 2.0 document: its title, its owner's name if given, an outline of each
    attributes (a feed, each)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>"]
    lines.append(f"    <title>{_text(title)}</title>")
    if owner is not None:
        lines.append(f"    <ownerName>{_text(owner)}</ownerName>")
    lines += ["  </head>", "  <body>"]
    for attributes in outlines:
        lines.append("    <outline " + " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items()) + "/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return quoteattr(value)[1:-1]


def quoteattr(value: str) -> str:
    """xml.sax.saxutils.quoteattr, the same bytes (a test compares them), without importing
    urllib.request and http.client with it, a noticeable part of every `timeline build`'s start."""
    data = value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    data = data.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))
