"""The dates a sentence states, with exactly the precision it states: each rule of our own."""

from __future__ import annotations

import pytest

from timeline.extract.dates import dates_in, published_date
from timeline.model import Certainty

PUBLISHED = published_date("2011-12")


def said(sentence: str, published: str | None = "2011-12") -> list[tuple[str, str, str]]:
    when = published_date(published) if published else None
    return [(f.words, f.date.label(), f.certainty.value) for f in dates_in(sentence, when)]


@pytest.mark.parametrize(
    ("sentence", "dates"),
    [
        # A year is a year, never 1 January; "since" a year is that year, the start of what goes on.
        ("It officially became an IOM Member State in 2007.", [("in 2007", "2007", "stated")]),
        ("Since 1987, IOM has been present.", [("Since 1987", "1987", "stated")]),
        (
            "It held Observer status between 1990 and 2007.",
            [("between 1990 and 2007", "1990–2007", "stated")],
        ),
        ("The plan runs from 2010 to 2015.", [("from 2010 to 2015", "2010–2015", "stated")]),
        # dateparser reads "5-7" as 7 May; a range of days without a year takes the publication's.
        ("It met in Switzerland from Dec. 5-7.", [("Dec. 5-7", "5–7 December 2011", "inferred")]),
        ("It met on Dec. 5-7, 2010.", [("Dec. 5-7, 2010", "5–7 December 2010", "stated")]),
        ("They met on 26 January 2010.", [("26 January 2010", "26 January 2010", "stated")]),
        ("They met on January 26, 2010.", [("January 26, 2010", "26 January 2010", "stated")]),
        # A month and a year is a month: no day is filled in.
        ("The report came out in January 2010.", [("January 2010", "January 2010", "stated")]),
        ("They met on Dec. 5.", [("Dec. 5", "5 December 2011", "inferred")]),
        # Said relative to the publication: its year, or its month at most.
        ("It will be signed later this year.", [("later this year", "2011", "inferred")]),
        ("Vietnam now has about 3 million people living abroad.", [("now", "December 2011", "inferred")]),
        ("At a recent meeting in Geneva, they agreed.", [("a recent meeting", "December 2011", "inferred")]),
        # Numbers that are not years, and words that date nothing.
        ("It has 400,000 temporary labourers and 146 members.", []),
        ("In the 1990s migration grew.", []),
        ("The recent global economic crisis has highlighted the resilience of migration.", []),
        ("Vietnamese workers have been among those who have suffered.", []),
        # Two dates in one sentence, in the order written.
        (
            "Since 1987, IOM has been present in Vietnam which held Observer status between 1990 and 2007.",
            [("Since 1987", "1987", "stated"), ("between 1990 and 2007", "1990–2007", "stated")],
        ),
    ],
)
def test_each_expression_gives_exactly_the_precision_it_states(
    sentence: str, dates: list[tuple[str, str, str]]
) -> None:
    assert said(sentence) == dates


def test_a_month_published_article_never_gives_a_day_to_a_relative_date() -> None:
    assert said("Vietnam now has 3 million.", "2011-12-09") == [("now", "December 2011", "inferred")]
    assert said("Vietnam now has 3 million.", "2010") == [("now", "2010", "inferred")]


def test_without_a_publication_date_nothing_is_guessed() -> None:
    assert said("It met from Dec. 5-7 and will meet later this year, now.", None) == []
    assert said("It became a member in 2007.", None) == [("in 2007", "2007", "stated")]


def test_an_inferred_date_says_where_its_year_comes_from() -> None:
    [found] = dates_in("It met from Dec. 5-7.", PUBLISHED)
    assert found.certainty is Certainty.INFERRED
    assert found.note == (
        'The article gives "Dec. 5-7" without a year; the year is that of its publication (December 2011).'
    )


@pytest.mark.parametrize("text", ["2011-13", "December 2011", "11"])
def test_a_publication_date_is_a_year_month_or_day(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        published_date(text)
