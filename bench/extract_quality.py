"""`timeline extract` measured against a hand annotation of the seed articles: precision and
recall, article by article.

    .venv/bin/python -m bench.extract_quality

tests/data/seed-annotations.yaml lists every dated fact of the two seed articles: the
sentence, its true date (as events.yaml has it) and the events it supports. A candidate is
*exact* when its date is a fact's date in its sentence, *coarser* when its date contains the
fact's (2010 for 26 January 2010), *wrong* when it is more precise or different, *unmatched*
when its sentence has no dated fact. Precision: (exact + coarser) / candidates. Recall: the
facts whose date the sentence states that got an exact or coarser candidate, over all of them.
"""

from __future__ import annotations

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


def table() -> str:
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


if __name__ == "__main__":
    print(table())
