"""The dates a sentence states, with exactly the precision it states, each rule from a real
sentence: the seed articles, the development texts of tests/data/extract-corpus (never the
held-out ones) and other public texts, each with its publication date."""

# The sentences are quoted as published: their typographic apostrophes, and lines as long as a
# sentence's words need.
# ruff: noqa: E501, RUF001

from __future__ import annotations

import pytest

from timeline.extract import article, story, tense
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
        ("5,609 workers died during this period (1904–1914).", [("1904–1914", "1904–1914", "stated")]),
        # A range of days without a year takes the publication's.
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
        # "A recent meeting" dates nothing: it may have been in the month before, or the year.
        ("At a recent meeting in Geneva, they agreed.", []),
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


@pytest.mark.parametrize(
    ("published", "sentence", "dates"),
    [
        # Wikinews, "New Zealand announces new Matariki public holiday", Sunday 7 February 2021:
        # a weekday in the past is the last one before the publication.
        (
            "2021-02-07",
            "The New Zealand Government on Thursday announced the creation of a new public holiday, Matariki.",
            [("on Thursday", "4 February 2021")],
        ),
        (
            "2021-02-07",
            "The first Matariki holiday is scheduled for Friday, June 24 of next year.",
            [("Friday, June 24 of next year", "24 June 2022")],
        ),
        (
            "2021-02-07",
            "Ardern's Labour Party made the Matariki holiday an election promise, and won last year's general "
            "election with a majority.",
            [("last year's", "2020")],
        ),
        # A weekday that is only a kind of day dates nothing.
        (
            "2021-02-07",
            "The date of the Matariki holiday is not consistent from year to year, as it follows Maramataka, "
            "the Māori lunar calendar, but would likely always fall on a Monday or Friday according to Ardern.",
            [],
        ),
        # United Nations noon briefing, Monday 21 June 2021: in the future, the next one after it.
        (
            "2021-06-21",
            "On Thursday, the Secretary-General will deliver a solemn address to the European Parliament in "
            "Brussels.",
            [("On Thursday", "24 June 2021")],
        ),
        (
            "2021-06-21",
            "Tomorrow evening, the Secretary-General will fly to Brussels, where he will meet with European leaders.",
            [("Tomorrow evening", "22 June 2021")],
        ),
        # United Nations noon briefing, 27 April 2017: "earlier this month" is the publication's
        # month; "last October" the October before it; "over the last month" is thirty days, no date.
        (
            "2017-04-27",
            "He also said that we await the results of investigations regarding the use of chemical weapons "
            "in Khan Shaykhun earlier this month.",
            [("earlier this month", "April 2017")],
        ),
        (
            "2017-04-27",
            "He said that he is also gravely concerned about the situation in besieged eastern Ghouta, where "
            "the UN has been unable to get access to some 400,000 people since last October.",
            [("last October", "October 2016")],
        ),
        (
            "2017-04-27",
            "The Emergency Relief Coordinator, Stephen O’Brien, briefed the Security Council this morning on "
            "Syria, noting the intensified fighting on numerous fronts over the last month.",
            [("this morning", "27 April 2017")],
        ),
        # United Nations noon briefing, 29 July 2021: a range of days written day first.
        (
            "2021-07-29",
            "The Under-Secretary-General for Political and Peacebuilding Affairs, Rosemary DiCarlo, was on an "
            "official visit to Addis Ababa, Ethiopia, from 25 to 27 July, where she met with Ethiopian President "
            "Sahle Work Zewde.",
            [("from 25 to 27 July", "25–27 July 2021")],
        ),
        # NASA media advisory M16-026, 10 March 2016: a weekday beside a full date is the same day;
        # a day without a year, before or after the publication by the tense of its clause.
        (
            "2016-03-10",
            "Expedition 47 crew members NASA astronaut Jeff Williams, and cosmonauts Oleg Skripochka and "
            "Alexei Ovchinin of the Russian space agency Roscosmos pose for a photograph before their Soyuz "
            "qualification exams Wednesday, Feb. 24, 2016, at the Gagarin Cosmonaut Training Center.",
            [("Wednesday, Feb. 24, 2016", "24 February 2016")],
        ),
        (
            "2016-03-10",
            "During his six-month mission, Williams will become the new American record holder for cumulative "
            "days in space — 534 — surpassing Expedition 46 Commander Scott Kelly, who wrapped up his one-year "
            "mission on March 1.",
            [("March 1", "1 March 2016")],
        ),
        (
            "2016-03-10",
            "Williams will take command of the station on June 4 for Expedition 48.",
            [("June 4", "4 June 2016")],
        ),
        # Voice of America, 8 January 2025: "a day after" counts from the day the sentence dated.
        (
            "2025-01-08",
            "The White House described Sudan’s civil war as a genocide Wednesday, a day after Washington "
            "placed sanctions on the nation’s rebel leader.",
            [("Wednesday", "8 January 2025"), ("a day after", "7 January 2025")],
        ),
        # UK Parliament, written statement, 29 November 2023: a financial year is its two years.
        (
            "2023-11-29",
            "The Government have today announced they are investing £25 million in 2024-25, complemented with "
            "£5 million of additional investment from the Football Association.",
            [("today", "29 November 2023"), ("2024-25", "2024–2025")],
        ),
        # UK government, 17 January 2023: a season and its year is the year.
        (
            "2023-01-17",
            "Construction on the hub began in spring 2022 and is expected to last around a year.",
            [("spring 2022", "2022")],
        ),
        # UK statement at the UN Security Council, 2 April 2025.
        (
            "2025-04-02",
            "In the first 3 months of 2025, the Aid Worker Security Database has already recorded 64 deaths, "
            "36 injuries and 8 kidnappings.",
            [("the first 3 months of 2025", "January–March 2025")],
        ),
        (
            "2025-04-02",
            "Tragically, just last week, the Palestine Red Crescent Society (PRCS) reported that eight of its "
            "medics were killed in Gaza.",
            [("last week", "24–30 March 2025")],
        ),
        # Ghana's Ministry of Lands, Friday 14 October 2022: an ordinal day, a comma before the year.
        (
            "2022-10-14",
            "These publications attribute this comment to the Minister during his Press Update on the fight "
            "against illegal mining at the Ministry of Information on Thursday, 13th October, 2022.",
            [("Thursday, 13th October, 2022", "13 October 2022")],
        ),
        # Timor-Leste's government, 25 June 2018: "the 22nd of June".
        (
            "2018-06-25",
            "Considering that the 8th Constitutional Government was sworn in on Friday, the 22nd of June and "
            "that, as such, there is a need to complete the special work of portfolio handover;",
            [("Friday, the 22nd of June", "22 June 2018")],
        ),
        # NASA, 23 May 2011: a day and month followed by a comma (a one-character bug once dropped it).
        (
            "2011-05-23",
            "NASA will host a media teleconference at 3:30 p.m. EDT on Tuesday, May 24, to discuss an agency "
            "decision that will define the next transportation system to carry humans into deep space.",
            [("Tuesday, May 24", "24 May 2011")],
        ),
        # A count of years said roughly dates no year (Yahoo News, 4 February 2021).
        (
            "2021-02-04",
            "Ardern made her announcement at Waitangi, where over 150 years ago, a treaty was signed between "
            "Māori chiefs and the British crown.",
            [],
        ),
        # Punch (Nigeria), 2025: bare months in the past are the last ones before the publication.
        (
            "2025-05-30",
            "Idris said the economy had rebounded with inflation rate dropping from 24.23 per cent in March to "
            "23.71 per cent in April.",
            [("in March", "March 2025"), ("in April", "April 2025")],
        ),
        # United Nations meetings coverage: a resolution's number and its year label are not dates.
        (
            "2023-09-29",
            "Security Council members said today, as they discussed the situation in the high seas off Libya "
            "ahead of a decision to renew resolution 2240 (2015), which authorizes States to inspect vessels.",
            [("today", "29 September 2023")],
        ),
        (
            "2023-08-30",
            "The Security Council today failed to renew the travel ban imposed through resolution 2374 (2017) "
            "against individuals obstructing implementation of the 2015 Agreement on Peace and Reconciliation "
            "in Mali.",
            [("today", "30 August 2023"), ("2015", "2015")],
        ),
    ],
)
def test_dates_said_relative_to_the_publication_are_resolved_against_it(
    published: str, sentence: str, dates: list[tuple[str, str]]
) -> None:
    assert [(words, label) for words, label, _ in said(sentence, published)] == dates


def test_a_day_needs_a_publication_known_to_the_day() -> None:
    assert said("The New Zealand Government on Thursday announced it.", "2021-02") == []
    assert said("He led the RSF until an April 2023 clash.", "2025") == [
        ("April 2023", "April 2023", "stated")
    ]


def test_a_relative_date_is_inferred_and_says_how() -> None:
    [found] = dates_in("The New Zealand Government on Thursday announced it.", published_date("2021-02-07"))
    assert found.certainty is Certainty.INFERRED
    assert found.note == (
        'The article says "on Thursday" without a date; it was published on Sunday 7 February 2021, '
        "which makes it 4 February 2021."
    )


def test_a_date_after_the_publication_is_planned_and_one_before_it_is_not() -> None:
    published = published_date("2016-03-10")
    [took] = dates_in("Williams will take command of the station on June 4 for Expedition 48.", published)
    [wrapped] = dates_in("Scott Kelly, who wrapped up his one-year mission on March 1.", published)
    assert took.planned and not wrapped.planned


def test_a_date_of_the_publication_itself_is_planned_by_the_tense_of_its_own_clause() -> None:
    # "will" in another clause of the sentence does not make it a plan.
    [today] = dates_in(
        "The Secretary-General is announcing today the appointment of Edmond Mulet of Guatemala to lead the "
        "JIM, the panel that will lead the OPCW-United Nations Joint Investigative Mechanism.",
        published_date("2017-04-27"),
    )
    assert not today.planned
    [later] = dates_in("A new memorandum would be signed later this year.", published_date("2010"))
    assert later.planned


@pytest.mark.parametrize(
    ("sentence", "word", "told"),
    [
        ("In March, the powerful union endorsed Biden.", "March", tense.Tense.PAST),
        ("Williams will take command of the station on June 4.", "June", tense.Tense.FUTURE),
        ("He is scheduled to launch at 5:26 p.m. EDT Friday, March 18.", "March", tense.Tense.FUTURE),
        ("Vietnam now has about 3 million people living abroad.", "now", tense.Tense.PRESENT),
        ("Since 1987, IOM", "1987", tense.Tense.UNKNOWN),
    ],
)
def test_the_tense_is_the_dates_own_clause_or_the_next(sentence: str, word: str, told: tense.Tense) -> None:
    assert tense.of_clause(sentence, sentence.index(word)) is told


def test_a_dateline_or_heading_is_not_an_event() -> None:
    sentences = ["Sunday, February 7, 2021", "March 10, 2016 MEDIA ADVISORY M16-026", "It met in 2009."]
    assert [s for s, _ in story.dated(sentences, published_date("2021-02-07"))] == ["It met in 2009."]


def test_the_session_the_article_dated_before_takes_its_date() -> None:
    sentences = [
        "A Vietnamese delegation attended the 100 th session of the International Organisation for "
        "Migration Council in Switzerland from Dec. 5-7.",
        "According to the 2011 World Migration Report released at the session, migration is resilient.",
        "During the three-day session, which took place on the occasion of the organisation’s 60th "
        "anniversary, IOM admitted 14 new members.",
        "The last Berlin meeting was long, and the next session will be longer.",
    ]
    dated = [[(f.words, f.date.label()) for f in found] for _, found in story.dated(sentences, PUBLISHED)]
    assert dated == [
        [("Dec. 5-7", "5–7 December 2011")],
        [("2011", "2011"), ("the session", "5–7 December 2011")],
        [("the three-day session", "5–7 December 2011")],
        [],
    ]
    [_, (_, [_, referred]), *_] = story.dated(sentences, PUBLISHED)
    assert referred.certainty is Certainty.INFERRED and referred.note is not None
    assert 'which it dated before: "Dec. 5-7" (5–7 December 2011)' in referred.note


def test_a_time_of_day_does_not_end_a_sentence() -> None:
    text = (
        "NASA astronaut Jeff Williams is scheduled to launch at 5:26 p.m. EDT Friday, March 18, with "
        "cosmonauts. NASA Television launch coverage will begin at 4:30 p.m. During his six-month mission, "
        "Williams will become the record holder. The hatches will be opened at about 12:55 a.m. Saturday, "
        "March 19, when the crew will be greeted."
    )
    assert [s[:30] for s in article.sentences(text)] == [
        "NASA astronaut Jeff Williams i",
        "NASA Television launch coverag",
        "During his six-month mission, ",
        "The hatches will be opened at ",
    ]


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
        'The article says "Dec. 5-7" without a year; it was published in December 2011, which makes it '
        "5–7 December 2011."
    )


@pytest.mark.parametrize("text", ["2011-13", "December 2011", "11"])
def test_a_publication_date_is_a_year_month_or_day(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        published_date(text)
