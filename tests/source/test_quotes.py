"""Every quote is checked against its article: verbatim, but for whitespace, line breaks and the
typographic variants of quotes, apostrophes and dashes."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_shipped
from tests.daemons import start
from tests.test_cli import run
from timeline.builder.publish import build
from timeline.errors import ValidationError
from timeline.files import read_regular_file
from timeline.model import Certainty, EventDate, Precision
from timeline.source import articles, quotes
from timeline.source.load import load, parse
from timeline.source.reload import Reloader

ARTICLE = """Title

The delegation met in Geneva on 26 January 2010 \u2014 a \u201crecent\u201d meeting.
It officially became an
IOM Member State in 2007.

Vietnam\u2019s current migration realities.
"""

HEADER = """\
title: Quotes
base_url: https://example.org/t/
id_authority: example.org,2026
articles_dir: articles
articles:
  a.txt: {title: An article}
events:
"""


def event(event_id: str, quote: str, article: str = "a.txt") -> str:
    return (
        f"  - id: {event_id}\n    title: T\n    summary: S\n    date: 2007\n"
        f"    sources:\n      - article: {article}\n        quote: {quote}\n"
    )


def site(tmp_path: Path, events: str, header: str = HEADER, article: str = ARTICLE) -> Path:
    (tmp_path / "articles").mkdir(exist_ok=True)
    (tmp_path / "articles" / "a.txt").write_text(article, encoding="utf-8")
    source = tmp_path / "events.yaml"
    source.write_text(header + events, encoding="utf-8")
    return source


def problems(source: Path) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        load(source)
    return [str(problem) for problem in raised.value.problems]


def test_every_quote_of_the_shipped_timeline_stands_in_its_article() -> None:
    source = ROOT / "events.yaml"
    assert run("validate", str(source)) == (
        0,
        f"{source}: 14 events, all valid; 18 quotes found verbatim in 2 articles.\n",
        "",
    )


def test_a_changed_quote_fails_with_its_position_and_the_closest_passage(tmp_path: Path) -> None:
    source = copy_shipped(tmp_path)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Member State in 2007.", "Member State in 2006."), encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "Member State in 2007." in s)
    assert problems(source) == [
        f"{source}:{line}:16: events[2].sources[0].quote: not in 000_0cb45dfbd2d15e76.txt; the closest "
        'passage is "It officially became an IOM Member State in 2007."'
    ]
    code, out, err = run("validate", str(source))
    assert code == 1 and out == "" and err.endswith("1 problem found; nothing was written.\n")


@pytest.mark.parametrize(
    "quote",
    [
        "It officially became an IOM Member State in 2007.",  # the line break is a space
        "'It   officially became an IOM Member State in 2007.'".strip("'"),  # runs of spaces
        '"The delegation met in Geneva on 26 January 2010 - a \\"recent\\" meeting."',  # straight for curly
        "Vietnam's current migration realities.",  # an apostrophe for a right single quotation mark
        '"Vietnam\u2018s current migration realities."',  # one typographic variant for another
    ],
)
def test_whitespace_and_typographic_variants_are_forgiven(tmp_path: Path, quote: str) -> None:
    load(site(tmp_path, event("e", quote)))


@pytest.mark.parametrize(
    "quote",
    [
        "It officially became an IOM member State in 2007.",  # a letter's case
        "It officially became an IOM Member State in 2007!",  # the full stop
        "It officially became IOM Member State in 2007.",  # a word left out
        "It officially became an IOM Member-State in 2007.",  # a hyphen for a space
    ],
)
def test_anything_else_is_a_different_sentence(tmp_path: Path, quote: str) -> None:
    [message] = problems(site(tmp_path, event("e", quote)))
    assert ": events[0].sources[0].quote: not in a.txt; the closest passage is " in message


def test_every_problem_is_reported_at_once_in_the_files_order(tmp_path: Path) -> None:
    header = HEADER.replace("  a.txt: {title: An article}\n", "  a.txt: {title: An article}\n  gone.txt:\n")
    events = event("later", "Not in it at all, nothing like it whatsoever.", "a.txt") + event(
        "first", "It became a member in 2006.", "a.txt"
    )
    events += event("third", "Whatever it says.", "gone.txt")
    found = problems(site(tmp_path, events, header))
    assert [message.split(": ", 1)[1] for message in found] == [
        "articles.gone.txt: no such file in articles; put the article there as plain text, or correct "
        "the name (a build of private articles can skip this with --no-article-check)",
        "events[0].sources[0].quote: not in a.txt; nothing in it comes close; copy the sentence from "
        "the article",
        'events[1].sources[0].quote: not in a.txt; the closest passage is "It officially became an IOM '
        'Member State in 2007."',
    ]
    assert [message.split(":")[1:3] for message in found] == [["7", "3"], ["15", "16"], ["22", "16"]]


def test_an_articles_dir_that_is_not_a_folder_is_reported_where_it_is_written(tmp_path: Path) -> None:
    source = site(
        tmp_path, event("e", "q"), HEADER.replace("articles_dir: articles", "articles_dir: nowhere")
    )
    assert problems(source) == [
        f"{source}:4:15: articles_dir: nowhere is not a folder (looked for {tmp_path / 'nowhere'}); give "
        "the folder the articles are in, relative to this file"
    ]


def test_an_article_that_is_not_a_regular_file_is_reported_not_waited_on(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "q"))
    (tmp_path / "articles" / "a.txt").unlink()
    os.mkfifo(tmp_path / "articles" / "a.txt")
    [message] = problems(source)
    assert message.endswith("articles.a.txt: is a FIFO (named pipe); the article must be a readable file")


def test_an_article_too_large_or_not_utf8_says_what_to_do(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "q"))
    with (tmp_path / "articles" / "a.txt").open("wb") as handle:
        handle.truncate(articles.MAX_ARTICLE_BYTES + 1)  # sparse: no disk spent
    assert problems(source)[0].endswith("articles.a.txt: is larger than 4 MiB; keep the article's text only")
    (tmp_path / "articles" / "a.txt").write_bytes(b"caf\xe9")
    assert problems(source)[0].endswith("articles.a.txt: is not UTF-8 text; save it as UTF-8")


def test_an_article_is_named_by_its_file_name_alone(tmp_path: Path) -> None:
    for name in ("../../etc/passwd", "sub/a.txt", ".hidden"):
        header = HEADER.replace(
            "  a.txt: {title: An article}\n", f"  a.txt: {{title: An article}}\n  {name}:\n"
        )
        [message] = problems(site(tmp_path, event("e", "Vietnam's current migration realities."), header))
        assert message.endswith(
            f"articles.{name}: an article is named by its file name alone, as it is in articles_dir: "
            "no folder, no leading dot"
        )


def test_without_an_articles_dir_no_quote_is_checked(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "Anything at all."), HEADER.replace("articles_dir: articles\n", ""))
    assert len(load(source).events) == 1
    assert run("validate", str(source))[1].endswith("quotes not checked: the header names no articles_dir.\n")


def test_no_article_check_skips_the_check_and_says_so(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "Not what the article says."))
    assert load(source, check_articles=False).events[0].id == "e"
    code, out, _ = run("validate", "--no-article-check", str(source))
    assert (code, out) == (
        0,
        f"{source}: 1 events, all valid; quotes not checked against the articles (--no-article-check).\n",
    )
    code, out, err = run("build", "--no-article-check", "-s", str(source), "-o", str(tmp_path / "feeds"))
    assert code == 0 and "quotes not checked against the articles (--no-article-check)." in err
    assert (tmp_path / "feeds" / "timeline.atom").is_file()


def test_a_build_with_a_quote_not_in_its_article_writes_nothing(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "Vietnam's current migration realities."))
    build(source, tmp_path / "feeds")
    before = {p: p.read_bytes() for p in (tmp_path / "feeds").rglob("*") if p.is_file()}
    source.write_text(HEADER + event("e", "Vietnam's past migration realities."), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"not in a\.txt"):
        build(source, tmp_path / "feeds")
    assert {p: p.read_bytes() for p in (tmp_path / "feeds").rglob("*") if p.is_file()} == before


def test_every_load_checks_again_so_an_edited_article_is_noticed(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "Vietnam's current migration realities."))
    reloader = Reloader(source)
    reloader.load()
    assert set(reloader.checked_articles or ()) == {tmp_path / "articles" / "a.txt"}
    (tmp_path / "articles" / "a.txt").write_text("Rewritten.\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="nothing in it comes close"):
        reloader.load()
    (tmp_path / "articles" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert reloader.load().events[0].id == "e"


def test_timeline_build_is_not_skipped_once_an_article_changed(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "Vietnam's current migration realities."))
    out = str(tmp_path / "feeds")
    assert run("build", "-s", str(source), "-o", out)[0] == 0
    assert run("build", "-s", str(source), "-o", out)[1].endswith("wrote nothing (all up to date).\n")
    (tmp_path / "articles" / "a.txt").write_text("Rewritten.\n", encoding="utf-8")
    code, _, err = run("build", "-s", str(source), "-o", out)
    assert code == 1 and "events[0].sources[0].quote: not in a.txt" in err


def test_an_articles_publication_date_keeps_its_precision_and_its_reasoning() -> None:
    timeline = load(ROOT / "events.yaml", check_articles=False)
    iom, vietnamplus = timeline.articles
    assert iom.published == EventDate(date(2010, 1, 1), Precision.YEAR)
    assert iom.published_certainty is Certainty.INFERRED and iom.published_note
    assert vietnamplus.published is not None and vietnamplus.published.precision is Precision.MONTH


@pytest.mark.parametrize(
    ("published", "message"),
    [
        (
            "{start: 2010, end: 2011}",
            "articles.a.txt.published: is one year, month or day: write YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (
            "2010-01-26T10:00",
            "articles.a.txt.published: is one year, month or day: write YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        ("2010-13", "articles.a.txt.published: "),
        (
            "2010, published_certainty: inferred",
            'a publication date marked "inferred" needs a published_note giving the reasoning',
        ),
    ],
)
def test_a_publication_date_is_one_year_month_or_day_and_says_why_when_inferred(
    published: str, message: str
) -> None:
    text = HEADER.replace("articles_dir: articles\n", "").replace(
        "  a.txt: {title: An article}", f"  a.txt: {{title: An article, published: {published}}}"
    )
    with pytest.raises(ValidationError) as raised:
        parse(text + event("e", "q"))
    assert any(message in str(problem) for problem in raised.value.problems), raised.value.problems


def test_a_running_daemon_keeps_serving_the_last_good_outputs_when_a_quote_is_changed(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "Vietnam's current migration realities."))
    daemon = start(source, tmp_path / "feeds")
    try:
        good = daemon.request("/timeline.atom")
        source.write_text(HEADER + event("e", "Vietnam's past migration realities."), encoding="utf-8")
        daemon.wait_for(lambda: daemon.request("/healthz").json()["stale"], what="the failed build")
        [error] = daemon.request("/healthz").json()["last_build"]["errors"]
        assert error == (
            f"{source}:14:16: events[0].sources[0].quote: not in a.txt; the closest passage is "
            '"Vietnam\u2019s current migration realities."'
        )
        served = daemon.request("/timeline.atom")
        assert (served.status, served.body) == (200, good.body)
    finally:
        assert daemon.stop() == 0


def test_a_running_daemon_notices_an_article_that_changed_under_a_quote(tmp_path: Path) -> None:
    source = site(tmp_path, event("e", "Vietnam's current migration realities."))
    daemon = start(source, tmp_path / "feeds")
    try:
        good = daemon.request("/timeline.atom")
        (tmp_path / "articles" / "a.txt").write_text(ARTICLE.replace("current", "past"), encoding="utf-8")
        daemon.wait_for(lambda: daemon.request("/healthz").json()["stale"], what="the failed build")
        assert "build (an article changed) failed" in daemon.log()
        assert daemon.request("/timeline.atom").body == good.body
        (tmp_path / "articles" / "a.txt").write_text(ARTICLE, encoding="utf-8")
        daemon.wait_for(lambda: not daemon.request("/healthz").json()["stale"], what="the build that passes")
        assert daemon.request("/timeline.atom").body == good.body
    finally:
        assert daemon.stop() == 0


def test_with_many_quotes_missing_only_the_first_are_searched_for_a_closest_passage(tmp_path: Path) -> None:
    count = quotes.MAX_CLOSEST + 5
    source = site(tmp_path, "".join(event(f"e{n}", f"Not in the article, number {n}.") for n in range(count)))
    found = problems(source)
    assert len(found) == count  # every one is still named
    searched = [p for p in found if "comes close" in p or 'closest passage is "' in p]
    named = [p for p in found if "check that articles_dir and the article are the right ones" in p]
    assert (len(searched), len(named)) == (quotes.MAX_CLOSEST, 5)


def test_a_reload_checks_only_what_changed_against_articles_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = site(tmp_path, event("e", "Vietnam's current migration realities."))
    reloader = Reloader(source)
    reloader.load()
    read: list[Path] = []

    def reading(path: Path, limit: int | None = None) -> bytes:
        read.append(path)
        return read_regular_file(path, limit)

    monkeypatch.setattr("timeline.source.articles.read_regular_file", reading)
    reloader.load()
    assert read == []  # the article is as it was: not read again
    (tmp_path / "articles" / "a.txt").write_text(ARTICLE + "\nMore.\n", encoding="utf-8")
    reloader.load()
    assert read == [tmp_path / "articles" / "a.txt"]


@pytest.mark.parametrize(
    ("quote_length", "article_length"), [(3_000, 4 * 2**20 - 100), (10_000, 4_000), (80, 2**20)]
)
def test_the_search_for_a_closest_passage_costs_at_most_its_budget_whatever_the_sizes(
    quote_length: int, article_length: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapidfuzz import fuzz

    sentence = "The council met in Geneva to discuss migration and the year ahead. "
    article = (sentence * (article_length // len(sentence) + 1))[:article_length]
    quote = ("Nothing like this stands anywhere in that article at all " * 200)[:quote_length].strip()
    searched: list[tuple[int, int]] = []
    aligning = fuzz.partial_ratio_alignment

    def alignment(needle: str, text: str) -> object:
        searched.append((len(needle), len(text)))
        return aligning(needle, text)

    monkeypatch.setattr(fuzz, "partial_ratio_alignment", alignment)
    source = site(tmp_path, event("e1", quote) + event("e2", quote[: quote_length // 2]), article=article)
    assert len(problems(source)) == 2
    assert len(searched) == 2
    for needle, text in searched:
        assert needle * text <= max(quotes._SEARCH_BUDGET, quotes._LEAST_LOOKED_FOR * text)
    # All of the quote, when the article is small enough for it.
    assert searched[0][0] == min(
        len(quote), max(quotes._LEAST_LOOKED_FOR, quotes._SEARCH_BUDGET // searched[0][1])
    )
