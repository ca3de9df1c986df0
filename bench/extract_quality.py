"""`timeline extract` measured against hand annotations: of the seed articles, and of a corpus of
public news and press texts it was not built on. Article by article, and in total.

    .venv/bin/python -m bench.extract_quality [--development] [--timing]

With --timing, it also times `timeline extract` from the command line on a 50 KB article (the
corpus twice over), beside a bare interpreter's start, rounds alternating, with the load average.

With --development, the held-out third of the corpus is printed only as its total: its failures
are not read while rules are written (tests/data/extract-corpus/annotations.yaml says which).

The seeds. tests/data/seed-annotations.yaml lists every dated fact of the two seed articles: the
sentence, its true date (as events.yaml has it) and the events it supports. A candidate is
*exact* when its date is a fact's date in its sentence, *coarser* when its date contains the
fact's (2010 for 26 January 2010), *wrong* when it is more precise or different, *unmatched*
when its sentence has no dated fact. Precision: (exact + coarser) / candidates. Recall: the
facts whose date the sentence states that got an exact or coarser candidate, over all of them.

The corpus. tests/data/extract-corpus/annotations.yaml gives each dated fact of each text by the
words that state its date. A candidate whose words overlap a fact's is *exact* (the same date),
*coarser* (its date contains the fact's), *more precise* (the fact's contains its own: a day for
"in March") or *wrong*; one whose words overlap no fact is *wrong* if its sentence holds a fact
(a number taken for a date beside a real one) and *junk* if not. Recall: the facts met by an
exact or coarser candidate, over all of them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from timeline.extract import article
from timeline.extract.dates import published_date
from timeline.extract.draft import Candidate, candidates
from timeline.model import EventDate
from timeline.source import articles

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "articles"
ANNOTATIONS: dict[str, Any] = yaml.safe_load(
    (ROOT / "tests" / "data" / "seed-annotations.yaml").read_text(encoding="utf-8")
)
CORPUS = ROOT / "tests" / "data" / "extract-corpus"
CORPUS_ANNOTATIONS: dict[str, Any] = yaml.safe_load((CORPUS / "annotations.yaml").read_text(encoding="utf-8"))


def fact_date(text: str) -> EventDate:
    """An annotated date: YYYY, YYYY-MM, YYYY-MM-DD, or two of them joined by "/" (a range)."""
    if "/" not in text:
        return published_date(text)
    first, last = (published_date(part) for part in text.split("/"))
    return EventDate(first.start, first.precision, last.start)


@dataclass
class Judged:
    candidates: int = 0
    exact: set[str] = field(default_factory=set)  # events proposed with their sentence and exact date
    coarser: int = 0
    wrong: int = 0
    unmatched: int = 0
    found: set[int] = field(default_factory=set)  # the facts met, exactly or coarser
    stated: frozenset[int] = frozenset()  # the facts whose date their sentence states
    facts: int = 0

    @property
    def precision(self) -> float:
        return (self.candidates - self.wrong - self.unmatched) / self.candidates if self.candidates else 1.0

    @property
    def recall(self) -> float:
        """Of the facts whose date the sentence states."""
        return len(self.found & self.stated) / len(self.stated) if self.stated else 1.0

    @property
    def recall_of_all(self) -> float:
        """Of every dated fact, those dated only by the rest of the article included."""
        return len(self.found) / self.facts if self.facts else 1.0


def drafted(name: str) -> list[Candidate]:
    text = articles.read(SEEDS / name)
    return candidates(article.sentences(text.text), published_date(ANNOTATIONS[name]["published"]))


def judge(name: str, made: list[Candidate]) -> Judged:
    facts = ANNOTATIONS[name]["facts"]
    stated = frozenset(n for n, f in enumerate(facts) if f["stated"])
    judged = Judged(candidates=len(made), stated=stated, facts=len(facts))
    for candidate in made:
        here = [(n, f) for n, f in enumerate(facts) if candidate.sentence.startswith(f["starts"])]
        if not here:
            judged.unmatched += 1
            continue
        proposed = candidate.found.date
        same = [(n, f) for n, f in here if fact_date(f["date"]) == proposed]
        start, end = proposed.span
        within = [
            (n, f)
            for n, f in here
            if start <= fact_date(f["date"]).span[0] and fact_date(f["date"]).span[1] <= end
        ]
        if same:
            judged.exact.update(event for _, f in same for event in f["events"])
        elif within:
            judged.coarser += 1
        else:
            judged.wrong += 1
            continue
        judged.found.update(n for n, _ in same or within)
    return judged


def seed_table() -> str:
    rows = [
        "| article | candidates | exact (events) | coarser | wrong | unmatched | precision | recall "
        "(stated) | recall (all facts) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ANNOTATIONS:
        j = judge(name, drafted(name))
        rows.append(
            f"| {name} | {j.candidates} | {len(j.exact)} | {j.coarser} | {j.wrong} | {j.unmatched} "
            f"| {j.precision:.2f} | {j.recall:.2f} | {j.recall_of_all:.2f} |"
        )
    return "\n".join(rows)


# -- the corpus ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    start: int  # where the words stating its date stand in the text, its whitespace runs as one space
    end: int
    sentence: int  # where its sentence starts
    date: EventDate


@dataclass
class Scored:
    """A text's candidates sorted by how they compare with its facts, and the facts met."""

    candidates: int = 0
    exact: int = 0
    coarser: int = 0
    more_precise: int = 0
    wrong: int = 0
    junk: int = 0
    met: int = 0  # facts met by an exact or coarser candidate
    facts: int = 0

    def add(self, other: Scored) -> None:
        for name in ("candidates", "exact", "coarser", "more_precise", "wrong", "junk", "met", "facts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def recall(self) -> float:
        return self.met / self.facts if self.facts else 1.0

    @property
    def faults(self) -> float:
        """Wrong or more precise than the text, of the candidates."""
        return (self.wrong + self.more_precise) / self.candidates if self.candidates else 0.0


def flat(text: str) -> str:
    return " ".join(text.split())


def facts_of(text: str, annotated: list[dict[str, str]]) -> list[Fact]:
    facts = []
    for fact in annotated:
        sentence = text.find(flat(fact["starts"]))
        start = text.find(fact["says"], sentence)
        if sentence < 0 or start < 0:
            raise ValueError(f"not in the text: {fact}")
        facts.append(Fact(start, start + len(fact["says"]), sentence, fact_date(fact["date"])))
    return facts


def corpus_drafts(name: str) -> list[Candidate]:
    text = articles.read(CORPUS / name).text
    return candidates(article.sentences(text), published_date(CORPUS_ANNOTATIONS[name]["published"]))


def score(name: str, made: list[Candidate]) -> Scored:
    text = flat(articles.read(CORPUS / name).text)
    facts = facts_of(text, CORPUS_ANNOTATIONS[name]["facts"])
    scored = Scored(candidates=len(made), facts=len(facts))
    met: set[int] = set()
    cursor, last_sentence, within = 0, None, 0
    for candidate in made:
        if candidate.sentence != last_sentence:
            found = text.find(candidate.sentence, cursor)
            at = found if found >= 0 else text.find(candidate.sentence)
            cursor, last_sentence, within = max(at, cursor), candidate.sentence, 0
        words = candidate.sentence.find(candidate.found.words, within)
        within = words + 1
        start = cursor + max(words, 0)
        end = start + len(candidate.found.words)
        sentence_end = cursor + len(candidate.sentence)
        kind, fact = _judged(facts, candidate.found.date, (start, end), (cursor, sentence_end))
        setattr(scored, kind, getattr(scored, kind) + 1)
        if kind in ("exact", "coarser") and fact is not None:
            met.add(fact)
    scored.met = len(met)
    return scored


def _judged(
    facts: list[Fact], proposed: EventDate, words: tuple[int, int], sentence: tuple[int, int]
) -> tuple[str, int | None]:
    """What a candidate is (exact, coarser, more_precise, wrong, junk), and the fact it meets."""
    overlapping = [n for n, f in enumerate(facts) if f.start < words[1] and words[0] < f.end]
    if not overlapping:
        in_sentence = any(sentence[0] <= f.start < sentence[1] for f in facts)
        return ("wrong" if in_sentence else "junk"), None
    low, high = proposed.span
    kinds = []
    for n in overlapping:
        fact_low, fact_high = facts[n].date.span
        if facts[n].date == proposed:
            kinds.append((0, n))
        elif low <= fact_low and fact_high <= high:
            kinds.append((1, n))
        elif fact_low <= low and high <= fact_high:
            kinds.append((2, n))
        else:
            kinds.append((3, n))
    kind, n = min(kinds)
    return ("exact", "coarser", "more_precise", "wrong")[kind], n


def _row(name: str, s: Scored) -> str:
    return (
        f"| {name} | {s.candidates} | {s.exact} | {s.coarser} | {s.more_precise} | {s.wrong} | {s.junk} "
        f"| {s.met}/{s.facts} = {s.recall:.0%} | {s.faults:.1%} |"
    )


def corpus_table(development: bool = False) -> str:
    rows = [
        "| text | candidates | exact | coarser | more precise | wrong | junk | recall "
        "| wrong or more precise |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    totals = {"development": Scored(), "held out": Scored(), "whole": Scored()}
    for name, annotated in CORPUS_ANNOTATIONS.items():
        scored = score(name, corpus_drafts(name))
        part = "held out" if annotated["held_out"] else "development"
        totals[part].add(scored)
        totals["whole"].add(scored)
        if not (development and annotated["held_out"]):
            rows.append(_row(name + (" (held out)" if annotated["held_out"] else ""), scored))
    rows += [_row(f"**{part}**", scored) for part, scored in totals.items()]
    return "\n".join(rows)


def timing_table(rounds: int = 5) -> str:
    """Seconds for `timeline extract` on a 50 KB article, start-up included, against the 2 s the
    issue sets and beside `python -c pass` in the same rounds."""
    text = "\n\n".join(articles.read(CORPUS / name).text for name in CORPUS_ANNOTATIONS) * 2
    timeline = Path(sys.executable).with_name("timeline")
    with tempfile.TemporaryDirectory() as folder:
        article_file = Path(folder) / "fifty.txt"
        article_file.write_text(text, encoding="utf-8")
        extract = [str(timeline), "extract", str(article_file), "--published", "2021-06-21",
                   "--source", str(Path(folder) / "none.yaml")]  # fmt: skip
        bare = [sys.executable, "-c", "pass"]
        times: dict[str, list[float]] = {"extract": [], "bare": []}
        loads = []
        for _ in range(rounds):
            for name, command in (("extract", extract), ("bare", bare)):
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                times[name].append(time.perf_counter() - started)
            loads.append(os.getloadavg()[0])
    extract_s, bare_s = statistics.median(times["extract"]), statistics.median(times["bare"])
    return "\n".join(
        [
            "| article | median s | / bare start | / 2 s target | load average (1 min) |",
            "|---|---:|---:|---:|---:|",
            f"| {len(text.encode()) / 1000:.0f} KB, {rounds} rounds | {extract_s:.2f} "
            f"| {extract_s / bare_s:.1f}x | {extract_s / 2:.2f} | {min(loads):.2f}-{max(loads):.2f} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--development", action="store_true", help="the held-out texts as a total only")
    parser.add_argument("--timing", action="store_true", help="time the command on a 50 KB article")
    options = parser.parse_args()
    print("Seed articles\n")
    print(seed_table())
    print("\nCorpus (tests/data/extract-corpus)\n")
    print(corpus_table(options.development))
    if options.timing:
        print("\n`timeline extract` from the command line\n")
        print(timing_table())


if __name__ == "__main__":
    main()
