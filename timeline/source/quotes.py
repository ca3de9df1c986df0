"""Every quote checked against its article: the sentence must stand in it verbatim.

Only what a copy and paste changes is forgiven: runs of whitespace and line breaks, and the
typographic variants of quotes, apostrophes and dashes. Where a quote is not in its article,
the message shows the article's closest passage, found by rapidfuzz (the only module that
imports it). A timeline whose header names no `articles_dir` is not checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from timeline.errors import Problem, ValidationError
from timeline.files import NotRegular, Stamp, TooLarge, stamp_of
from timeline.model import Timeline
from timeline.source import articles
from timeline.source.articles import MAX_ARTICLE_BYTES
from timeline.source.compose import MappingNode, Node, ScalarNode, SequenceNode, compose

# Each variant and the character it is read as; one for one, so that a place in the normalised
# text is the same place in the text as written (the closest passage is shown as written).
_VARIANTS = str.maketrans(
    {
        # single quotation marks, prime, grave and acute accents
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        # double quotation marks, double prime, guillemets
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        # hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar, minus
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)
_SHOWN = 300  # characters of a closest passage in a message, at most


def normalised(text: str) -> str:
    """The text as quotes are compared: whitespace runs as one space, variants as plain ASCII."""
    return " ".join(text.split()).translate(_VARIANTS)


@dataclass(frozen=True)
class _Article:
    written: str  # with whitespace runs as one space: what a message shows
    compared: str  # normalised(): the same length, so a place in one is that place in the other


@dataclass(frozen=True)
class _Unverified:
    """Something the check found wrong, where it is (keys and indexes from the file's root,
    events by id), and what to say."""

    place: tuple[str | int, ...]
    message: str
    at_key: bool = False  # at the mapping key (an article's file name), not at its value


class Verified:
    """What the checks of one events file found, kept from one load to the next (the daemon's):
    each article's text by its stamp, and the quotes found in it, so that an edit checks only
    the quotes it changed, against articles read only once they change."""

    def __init__(self) -> None:
        self.articles: dict[Path, tuple[Stamp, _Article, set[str]]] = {}


def check(
    timeline: Timeline,
    events_file: Path,
    text: Callable[[], str],
    stamps: dict[Path, Stamp | None] | None = None,
    verified: Verified | None = None,
) -> dict[Path, Stamp | None]:
    """Raise ValidationError listing every quote that is not in its article and every article
    that cannot be read; nothing when the header names no articles_dir. `text()` is the events
    file's, asked for only when something is wrong, for the line and column of each problem.
    `stamps` (returned) gets the stamp of each article checked against, taken before it was
    read (None: not there), even when the check fails: a change since is a change to look at.
    `verified` keeps what was found for the next check."""
    stamps = {} if stamps is None else stamps
    found = list(_unverified(timeline, events_file, stamps, verified or Verified()))
    if found:
        raise ValidationError(_located(found, str(events_file), text()))
    return stamps


def articles_folder(timeline: Timeline, events_file: Path) -> Path | None:
    if timeline.articles_dir is None:
        return None
    return events_file.parent / timeline.articles_dir


def _unverified(
    timeline: Timeline, events_file: Path, stamps: dict[Path, Stamp | None], verified: Verified
) -> Iterator[_Unverified]:
    folder = articles_folder(timeline, events_file)
    if folder is None:
        return
    if not folder.is_dir():
        yield _Unverified(
            ("articles_dir",),
            f"{timeline.articles_dir} is not a folder (looked for {os.path.abspath(folder)}); "
            "give the folder the articles are in, relative to this file",
        )
        return
    texts: dict[str, tuple[_Article, set[str]]] = {}
    yield from _read_articles(timeline, folder, stamps, verified, texts)
    yield from _missing_quotes(timeline, texts)


def _read_articles(
    timeline: Timeline,
    folder: Path,
    stamps: dict[Path, Stamp | None],
    verified: Verified,
    texts: dict[str, tuple[_Article, set[str]]],
) -> Iterator[_Unverified]:
    """Each article's text into `texts` (from `verified` when the file is as it was), and what
    keeps one from being read."""
    kept = verified.articles
    verified.articles = {}
    for article in timeline.articles:
        path = folder / article.file
        stamp = stamps[path] = stamp_of(path)  # before reading: a later change is a change
        if stamp is not None and path in kept and kept[path][0] == stamp:
            verified.articles[path] = kept[path]
            texts[article.file] = kept[path][1:]
            continue
        try:
            written = " ".join(articles.read(path).text.split())
        except (OSError, UnicodeDecodeError) as error:
            yield _Unverified(("articles", article.file), _unreadable(error, timeline), at_key=True)
            continue
        texts[article.file] = (_Article(written, written.translate(_VARIANTS)), set())
        if stamp is not None:
            verified.articles[path] = (stamp, *texts[article.file])


def _unreadable(error: OSError | UnicodeDecodeError, timeline: Timeline) -> str:
    """What to say of an article that cannot be read."""
    if isinstance(error, FileNotFoundError):
        return (
            f"no such file in {timeline.articles_dir}; put the article there as plain text, or "
            "correct the name (a build of private articles can skip this with --no-article-check)"
        )
    if isinstance(error, UnicodeDecodeError):
        return "is not UTF-8 text; save it as UTF-8"
    if isinstance(error, TooLarge):
        return f"is larger than {MAX_ARTICLE_BYTES // 2**20} MiB; keep the article's text only"
    reason = f"is {error.kind}" if isinstance(error, NotRegular) else f"cannot be read ({error})"
    return f"{reason}; the article must be a readable file"


def _missing_quotes(timeline: Timeline, texts: dict[str, tuple[_Article, set[str]]]) -> Iterator[_Unverified]:
    """Each quote not in its article (one that cannot be read is reported on its own)."""
    missing = 0
    for event in timeline.events:
        for number, source in enumerate(event.sources):
            if source.article.file not in texts:
                continue  # the article itself is reported
            text, found = texts[source.article.file]
            if source.quote in found:  # as written: a quote found once is not normalised again
                continue
            if normalised(source.quote) in text.compared:
                found.add(source.quote)
                continue
            missing += 1
            # The search for the closest passage costs milliseconds a quote: thousands missing
            # (the wrong folder, say) would hold the build for minutes.
            said = _closest(source.quote, text) if missing <= MAX_CLOSEST else _MANY_MISSING
            yield _Unverified(
                ("events", event.id, "sources", number, "quote"), f"not in {source.article.file}; {said}"
            )


def _closest(quote: str, text: _Article) -> str:
    """What the message says of the article's passage nearest the quote: the sentences the best
    alignment falls in, if they are like the quote at all.

    The search's cost is the article's length times the quote's: only as much of the quote's
    start is looked for as keeps it within _SEARCH_BUDGET (all of it, against an article of a
    few pages), so that no quote, however long, against no article, however large, holds a
    build (and the daemon's answers, which wait for the interpreter) for long."""
    from rapidfuzz import fuzz  # only when a quote is wrong: its import is a tenth of a build's start

    wanted, article = normalised(quote), text.compared
    needle = wanted[: max(_LEAST_LOOKED_FOR, _SEARCH_BUDGET // max(len(article), 1))]
    alignment = fuzz.partial_ratio_alignment(needle, article)
    if alignment is None:
        return _NOTHING_CLOSE
    # Out to the sentences' ends, within reach (an abbreviation may stop it early: this is
    # only for showing).
    reach_back = max(0, alignment.dest_start - _SHOWN)
    ends = list(_SENTENCE_END.finditer(article, reach_back, alignment.dest_start))
    start = ends[-1].end() if ends else reach_back
    after = _SENTENCE_END.search(article, max(alignment.dest_end - 1, 0), alignment.dest_end + _SHOWN)
    end = after.start() + 1 if after else min(len(article), alignment.dest_end + _SHOWN)
    passage_compared = article[start:end].strip()
    if fuzz.ratio(wanted[: len(passage_compared)], passage_compared) < 50:
        return _NOTHING_CLOSE
    passage = text.written[start:end].strip()
    if len(passage) > _SHOWN:
        passage = passage[:_SHOWN].rsplit(" ", 1)[0] + " …"
    return f'the closest passage is "{passage}"'


# Characters of article times characters of quote that one search for a closest passage may
# compare (BENCHMARKS.md, "Looking for a quote's closest passage"): a 4 MiB article is searched
# for the quote's first 64 characters, a page of 5,000 characters for up to 50,000.
_SEARCH_BUDGET = 1 << 28
_LEAST_LOOKED_FOR = 32
_SENTENCE_END = re.compile(r"""[.!?]"? """)
MAX_CLOSEST = 20  # quotes missing whose closest passage is looked for; the rest are named only
_MANY_MISSING = (
    f"the closest passage is looked for only for the first {MAX_CLOSEST} quotes missing; with so many, "
    "check that articles_dir and the article are the right ones"
)
_NOTHING_CLOSE = "nothing in it comes close; copy the sentence from the article"


def _located(found: list[_Unverified], path: str, text: str) -> list[Problem]:
    """Each problem at the line and column of its value in the file (read again, with positions:
    this is only done when something is wrong)."""
    root, _ = compose(text)
    listed = _value(root, "events")
    # Each event's place in the file, by its id, found once: thousands may be wrong.
    places = (
        {_event_id(item): i for i, item in enumerate(listed.value)}
        if isinstance(listed, SequenceNode)
        else {}
    )
    problems = []
    for item in found:
        node, where = _node(root, item.place, item.at_key, places)
        line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        problems.append(Problem(path, line, column, where, item.message))
    return sorted(problems, key=lambda p: (p.line, p.column))


def _value(node: Node | None, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for name, value in node.value:
            if isinstance(name, ScalarNode) and name.value == key:
                return value  # type: ignore[no-any-return]
    return None


def _node(
    root: Node | None, place: tuple[str | int, ...], at_key: bool, places: dict[str | None, int]
) -> tuple[Node | None, str]:
    """The node at `place` and its name in messages ("events[2].sources[0].quote"); events are
    found by their id, as the file lists them. Where a step finds nothing, the node reached."""
    node, where = root, ""
    for step_number, step in enumerate(place):
        key = at_key and step_number == len(place) - 1
        if isinstance(node, MappingNode) and isinstance(step, str):
            where += f".{step}" if where else step
        taken = _step(node, step, key, places)
        if taken is None:
            return node, where
        node, part = taken
        where += part
    return node, where


def _step(
    node: Node | None, step: str | int, key: bool, places: dict[str | None, int]
) -> tuple[Node, str] | None:
    """The node one step below `node` (its key's node with `key`) and the step's name after the
    first: a mapping's value by its key, an event by its id, a list's item by its index."""
    if isinstance(node, MappingNode) and isinstance(step, str):
        pairs = [pair for pair in node.value if isinstance(pair[0], ScalarNode) and pair[0].value == step]
        return (pairs[0][0] if key else pairs[0][1], "") if pairs else None
    index = places.get(step) if isinstance(step, str) else step
    if isinstance(node, SequenceNode) and index is not None and index < len(node.value):
        return node.value[index], f"[{index}]"
    return None


def _event_id(node: Node) -> str | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id" and isinstance(value, ScalarNode):
                return str(value.value)
    return None
