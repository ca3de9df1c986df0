"""Atom 1.0 and RSS 2.0 from a channel, with feedgen (the only module that imports it)."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial

from feedgen.feed import FeedGenerator

from timeline.render.channel import Channel, Entry
from timeline.render.fragments import fragment

_MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# What a browser shows a feed as (timeline/templates/feed.xsl): feed readers never load it.
STYLESHEET = "feed.xsl"
# feedgen formats RSS dates by switching the process locale: one writer at a time.
_LOCALE = threading.Lock()


def render(channel: Channel, formats: tuple[str, ...] = ("atom", "rss")) -> dict[str, bytes]:
    """The channel's documents by file name, e.g. {"timeline.atom": ..., "timeline.rss": ...}.

    feedgen writes each document's head; the entries are written here as feedgen writes them
    (the tests compare the bytes), as fragments of what they were made from: feedgen's
    objects and lxml's tree were most of a feed's cost, and an event's entry is in many feeds."""
    out: dict[str, bytes] = {}
    for extension in formats:
        with _LOCALE:
            head = _head(replace(channel, entries=()), extension)
        write = atom_entry if extension == "atom" else rss_entry
        entries = [
            fragment((extension, entry.key), partial(_encoded, write, entry))
            if entry.key
            else _encoded(write, entry)
            for entry in channel.entries
        ]
        head = with_stylesheet(channel, head)
        end = _FEED_END if extension == "atom" else _CHANNEL_END
        at = head.rindex(end)
        out[f"{channel.stem}.{extension}"] = b"".join((head[:at], _marks(channel, extension), *entries, end))
    return out


def with_stylesheet(channel: Channel, document: bytes) -> bytes:
    """The document with, after its XML declaration, the processing instruction that names the
    feeds' style sheet by a path relative to the feed: it is then served from wherever the feed
    is, as a browser applies no style sheet of another origin."""
    at = document.index(b"?>\n") + 3
    up = "../" * channel.stem.count("/")
    return (
        document[:at]
        + f'<?xml-stylesheet type="text/xsl" href="{up}{STYLESHEET}"?>\n'.encode()
        + document[at:]
    )


def _marks(channel: Channel, extension: str) -> bytes:
    """What feedgen does not write: RFC 5005's marks of an archive page and of a complete feed,
    and in RSS the links to the archive pages (feedgen writes only the self link there), which
    are Atom documents: the archive is kept in Atom and JSON Feed, not a third time in RSS."""
    indent = "  " if extension == "atom" else "    "
    marks = ""
    if extension == "rss":
        for rel, stem in channel.links:
            href = _attribute(channel.link(stem, "atom"))
            marks += f'{indent}<atom:link href="{href}" rel="{rel}" type="{_MEDIA_TYPES["atom"]}"/>\n'
        for hub in channel.hubs:  # WebSub's, beside the self link feedgen writes
            marks += f'{indent}<atom:link href="{_attribute(hub)}" rel="hub"/>\n'
    if channel.archive:
        marks += f'{indent}<fh:archive xmlns:fh="{_HISTORY}"/>\n'
    if channel.complete:
        marks += f'{indent}<fh:complete xmlns:fh="{_HISTORY}"/>\n'
    return marks.encode()


def _head(channel: Channel, extension: str) -> bytes:
    builder = _builder(channel, extension)
    if extension == "atom":
        head: bytes = builder.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    else:
        head = builder.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return head


def _encoded(write: Callable[[Entry], str], entry: Entry) -> bytes:
    return write(entry).encode()


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
    if extension == "atom":  # RSS's are written by _marks(): feedgen drops them
        for hub in channel.hubs:
            feed.link(href=hub, rel="hub")
    # feedgen takes RSS's channel <link> from the last link added: the page, not the feed.
    if extension == "atom":  # RSS's are written by _marks()
        for rel, stem in channel.links:
            feed.link(href=channel.link(stem, "atom"), rel=rel, type=_MEDIA_TYPES["atom"])
        if not channel.query:  # the same feed in the timeline's other languages
            for language in timeline.languages:
                if language != timeline.language:
                    href = timeline.url_in(language, f"{channel.stem}.atom")
                    feed.link(href=href, rel="alternate", type=_MEDIA_TYPES["atom"], hreflang=language)
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
        # RSS's description is HTML: our plain summary goes in as text, its < and & escaped.
        entry.summary(item.summary if extension == "atom" else _as_html(item.summary))
        entry.content(item.content_html, type="html")
        entry.published(item.published)
        entry.updated(item.updated)
        for tag in item.tags:
            entry.category(term=tag, label=tag)
    return feed


_HISTORY = "http://purl.org/syndication/history/1.0"
_FEED_END = b"</feed>\n"
_CHANNEL_END = b"  </channel>\n</rss>\n"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
        f"{_picture_and_place(entry, '    ')}"
        "  </entry>\n"
    )


def rss_entry(entry: Entry) -> str:
    """One item as feedgen writes it in a pretty-printed RSS feed, indentation included."""
    categories = "".join(f"      <category>{_text(tag)}</category>\n" for tag in entry.tags)
    return (
        "    <item>\n"
        f"      <title>{_text(entry.title)}</title>\n"
        f"      <link>{_text(entry.url)}</link>\n"
        f"      <description>{_text(_as_html(entry.summary))}</description>\n"
        f"      <content:encoded>{_text(entry.content_html)}</content:encoded>\n"
        f'      <guid isPermaLink="false">{_text(entry.id)}</guid>\n'
        f"{categories}"
        f"      <pubDate>{_rfc_822(entry.published)}</pubDate>\n"
        f"{_picture_and_place(entry, '      ')}"
        "    </item>\n"
    )


_MEDIA_RSS = "http://search.yahoo.com/mrss/"
_GEORSS = "http://www.georss.org/georss"


def _picture_and_place(entry: Entry, indent: str) -> str:
    """What feedgen does not write: the picture as Media RSS (its alt text as the description,
    its credit) and the place as a GeoRSS point, the same in Atom and RSS. Each declares its
    namespace itself, so that an entry's bytes never depend on the other entries of a feed."""
    written = ""
    if entry.image is not None:
        image = entry.image
        credit = f"{indent}  <media:credit>{_text(image.credit)}</media:credit>\n" if image.credit else ""
        url = _attribute(image.url)
        written += (
            f'{indent}<media:content xmlns:media="{_MEDIA_RSS}" url="{url}" medium="image">\n'
            f'{indent}  <media:description type="plain">{_text(image.alt)}</media:description>\n'
            f"{credit}{indent}</media:content>\n"
        )
    if entry.geo is not None:
        written += f'{indent}<georss:point xmlns:georss="{_GEORSS}">{entry.geo.label()}</georss:point>\n'
    return written


def _rfc_822(moment: datetime) -> str:
    # What feedgen's strftime("%a, %d %b %Y %H:%M:%S %z") gives in the C locale, without
    # switching the process's locale to get it.
    day = _DAYS[moment.weekday()]
    return f"{day}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M:%S %z}"


def _as_html(text: str) -> str:
    """Plain text as HTML that shows it: a summary "<img src=x onerror=...>" stays those characters."""
    return html.escape(text, quote=False)


def _text(value: str) -> str:
    # As libxml2 escapes element text.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(value: str) -> str:
    # As libxml2 escapes attribute values: line breaks and tabs too, so they survive parsing.
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
