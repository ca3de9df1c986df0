"""An article's sentences, by pysbd (it keeps "Dec. 5-7" in one sentence), from its text as
timeline.source.articles decides it (the text its quotes are checked against)."""

from __future__ import annotations

import re

_PARAGRAPH = re.compile(r"\n\s*\n")


def sentences(text: str) -> list[str]:
    """The text's sentences, each with its whitespace runs as one space, paragraph by paragraph
    (a hard-wrapped line is not a sentence's end)."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    found = []
    for paragraph in _PARAGRAPH.split(text):
        for piece in _pieces(" ".join(paragraph.split())):
            found += _rejoined([" ".join(s.split()) for s in segmenter.segment(piece) if s.strip()])
    return found


# pysbd ends a sentence at "a.m." or "p.m." followed by a capital: "at 5:26 p.m. | EDT Friday,
# March 18, ..." and "at about 12:55 a.m. | Saturday, March 19, when ...". A time's own words go
# on: a time zone, a weekday, a month, a lowercase word.
_TIME_ENDS = re.compile(r"\b\d{1,2}(?::\d\d)?\s*[ap]\.m\.$")
_TIME_GOES_ON = re.compile(
    r"^(?:[A-Z]{2,4}T\b|GMT\b|UTC\b|ET\b|PT\b|local\b|on\b|[a-z(]"
    r"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
)


def _rejoined(pieces: list[str]) -> list[str]:
    joined: list[str] = []
    for piece in pieces:
        if joined and _TIME_ENDS.search(joined[-1]) and _TIME_GOES_ON.match(piece):
            joined[-1] = f"{joined[-1]} {piece}"
        else:
            joined.append(piece)
    return joined


# pysbd's time grows with the square of what it is given (BENCHMARKS.md, "timeline extract on
# articles made to be hard"). It is given pieces of at most this many characters, cut after a
# full stop and a space where there is one (else at a space): a sentence is seldom cut, and then
# only in two.
_PIECE = 5_000
_SENTENCE_END = re.compile(r"[.!?][\"')\]]* ")


def _pieces(text: str) -> list[str]:
    pieces = []
    while len(text) > _PIECE:
        ends = list(_SENTENCE_END.finditer(text, _PIECE // 2, _PIECE))
        cut = ends[-1].end() if ends else (text.rfind(" ", 0, _PIECE) + 1 or _PIECE)
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text] if text else pieces
