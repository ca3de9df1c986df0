"""`timeline extract` on the two seed articles, measured against a hand annotation of every dated
fact in them (tests/data/seed-annotations.yaml): the candidates it drafts are right, as precise
as the text and never more, and quote the articles verbatim."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.extract_quality import ANNOTATIONS, drafted, judge
from tests.conftest import ROOT, SEEDS
from tests.test_cli import run
from timeline.extract import article, draft
from timeline.extract.dates import published_date
from timeline.extract.draft import candidates
from timeline.source import articles
from timeline.source.load import load


def test_with_the_publication_dates_most_events_are_proposed_exactly_and_none_wrongly() -> None:
    judged = [judge(name, drafted(name)) for name in ANNOTATIONS]
    exact: frozenset[str] = frozenset().union(*(j.exact for j in judged))
    assert len(exact) >= 9, sorted(exact)
    assert sum(j.wrong for j in judged) == 0
    assert sum(j.unmatched for j in judged) == 0
    # What it found, for the record: nine events exactly (two of them by "the session", which
    # the article dated before), one coarser (the report's 2011, a year in its name), nothing
    # unmatched.
    assert sorted(exact) == [
        "iom-admits-14-members",
        "iom-council-100th-session",
        "iom-present-in-vietnam",
        "mou-signing-planned",
        "vietnam-becomes-member-state",
        "vietnam-delegation-at-council",
        "vietnam-observer-status",
        "vietnamese-living-abroad-2011",
        "world-migration-report-2011",
    ]
    assert [(j.coarser, j.unmatched) for j in judged] == [(0, 0), (1, 0)]


def test_every_fact_whose_date_its_sentence_states_is_met() -> None:
    for name in ANNOTATIONS:
        assert judge(name, drafted(name)).recall == 1.0, name


@pytest.mark.parametrize("name", sorted(ANNOTATIONS))
def test_the_printed_candidates_load_and_quote_the_article_verbatim(name: str, tmp_path: Path) -> None:
    code, out, err = run(
        "extract", str(SEEDS / name), "--published", ANNOTATIONS[name]["published"],
        "--source", str(tmp_path / "none.yaml"),
    )  # fmt: skip
    assert code == 0 and err.endswith(f"candidates from {SEEDS / name}\n")
    source = tmp_path / "events.yaml"
    header = (
        "title: Drafts\nbase_url: https://example.org/\nid_authority: example.org,2026\n"
        f"articles_dir: {SEEDS}\narticles:\n  {name}:\n"
    )
    source.write_text(header + out, encoding="utf-8")
    timeline = load(source)  # every quote checked against the article
    assert len(timeline.events) == len(drafted(name)) > 0


def test_no_candidate_repeats_a_sentence_the_timeline_quotes_already() -> None:
    for name in ANNOTATIONS:
        code, out, err = run("extract", str(SEEDS / name), "--source", str(ROOT / "events.yaml"))
        assert (code, out) == (0, "events:\n"), out
        assert err.endswith(f"0 candidates from {SEEDS / name}\n")


def test_the_publication_date_comes_from_the_timelines_articles_when_not_given() -> None:
    name = "004_3b7a710dc2f60c9b.txt"
    shipped = load(ROOT / "events.yaml", check_articles=False)
    published = next(a.published for a in shipped.articles if a.file == name)
    assert published == published_date("2011-12")


def test_without_a_publication_date_it_says_what_is_left_out(tmp_path: Path) -> None:
    code, out, err = run(
        "extract", str(SEEDS / "004_3b7a710dc2f60c9b.txt"), "--source", str(tmp_path / "x.yaml")
    )
    assert code == 0 and "no publication date (--published)" in err
    assert "Dec. 5-7" not in out.split("quote:")[0]  # the session's days need the year


def test_html_is_read_through_trafilatura_with_its_publication_date(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>IOM</title><meta property='article:published_time' content='2011-12-09'>"
        "</head><body><article><h1>Vietnam attends global migration conference</h1>"
        "<p>A Vietnamese delegation attended the 100th session of the IOM Council from Dec. 5-7. "
        "It officially became an IOM Member State in 2007.</p></article></body></html>",
        encoding="utf-8",
    )
    read = articles.read(page)
    assert read.published is not None and read.published.isoformat() == "2011-12-09"
    code, out, _ = run("extract", str(page), "--source", str(tmp_path / "x.yaml"))
    assert code == 0
    assert "date: {start: 2011-12-05, end: 2011-12-07}" in out and "date: 2007" in out


def test_an_unreadable_article_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9")
    code, out, err = run("extract", str(tmp_path / "bad.txt"), "--source", str(tmp_path / "x.yaml"))
    assert (code, out) == (1, "") and err.startswith(
        f"error: {tmp_path / 'bad.txt'}: cannot be read as an article"
    )


INTO_HEADER = """\
title: Drafts
base_url: https://example.org/
id_authority: example.org,2026
articles_dir: {seeds}
articles:
  004_3b7a710dc2f60c9b.txt:
    {{published: 2011-12, published_certainty: inferred, published_note: After the session.}}
events:
  - id: abroad
    title: About 3 million Vietnamese live abroad
    summary: S.
    date: 2011-12
    certainty: inferred
    date_note: The article says now.
    sources:
      - {{article: 004_3b7a710dc2f60c9b.txt, quote: Vietnam now has about 3 million people living abroad}}
"""


def test_into_appends_drafts_a_build_does_not_publish_until_reviewed(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(INTO_HEADER.format(seeds=SEEDS), encoding="utf-8")
    code, out, err = run("extract", str(SEEDS / "004_3b7a710dc2f60c9b.txt"), "--into", str(source))
    assert (code, out) == (0, "")
    appended = f"4 drafts from {SEEDS / '004_3b7a710dc2f60c9b.txt'} appended to {source}"
    assert err.endswith(f"{appended}; review each, then remove its `reviewed: false`\n")
    text = source.read_text(encoding="utf-8")
    assert text.startswith(INTO_HEADER.format(seeds=SEEDS)) and text.count("    reviewed: false\n") == 4
    assert "Vietnam now has" not in text.split("reviewed: false")[1]  # quoted already: not drafted again
    code, out, _ = run("validate", str(source))
    assert out == (
        f"{source}: 5 events, all valid; 4 drafts not published until reviewed (reviewed: false); "
        "5 quotes found verbatim in 1 article.\n"
    )
    feeds = tmp_path / "feeds"
    assert run("build", "-s", str(source), "-o", str(feeds))[0] == 0
    assert (feeds / "timeline.atom").read_text(encoding="utf-8").count("<entry>") == 1
    # Reviewed: the mark removed from the first draft, which is then published, as new.
    source.write_text(text.replace("    reviewed: false\n", "", 1), encoding="utf-8")
    assert run("build", "-s", str(source), "-o", str(feeds))[0] == 0
    atom = (feeds / "timeline.atom").read_text(encoding="utf-8")
    assert atom.count("<entry>") == 2 and "5–7 December 2011 (inferred): A Vietnamese delegation" in atom


def test_into_lists_an_article_not_listed_yet_with_its_publication_date(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(INTO_HEADER.format(seeds=SEEDS), encoding="utf-8")
    article = SEEDS / "000_0cb45dfbd2d15e76.txt"
    code, out, err = run("extract", str(article), "--published", "2010", "--into", str(source))
    assert (code, out) == (0, ""), err
    text = source.read_text(encoding="utf-8")
    listed = (
        "articles:\n  004_3b7a710dc2f60c9b.txt:\n"
        "    {published: 2011-12, published_certainty: inferred, published_note: After the session.}\n"
        '  "000_0cb45dfbd2d15e76.txt": {published: 2010}\nevents:\n'
    )
    assert listed in text
    assert run("validate", str(source))[0] == 0


def test_into_refuses_an_article_that_is_not_in_the_articles_folder(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(INTO_HEADER.format(seeds=SEEDS), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("It began in 1987.\n", encoding="utf-8")
    code, out, err = run("extract", str(elsewhere), "--into", str(source))
    assert (code, out) == (1, "")
    assert err.endswith(
        f"error: elsewhere.txt: not in {SEEDS}/ beside events.yaml; put the article there first "
        "(every quote is checked against it there)\n"
    )
    assert source.read_text(encoding="utf-8") == INTO_HEADER.format(seeds=SEEDS)


def test_into_needs_the_events_list_last(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    text = INTO_HEADER.format(seeds=SEEDS).replace("events:\n", "feed_entries: 10\nevents:\n")
    text = text.replace("feed_entries: 10\nevents:\n", "events:\n") + "feed_entries: 10\n"
    source.write_text(text, encoding="utf-8")
    code, _, err = run("extract", str(SEEDS / "004_3b7a710dc2f60c9b.txt"), "--into", str(source))
    assert code == 1 and "events: is not the file's last key" in err
    assert source.read_text(encoding="utf-8") == text


def test_an_event_marked_a_draft_again_is_withdrawn_like_a_removed_one(tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    text = INTO_HEADER.format(seeds=SEEDS)
    source.write_text(text, encoding="utf-8")
    feeds = tmp_path / "feeds"
    assert run("build", "-s", str(source), "-o", str(feeds))[0] == 0
    source.write_text(
        text.replace("    date: 2011-12\n", "    date: 2011-12\n    reviewed: false\n"), encoding="utf-8"
    )
    assert run("build", "-s", str(source), "-o", str(feeds))[0] == 0
    assert "STATUS:CANCELLED" in (feeds / "timeline.ics").read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["maybe", "no", "'yes'"])
def test_reviewed_is_true_or_false_and_nothing_else(value: str, tmp_path: Path) -> None:
    source = tmp_path / "events.yaml"
    source.write_text(
        INTO_HEADER.format(seeds=SEEDS).replace(
            "    date: 2011-12\n", f"    date: 2011-12\n    reviewed: {value}\n"
        ),
        encoding="utf-8",
    )
    code, _, err = run("validate", str(source))
    assert code == 1 and f'events[0].reviewed: "{value.strip(chr(39))}" is not true or false' in err


def test_a_short_quote_does_not_hide_every_sentence_it_is_in() -> None:
    sentences = ["It officially became an IOM Member State in 2007.", "IOM met in 2011."]
    made = candidates(sentences, None, quoted=["IOM", "It officially became an IOM Member State"])
    assert [c.sentence for c in made] == ["IOM met in 2011."]


def test_drafts_from_an_html_article_validate_as_they_are(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    page = tmp_path / "articles" / "page.html"
    page.write_text(
        "<html><head><title>IOM</title></head><body><nav><a href='/'>Home</a> | <a href='/news'>News"
        "</a></nav><article><h1>Vietnam attends &ldquo;global&rdquo; migration conference</h1>"
        "<p>A Vietnamese delegation attended the 100th session of the <b>IOM Council</b> from Dec. "
        "5-7, 2011.</p><p>Viet Nam officially became an IOM Member&nbsp;State in 2007.</p>"
        "<p>The country&#8217;s first IOM office opened in 1987.</p></article>"
        "<footer>Contact us</footer></body></html>",
        encoding="utf-8",
    )
    source = tmp_path / "events.yaml"
    source.write_text(
        "title: Drafts\nbase_url: https://example.org/\nid_authority: example.org,2026\n"
        "articles_dir: articles\narticles:\n  page.html: {published: 2011-12}\nevents: []  # none yet\n",
        encoding="utf-8",
    )
    code, _, err = run("extract", str(page), "--into", str(source))
    assert code == 0 and "3 drafts" in err, err
    code, out, err = run("validate", str(source))
    assert code == 0, err
    assert "3 quotes found verbatim in 1 article" in out


def test_a_page_long_sentence_with_a_date_every_few_words_drafts_bounded_verbatim_quotes(
    tmp_path: Path,
) -> None:
    months = ["January", "March", "June", "October"]
    text = ", ".join(
        f"the council met on {1 + n % 28} {months[n % 4]} {1950 + n % 70} and agreed" for n in range(1500)
    )
    (tmp_path / "long.txt").write_text(text + ".\n", encoding="utf-8")
    drafted = candidates(article.sentences(text + "."), None)
    assert len(drafted) == draft.MAX_DRAFTS
    for candidate in drafted:
        assert len(candidate.sentence) <= draft.MAX_QUOTE
        assert candidate.sentence in text and candidate.found.words in candidate.sentence
    code, out, err = run("extract", str(tmp_path / "long.txt"), "--source", str(tmp_path / "x.yaml"))
    assert code == 0 and len(out) < 2_000_000
    assert f"at most {draft.MAX_DRAFTS} drafts are made from one article" in err


def test_a_paragraph_of_thousands_of_sentences_is_split_into_each_of_them() -> None:
    written = [f"It happened in {1900 + n % 120}, the report says." for n in range(5000)]
    assert article.sentences(" ".join(written)) == written
