"""Candidate events drawn from an article, as YAML in the house style, for a person to review.

One candidate a date a sentence states (a sentence may state two: "Since 1987 … between 1990
and 2007"), none for a sentence without a date of its own, none for a sentence an event of
the timeline already quotes. Each is a draft: a person rewrites its title and summary and
checks its date before pasting it into events.yaml.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from timeline.errors import TimelineError
from timeline.extract import article, story
from timeline.extract.dates import Found
from timeline.model import Certainty, EventDate, Precision
from timeline.source import articles
from timeline.source.load import load
from timeline.source.quotes import normalised

_WORD = re.compile(r"[a-z0-9]+")
_WIDTH = 100
_PART = 20  # characters of a quote below which it is not taken for a sentence's part ("IOM")


@dataclass(frozen=True)
class Candidate:
    id: str
    title: str
    sentence: str
    found: Found
    planned: bool


def candidates(
    sentences: Iterable[str],
    published: EventDate | None,
    quoted: Iterable[str] = (),
    taken: Iterable[str] = (),
) -> list[Candidate]:
    """The candidates of an article's sentences: `quoted` are the quotes the timeline has
    already (no candidate repeats one), `taken` the ids in use (no candidate takes one)."""
    already = [normalised(quote) for quote in quoted]
    ids = set(taken)
    drafted: list[Candidate] = []
    for sentence, dates in story.dated(sentences, published):
        plain = normalised(sentence)
        # Quoted already, whole or in part (a part long enough to be the point of a sentence).
        if any(plain in quote or (len(quote) >= _PART and quote in plain) for quote in already):
            continue
        for found in dates:
            if len(drafted) == MAX_DRAFTS:
                return drafted
            quote = _around(sentence, found.words)
            title = _title(quote)
            drafted.append(Candidate(_unique(_slug(title, found), ids), title, quote, found, found.planned))
    return drafted


# Bounds on what one article drafts, whatever its size: a draft quotes at most MAX_QUOTE
# characters of its sentence (a "sentence" of a page without full stops, with a date every few
# words, made each draft quote the whole page), and at most MAX_DRAFTS drafts are made.
MAX_QUOTE = 600
MAX_DRAFTS = 500


def _around(sentence: str, words: str) -> str:
    """The sentence, or, when it is longer than MAX_QUOTE, the whole words of it around `words`
    (the date's) that fit: still a verbatim part of the article."""
    if len(sentence) <= MAX_QUOTE:
        return sentence
    at = max(sentence.find(words), 0)
    start = max(0, min(at - (MAX_QUOTE - len(words)) // 2, len(sentence) - MAX_QUOTE))
    end = min(len(sentence), start + MAX_QUOTE)
    # Whole words: from the first space, to the last, that leave the date's words in.
    if start > 0 and (space := sentence.find(" ", start, at)) >= 0:
        start = space + 1
    if end < len(sentence) and (space := sentence.rfind(" ", at + len(words), end)) >= 0:
        end = space
    return sentence[start:end].strip()


def draft_from(
    path: Path, events_file: Path, name: str, published: EventDate | None
) -> tuple[list[Candidate], EventDate | None]:
    """The candidates of the article at `path`, known in `events_file` (if there is one) as
    `name`, and the publication date they were dated by: `published`, else the HTML page's,
    else the article's `published:` in the events file, else none."""
    try:
        text = articles.read(path)
    except (OSError, UnicodeDecodeError) as error:
        raise TimelineError(f"{path}: cannot be read as an article ({error})") from None
    timeline = load(events_file, check_articles=False) if events_file.exists() else None
    if published is None and text.published is not None:
        published = EventDate(text.published, Precision.DAY)
    if published is None and timeline is not None:
        published = next((a.published for a in timeline.articles if a.file == name), None)
    quoted = [s.quote for e in timeline.events for s in e.sources] if timeline else []
    taken = [e.id for e in timeline.events] if timeline else []
    return candidates(article.sentences(text.text), published, quoted, taken), published


def _title(sentence: str) -> str:
    """A draft title: the sentence's first words, to be rewritten by the person reviewing it."""
    words = sentence.rstrip(".!?").split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "")


def _slug(title: str, found: Found) -> str:
    words = _WORD.findall(title.lower())[:6]
    return "-".join([*words, str(found.date.start.year)])[:90].strip("-") or "event"


def _unique(slug: str, ids: set[str]) -> str:
    chosen, number = slug, 2
    while chosen in ids:
        chosen, number = f"{slug}-{number}", number + 1
    ids.add(chosen)
    return chosen


def as_yaml(drafted: list[Candidate], article: str, *, with_key: bool = True, drafts: bool = False) -> str:
    """The candidates as an `events:` list in the house style (or its items alone); with
    `drafts`, each marked `reviewed: false`, so that no build publishes it before a person has
    checked it."""
    lines = ["events:"] if with_key else []
    for candidate in drafted:
        found = candidate.found
        lines += [
            f"  # drafted from {article} by timeline extract: rewrite the title and summary, check the date",
            f"  - id: {candidate.id}",
            f"    title: {quoted(candidate.title)}",
            "    summary: >-",
            *_folded(candidate.sentence, 6),
            f"    date: {date_text(found.date)}",
        ]
        if found.certainty is not Certainty.STATED:
            lines += [
                f"    certainty: {found.certainty.value}",
                "    date_note: >-",
                *_folded(found.note or "", 6),
            ]
        if candidate.planned:
            lines.append("    status: planned")
        if drafts:
            lines.append("    reviewed: false")
        lines += [
            "    sources:",
            f"      - article: {article}",
            "        quote: >-",
            *_folded(candidate.sentence, 10),
        ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def date_text(when: EventDate) -> str:
    def point(day: object) -> str:
        text = str(day)
        return {Precision.YEAR: text[:4], Precision.MONTH: text[:7]}.get(when.precision, text)

    if when.end is None:
        return point(when.start)
    return f"{{start: {point(when.start)}, end: {point(when.end)}}}"


def _folded(text: str, indent: int) -> list[str]:
    # A folded scalar: its line breaks read back as spaces, so the quote stays verbatim.
    return textwrap.wrap(text, _WIDTH - indent, initial_indent=" " * indent, subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False)  # fmt: skip


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
