"""Dates keep their precision: labels never say more than the evidence, spans end where they should."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.model import EventDate, Precision

Y, M, D = Precision.YEAR, Precision.MONTH, Precision.DAY
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
GENEVA = ZoneInfo("Europe/Zurich")


@pytest.mark.parametrize(
    ("when", "label"),
    [
        (EventDate(date(1987, 1, 1), Y), "1987"),
        (EventDate(date(2011, 12, 1), M), "December 2011"),
        (EventDate(date(2011, 12, 5), D), "5 December 2011"),
        (EventDate(date(2011, 12, 5), D, date(2011, 12, 7)), "5–7 December 2011"),
        (EventDate(date(2011, 11, 28), D, date(2011, 12, 2)), "28 November – 2 December 2011"),
        (EventDate(date(2011, 12, 30), D, date(2012, 1, 2)), "30 December 2011 – 2 January 2012"),
        (EventDate(date(1990, 1, 1), Y, date(2007, 1, 1)), "1990–2007"),
        (EventDate(date(2011, 3, 1), M, date(2011, 5, 1)), "March–May 2011"),
        (EventDate(date(2011, 11, 1), M, date(2012, 1, 1)), "November 2011 – January 2012"),
        (EventDate(datetime(2011, 12, 5, 9, 0, tzinfo=HANOI), Precision.TIME), "5 December 2011, 09:00 +07"),
        (
            EventDate(
                datetime(2011, 12, 5, 9, 0, tzinfo=HANOI),
                Precision.TIME,
                datetime(2011, 12, 5, 11, 30, tzinfo=HANOI),
            ),
            "5 December 2011, 09:00–11:30 +07",
        ),
    ],
)
def test_label_states_exactly_the_known_precision(when: EventDate, label: str) -> None:
    assert when.label() == label


@pytest.mark.parametrize(
    ("when", "first", "after"),
    [
        (EventDate(date(1987, 1, 1), Y), date(1987, 1, 1), date(1988, 1, 1)),
        (EventDate(date(2011, 12, 1), M), date(2011, 12, 1), date(2012, 1, 1)),
        (EventDate(date(2012, 2, 1), M), date(2012, 2, 1), date(2012, 3, 1)),
        (EventDate(date(2011, 12, 5), D, date(2011, 12, 7)), date(2011, 12, 5), date(2011, 12, 8)),
        (EventDate(date(1990, 1, 1), Y, date(2007, 1, 1)), date(1990, 1, 1), date(2008, 1, 1)),
        (
            EventDate(datetime(2011, 12, 5, 23, 0, tzinfo=HANOI), Precision.TIME),
            date(2011, 12, 5),
            date(2011, 12, 6),
        ),
    ],
)
def test_span_covers_the_whole_period_with_an_exclusive_end(
    when: EventDate, first: date, after: date
) -> None:
    assert when.first_day() == first
    assert when.day_after() == after


def test_chronological_order_puts_the_wider_period_after_the_narrower_one_starting_together() -> None:
    year = EventDate(date(2011, 1, 1), Y)
    day = EventDate(date(2011, 1, 1), D)
    assert sorted([year, day], key=EventDate.sort_key) == [day, year]


def test_chronological_order_puts_a_whole_day_first_then_times_by_their_moment_wherever_they_are() -> None:
    day = EventDate(date(2011, 12, 5), D)
    nine_in_hanoi = EventDate(datetime(2011, 12, 5, 9, 0, tzinfo=HANOI), Precision.TIME)  # 02:00 UTC
    eight_in_geneva = EventDate(datetime(2011, 12, 5, 8, 0, tzinfo=GENEVA), Precision.TIME)  # 07:00 UTC
    dates = [eight_in_geneva, nine_in_hanoi, day]
    assert sorted(dates, key=EventDate.chronological_key) == [day, nine_in_hanoi, eight_in_geneva]


def test_the_first_moment_a_date_can_have_has_its_place_even_east_of_greenwich() -> None:
    # In UTC it would fall in year 0, which Python's dates do not have.
    first = EventDate(datetime(1, 1, 1, 0, 0, tzinfo=HANOI), Precision.TIME)
    later = EventDate(datetime(1, 1, 1, 8, 0, tzinfo=HANOI), Precision.TIME)
    assert sorted([later, first], key=EventDate.chronological_key) == [first, later]


ZONES = [HANOI, GENEVA, ZoneInfo("UTC"), ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")]
DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 30))


@st.composite
def event_dates(draw: st.DrawFn) -> EventDate:
    precision = draw(st.sampled_from(list(Precision)))
    start: date = draw(DAYS)
    if precision is Precision.TIME:
        start = datetime.combine(start, draw(st.times()), tzinfo=draw(st.sampled_from(ZONES)))
        return EventDate(start, precision)
    if precision is Precision.YEAR:
        start = date(start.year, 1, 1)
    elif precision is Precision.MONTH:
        start = date(start.year, start.month, 1)
    end = draw(st.one_of(st.none(), DAYS.filter(lambda day: day > start)))
    if end is not None and precision is not Precision.DAY:
        end = date(end.year, 1 if precision is Precision.YEAR else end.month, 1)
    return EventDate(start, precision, end if end != start else None)


def _as_tuple(when: EventDate) -> tuple[date, date, int]:
    """The order chronological_key() stands for, spelt out: first day, day after, then the moment
    in UTC (a whole day before any)."""
    moment = -1
    if isinstance(when.start, datetime):
        # Measured from year 1 before the offset is taken off: in UTC, a moment of year 1 east
        # of Greenwich falls in year 0, which datetime cannot hold.
        since = when.start.replace(tzinfo=None) - datetime(1, 1, 1) - (when.start.utcoffset() or timedelta())
        moment = since // timedelta(microseconds=1)
    return (when.first_day(), when.day_after(), moment)


@given(st.lists(event_dates(), min_size=2, max_size=8))
@settings(max_examples=500)
def test_the_chronological_key_is_one_number_that_orders_as_first_day_day_after_then_moment(
    dates: list[EventDate],
) -> None:
    by_number = sorted(dates, key=EventDate.chronological_key)
    assert [_as_tuple(when) for when in by_number] == sorted(map(_as_tuple, dates))
