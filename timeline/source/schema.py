"""Every key of events.yaml, declared once: its kind of value, whether it is required, its
default, its limit and one line of documentation.

The loader takes from here the keys it accepts and the order it lists them in when a key is
unknown, which are required and what to write when one is missing, and each text's limit; the
fast event reader the keys it may read; the README its table of fields (a test keeps the two
the same); `timeline schema` and `events.schema.json` the JSON Schema editors check the file
with. Each event key names the model field it fills, and a test checks that every field of
the model is filled by a key, counted in the content hash and read by both readers.
"""

from __future__ import annotations

from dataclasses import dataclass

from timeline.model import Certainty, Status
from timeline.source import checks


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # one of KINDS
    doc: str
    required: bool = False
    default: str | None = None  # as the README says it
    limit: int | None = None  # characters, for text (for tags, each tag's)
    most: int | None = None  # items, for a list
    hint: str = ""  # what to write, when it is missing
    field: str | None = None  # the model field it fills, for an event key (None: folded into another)


# What each kind of value is, in words (the README) and as JSON Schema (editors).

KINDS: dict[str, str] = {
    "text": "text on one line or folded over several",
    "slug": "lowercase letters, digits and single hyphens",
    "url": "an absolute http(s) URL",
    "email": "an email address",
    "authority": "a domain you own and a year: `timeline.example.org,2026`",
    "author": "a name, or `{name, email, url}`",
    "fediverse": "`{account, icon}`",
    "account": "up to 30 lowercase letters, digits and underscores",
    "language": "a language tag: `en`, `vi`",
    "languages": "a list of language tags, the default first: `[en, vi]`",
    "translations": "by language: `{by, title, summary, date_note}`, `by` saying who translated it or how",
    "title translations": "by language: `{by, title, description}`, `by` saying who translated it or how",
    "timezone": "an IANA time zone name: `Asia/Ho_Chi_Minh`",
    "count": "a whole number",
    "articles": "file name: `{title, publisher, url, published, …}` (each optional)",
    "folder": "a folder, relative to the events file: `articles`",
    "published": "YYYY, YYYY-MM or YYYY-MM-DD",
    "events": "a list of events",
    "date": checks.DATE_FORMS,
    "point": "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[+HH:MM]",
    "certainty": ", ".join(c.value for c in Certainty),
    "status": ", ".join(s.value for s in Status),
    "tags": "a list of slugs",
    "boolean": "true or false",
    "sources": "a list of `{article, quote}`: the article's file name and the sentence, verbatim",
    "urls": "a list of absolute http(s) URLs",
    "image": "`{url, alt, credit}`: where the picture is, what it shows, who made it",
    "geo": "`{lat, lon, certainty, note}`: degrees north and east, at most 6 decimals",
    "latitude": "degrees north, -90 to 90, at most 6 decimals",
    "longitude": "degrees east, -180 to 180, at most 6 decimals",
}

HEADER = (
    Key("title", "text", "the timeline's name", required=True, limit=300, hint="give it a short title"),
    Key("description", "text", "a sentence or two about it", default="the title"),
    Key(
        "base_url",
        "url",
        "where the outputs are served; every link in the outputs starts with it",
        required=True,
        hint='the absolute URL the outputs are served from, like "https://example.org/timeline/"',
    ),
    Key(
        "id_authority",
        "authority",
        "makes the permanent entry ids `tag:<authority>:<id>`; never change it",
        required=True,
        hint='a domain you own and a year, like "timeline.example.org,2026"',
    ),
    Key("author", "author", "who keeps the timeline", default="the title"),
    Key("language", "language", "the language of the text", default="en"),
    Key(
        "languages",
        "languages",
        "every language it is published in, `language` first; each other one under `<base_url><tag>/`",
        most=20,
    ),
    Key(
        "translations",
        "title translations",
        "the title and description in the other languages; one not given is the default language's",
    ),
    Key("timezone", "timezone", "for times written without an offset", default="UTC"),
    Key("refresh_minutes", "count", "how often calendars and readers should poll (at least 1)", default="60"),
    Key(
        "removed_grace_days",
        "count",
        "how long a removed event stays in calendars as cancelled (0 or more)",
        default="30",
    ),
    Key("feed_entries", "count", "entries in a subscription feed; older ones are archived", default="100"),
    Key(
        "articles_dir",
        "folder",
        "where the articles' files are; every quote is checked against its article",
        limit=1000,
    ),
    Key("articles", "articles", "the articles the events quote, by file name"),
    Key(
        "websub_hubs",
        "urls",
        "WebSub hubs, told of every change to a feed, so that readers subscribed there get it at once",
        most=10,
    ),
    Key(
        "fediverse",
        "fediverse",
        "followable from Mastodon and the fediverse as `@<account>@<host>` (served by the daemon)",
    ),
    Key("events", "events", "the events, in any order", required=True, hint="list the events under it"),
)

EVENT = (
    Key(
        "id",
        "slug",
        "permanent: entry ids and calendar UIDs are made from it; never rename it once published",
        required=True,
        limit=100,
        hint='a permanent slug like "council-100th-session"',
        field="id",
    ),
    Key("title", "text", "what happened, in a few words", required=True, limit=300, field="title"),
    Key(
        "summary",
        "text",
        "what happened, in a sentence or two",
        required=True,
        limit=20_000,
        hint="say in a sentence or two what happened",
        field="summary",
    ),
    Key(
        "date",
        "date",
        "as precise as the sources are, never more: a year, a month, a day, a time or a range",
        required=True,
        limit=60,
        hint="write " + checks.DATE_FORMS,
        field="date",
    ),
    Key("certainty", "certainty", "how the date is known", default="stated", field="certainty"),
    Key(
        "date_note",
        "text",
        "the reasoning behind a date the sources do not state; required unless stated",
        limit=5_000,
        field="date_note",
    ),
    Key("location", "text", "where it happened", limit=300, field="location"),
    Key(
        "tags",
        "tags",
        "at most 20; each tag gets its own feeds and calendar",
        limit=60,
        most=20,
        field="tags",
    ),
    Key("status", "status", "planned: had not happened when reported", default="confirmed", field="status"),
    Key("timezone", "timezone", "for this event's times written without an offset", limit=300),
    Key("image", "image", "a picture of it, shown in the feeds, the calendars and its page", field="image"),
    Key(
        "geo",
        "geo",
        "where it happened on a map; a point looked up elsewhere is not stated: say how in its note",
        field="geo",
    ),
    Key(
        "reviewed",
        "boolean",
        "false on an event drafted by `timeline extract`: checked, but not published until a person "
        "has reviewed it and removed the line",
        default="true",
        field="reviewed",
    ),
    Key(
        "translations",
        "translations",
        "its words in the timeline's other languages; a text not given is the default language's",
        field="translations",
    ),
    Key(
        "sources",
        "sources",
        "at least one, at most 50",
        required=True,
        most=50,
        hint="list the article and the sentence quoted",
        field="sources",
    ),
)

SOURCE = (
    Key(
        "article",
        "text",
        "the article's file name, as listed under articles",
        required=True,
        limit=300,
        hint="the article's file name, as listed under articles",
    ),
    Key(
        "quote",
        "text",
        "the sentence the event comes from, copied verbatim",
        required=True,
        limit=10_000,
        hint="the sentence the event comes from, copied verbatim",
    ),
)

ARTICLE = (
    Key("title", "text", "the article's headline", limit=500),
    Key("publisher", "text", "who published it", limit=200),
    Key("url", "url", "where it can be read"),
    Key("published", "published", "when it was published, as precisely as known: a year, a month or a day"),
    Key("published_certainty", "certainty", "how the publication date is known", default="stated"),
    Key(
        "published_note",
        "text",
        "the reasoning behind a publication date the article does not print; required unless stated",
        limit=5_000,
    ),
)

IMAGE = (
    Key(
        "url",
        "url",
        "where the picture is",
        required=True,
        hint='its address, like "https://example.org/a.jpg"',
    ),
    Key(
        "alt",
        "text",
        "what the picture shows, for whoever cannot see it",
        required=True,
        limit=1_000,
        hint="say in words what the picture shows, for whoever cannot see it",
    ),
    Key("credit", "text", "who made it, or whose it is", limit=300),
)

# At most 6 decimals: a tenth of a metre, more than any place an article names needs.
MAX_DECIMALS = 6
DEGREES = {"latitude": 90, "longitude": 180}  # the most of each, either way

GEO = (
    Key("lat", "latitude", "degrees north", required=True, hint="degrees north, like 46.2044"),
    Key("lon", "longitude", "degrees east", required=True, hint="degrees east, like 6.1432"),
    Key("certainty", "certainty", "how the point is known", default="stated"),
    Key(
        "note",
        "text",
        "where the point comes from, when the sources do not give it; required unless stated",
        limit=5_000,
    ),
)

TRANSLATION = (
    Key(
        "by",
        "text",
        "who translated it, or how: a person, or a machine translation not yet reviewed",
        required=True,
        limit=300,
        hint='who translated it, or how, like "machine translation, not reviewed"',
    ),
    Key("title", "text", "the title in that language", limit=300),
    Key("summary", "text", "the summary in that language", limit=20_000),
    Key("date_note", "text", "the date's reasoning in that language", limit=5_000),
)

TITLE_TRANSLATION = (
    TRANSLATION[0],  # by
    Key("title", "text", "the timeline's title in that language", limit=300),
    Key("description", "text", "its description in that language", limit=20_000),
)

RANGE = (
    Key("start", "point", "", required=True, hint="the first year, month or day of the range"),
    Key("end", "point", "", required=True, hint="the last year, month or day of the range (inclusive)"),
)

AUTHOR = (Key("name", "text", "", required=True), Key("email", "email", ""), Key("url", "url", ""))
FEDIVERSE = (
    Key("account", "account", "the account's name: `@<account>@<host>`", required=True),
    Key("icon", "url", "the account's picture, as fediverse apps show it beside its posts"),
)


# Each tag is four more outputs (its feeds and calendar), made and written by every build that
# touches it: a timeline of 5,000 tags was 20,000 files, 2.7 GB.
MAX_TAGS = 500


def find(keys: tuple[Key, ...], name: str) -> Key:
    return next(k for k in keys if k.name == name)


def names(keys: tuple[Key, ...]) -> tuple[str, ...]:
    return tuple(key.name for key in keys)


def required(keys: tuple[Key, ...]) -> tuple[str, ...]:
    return tuple(key.name for key in keys if key.required)


def limits() -> dict[str, int]:
    """Each text's limit in characters, by key name ("tag" for each tag)."""
    found = {
        key.name: key.limit
        for key in (*HEADER, *EVENT, *SOURCE, *IMAGE, *GEO, *TRANSLATION)
        if key.limit is not None
    }
    found["tag"] = found.pop("tags")
    return found


def hints() -> dict[str, str]:
    """What to write, by key name, where a required key is missing ("; give it a short title")."""
    found: dict[str, str] = {}
    for key in (*HEADER, *EVENT, *SOURCE, *IMAGE, *GEO, *TRANSLATION, *RANGE, *AUTHOR):
        if key.required:
            found.setdefault(key.name, f"; {key.hint}" if key.hint else "")
    return found


def readme_table() -> str:
    """The README's table of the fields of an event."""
    lines = ["| key | required | value | default | what it is |", "|---|---|---|---|---|"]
    for key in EVENT:
        required_ = "yes" if key.required else ""
        lines.append(f"| `{key.name}` | {required_} | {KINDS[key.kind]} | {key.default or ''} | {key.doc} |")
    parts = (
        ("image key", IMAGE),
        ("geo key", GEO),
        ("translation key", TRANSLATION),
        ("title translation key", TITLE_TRANSLATION),
        ("header key", HEADER),
        ("article key", ARTICLE),
    )
    for what, keys in parts:
        lines += ["", f"| {what} | required | value | default | what it is |", "|---|---|---|---|---|"]
        for key in keys:
            required_ = "yes" if key.required else ""
            lines.append(
                f"| `{key.name}` | {required_} | {KINDS[key.kind]} | {key.default or ''} | {key.doc} |"
            )
    return "\n".join(lines) + "\n"
