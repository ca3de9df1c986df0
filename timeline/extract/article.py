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
            found += [" ".join(s.split()) for s in segmenter.segment(piece) if s.strip()]
    return found


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
