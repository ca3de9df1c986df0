"""Every output format, declared once: the registry.

A format is a file suffix, the media type it is served with, what the page and the log call it,
and, for the formats every view is published in (the whole timeline, each tag, each filter
asked for in a URL), how a view is rendered. The builder, the filters, the snapshot the server
answers from, the page's links, the OPML, the daemon's log and the tests (deploy/nginx.conf's
types among them) read it: adding a format is its renderer module and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from timeline.model import History, Timeline
from timeline.model.languages import Words, marked
from timeline.render import feeds, ical, jsonfeed
from timeline.render.channel import Channel, View, events_channel
from timeline.render.pieces import Content


@dataclass
class ViewToRender:
    """One view of the timeline, as every view format renders it: `selected` is its events
    (view.select(timeline))."""

    timeline: Timeline
    history: History
    view: View
    selected: Timeline

    @cached_property
    def channel(self) -> Channel:
        """What the view's feeds say, made once for Atom, RSS and JSON Feed."""
        return events_channel(self.timeline, self.history, self.view, self.selected)

    def name(self, suffix: str) -> str:
        return f"{self.view.stem}.{suffix}"


@dataclass(frozen=True)
class Format:
    suffix: str
    media_type: str
    title: str  # what the page's list and the daemon's log call it: "Atom feed"
    short: str  # in the title of the page's <link rel="alternate">: "IOM and Viet Nam (Atom)"
    # For the formats every view is published in (the page links them, filters are served in
    # them): the view's document.
    render_view: Callable[[ViewToRender], Content] | None = None
    feed: bool = False  # a feed readers subscribe to: named to WebSub hubs, told of when it changes
    calendar: bool = False  # subscribed to at webcal://, as well as downloaded
    outlined: bool = False  # the one feed format the OPML outlines and the page's tag links name
    # The media type a browser opening the document is sent instead (it asks for text/html), the
    # same bytes: Chromium shows application/atom+xml and application/rss+xml as plain text,
    # but applies the style sheet of application/xml.
    for_browsers: str | None = None

    @property
    def essence(self) -> str:
        """The media type without its parameters, as a <link type> names it."""
        return self.media_type.split(";", 1)[0]


def _atom(subject: ViewToRender) -> Content:
    return feeds.render(subject.channel, ("atom",))[subject.name("atom")]


def _rss(subject: ViewToRender) -> Content:
    return feeds.render(subject.channel, ("rss",))[subject.name("rss")]


def _json(subject: ViewToRender) -> Content:
    return jsonfeed.render(subject.channel)[subject.name("json")]


def _ics(subject: ViewToRender) -> Content:
    rendered = ical.render(subject.timeline, subject.history, subject.view, subject.selected)
    return rendered[subject.name("ics")]


_XML = "application/xml; charset=utf-8"

FORMATS = (
    Format(
        "atom",
        "application/atom+xml; charset=utf-8",
        marked("Atom feed"),
        "Atom",
        _atom,
        feed=True,
        outlined=True,
        for_browsers=_XML,
    ),
    Format(
        "rss",
        "application/rss+xml; charset=utf-8",
        marked("RSS feed"),
        "RSS",
        _rss,
        feed=True,
        for_browsers=_XML,
    ),
    Format("json", "application/feed+json; charset=utf-8", "JSON Feed", "JSON Feed", _json, feed=True),
    Format(
        "ics", "text/calendar; charset=utf-8", marked("calendar"), marked("calendar"), _ics, calendar=True
    ),
    Format("html", "text/html; charset=utf-8", "page", "page"),
    Format("css", "text/css; charset=utf-8", "style sheet", "style sheet"),
    Format("xsl", "application/xslt+xml; charset=utf-8", "feed style sheet", "feed style sheet"),
    Format("opml", "text/x-opml; charset=utf-8", "feed list (OPML)", "OPML"),
)
BY_SUFFIX = {f.suffix: f for f in FORMATS}
# By the media type a document is served with: the one sent to a browser, where it differs.
FOR_BROWSERS = {f.media_type: f.for_browsers for f in FORMATS if f.for_browsers}
# The formats each view is published in, in the order views are made and listed.
VIEW_FORMATS = tuple(f for f in FORMATS if f.render_view is not None)
(OUTLINED,) = (f for f in FORMATS if f.outlined)
FEEDS = tuple(f for f in FORMATS if f.feed)


def subscriptions(
    stem: str, url: Callable[[str], str], webcal: Callable[[str], str], say: Words
) -> list[tuple[str, str]]:
    """(what it is, address) of a view's document in each view format, as the page lists them
    (in the words of `say`): a calendar twice, to subscribe to (webcal://) and to download."""
    listed = []
    for output in VIEW_FORMATS:
        name = f"{stem}.{output.suffix}"
        title = say(output.title)
        if output.calendar:
            title = title[:1].upper() + title[1:]
            listed += [
                (say("{calendar} (subscribe)", calendar=title), webcal(name)),
                (say("{calendar} (download)", calendar=title), url(name)),
            ]
        else:
            listed.append((title, url(name)))
    return listed


def media_type(name: str) -> str:
    """The media type an output is served with, by its name ("tags/x.ics"); ValueError for a
    name no format has, so that no output goes unserved for want of a media type."""
    found = BY_SUFFIX.get(name.rsplit(".", 1)[-1]) if "." in name else None
    if found is None:
        raise ValueError(f"{name}: no output format has this suffix (see timeline/render/formats.py)")
    return found.media_type


def render_view(subject: ViewToRender) -> dict[str, Content]:
    """The view in every view format, by file name."""
    made = {}
    for output in VIEW_FORMATS:
        assert output.render_view is not None
        made[subject.name(output.suffix)] = output.render_view(subject)
    return made
