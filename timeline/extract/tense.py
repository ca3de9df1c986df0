"""Whether the clause a date belongs to speaks of the future, the past or neither.

"In March, the union endorsed Biden" dates March in the past; "Williams will take command on
June 4" dates June in the future. What matters is the clause the date is in, not the sentence:
"He said he would not approach China" does not make every date of its sentence a plan. The
clause is the date's stretch between commas, semicolons, dashes and brackets; a stretch with no
verb of tense ("In March,") borrows the next stretch's, then the one before.
"""

from __future__ import annotations

import enum
import itertools
import re


class Tense(enum.Enum):
    FUTURE = "future"
    PAST = "past"
    PRESENT = "present"
    UNKNOWN = "unknown"


_FUTURE = re.compile(
    r"\b(?:will|shall|won['\u2019]t|(?:is|are|was|were)\s+(?:due|set|scheduled|expected|slated|planned|going)\s+to"
    r"|(?:is|are)\s+to\s+be|plans?\s+to|planning\s+to|intends?\s+to|upcoming|forthcoming)\b|['\u2019]ll\b",
    re.IGNORECASE,
)
# Past tense: the commonest irregular verbs of news, and regular ones by their ending. A word
# like "United" ends the same way; it only counts where no future marker is.
_PAST = re.compile(
    r"\b(?:was|were|had|did|said|told|made|took|began|came|went|won|led|held|met|saw|gave|left"
    r"|became|found|brought|fell|rose|sent|spent|paid|lost|kept|ago|yesterday|last)\b"
    r"|\b[a-z]{2,}ed\b",
    re.IGNORECASE,
)
# The present, checked last: "is announcing today", "the NHS now has" (a present perfect, "has
# been established", is a past).
_PRESENT = re.compile(r"\b(?:is|are|am|has|have|says|remains|continues)\b", re.IGNORECASE)
_BOUNDARY = re.compile(r"[,;:()\[\]—–]|\s-\s")


def of_clause(sentence: str, at: int) -> Tense:
    """The tense of the clause of `sentence` around the character at `at`."""
    cuts = [0, *(m.end() for m in _BOUNDARY.finditer(sentence)), len(sentence) + 1]
    spans = list(itertools.pairwise(cuts))
    pieces = [sentence[a : b - 1] if b <= len(sentence) else sentence[a:] for a, b in spans]
    here = next(n for n, (a, b) in enumerate(spans) if a <= at < b)
    wider = (pieces[here : here + 1], pieces[here : here + 2], pieces[max(here - 1, 0) : here + 2], pieces)
    for window in wider:
        told = _tense(" ".join(window))
        if told is not Tense.UNKNOWN:
            return told
    return Tense.UNKNOWN


def _tense(text: str) -> Tense:
    if _FUTURE.search(text):
        return Tense.FUTURE
    if _PAST.search(text):
        return Tense.PAST
    if _PRESENT.search(text):
        return Tense.PRESENT
    return Tense.UNKNOWN
