"""`timeline extract --into`: the drafts appended to an events file, the article listed under
`articles:` if it is not yet, the file replaced whole or not at all, and never over a save made
meanwhile."""

from __future__ import annotations

import re
from pathlib import Path

from timeline.errors import TimelineError
from timeline.extract.draft import Candidate, as_yaml, date_text, quoted
from timeline.files import BeingWritten, Changed, replace_if_unchanged
from timeline.model import EventDate
from timeline.source.load import parse, read, text_of

_EMPTY_EVENTS = re.compile(r"^events:[ \t]*\[\][ \t]*((?:#.*)?)$", re.MULTILINE)
_ARTICLES = re.compile(r"^articles:[ \t]*(\{\})?[ \t]*((?:#.*)?)$", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^[^\s#]", re.MULTILINE)


def append(into: Path, drafted: list[Candidate], name: str, published: EventDate | None = None) -> None:
    """Append the candidates, each `reviewed: false`, at the end of the events list of `into`,
    which must be its last key, and only if the file is still valid with them: a file is never
    left broken. An article not listed under `articles:` is listed, with `published`."""
    original = read(into)
    text = text_of(original, str(into))
    top_keys = re.findall(r"^([A-Za-z_][\w-]*):", text, re.MULTILINE)
    if not top_keys or top_keys[-1] != "events":
        raise TimelineError(
            f"{into}: events: is not the file's last key; move it last, or paste the drafts by hand"
        )
    timeline = parse(text, str(into))
    if timeline.articles_dir is not None and not (into.parent / timeline.articles_dir / name).is_file():
        raise TimelineError(
            f"{name}: not in {timeline.articles_dir}/ beside {into.name}; put the article there first "
            "(every quote is checked against it there)"
        )
    if not drafted:
        return
    if name not in {a.file for a in timeline.articles}:
        text = _listed(text, into, name, published)
    # A timeline with no events yet says `events: []` (as `timeline init` writes it): the
    # drafts are its first items.
    text = _EMPTY_EVENTS.sub(lambda empty: "  ".join(filter(None, ("events:", empty[1]))), text)
    joined = (
        text
        + ("" if text.endswith("\n") else "\n")
        + "\n"
        + as_yaml(drafted, name, with_key=False, drafts=True)
    )
    parse(joined, str(into))  # a ValidationError here leaves the file as it was
    try:
        replace_if_unchanged(into, joined.encode(), original)
    except Changed:
        raise TimelineError(
            f"{into}: was saved by someone else while the drafts were made; nothing was written, so "
            "that save is kept; run extract again"
        ) from None
    except BeingWritten:
        raise TimelineError(
            f"{into}: is open for writing by another program; nothing was written; run extract again "
            "once it is saved"
        ) from None
    except OSError as error:
        raise TimelineError(
            f"{into}: the drafts cannot be written ({error.strerror or error}); the file is as it was"
        ) from None


def _listed(text: str, into: Path, name: str, published: EventDate | None) -> str:
    """The text with the article listed under `articles:` (written `articles: {}`, or as a block
    of one article a line), with its publication date when it is known."""
    entry = f"{quoted(name)}: " + (f"{{published: {date_text(published)}}}" if published else "{}")
    found = _ARTICLES.search(text)
    if found is None:
        raise TimelineError(
            f"{into}: {name} is not listed under articles, and articles: is not written as a block "
            "this command can add to; list it there yourself (with its published: date)"
        )
    if found[1]:  # `articles: {}`
        comment = f"  {found[2]}" if found[2] else ""
        return f"{text[: found.start()]}articles:{comment}\n  {entry}{text[found.end() :]}"
    following = _TOP_LEVEL.search(text, found.end() + 1)
    block = text[found.end() : following.start() if following else len(text)]
    lines = block.split("\n")
    # After the block's last line of content, not after the comments that precede the next key.
    last = max(
        (n for n, line in enumerate(lines) if line.strip() and line.startswith((" ", "\t"))), default=0
    )
    indent = next((line[: len(line) - len(line.lstrip())] for line in lines if line.strip()), "  ")
    lines.insert(last + 1, f"{indent}{entry}")
    return text[: found.end()] + "\n".join(lines) + text[found.end() + len(block) :]
