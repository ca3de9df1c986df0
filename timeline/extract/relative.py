"""Dates said relative to the article's publication: which Thursday "on Thursday" is, which March
"in March", which year "last year". Each answer is as precise as the words and the publication
date allow together, and None where they do not allow one honestly (a weekday in an article
known only to its month)."""

from __future__ import annotations

import enum
from datetime import date, timedelta

from timeline.extract.tense import Tense
from timeline.model import EventDate, Precision


class Way(enum.Enum):
    """Which of the candidates a word picks: the one before the publication, after it, or (by
    the clause's tense) the nearest on that side."""

    LAST = "last"  # strictly before: "last June", "last Friday"
    NEXT = "next"  # strictly after: "next May"
    THIS = "this"  # the publication's own: "this month"
    BY_TENSE = "by tense"


def _side(way: Way, tense: Tense) -> Way:
    if way is not Way.BY_TENSE:
        return way
    return {Tense.FUTURE: Way.NEXT, Tense.PAST: Way.LAST}.get(tense, Way.BY_TENSE)


def day_of(published: EventDate | None) -> date | None:
    """The publication's day, when it is known to the day."""
    if published is None or not published.to_the_day:
        return None
    return published.first_day()


def weekday(published: EventDate | None, number: int, way: Way, tense: Tense) -> date | None:
    """The day named by a weekday (Monday is 0) in an article published on a known day: in the
    past, the last one on or before the publication (the day itself when it is that weekday);
    in the future, the next one after it; with no tense, the last one."""
    day = day_of(published)
    if day is None:
        return None
    side = _side(way, tense)
    if side is Way.NEXT:
        return day + timedelta(days=(number - day.weekday() - 1) % 7 + 1)
    if side is Way.THIS:
        return day + timedelta(days=number - day.weekday())
    back = (day.weekday() - number) % 7
    return day - timedelta(days=back or (7 if way is Way.LAST else 0))


def month(published: EventDate | None, number: int, way: Way, tense: Tense) -> date | None:
    """The first day of the month named: "last"/"next" the one strictly before/after the
    publication's month; by the tense, the last one up to the publication or the next one from
    it; with no tense, none (either side may be meant). In an article known only to its year,
    the month of that year when the tense says which side (as news dates them), else none."""
    if published is None:
        return None
    side = _side(way, tense)
    if published.precision is Precision.YEAR:
        known = way is Way.THIS or (way is Way.BY_TENSE and side is not Way.BY_TENSE)
        return date(published.start.year, number, 1) if known else None
    if side is Way.BY_TENSE:
        return None
    current = published.start.month
    if side is Way.THIS:
        return months_from(published, number - current)
    apart = (current - number if side is Way.LAST else number - current) % 12
    if apart == 0 and way is not Way.BY_TENSE:
        apart = 12  # "last June" in June is a year before
    return months_from(published, -apart if side is Way.LAST else apart)


def month_day(
    published: EventDate | None, number: int, day: int, tense: Tense, named: int | None
) -> date | None:
    """A day and month without a year: the year in which `named` (a weekday, if the text gives
    one) falls on it, nearest the publication's; else the publication's year, moved back a year
    for a past day that would fall after the publication, on a year for a coming one that would
    fall before it."""
    if published is None:
        return None
    year = published.start.year
    if named is not None:
        fits = [y for y in (year, year - 1, year + 1) if _weekday_of(y, number, day) == named]
        return date(fits[0], number, day) if fits else None
    found = valid_day(year, number, day)
    first, after = published.span
    if found is not None and tense is Tense.PAST and found >= after:
        return valid_day(year - 1, number, day)
    if found is not None and tense is Tense.FUTURE and found < first:
        return valid_day(year + 1, number, day)
    return found


def valid_day(year: int, number: int, day: int) -> date | None:
    """The day, if the calendar has it (no 30 February)."""
    try:
        return date(year, number, day)
    except ValueError:
        return None


def _weekday_of(year: int, number: int, day: int) -> int | None:
    found = valid_day(year, number, day)
    return found.weekday() if found else None


def week(published: EventDate | None, offset: int, part: str | None) -> tuple[date, date] | None:
    """The days of the week `offset` weeks from the publication's (Monday to Sunday): "earlier"
    ends the day before the publication, "later" starts the day after."""
    day = day_of(published)
    if day is None:
        return None
    monday = day - timedelta(days=day.weekday()) + timedelta(weeks=offset)
    first, last = monday, monday + timedelta(days=6)
    if part == "earlier":
        last = day - timedelta(days=1)
    elif part == "later":
        first = day + timedelta(days=1)
    return (first, last) if first <= last else None


def months_from(published: EventDate | None, offset: int) -> date | None:
    """The first day of the month `offset` months from the publication's."""
    if published is None or published.precision is Precision.YEAR:
        return None
    index = published.start.year * 12 + published.start.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)
