"""Single values of an events file: dates of honest precision, ids, URLs, languages and zones.

Each check takes the text as written and returns the value, or raises ValueError saying what
is wrong and what is expected; the loader adds where it was.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date
from functools import cache
from urllib.parse import quote

from dateutil.parser import isoparse

from timeline.model import Precision

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
ID_AUTHORITY = re.compile(
    r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+,\d{4}(-\d\d(-\d\d)?)?\Z"
)
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")
URL = re.compile(r"https?://[^\s/?#]+(/[^\s]*)?\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_YEAR = re.compile(r"\d{4}\Z")
_MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

LAST_YEAR = 9998
DATE_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM[+HH:MM], or {start: ..., end: ...}"


def shorten(text: str, limit: int = 40) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_point(value: str, zone: zoneinfo.ZoneInfo) -> tuple[date, Precision]:
    """One date or time of the precision it is written in; ValueError says what is wrong."""
    if _YEAR.match(value):
        return date(_year(int(value)), 1, 1), Precision.YEAR
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"month {month}")
        return date(_year(year), month, 1), Precision.MONTH
    if match := _DAY.match(value):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        return _day(_year(year), month, day), Precision.DAY
    if _TIME.match(value):
        _day(_year(int(value[:4])), int(value[5:7]), int(value[8:10]))
        try:
            moment = isoparse(value)
            # A written offset names no zone, so it is kept as UTC; a local time gets the zone's rules.
            moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=zone)
        except (ValueError, OverflowError):
            raise ValueError("not a valid time") from None
        return moment, Precision.TIME
    raise ValueError("unrecognised form")


def _year(year: int) -> int:
    if year < 1:
        raise ValueError("year 0 does not exist")
    if year > LAST_YEAR:
        # A calendar's end date is the day after the event: past 9998 there may be none.
        raise ValueError(f"years after {LAST_YEAR} are not supported")
    return year


def _day(year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"month {month}")
    try:
        return date(year, month, day)
    except ValueError:
        last = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        raise ValueError(f"{date(year, month, 1):%B %Y} has {last} days") from None


def is_slug(value: str) -> bool:
    """Lowercase letters, digits and single hyphens: an id or a tag."""
    return SLUG.match(value) is not None


def slug(what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not is_slug(value):
            raise ValueError(
                f'"{shorten(value)}" is not a valid {what}; use lowercase letters, digits and '
                'single hyphens, like "council-100th-session"'
            )
        return value

    return check


def unknown_key(key: str, keys: tuple[str, ...]) -> str:
    if key == "<<":
        return "merge keys (<<) are not supported; write each key out"
    close = difflib.get_close_matches(key, keys, n=1)
    hint = f'did you mean "{close[0]}"?' if close else "expected one of: " + ", ".join(keys)
    return f'unknown key "{shorten(key)}"; {hint}'


def base_url(value: str) -> str:
    if not URL.match(value):
        raise ValueError(
            f'"{shorten(value)}" is not an absolute http(s) URL, like "https://example.org/timeline/"'
        )
    # Percent-encoded as every URI value is (see uri): it starts every link of every output.
    return uri(value if value.endswith("/") else value + "/")


def url(value: str) -> str:
    if not URL.match(value):
        raise ValueError(f'"{shorten(value)}" is not an absolute http(s) URL')
    return value


def email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(f'"{shorten(value)}" is not an email address')
    return value


def id_authority(value: str) -> str:
    if not ID_AUTHORITY.match(value):
        raise ValueError(
            f'"{shorten(value)}" is not a tag: URI authority; write a domain you own and the year '
            'you first used it, like "timeline.example.org,2026", and never change it'
        )
    return value


ACCOUNT = re.compile(r"[a-z0-9_]{1,30}\Z")


def account(value: str) -> str:
    """A fediverse account's name, as Mastodon accepts one: `@<account>@<host>`."""
    if not ACCOUNT.match(value):
        raise ValueError(
            f'"{shorten(value)}" is not an account name; use up to 30 lowercase letters, digits and '
            'underscores, like "iom_vietnam"'
        )
    return value


def language(value: str) -> str:
    if not LANGUAGE.match(value):
        raise ValueError(f'"{shorten(value)}" is not a language tag, like "en" or "vi"')
    return value


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone(value: str) -> str:
    if value in _zone_names() or value == "UTC":
        return value
    close = difflib.get_close_matches(value, sorted(_zone_names()), n=1, cutoff=0.8)
    hint = f'did you mean "{close[0]}"?' if close else 'use an IANA name such as "Asia/Ho_Chi_Minh"'
    raise ValueError(f'unknown time zone "{shorten(value)}"; {hint}')


_DEGREES = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]+)?\Z")  # ASCII digits: \d takes "٤٦" too


def degrees(value: str, most: int, decimals: int) -> float:
    """A latitude or longitude as written: a plain decimal number between -`most` and `most`
    with at most `decimals` decimals."""
    if not _DEGREES.match(value):
        raise ValueError(
            f'"{shorten(value)}" is not a number of degrees; write a decimal number like 46.2044'
        )
    if len(value.partition(".")[2]) > decimals:
        raise ValueError(f"{value} has more than {decimals} decimals; round it to {decimals}")
    number = float(value) + 0.0  # -0 is 0: the same point, written the same way
    if not -most <= number <= most:
        raise ValueError(f"{value} is out of range; it is between -{most} and {most}")
    return number


# What RFC 3986 lets a URI hold as it is: the rest (spaces aside, which URL refuses: quotes,
# angle brackets, letters beyond ASCII) is percent-encoded.
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def uri(value: str) -> str:
    """An absolute http(s) URL as a valid URI, to go where only one may (iCalendar's URI values,
    Media RSS): "https://example.org/café.jpg" -> "https://example.org/caf%C3%A9.jpg"."""
    return quote(url(value), safe=_URI_SAFE)
