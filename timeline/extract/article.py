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
        joined = " ".join(paragraph.split())
        if joined:
            found += [" ".join(s.split()) for s in segmenter.segment(joined) if s.strip()]
    return found
