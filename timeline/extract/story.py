"""What a sentence's dates mean in its article, beyond the sentence itself.

- A dateline or a heading ("Sunday, February 7, 2021", "March 10, 2016 MEDIA ADVISORY") dates the
  article, not an event of it: a sentence with no lowercase word but its dates gives nothing.
- A definite reference to something the article dated before ("the 100th session ... from Dec.
  5-7" ... "During the three-day session, IOM admitted 14 new members") takes that date, marked
  inferred with the sentence it comes from. Only the same noun counts (a session is not a
  meeting), only "the", and not "the session of ...", which names another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from timeline.extract.dates import Found, dates_in
from timeline.model import Certainty, EventDate

_NOUNS = r"session|meeting|conference|summit|visit|talks|ceremony|forum|congress|assembly|launch|election"
_NAMED = re.compile(rf"\b({_NOUNS})\b", re.IGNORECASE)
# "the session", "the three-day session"; not "the last Berlin meeting" or "the next session",
# which are others, nor "the session of ...", which names one.
_OTHER = r"(?!(?:last|previous|next|first|second|earlier|later|another|other|new|upcoming)\b)"
_REFERENCE = re.compile(
    rf"\bthe\s+(?:{_OTHER}[\w-]+\s+){{0,2}}?({_NOUNS})\b(?!\s+(?:of|on|in|with|between|for)\b)", re.IGNORECASE
)
_WORD = re.compile(r"\b[a-z]{3,}\b")


def dated(sentences: Iterable[str], published: EventDate | None) -> Iterator[tuple[str, list[Found]]]:
    """Each sentence with the dates it gives in its article, in the order it gives them."""
    dated_before: dict[str, tuple[Found, str]] = {}  # a noun -> the date and sentence that named it last
    for sentence in sentences:
        found = dates_in(sentence, published)
        if found and _heading(sentence, found):
            continue
        references = [m for m in _REFERENCE.finditer(sentence) if m[1].lower() in dated_before]
        if found:
            _remember(sentence, found[0], references, dated_before)
        # A reference the sentence dates already adds nothing ("targeting Saturday, Feb. 20, for
        # the launch").
        own = {f.date for f in found}
        referred = [(m.start(), r) for m in references if (r := _referred(m, dated_before)).date not in own]
        yield sentence, _in_order(sentence, found, referred)


def _remember(
    sentence: str, first: Found, references: list[re.Match[str]], dated_before: dict[str, tuple[Found, str]]
) -> None:
    """What this sentence names and dates itself is what "the ..." refers to from now on (what it
    only refers to is not named anew)."""
    referring = [range(*m.span()) for m in references]
    for named in _NAMED.finditer(sentence):
        if not any(named.start() in span for span in referring):
            dated_before[named[1].lower()] = (first, sentence)


def _in_order(sentence: str, found: list[Found], referred: list[tuple[int, Found]]) -> list[Found]:
    placed = [(sentence.find(f.words), f) for f in found] + referred
    return [f for _, f in sorted(placed, key=_first)]


def _first(pair: tuple[int, Found]) -> int:
    return pair[0]


def _heading(sentence: str, found: list[Found]) -> bool:
    rest = sentence
    for each in found:
        rest = rest.replace(each.words, " ")
    return not _WORD.search(rest)


def _referred(match: re.Match[str], dated_before: dict[str, tuple[Found, str]]) -> Found:
    then, where = dated_before[match[1].lower()]
    note = (
        f'The article says "{match[0]}", which it dated before: "{then.words}" ({then.date.label()}), '
        f'in "{_shortened(where)}".'
    )
    return replace(then, words=match[0], certainty=Certainty.INFERRED, note=note)


def _shortened(sentence: str, most: int = 120) -> str:
    return sentence if len(sentence) <= most else sentence[: most - 1].rsplit(" ", 1)[0] + " …"
