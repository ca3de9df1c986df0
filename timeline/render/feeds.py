"""Atom 1.0 and RSS 2.0 from a channel, with feedgen (the only module that imports it)."""

from __future__ import annotations

import threading
from dataclasses import replace

from feedgen.feed import FeedGenerator

from timeline.render.channel import Channel, Entry

_MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# feedgen formats RSS dates by switching the process locale: one writer at a time.
_LOCALE = threading.Lock()


def render(channel: Channel, formats: tuple[str, ...] = ("atom", "rss")) -> dict[str, bytes]:
    """The channel's documents by file name, e.g. {"timeline.atom": ..., "timeline.rss": ...}."""
    out: dict[str, bytes] = {}
    with _LOCALE:
        for extension in formats:
            if extension == "atom" and channel.archive:
                out[f"{channel.stem}.atom"] = _archive(channel)
            elif extension == "atom":
                out[f"{channel.stem}.atom"] = _builder(channel, extension).atom_str(
                    pretty=True, encoding="UTF-8", xml_declaration=True
                )
            else:
                out[f"{channel.stem}.rss"] = _builder(channel, extension).rss_str(
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
_ARCHIVE_MARK = f'  <fh:archive xmlns:fh="{_HISTORY}"/>\n'.encode()
_FEED_END = b"</feed>\n"


def _archive(channel: Channel) -> bytes:
    """An RFC 5005 archive page in Atom: the head from feedgen, with the <fh:archive/> it has no
    word for, and the entries written directly. All archive pages together hold every event,
    and feedgen's objects and lxml's tree were most of their cost; the tests check each entry
    against feedgen's, byte for byte."""
    head = _builder(replace(channel, entries=()), "atom").atom_str(
        pretty=True, encoding="UTF-8", xml_declaration=True
    )
    at = head.rindex(_FEED_END)
    entries = "".join(atom_entry(entry) for entry in channel.entries).encode()
    return b"".join((head[:at], _ARCHIVE_MARK, entries, _FEED_END))


def atom_entry(entry: Entry) -> str:
    """One entry as feedgen writes it in a pretty-printed Atom feed, indentation included."""
    categories = "".join(
        f'    <category term="{_attribute(tag)}" label="{_attribute(tag)}"/>\n' for tag in entry.tags
    )
    return (
        "  <entry>\n"
        f"    <id>{_text(entry.id)}</id>\n"
        f"    <title>{_text(entry.title)}</title>\n"
        f"    <updated>{entry.updated.isoformat()}</updated>\n"
        f'    <content type="html">{_text(entry.content_html)}</content>\n'
        f'    <link href="{_attribute(entry.url)}"/>\n'
        f"    <summary>{_text(entry.summary)}</summary>\n"
        f"{categories}"
        f"    <published>{entry.published.isoformat()}</published>\n"
        "  </entry>\n"
    )


def _text(value: str) -> str:
    # As libxml2 escapes element text.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(value: str) -> str:
    # As libxml2 escapes attribute values: line breaks and tabs too, so they survive parsing.
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
