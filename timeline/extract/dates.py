"""The dates a sentence states, with exactly the precision it states them, never more.

dateparser reads the month-and-day expressions; a small layer of rules of our own handles what
it gets wrong or cannot know: "Dec. 5-7" is a range of days (dateparser reads 7 May), a date
without a year takes the article's publication year and says so, a bare year is a year (never
1 January), and "later this year", "now" and "a recent meeting" are the publication's year or
month, inferred, with the reasoning. A sentence with no date of its own gives nothing.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date

from timeline.model import Certainty, EventDate, Precision
from timeline.source.checks import parse_point

_UTC = zoneinfo.ZoneInfo("UTC")

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
# A year on its own: not part of a longer number ("400,000", "20071"), a decade ("1990s"), an
# ordinal or a time.
_LONE_YEAR = rf"(?<!\d)(?<!\d[,.])({_YEAR})(?!\d|[,.]\d|'?s\b|\s*(?:th|st|nd|rd)\b|:\d)"

# Each rule: a pattern and what it means; tried in this order, a later one never inside the
# span of an earlier match.
_YEAR_RANGE = re.compile(
    rf"\b(?:between\s+({_YEAR})\s+and\s+({_YEAR})|from\s+({_YEAR})\s+(?:to|until|till)\s+({_YEAR})"
    rf"|({_YEAR})\s*[-\u2013]\s*({_YEAR}))\b",
    re.IGNORECASE,
)
_DAY_RANGE = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})\s*[-\u2013]\s*(\d{{1,2}})(?:,?\s+({_YEAR}))?\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}}\s+{_MONTH}\s+{_YEAR}|{_MONTH}\s+\d{{1,2}},?\s+{_YEAR})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH}\s+(?:of\s+)?{_YEAR})\b")
_MONTH_DAY = re.compile(rf"\b(\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}})(?![\d,])(?!,?\s+{_YEAR})\b")
_SINCE_YEAR = re.compile(rf"\b(?:[Ss]ince|[Ii]n|[Bb]y|[Uu]ntil|[Ff]rom)\s+{_LONE_YEAR}")
_BARE_YEAR = re.compile(_LONE_YEAR)
_THIS_YEAR = re.compile(r"\b(?:later|earlier)\s+this\s+year\b|\bthis\s+year\b", re.IGNORECASE)
_NOW = re.compile(r"\b(?:now|currently|at present)\b", re.IGNORECASE)
# "A recent meeting" dates the meeting; "the recent global economic crisis" dates nothing.
_RECENT = re.compile(
    r"\ba\s+recent\s+(?:meeting|visit|conference|session|talks?|summit|event)\b|\brecently\b"
    r"|\b(?:this|last)\s+(?:week|month)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Found:
    """A date a sentence states: its words, the date, how it is known and, if inferred, why."""

    words: str
    date: EventDate
    certainty: Certainty = Certainty.STATED
    note: str | None = None


def dates_in(sentence: str, published: EventDate | None) -> list[Found]:
    """Every date `sentence` states, in the order it states them. Without `published`, a date
    that needs the publication's year or month is left out: it is never guessed."""
    found: list[tuple[int, Found]] = []
    taken: list[tuple[int, int]] = []

    def claim(match: re.Match[str]) -> bool:
        start, end = match.span()
        if any(start < b and a < end for a, b in taken):
            return False
        taken.append((start, end))
        return True

    for match in _YEAR_RANGE.finditer(sentence):
        first, last = (int(y) for y in match.groups() if y is not None)
        if first < last and claim(match):
            found.append((match.start(), _years(match[0], first, last)))
    for match in _DAY_RANGE.finditer(sentence):
        day = _day_range(match, published)
        if day is not None and claim(match):
            found.append((match.start(), day))
    for pattern, precision in ((_DAY_MONTH_YEAR, Precision.DAY), (_MONTH_YEAR, Precision.MONTH)):
        for match in pattern.finditer(sentence):
            parsed = _parse(match[1], precision)
            if parsed is not None and claim(match):
                found.append((match.start(), Found(match[1], EventDate(parsed, precision))))
    for match in _MONTH_DAY.finditer(sentence):
        day = _day_without_year(match[1], published)
        if day is not None and claim(match):
            found.append((match.start(), day))
    for pattern in (_SINCE_YEAR, _BARE_YEAR):
        for match in pattern.finditer(sentence):
            if claim(match):
                year = int(match[1])
                found.append((match.start(), Found(match[0], EventDate(date(year, 1, 1), Precision.YEAR))))
    for pattern, what in ((_THIS_YEAR, "year"), (_NOW, "now"), (_RECENT, "recent")):
        for match in pattern.finditer(sentence):
            relative = _relative(match[0], what, published)
            if relative is not None and claim(match):
                found.append((match.start(), relative))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _years(words: str, first: int, last: int) -> Found:
    return Found(words, EventDate(date(first, 1, 1), Precision.YEAR, date(last, 1, 1)))


def _parse(words: str, precision: Precision) -> date | None:
    """A month-and-year or a full date, as dateparser reads it (only the parts the text gives)."""
    import dateparser  # its language data take a while to load: only once a date is there

    parts = ["day", "month", "year"] if precision is Precision.DAY else ["month", "year"]
    moment = dateparser.parse(
        words,
        languages=["en"],
        settings={"REQUIRE_PARTS": parts, "PREFER_DAY_OF_MONTH": "first"},
    )
    if moment is None:
        return None
    return moment.date() if precision is Precision.DAY else date(moment.year, moment.month, 1)


def _month_number(words: str) -> int | None:
    parsed = _parse(f"{words} 2000", Precision.MONTH)
    return parsed.month if parsed else None


def _day_range(match: re.Match[str], published: EventDate | None) -> Found | None:
    # dateparser reads "Dec. 5-7" as 7 May: the range is read here, the month by dateparser.
    month = _month_number(match[1])
    first_day, last_day = int(match[2]), int(match[3])
    if month is None or not first_day < last_day:
        return None
    if match[4] is not None:
        year, certainty, note = int(match[4]), Certainty.STATED, None
    elif published is not None:
        year, certainty = published.start.year, Certainty.INFERRED
        note = _year_note(match[0], published)
    else:
        return None
    try:
        start, end = date(year, month, first_day), date(year, month, last_day)
    except ValueError:
        return None
    return Found(match[0], EventDate(start, Precision.DAY, end), certainty, note)


def _day_without_year(words: str, published: EventDate | None) -> Found | None:
    if published is None:
        return None
    parsed = _parse(f"{words} {published.start.year}", Precision.DAY)
    if parsed is None:
        return None
    return Found(words, EventDate(parsed, Precision.DAY), Certainty.INFERRED, _year_note(words, published))


def _year_note(words: str, published: EventDate) -> str:
    return (
        f'The article gives "{words}" without a year; the year is that of its publication '
        f"({published.label()})."
    )


def _relative(words: str, what: str, published: EventDate | None) -> Found | None:
    """A date said relative to the publication: its year, or its month at most (never a day)."""
    if published is None:
        return None
    if what == "year" or published.precision is Precision.YEAR:
        when = EventDate(date(published.start.year, 1, 1), Precision.YEAR)
    else:
        when = EventDate(date(published.start.year, published.start.month, 1), Precision.MONTH)
    said = {
        "year": f'The article says "{words}"',
        "now": f'The article says "{words}"',
        "recent": f'The article calls it "{words}" and gives no date',
    }[what]
    note = f"{said}; dated to its publication ({published.label()}), as precisely as that is known."
    return Found(words, when, Certainty.INFERRED, note)


def published_date(text: str) -> EventDate:
    """A publication date as `--published` takes it: YYYY, YYYY-MM or YYYY-MM-DD; ValueError."""
    # Read as events.yaml's dates are, with a time refused.
    try:
        day, precision = parse_point(text, _UTC)
    except ValueError:
        precision = Precision.TIME
    if precision is Precision.TIME:
        raise ValueError(f"{text}: write the publication date as YYYY, YYYY-MM or YYYY-MM-DD")
    return EventDate(day, precision)
