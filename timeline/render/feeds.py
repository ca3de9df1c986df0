"""Atom 1.0 and RSS 2.0, both from one feedgen builder (the only module that imports feedgen)."""

from __future__ import annotations

from feedgen.feed import FeedGenerator

from timeline.model import History, Timeline
from timeline.render import prose

ATOM = "timeline.atom"
RSS = "timeline.rss"


def render(timeline: Timeline, history: History) -> dict[str, bytes]:
    """The Atom and RSS documents, newest events first."""
    atom, rss = _builder(timeline, history, ATOM), _builder(timeline, history, RSS)
    return {
        ATOM: atom.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True),
        RSS: rss.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True),
    }


def _builder(timeline: Timeline, history: History, name: str) -> FeedGenerator:
    # The self link differs between the two documents, so each gets its own builder; the
    # entries are cheap next to serialisation.
    feed = FeedGenerator()
    feed.id(timeline.tag_uri("timeline"))
    feed.title(timeline.title)
    feed.subtitle(timeline.description)
    feed.description(timeline.description)
    author = {"name": timeline.author.name}
    if timeline.author.email:
        author["email"] = timeline.author.email
    if timeline.author.url:
        author["uri"] = timeline.author.url
    feed.author(author)
    feed.link(href=timeline.url(name), rel="self", type=_MEDIA_TYPES[name])
    # feedgen takes RSS's channel <link> from the last link added: the page, not the feed.
    feed.link(href=timeline.base_url, rel="alternate", type="text/html")
    feed.language(timeline.language)
    feed.generator("timeline", uri="https://pypi.org/project/feedgen/")
    # feedgen would otherwise stamp the build time, changing bytes on every rebuild.
    feed.updated(history.newest_change())
    feed.ttl(timeline.refresh_minutes)
    for event in reversed(timeline.events):
        revision = history.get(event.id)
        entry = feed.add_entry(order="append")
        entry.id(timeline.tag_uri(event.id))
        entry.guid(timeline.tag_uri(event.id), permalink=False)
        entry.title(prose.headline(event))
        entry.link(href=timeline.url("#" + event.id), rel="alternate", type="text/html")
        entry.summary(event.summary)
        entry.content(prose.html(event, timeline), type="html")
        entry.published(revision.first_published)
        entry.updated(revision.last_changed)
        for tag in event.tags:
            entry.category(term=tag, label=tag)
    return feed


_MEDIA_TYPES = {ATOM: "application/atom+xml", RSS: "application/rss+xml"}
