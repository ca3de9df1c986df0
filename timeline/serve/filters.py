"""Filtered feeds asked for in a URL: `/timeline.atom?tag=council&from=2010&to=2011&limit=5`.

The same parameters mean the same in every format. A query is canonicalised (keys sorted,
dates written out) so that one filter is one cache entry and one ETag, whatever order or form
the client wrote it in. Anything unknown or malformed is refused with a message saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from timeline.model import History, Timeline
from timeline.render import embed
from timeline.render.channel import View
from timeline.render.formats import BY_SUFFIX, VIEW_FORMATS, ViewToRender
from timeline.render.pieces import whole

FORMATS = tuple(f.suffix for f in VIEW_FORMATS)  # a filter is a view: in every view format
MAX_LIMIT = 1000
# ASCII digits only: \d would also take 2011 in Arabic-Indic or full-width digits, so one
# filter would have several spellings (and ETags).
_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?\Z")
_LIMIT = re.compile(r"[0-9]{1,4}\Z")


class FilterError(ValueError):
    """The query cannot be served; the message says what to change."""


@dataclass(frozen=True)
class Filter:
    tag: str | None = None
    start: date | None = None
    end: date | None = None  # exclusive
    limit: int | None = None
    canonical: str = ""


def parse(query: str, timeline: Timeline) -> Filter:
    """The filter a query string asks for; FilterError when any part of it is wrong."""
    given = _pairs(query)
    tag = given.get("tag")
    known = sorted({t for event in timeline.events for t in event.tags})
    if tag is not None and tag not in known:
        raise FilterError(f'unknown tag "{tag}"; known tags: {", ".join(known) or "none"}')
    start = _period(given["from"], "from")[0] if "from" in given else None
    end = _period(given["to"], "to")[1] if "to" in given else None
    if start is not None and end is not None and end <= start:
        raise FilterError('"to" is before "from"')
    limit = _limit(given["limit"]) if "limit" in given else None
    canonical = {"tag": tag, "from": given.get("from"), "to": given.get("to"), "limit": limit}
    written = {key: str(value) for key, value in canonical.items() if value is not None}
    return Filter(tag, start, end, limit, urlencode(sorted(written.items())))


def _pairs(query: str) -> dict[str, str]:
    """The query's parameters by name: each known, given once and not empty."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True, max_num_fields=10)
    except ValueError:
        raise FilterError("the query string is malformed; write key=value pairs joined by &") from None
    given: dict[str, str] = {}
    for key, value in pairs:
        if key not in ("tag", "from", "to", "limit"):
            raise FilterError(f'unknown parameter "{key}"; use tag, from, to or limit')
        if key in given:
            raise FilterError(f'"{key}" is given twice; give it once')
        if not value:
            raise FilterError(f'"{key}" is empty')
        given[key] = value
    return given


def _limit(value: str) -> int:
    if not _LIMIT.match(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise FilterError(f'"limit" must be a whole number from 1 to {MAX_LIMIT}')
    return int(value)


def render(timeline: Timeline, history: History, chosen: Filter, extension: str) -> bytes:
    """The filtered document in one format (or, for "html", the page to embed, embed.html):
    the same ids and UIDs as the full outputs."""
    view = View("timeline", chosen.tag, chosen.start, chosen.end, chosen.limit, chosen.canonical)
    if extension == "html":
        shown = chosen.limit or embed.LATEST
        return whole(embed.render(view.select(timeline), history, chosen.canonical, shown)[embed.EMBED])
    render = BY_SUFFIX[extension].render_view
    assert render is not None  # FORMATS are the view formats
    return whole(render(ViewToRender(timeline, history, view, view.select(timeline))))


def _period(value: str, key: str) -> tuple[date, date]:
    """The first day of a year, month or day, and the first day after it."""
    match = _PERIOD.match(value)
    if not match:
        raise FilterError(f'"{key}" must be a year, month or day: YYYY, YYYY-MM or YYYY-MM-DD')
    year, month, day = int(match[1]), match[2], match[3]
    try:
        if day is not None:
            first = date(year, int(month or 0), int(day))
            return first, date.fromordinal(first.toordinal() + 1)
        if month is not None:
            first = date(year, int(month), 1)
            return first, date(year + 1, 1, 1) if first.month == 12 else date(year, first.month + 1, 1)
        return date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError:
        raise FilterError(f'"{key}" is not a real date: {value}') from None
