"""Atom 1.0 and RSS 2.0 from a channel, with feedgen (the only module that imports it)."""

from __future__ import annotations

import threading

from feedgen.feed import FeedGenerator

from timeline.render.channel import Channel

_MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# feedgen formats RSS dates by switching the process locale: one writer at a time.
_LOCALE = threading.Lock()


def render(channel: Channel, formats: tuple[str, ...] = ("atom", "rss")) -> dict[str, bytes]:
    """The channel's documents by file name, e.g. {"timeline.atom": ..., "timeline.rss": ...}."""
    out: dict[str, bytes] = {}
    with _LOCALE:
        for extension in formats:
            builder = _builder(channel, extension)
            if extension == "atom":
                document = builder.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
                out[f"{channel.stem}.atom"] = _mark_archive(document) if channel.archive else document
            else:
                out[f"{channel.stem}.rss"] = builder.rss_str(
                    pretty=True, encoding="UTF-8", xml_declaration=True
                )
    return out


def _builder(channel: Channel, extension: str) -> FeedGenerator:
    # The self link differs between the two documents, so each gets its own builder; the
    # entries are cheap next to serialisation.
    timeline = channel.timeline
    feed = FeedGenerator()
    feed.id(channel.id)
    feed.title(channel.title)
    feed.subtitle(channel.description)
    feed.description(channel.description)
    author = {"name": timeline.author.name}
    if timeline.author.email:
        author["email"] = timeline.author.email
    if timeline.author.url:
        author["uri"] = timeline.author.url
    feed.author(author)
    feed.link(href=channel.url(extension), rel="self", type=_MEDIA_TYPES[extension])
    # feedgen takes RSS's channel <link> from the last link added: the page, not the feed.
    for rel, href in channel.links:
        feed.link(href=href, rel=rel, type=_MEDIA_TYPES["atom"])
    feed.link(href=timeline.base_url, rel="alternate", type="text/html")
    feed.language(timeline.language)
    feed.generator("timeline", uri="https://pypi.org/project/feedgen/")
    # feedgen would otherwise stamp the build time, changing bytes on every rebuild.
    feed.updated(channel.updated)
    feed.ttl(channel.ttl_minutes)
    for item in channel.entries:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.summary(item.summary)
        entry.content(item.content_html, type="html")
        entry.published(item.published)
        entry.updated(item.updated)
        for tag in item.tags:
            entry.category(term=tag, label=tag)
    return feed


_HISTORY = "http://purl.org/syndication/history/1.0"


def _mark_archive(document: bytes) -> bytes:
    """Add RFC 5005's <fh:archive/>, which feedgen has no word for, before the first entry."""
    marker = f'<fh:archive xmlns:fh="{_HISTORY}"/>\n  '.encode()
    at = document.find(b"<entry>")
    if at < 0:
        at = document.rindex(b"</feed>")
    return document[:at] + marker + document[at:]
