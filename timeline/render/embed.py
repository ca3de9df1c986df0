"""`embed.html`: the timeline's latest events on a compact page another site may frame.

The one output served with `frame-ancestors *` (timeline/serve/server.py and deploy/nginx.conf
say so for this name alone; every other answer forbids framing). It runs no script and loads
nothing but the site's style sheet, as every page but the timeline's; its links open in a new
tab, so that a reader following one leaves the framing page where it was.
"""

from __future__ import annotations

from timeline.model import Event, History, Timeline, event_path
from timeline.model.languages import words
from timeline.render import pages
from timeline.render.fragments import Key
from timeline.render.pieces import Content

EMBED = "embed.html"
LATEST = 10  # events shown, newest first
_AWAY = ' target="_blank" rel="noopener"'


def key(timeline: Timeline, history: History) -> Key:
    """Everything the page shows: its events' versions, the count, the title and the links."""
    shown = timeline.events[-LATEST:]
    return Key(("embed", history.versions_of(shown), len(timeline.events)))


def render(timeline: Timeline, history: History, query: str = "", shown: int = LATEST) -> dict[str, Content]:
    """The page of the `shown` latest events. `timeline` may be a filtered view of the timeline
    (`query`, canonical, is its filter: the daemon renders `embed.html?tag=…` on request), and
    the page's feed and calendar then subscribe to the same filter."""
    events = timeline.events
    say = words(timeline.language)
    asked = f"?{query}" if query else ""
    title = say("{timeline}: the latest events", timeline=timeline.title)
    head = pages.page_head(timeline, title, title, timeline.url(EMBED) + asked, "")
    items = "".join(_item(timeline, event) for event in reversed(events[-shown:]))
    escape = pages.escape
    feed = timeline.url("timeline.atom") + asked
    calendar = pages.webcal(timeline, "timeline.ics") + asked
    everything = say("The whole timeline")
    if not query:
        count = len(events)
        everything = say.plural("All {count} event", "All {count} events", count, count=format(count, ","))
    atom, subscribe = say("Atom feed"), say("Calendar")
    body = (
        f'<body class="embedded">\n<main>\n<h1><a href="{escape(timeline.url("index.html"))}"{_AWAY}>'
        f"<bdi>{escape(timeline.title)}</bdi></a></h1>\n"
        f'<ol class="embedded-events" reversed>\n{items}</ol>\n'
        f'<p class="embedded-more"><a href="{escape(timeline.url("index.html"))}"{_AWAY}>'
        f"{everything}</a> · "
        f'<a href="{escape(feed)}"{_AWAY}>{atom}</a> · <a href="{escape(calendar)}">{subscribe}</a></p>\n'
        "</main>\n</body>\n</html>\n"
    )
    return {EMBED: (head + body).encode()}


def _item(timeline: Timeline, event: Event) -> str:
    escape = pages.escape
    when = escape(event.date.label())
    marks = pages.badges(event, words(timeline.language))
    link = escape(timeline.url(event_path(event.id)))
    return (
        f'<li><span class="when">{when}</span> <a href="{link}"{_AWAY}>'
        f"<bdi>{escape(event.title)}</bdi></a>{marks}</li>\n"
    )
