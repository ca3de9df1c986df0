"""The dates a sentence states, with exactly the precision it states them, never more.

Rules of our own, in the order below, each a pattern and what it means; a later rule never reads
inside what an earlier one took. Dates the text gives whole ("26 January 2010", "April 2023",
"between 1990 and 2007") are stated. Dates it gives relative to its publication ("on Thursday",
"in March", "last year", "earlier this week") are resolved against the publication date and the
tense of the clause they are in (timeline.extract.relative, timeline.extract.tense), marked
inferred with the reasoning; where the two do not settle a date honestly (a weekday in an article
known only to its month, a bare month in a clause with no tense), nothing is proposed.

Measured before choosing (BENCHMARKS.md, issue 31): dateparser's search_dates and datefinder,
the libraries that find dates in text, read every date as a day and took numbers for dates; a
month-name table reads the month of a matched date as well as dateparser's parse did.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from timeline.extract import relative, tense
from timeline.extract.relative import Way
from timeline.model import Certainty, EventDate, Precision
from timeline.source.checks import parse_point

_UTC = zoneinfo.ZoneInfo("UTC")


@dataclass(frozen=True)
class Found:
    """A date a sentence states: its words, the date, how it is known and, if inferred, why;
    `planned` when it lies after the publication, or its clause speaks of the future."""

    words: str
    date: EventDate
    certainty: Certainty = Certainty.STATED
    note: str | None = None
    planned: bool = False


# -- the words -------------------------------------------------------------------------------

_MONTH_NAMES = "January February March April May June July August September October November December"
MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES.split(), 1)}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())} | {"Sept": 9})
_WEEKDAY_NAMES = tuple(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
WEEKDAYS = {name: number for number, name in enumerate(_WEEKDAY_NAMES)}

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December" \
         r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)(?![a-z])"  # fmt: skip
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
# A year on its own: not part of a longer number ("400,000", "20071"), a decade ("1990s"), an
# ordinal, a time ("10:2015") or a symbol's part ("S/2015/113").
_LONE_YEAR = rf"(?<![\d/])(?<!\d[,.])({_YEAR})(?!\d|[,.]\d|'?s\b|\s*(?:th|st|nd|rd)\b|:\d|/)"
NUMBERS = {
    word: number
    for number, words in enumerate(
        ["a one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
        1,
    )
    for word in words.split()
} | {"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_COUNT = rf"(?:\d{{1,3}}|{'|'.join(NUMBERS)})"


def _month(words: str) -> int:
    return MONTHS[words.rstrip(".")]


def _day(words: str) -> int:
    return int(re.sub(r"\D", "", words))


@dataclass(frozen=True)
class _Reading:
    """What a rule reads a match with: the sentence and the article's publication date."""

    sentence: str
    published: EventDate | None

    def tense(self, match: re.Match[str]) -> tense.Tense:
        return tense.of_clause(self.sentence, match.start())


_Rule = Callable[[re.Match[str], _Reading], Found | None]


def _stated(match: re.Match[str], when: EventDate) -> Found:
    return Found(match[0], when)


def _inferred(match: re.Match[str], when: EventDate, why: str, reading: _Reading) -> Found:
    """A date worked out from the publication's: the note says from what."""
    published = reading.published
    assert published is not None
    said = f'The article says "{match[0]}"' + (f" {why}" if why else "")
    note = f"{said}; it was published {_on(published)}, which makes it {when.label()}."
    return Found(match[0], when, Certainty.INFERRED, note)


def _on(published: EventDate) -> str:
    label = published.label()
    if published.to_the_day:
        return f"on {_WEEKDAY_NAMES[published.first_day().weekday()]} {label}"
    return f"in {label}"


# -- what is not a date ------------------------------------------------------------------------

# Numbers that look like years: a resolution's number and its year label ("resolution 1970
# (2011)"), document symbols ("S/2015/113"), times ("1600 GMT"), amounts ("2000 people").
_NOT_DATES = re.compile(
    r"\b[Rr]esolutions?\s+\d{3,4}(?:\s*\(\d{4}\))?(?:\s*(?:,|and)\s*\d{3,4}(?:\s*\(\d{4}\))?)*"
    r"|\b\d{2,4}\s*\(\d{4}\)"
    r"|\b[A-Z][A-Z.]*(?:/[A-Za-z0-9.]+)+"
    r"|\b\d{4}\s*(?:GMT|UTC|hours|hrs|Zulu)\b"
    rf"|[$£€¥]\s?{_YEAR}|\b{_YEAR}\s+(?:people|persons|men|women|children|troops|soldiers|pounds|tons|tonnes"
    r"|feet|metres|meters|miles|kilometres|kilometers|km|kg|dollars|euros|votes|cases|deaths|households"
    r"|families|homes|jobs|workers|members|delegates|units|acres|hectares)\b"
)


def _not_a_date(match: re.Match[str], reading: _Reading) -> Found | None:
    return None


# -- dates the text gives whole --------------------------------------------------------------

_YEAR_RANGE = re.compile(
    rf"\b(?:between\s+({_YEAR})\s+and\s+({_YEAR})|from\s+({_YEAR})\s+(?:to|until|till|through)\s+({_YEAR})"
    rf"|({_YEAR})\s*(?:[-\u2013]|to)\s*({_YEAR}|\d\d)(?![\d-]))\b"
)


def _year_range(match: re.Match[str], reading: _Reading) -> Found | None:
    first, last = (group for group in match.groups() if group is not None)
    start = int(first)
    end = int(last) if len(last) == 4 else start // 100 * 100 + int(last)  # "2024-25"
    if not start < end <= start + 100:
        return None
    return _stated(match, EventDate(date(start, 1, 1), Precision.YEAR, date(end, 1, 1)))


_MONTHS_OF_YEAR = re.compile(rf"\b(?:the\s+)?(first|last)\s+(\w+)\s+months\s+of\s+({_YEAR})\b")


def _months_of_year(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "the first 3 months of 2025", "the last six months of 2019": those months."""
    which, count, year = match.groups()
    months = NUMBERS.get(count) or (int(count) if count.isdigit() else 0)
    if not 0 < months < 12:
        return None
    first = 1 if which == "first" else 13 - months
    return _stated(
        match, EventDate(date(int(year), first, 1), Precision.MONTH, date(int(year), first + months - 1, 1))
    )


_PART_OF_YEAR = re.compile(
    rf"\b(?:the\s+)?(first|second|third|fourth|last)\s+(half|quarter)\s+of\s+({_YEAR})\b"
)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def _part_of_year(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "the second half of 2020", "the last quarter of 2019": its months."""
    which, part, year = match.groups()
    months = 6 if part == "half" else 3
    number = _ORDINAL.get(which, 12 // months)  # "last": the second half, the fourth quarter
    if number * months > 12:
        return None
    first = (number - 1) * months + 1
    return _stated(
        match, EventDate(date(int(year), first, 1), Precision.MONTH, date(int(year), first + months - 1, 1))
    )


_DAY_RANGE = re.compile(
    rf"\b(?:({_MONTH})\s+({_DAY})\s*(?:[-\u2013]|to|through|until)\s*({_DAY})"
    rf"|(?:from\s+)?({_DAY})\s*(?:[-\u2013]|to|until)\s*({_DAY})\s+({_MONTH}))(?:,?\s+({_YEAR}))?\b"
)


def _day_range(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "Dec. 5-7", "from 25 to 27 July", "5–7 December 2011": a range of days."""
    month_before, first_before, last_before, first_after, last_after, month_after, year = match.groups()
    month = _month(month_before or month_after)
    first, last = _day(first_before or first_after), _day(last_before or last_after)
    if not first < last:
        return None
    if year is not None:
        start, end = relative.valid_day(int(year), month, first), relative.valid_day(int(year), month, last)
        return _stated(match, EventDate(start, Precision.DAY, end)) if start and end else None
    start = relative.month_day(reading.published, month, first, reading.tense(match), None)
    if start is None or (end := relative.valid_day(start.year, month, last)) is None:
        return None
    return _inferred(match, EventDate(start, Precision.DAY, end), _WITHOUT_YEAR, reading)


_WITHOUT_YEAR = "without a year"

_FULL_DATE = re.compile(
    rf"\b(?:({_WEEKDAY}),?\s+)?(?:(?:the\s+)?({_DAY})\s+(?:of\s+)?({_MONTH})|({_MONTH})\s+({_DAY}))"
    rf"(?:,?\s+|\s+of\s+)({_YEAR})\b"
    r"|\b(\d{4})-(\d\d)-(\d\d)\b"
)


def _full_date(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "26 January 2010", "Wednesday, Feb. 24, 2016", "2021-02-18": one day (the weekday with it
    is the same day, not a second date)."""
    _, day_before, month_after, month_before, day_after, year, iso_year, iso_month, iso_day = match.groups()
    try:
        if iso_year:
            day = date(int(iso_year), int(iso_month), int(iso_day))
        else:
            day = date(int(year), _month(month_after or month_before), _day(day_before or day_after))
    except ValueError:
        return None
    return _stated(match, EventDate(day, Precision.DAY))


_MONTH_YEAR = re.compile(rf"\b(?:(?:early|mid|late)[\s-]+)?({_MONTH})\s+(?:of\s+)?({_YEAR})\b")


def _month_year(match: re.Match[str], reading: _Reading) -> Found | None:
    return _stated(match, EventDate(date(int(match[2]), _month(match[1]), 1), Precision.MONTH))


_SEASON_YEAR = re.compile(
    rf"\b(?:(?:early|mid|late)[\s-]+)?(?:spring|summer|autumn|fall)\s+(?:of\s+)?({_YEAR})\b"
)


def _season_year(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "spring 2022": the year (a season's months differ by hemisphere and by custom)."""
    return _stated(match, EventDate(date(int(match[1]), 1, 1), Precision.YEAR))


# -- dates said relative to the publication --------------------------------------------------

_MONTH_DAY = re.compile(
    rf"\b(?:({_WEEKDAY}),?\s+)?(?:(?:the\s+)?({_DAY})\s+(?:of\s+)?({_MONTH})|({_MONTH})\s+({_DAY}))(?![\d:])"
    r"(?:,?\s+(?:of\s+)?(next|last|this)\s+year\b)?"
)


def _month_day(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "on March 1", "Friday, March 18", "June 24 of next year": a day, its year from the
    publication (and the weekday, the tense, or the words "next year")."""
    weekday, day_before, month_after, month_before, day_after, which = match.groups()
    month, day = _month(month_after or month_before), _day(day_before or day_after)
    published = reading.published
    if which is not None and published is not None:
        year = published.start.year + {"next": 1, "last": -1, "this": 0}[which]
        found = relative.valid_day(year, month, day)
    else:
        named = WEEKDAYS[weekday] if weekday else None
        found = relative.month_day(published, month, day, reading.tense(match), named)
    if found is None:
        return None
    why = "with its weekday but without a year" if weekday and not which else _WITHOUT_YEAR
    return _inferred(match, EventDate(found, Precision.DAY), why, reading)


_WEEKDAY_ALONE = re.compile(
    rf"(?<!\bHappy )(?<!\bGood )(?<!\bBlack )(?<!\bSuper )(?<!\bCyber )(?<!\bHoly )(?<!\bEaster )(?<!\bAsh )"
    rf"(?<!\bPalm )(?<!\bevery )(?<!\beach )(?<!\bon a )(?<!\bor )"
    rf"\b(?:(?i:(last|next|this|on|by|until|since|from))\s+)?({_WEEKDAY})(?!s\b|['\u2019])"
    r"(?:\s+(morning|afternoon|evening|night))?\b(?!\s+or\b)"
)


def _weekday(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "said Friday", "on Thursday", "last Monday": a day of the week around the publication."""
    way = {"last": Way.LAST, "next": Way.NEXT, "this": Way.THIS}.get((match[1] or "").lower(), Way.BY_TENSE)
    found = relative.weekday(reading.published, WEEKDAYS[match[2]], way, reading.tense(match))
    if found is None:
        return None
    return _inferred(match, EventDate(found, Precision.DAY), "without a date", reading)


_DAY_WORD = re.compile(
    r"\b(?:(today|tonight|yesterday|tomorrow)(?:['\u2019]s)?(?:\s+(?:morning|afternoon|evening|night))?"
    r"|(this|last)\s+(morning|afternoon|evening|night))\b",
    re.IGNORECASE,
)
_DAYS_FROM_TODAY = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "this": 0}


def _day_word(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "today", "this morning", "last night", "tomorrow evening": the publication's day, or the
    one before or after it."""
    day = relative.day_of(reading.published)
    if day is None:
        return None
    word = (match[1] or match[2]).lower()
    offset = -1 if word == "last" and match[3].lower() == "night" else _DAYS_FROM_TODAY.get(word)
    if offset is None:
        return None  # "last morning" says nothing
    return _inferred(match, EventDate(date.fromordinal(day.toordinal() + offset), Precision.DAY), "", reading)


# "Last week" is the calendar week before the publication's; "the last week" and "the past week"
# are the seven days before it (a stretch, not a date), and "the previous week" counts from the
# story's time, not the publication's: neither is read.
_NOT_THE = r"(?<!\bthe\s)(?<!\bThe\s)"
_WEEK = re.compile(rf"\b{_NOT_THE}(?:(earlier|later)\s+)?(this|last|next)\s+week\b", re.IGNORECASE)


def _week(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "last week", "earlier this week": the days of that week, Monday to Sunday."""
    which = match[2].lower()
    offset = {"this": 0, "next": 1}.get(which, -1)
    part = match[1].lower() if match[1] else None
    if part and which != "this":
        return None
    days = relative.week(reading.published, offset, part)
    if days is None:
        return None
    return _inferred(match, EventDate(days[0], Precision.DAY, days[1]), "", reading)


_MONTH_WORD = re.compile(rf"\b{_NOT_THE}(?:(earlier|later)\s+)?(this|last|next)\s+month\b", re.IGNORECASE)


def _month_word(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "last month", "earlier this month": the month before the publication's, or its own."""
    which = match[2].lower()
    offset = {"this": 0, "next": 1}.get(which, -1)
    if match[1] and which != "this":
        return None
    first = relative.months_from(reading.published, offset)
    if first is None:
        return None
    return _inferred(match, EventDate(first, Precision.MONTH), "", reading)


_BARE_MONTH = re.compile(
    r"\b(?:(last|next|this)\s+|(?:in|since|until|till|through|throughout|by|during|from|to|before|after|"
    r"early|late|mid|the|and|or)[\s-]+(?:(?:early|late|mid)[\s-]+)?)"
    r"(January|February|March|April|May|June|July|August|September|October|November|December)\b(?![\s-]+\d)"
)


def _bare_month(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "in August", "last June", "through June", "the November election": a month, its year
    from the publication and the tense."""
    way = {"last": Way.LAST, "next": Way.NEXT, "this": Way.THIS}.get(match[1] or "", Way.BY_TENSE)
    first = relative.month(reading.published, MONTHS[match[2]], way, reading.tense(match))
    if first is None:
        return None
    return _inferred(match, EventDate(first, Precision.MONTH), "without a year", reading)


# "over 150 years ago", "some 90 years ago": a count of years said roughly dates no year.
_EXACTLY = r"(?<!over\s)(?<!than\s)(?<!about\s)(?<!nearly\s)(?<!almost\s)(?<!around\s)(?<!some\s)(?<!least\s)"
_YEAR_WORD = re.compile(
    rf"\b{_NOT_THE}(?:(?:(later|earlier)\s+)?(this|last|next)\s+year(?:['\u2019]s)?"
    rf"|{_EXACTLY}({_COUNT})\s+years?\s+(ago|from\s+now)|in\s+({_COUNT})\s+years['\u2019]?\s+time)\b",
    re.IGNORECASE,
)


def _year_word(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "last year", "later this year", "two years ago", "eight years from now": a year."""
    published = reading.published
    if published is None:
        return None
    part, which, count, direction, ahead = match.groups()
    if which is not None:
        which = which.lower()
        if part and which != "this":
            return None
        offset = {"this": 0, "next": 1}.get(which, -1)
    else:
        number = (count or ahead).lower()
        years = NUMBERS.get(number) or int(number)
        offset = -years if direction and direction.lower() == "ago" else years
    year = published.start.year + offset
    return _inferred(match, EventDate(date(year, 1, 1), Precision.YEAR), "", reading)


_NOW = re.compile(
    r"\b(?:now|currently|at present)\b(?!\s+that\b)(?<!\bfrom now)(?<!\buntil now)", re.IGNORECASE
)


def _now(match: re.Match[str], reading: _Reading) -> Found | None:
    """ "now": the publication's month at most (what was so then may have been so for long)."""
    published = reading.published
    if published is None:
        return None
    start = published.start
    if published.precision is Precision.YEAR:
        when = EventDate(date(start.year, 1, 1), Precision.YEAR)
    else:
        when = EventDate(date(start.year, start.month, 1), Precision.MONTH)
    return _inferred(match, when, "", reading)


# -- years -------------------------------------------------------------------------------------

_SINCE_YEAR = re.compile(
    rf"\b(?:[Ss]ince|[Ii]n|[Bb]y|[Uu]ntil|[Ff]rom|[Bb]efore|[Aa]fter|[Dd]uring)\s+{_LONE_YEAR}"
)
_BARE_YEAR = re.compile(_LONE_YEAR)


def _year(match: re.Match[str], reading: _Reading) -> Found | None:
    return _stated(match, EventDate(date(int(match[1]), 1, 1), Precision.YEAR))


# In this order: what is not a date first, then the longest and most precise forms, then the
# parts of them a later rule would otherwise read alone ("March 18" of "Friday, March 18").
RULES: tuple[tuple[re.Pattern[str], _Rule], ...] = (
    (_NOT_DATES, _not_a_date),
    (_DAY_RANGE, _day_range),
    (_FULL_DATE, _full_date),
    (_YEAR_RANGE, _year_range),
    (_MONTHS_OF_YEAR, _months_of_year),
    (_PART_OF_YEAR, _part_of_year),
    (_MONTH_YEAR, _month_year),
    (_SEASON_YEAR, _season_year),
    (_MONTH_DAY, _month_day),
    (_WEEKDAY_ALONE, _weekday),
    (_DAY_WORD, _day_word),
    (_WEEK, _week),
    (_MONTH_WORD, _month_word),
    (_YEAR_WORD, _year_word),
    (_BARE_MONTH, _bare_month),
    (_NOW, _now),
    (_SINCE_YEAR, _year),
    (_BARE_YEAR, _year),
)


def dates_in(sentence: str, published: EventDate | None) -> list[Found]:
    """Every date `sentence` states, in the order it states them. Without `published`, a date
    that needs the publication is left out: it is never guessed."""
    reading = _Reading(sentence, published)
    found: list[tuple[int, Found]] = []
    taken: list[tuple[int, int]] = []
    for pattern, rule in RULES:
        for match in pattern.finditer(sentence):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            if rule is _not_a_date:
                taken.append((start, end))
            elif (result := rule(match, reading)) is not None:
                taken.append((start, end))
                found.append((start, _with_status(result, published, reading, start)))
    found += _days_apart(sentence, found, taken, published)
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


_DAYS_APART = re.compile(rf"\b({_COUNT})\s+days?\s+(after|before|later|earlier)\b", re.IGNORECASE)


def _days_apart(
    sentence: str, found: list[tuple[int, Found]], taken: list[tuple[int, int]], published: EventDate | None
) -> list[tuple[int, Found]]:
    """ "Wednesday, a day after Washington placed sanctions": a day counted from a day the same
    sentence dated before it (what comes after "a day after" happened the day before)."""
    more = []
    for match in _DAYS_APART.finditer(sentence):
        if any(match.start() < b and a < match.end() for a, b in taken):
            continue
        anchors = [(at, f) for at, f in found if at < match.start() and f.date.precision is Precision.DAY]
        if not anchors or anchors[-1][1].date.end is not None:
            continue
        anchor = anchors[-1][1]
        count = match[1].lower()
        days = NUMBERS.get(count) or int(count)
        sign = {"after": -1, "before": 1, "later": 1, "earlier": -1}[match[2].lower()]
        day = date.fromordinal(anchor.date.start.toordinal() + sign * days)
        note = (
            f'The article says "{match[0]}", counted from the day it dates as "{anchor.words}" '
            f"({anchor.date.label()}), which makes it {EventDate(day, Precision.DAY).label()}."
        )
        when = Found(match[0], EventDate(day, Precision.DAY), Certainty.INFERRED, note)
        reading = _Reading(sentence, published)
        more.append((match.start(), _with_status(when, published, reading, match.start())))
    return more


def _with_status(found: Found, published: EventDate | None, reading: _Reading, at: int) -> Found:
    """Planned when the date lies wholly after the publication; where it overlaps it (or there is
    no publication date), when its clause speaks of the future."""
    if published is not None and found.date.span[0] >= published.span[1]:
        return replace(found, planned=True)
    if published is not None and found.date.span[1] <= published.span[0]:
        return found
    ahead = _AHEAD.match(found.words) is not None  # "later this year", "tomorrow"
    return replace(found, planned=ahead or tense.of_clause(reading.sentence, at) is tense.Tense.FUTURE)


_AHEAD = re.compile(r"(?:later|next|tomorrow|the\s+coming)\b", re.IGNORECASE)


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
