"""The timeline page, index.html: Jinja2 with autoescaping (the only module that imports it)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Hashable
from dataclasses import replace
from itertools import chain, groupby, repeat

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from timeline.model import Certainty, Event, History, Status, Timeline, event_index
from timeline.render import axis, prose
from timeline.render.channel import views
from timeline.render.formats import OUTLINED, VIEW_FORMATS, subscriptions
from timeline.render.fragments import Key, each, fragment
from timeline.render.ical import ANNIVERSARIES
from timeline.render.opml import OPML
from timeline.render.pieces import Content, Pieces

PAGE = "index.html"
_SLOT = Markup("\x00")  # where a year's articles go

_environment = Environment(
    loader=PackageLoader("timeline", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _content_security_policy() -> str:
    """The page's policy: nothing but its own inline style and script (by their hashes), so that
    nothing a user string might smuggle in can run or load."""
    source = _environment.loader.get_source(_environment, "timeline.html.j2")[0]  # type: ignore[union-attr]
    hashes = {}
    for element in ("style", "script"):
        match = re.search(f"<{element}>(.*?)</{element}>", source, re.DOTALL)
        assert match is not None and "{" + "{" not in match[1], element  # static, so hashed once
        hashes[element] = base64.b64encode(hashlib.sha256(match[1].encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{hashes['style']}'; script-src 'sha256-{hashes['script']}'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'"
    )


CONTENT_SECURITY_POLICY = _content_security_policy()


def key(timeline: Timeline, history: History) -> Hashable:
    """Everything the page shows: it need not be made again while this stays the same."""
    versions = history.versions_of(timeline.events)
    return Key(("page", replace(timeline, events=()), versions, history.newest_change()))


def render(timeline: Timeline, history: History) -> dict[str, Content]:
    """The page: the axis, how to subscribe, and every event under its year, oldest first.

    Its articles are fragments, one by one and by runs (see timeline.render.fragments)."""
    base = timeline.base_url
    events = timeline.events
    versions = history.versions_of(events)

    def one(place: int) -> bytes:
        event = events[place]
        # The content hash covers every field of the event; the site the rest.
        key = ("article", event.id, versions[place][1], base)
        # Remembered as UTF-8 (half the memory of Python's text for Vietnamese), joined as is.
        return fragment(key, lambda: _article(event, timeline).encode())

    articles = each(("articles", base), versions, one)
    years = [(year, len(list(same))) for year, same in groupby(event_index(timeline).years)]
    webcal = "webcal://" + timeline.base_url.split("://", 1)[1]
    alternates = [(f.essence, f.short, timeline.url(f"timeline.{f.suffix}")) for f in VIEW_FORMATS]
    subscribe = subscriptions("timeline", timeline.url, lambda name: webcal + name)
    subscribe += [
        ("Anniversaries", webcal + ANNIVERSARIES),
        ("What changed", timeline.url("changes.atom")),
        ("On this day", timeline.url("on-this-day.atom")),
        ("All feeds (OPML)", timeline.url(OPML)),
    ]
    tags = [view.tag for view in views(timeline) if view.tag]
    page = _environment.get_template("timeline.html.j2").render(
        timeline=timeline,
        years=[(year, _SLOT) for year, _ in years],
        # Built by axis.svg from escaped parts only.
        axis=Markup(axis.svg(timeline)),
        updated=history.newest_change(),
        alternates=alternates,
        subscribe=subscribe,
        tags=tags,
        tag_feed_suffix=OUTLINED.suffix,
        content_security_policy=CONTENT_SECURITY_POLICY,
    )
    # The page is rendered with a slot for each year's articles, a line each, then their bytes
    # go into the slots: a page of 100,000 events is never held as Python text.
    around = page.encode().split(_SLOT.encode())
    assert len(around) == len(years) + 1  # NUL cannot be in the page: the loader refuses it
    pieces = [around[0]]
    start = 0
    for (_, count), after in zip(years, around[1:], strict=True):
        pieces += chain.from_iterable(zip(articles[start : start + count], repeat(b"\n")))
        pieces[-1] = after  # the template ends the last line
        start += count
    return {PAGE: Pieces(pieces)}


def _article(event: Event, timeline: Timeline) -> str:
    """One event's <li>, every user string escaped and isolated in a <bdi> (a right-to-left
    override in a title must not reverse the text after it). Written here rather than as a
    template: a page holds every event, and Jinja2's per-call overhead was two thirds of its cost."""
    inferred = event.certainty is not Certainty.STATED
    classes = (
        "event" + (" inferred" if inferred else "") + (" planned" if event.status is Status.PLANNED else "")
    )
    badges = ""
    if inferred:
        badges += f'<span class="badge inferred">{_escape(event.certainty.value)}</span>'
    if event.status is Status.PLANNED:
        badges += '<span class="badge planned">planned</span>'
    if event.status is Status.CANCELLED:
        badges += '<span class="badge cancelled">cancelled</span>'
    extras = ""
    if event.location:
        extras += f'<p class="where"><strong>Where:</strong> <bdi>{_escape(event.location)}</bdi></p>'
    if event.date_note:
        extras += (
            f'<p class="note"><strong>About the date:</strong> <bdi>{_escape(event.date_note)}</bdi></p>'
        )
    if event.tags:
        links = "".join(
            f'<a href="{_escape(timeline.url(f"tags/{tag}.atom"))}">#{_escape(tag)}</a>' for tag in event.tags
        )  # tags are slugs: ASCII letters, digits and hyphens
        extras += f'<p class="event-tags">{links}</p>'
    sources = ""
    for source in event.sources:
        name = f"<bdi>{_escape(prose.source_name(source))}</bdi>"
        if source.article.url:
            name = f'<a href="{_escape(source.article.url)}">{name}</a>'
        sources += (
            f"          <blockquote><bdi>{_escape(source.quote)}</bdi></blockquote>\n"
            f"          <cite>{name}</cite>\n"
        )
    plural = "s" if len(event.sources) > 1 else ""
    identifier = _escape(event.id)
    return (
        "    <li>\n"
        f'      <article class="{classes}" id="{identifier}">\n'
        f'        <p class="when"><time datetime="{_escape(prose.date_json(event.date)["start"])}">'
        f"{_escape(event.date.label())}</time>\n"
        f"{badges}        </p>\n"
        f'        <h3><a href="#{identifier}"><bdi>{_escape(event.title)}</bdi></a></h3>\n'
        f"        <p><bdi>{_escape(event.summary)}</bdi></p>\n"
        f"{extras}        <details>\n"
        f"          <summary>Source{plural} ({len(event.sources)})</summary>\n"
        f"{sources}"
        "        </details>\n"
        "      </article>\n"
        "    </li>"
    )


def _escape(text: str) -> str:
    # markupsafe.escape's result as plain text, without making a Markup object for each of a
    # million strings at 100,000 events (the tests compare the two).
    if _SPECIAL.search(text) is None:
        return text
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


_SPECIAL = re.compile("[&<>'\"]")
