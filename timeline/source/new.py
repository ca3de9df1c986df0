"""A timeline of one's own: what `timeline init` writes in a folder. An events file with its
header, the JSON Schema editors check it by, an empty events list and an empty articles folder,
each header key said with how to change it, and what to do next. Nothing already there is ever
written over."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from timeline.errors import TimelineError
from timeline.files import write_atomic
from timeline.source import checks
from timeline.source.json_schema import json_schema_text
from timeline.source.load import parse

EVENTS_FILE = "events.yaml"
SCHEMA_FILE = "events.schema.json"
ARTICLES = "articles"


@dataclass(frozen=True)
class Settings:
    """The header of a new timeline; None: the default, worked out by `settled`."""

    title: str | None = None
    base_url: str | None = None
    id_authority: str | None = None
    language: str = "en"
    timezone: str = "UTC"


def start(folder: Path, settings: Settings, *, today: date | None = None) -> list[Path]:
    """Write a new timeline into `folder` (made if need be) and return what was written; a
    TimelineError, with nothing written, if a setting is not valid or a file is there already."""
    title, base_url, authority = settled(folder, settings, today or date.today())
    text = _EVENTS.format(
        title=json.dumps(title, ensure_ascii=False),
        base_url=base_url,
        id_authority=authority,
        language=settings.language,
        timezone=settings.timezone,
        articles=ARTICLES,
    )
    parse(text, str(folder / EVENTS_FILE))  # what init writes is a valid timeline, whatever was given
    there = [folder / name for name in (EVENTS_FILE, SCHEMA_FILE) if (folder / name).exists()]
    if there:
        names = " and ".join(str(path) for path in there)
        raise TimelineError(f"{names}: there already; nothing was written (init never writes over a file)")
    (folder / ARTICLES).mkdir(parents=True, exist_ok=True)
    write_atomic(folder / SCHEMA_FILE, json_schema_text().encode())
    write_atomic(folder / EVENTS_FILE, text.encode())
    return [folder / EVENTS_FILE, folder / SCHEMA_FILE, folder / ARTICLES]


def settled(folder: Path, settings: Settings, today: date) -> tuple[str, str, str]:
    """The title, base URL and id authority: as given, checked, or the defaults. The title is the
    folder's name; the base URL where `timeline serve` serves; the authority the base URL's
    domain, or one made from the folder's name under .localhost (a name no one owns: the file
    says to change it before publishing)."""
    title = (
        settings.title or folder.resolve().name.replace("-", " ").replace("_", " ").strip() or "My timeline"
    )
    try:
        base_url = checks.base_url(settings.base_url or "http://127.0.0.1:8000/")
    except ValueError as error:
        raise TimelineError(f"--base-url: {error}") from None
    authority = settings.id_authority or f"{_domain(base_url, folder)},{today.year}"
    for option, check, value in (
        ("--id-authority", checks.id_authority, authority),
        ("--language", checks.language, settings.language),
        ("--timezone", checks.timezone, settings.timezone),
    ):
        try:
            check(value)
        except ValueError as error:
            raise TimelineError(f"{option}: {error}") from None
    return title, base_url, authority


def _domain(base_url: str, folder: Path) -> str:
    host = (urlsplit(base_url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if "." in host and checks.ID_AUTHORITY.match(f"{host},2000"):
            return host
    name = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-") or "timeline"
    return f"{name[:50].strip('-')}.localhost"


_EVENTS = """\
# yaml-language-server: $schema=events.schema.json
# A timeline: dated events, each with the sentence of an article it comes from. `timeline build`
# makes its feeds and calendars in feeds/; `timeline serve` builds, watches this file and serves
# them on http://127.0.0.1:8000/. Every key is explained in the README's "Every key".
#
# What to do next:
#   1. Put an article (plain text, or an HTML page saved from the browser) in {articles}/.
#   2. timeline extract {articles}/FILE --into events.yaml
#      drafts an event for every date the article states, and lists the article below.
#   3. Read each draft against the article: rewrite its title and summary, check its date, then
#      delete its `reviewed: false` line. A draft is not published until then.
#   4. timeline build (or timeline serve, which rebuilds at every save).

title: {title}
# description: a sentence or two about it (default: the title)
# Where the outputs will be served: every link in them starts with it. Change it to the
# public address before you publish.
base_url: {base_url}
# Makes the permanent ids of entries and calendar events. Change it to a domain you own and the
# year, before you publish; never after (readers would see every entry as new).
id_authority: {id_authority}
# author: {{name: Your name, email: you@example.org}}
language: {language}        # the language of the text: en, vi, fr, ...
timezone: {timezone}       # for times written without an offset: an IANA name such as Asia/Ho_Chi_Minh

# Every quote is checked against its article in this folder.
articles_dir: {articles}
articles: {{}}

events: []
"""
