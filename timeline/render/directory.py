"""The root of a service of several timelines (`timeline serve --folder`): a page listing them with
their feeds and calendars, and one OPML file of every timeline's feed, to import in one step.

Each timeline is listed by the name of its folder, which is also its address: `/<name>/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from timeline.model import Timeline
from timeline.render import opml
from timeline.render.formats import OUTLINED, VIEW_FORMATS
from timeline.render.pages import CONTENT_SECURITY_POLICY, STYLE

PAGE = "index.html"
OPML = "timelines.opml"
TITLE = "Timelines"

Listed = tuple[str, Timeline | None]  # a timeline's folder name; its timeline, None until it builds


def render(timelines: Sequence[Listed]) -> dict[str, bytes]:
    """The page and the OPML file, by name, for the timelines in the order given."""
    return {PAGE: _page(timelines).encode(), OPML: _outline(timelines).encode()}


def _page(timelines: Sequence[Listed]) -> str:
    # Every timeline ships the same style sheet: the first one's serves the list too.
    style = f'<link rel="stylesheet" href="{escape(timelines[0][0])}/{STYLE}">\n' if timelines else ""
    items = "".join(_item(name, timeline) for name, timeline in timelines)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        f"<title>{TITLE}</title>\n{style}"
        f'<link rel="alternate" type="text/x-opml" title="Every timeline\'s feed (OPML)" href="{OPML}">\n'
        f'</head>\n<body>\n<main>\n<h1>{TITLE}</h1>\n<ul class="timelines">\n{items}</ul>\n'
        f'<p><a href="{OPML}">Every timeline\'s feed in one file (OPML)</a>, '
        "to import into a feed reader.</p>\n"
        "</main>\n</body>\n</html>\n"
    )


def _item(name: str, timeline: Timeline | None) -> str:
    folder = escape(name)
    if timeline is None:
        return f"<li><h2>{folder}</h2><p>Not built yet: see /{folder}/healthz.</p></li>\n"
    links = " · ".join(
        f'<a href="{folder}/timeline.{output.suffix}" type="{output.essence}">{escape(output.short)}</a>'
        for output in VIEW_FORMATS
    )
    language = escape(timeline.language)
    return (
        f'<li lang="{language}"><h2><a href="{folder}/">{escape(timeline.title)}</a></h2>\n'
        f"<p>{escape(timeline.description)}</p>\n"
        f"<p>{len(timeline.events)} events · {links}</p></li>\n"
    )


def _outline(timelines: Sequence[Listed]) -> str:
    outlines = [
        {
            "type": "rss",  # OPML's word for any feed, Atom included
            "text": timeline.title,
            "title": timeline.title,
            "xmlUrl": timeline.url(f"timeline.{OUTLINED.suffix}"),
            "htmlUrl": timeline.base_url,
            "language": timeline.language,
        }
        for _, timeline in timelines
        if timeline is not None
    ]
    return opml.outline(TITLE, None, outlines)
