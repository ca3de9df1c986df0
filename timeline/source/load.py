"""events.yaml -> Timeline: safe YAML, a position for every value, every problem in one run.

The file is composed into YAML nodes (timeline.source.compose), never constructed into objects, so no
tag can build a Python object and every value keeps the line and column it was written at.
Scalars are read from the text the user wrote (`2011-12` stays "2011-12"; `no` is not False).
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

from timeline.errors import Problem, SourceBusy, TimelineError, ValidationError
from timeline.files import MAX_EVENTS_FILE, BeingWritten, NotRegular, TooLarge, read_regular_file
from timeline.model import (
    Event,
    Timeline,
)
from timeline.source import quotes
from timeline.source.compose import (
    StructureError,
    SyntaxProblem,
    YamlSyntaxError,
    compose,
)
from timeline.source.events import TimelineReader

MAX_FILE_BYTES = MAX_EVENTS_FILE


def load(path: str | Path, *, check_articles: bool = True) -> Timeline:
    """Read and validate an events file; raise ValidationError listing every problem. With
    `check_articles`, every quote is checked against its article (timeline.source.quotes)."""
    data = read(Path(path))
    text = text_of(data, str(path))
    timeline = parse_in_order(text, str(path))[0]
    if check_articles:
        quotes.check(timeline, Path(path), lambda: text)
    return timeline


def read(path: Path) -> bytes:
    """The bytes of an events file, or a TimelineError a user can act on. Only a regular file
    is read, never past the size limit, never waiting and never while another program is
    writing it (see timeline.files)."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except BeingWritten:
        raise SourceBusy(
            f"{path}: is open for writing by another program (a save under way?); run again once it is saved"
        ) from None
    except TooLarge as error:
        raise ValidationError([Problem(str(path), 1, 1, "", _too_big(error.size))]) from None
    except NotRegular as error:
        if error.kind == "a folder":
            raise TimelineError(f"{path}: is a folder; pass the events file itself") from None
        raise TimelineError(
            f"{path}: is {error.kind}, not a regular file; the events file must be a file of its own"
        ) from None
    except FileNotFoundError:
        raise TimelineError(f"{path}: no such file; pass the events file with --source") from None
    except PermissionError:
        raise TimelineError(f"{path}: permission denied; make the file readable") from None
    except OSError as error:  # a symlink loop, a name too long, an I/O error
        raise TimelineError(f"{path}: cannot be read ({error.strerror}); check the path") from None


def parse(data: bytes | str, path: str = "events.yaml") -> Timeline:
    """Validate the text of an events file named `path` (used only in messages)."""
    return parse_in_order(text_of(data, path), path)[0]


def text_of(data: bytes | str, path: str) -> str:
    """The text of an events file: UTF-8 checked, the size limit applied, a BOM dropped."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError([Problem(path, 1, 1, "", _too_big(len(data)))])
        text = _decode(data, path)
    else:
        text = data
    return text.removeprefix("\ufeff")


def parse_in_order(text: str, path: str, index_offset: int = 0) -> tuple[Timeline, list[Event]]:
    """The timeline, and its events in the order the file lists them."""
    try:
        root, structure = compose(text)
    except YamlSyntaxError as error:
        raise ValidationError([_syntax_problem(error.problem, path)]) from None
    except StructureError as error:
        raise ValidationError(
            [Problem(path, line, column, "", message) for line, column, message in error.problems]
        ) from None
    reader = TimelineReader(path, index_offset=index_offset)
    reader.problems.extend(Problem(path, line, column, "", message) for line, column, message in structure)
    timeline = reader.timeline(root)
    if reader.problems or timeline is None:
        raise ValidationError(reader.problems)
    return timeline, reader.file_order


def parse_event(
    text: str,
    path: str,
    line: int,
    index: int,
    header: Timeline,
    first_line: dict[str, int],
) -> Event:
    """One event's text, cut from the events list at `line` of the file, as an Event.

    `header` gives the articles and the time zone; `first_line` (the ids read so far, with
    their lines) is updated. Positions in problems are the file's.
    """
    try:
        root, structure = compose(text)
    except (YamlSyntaxError, StructureError):
        raise ValidationError([Problem(path, line, 1, f"events[{index}]", "not one event")]) from None
    reader = TimelineReader(path, index_offset=index, line_offset=line - 1, languages=header.languages)
    articles = {article.file: article for article in header.articles}
    events = reader.events(root, articles, zoneinfo.ZoneInfo(header.timezone), first_line)
    if structure or reader.problems or not events or len(events) != 1:
        raise ValidationError(
            reader.problems or [Problem(path, line, 1, f"events[{index}]", "not one event")]
        )
    return events[0]


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 2**20:.0f} MiB, more than the {MAX_FILE_BYTES // 2**20} MiB "
        "an events file may be; split the archive or remove what is not an event"
    )


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        byte = data[error.start]
        raise ValidationError(
            [
                Problem(
                    path,
                    line,
                    column,
                    "",
                    f"byte 0x{byte:02x} is not UTF-8; save the file as UTF-8",
                )
            ]
        ) from None


def _syntax_problem(error: SyntaxProblem, path: str) -> Problem:
    what = error.problem
    if error.context:
        context = error.context
        if error.context_line is not None and error.context_line != error.line:
            context += f" that starts at line {error.context_line}, column {error.context_column}"
        what = f"{context}, {what}"
    if "tab character" in what or "'\\t'" in what:
        hint = "indent with spaces; YAML does not allow tabs there"
    elif "flow sequence" in what or "flow mapping" in what:
        hint = "close the [ or { that starts there, and separate its items with commas"
    elif "quoted scalar" in what:
        hint = "close the quote, or escape a quote inside the text"
    elif "anchor" in what or "alias" in what:
        hint = "write each value out in full"
    elif "not allowed in YAML" in what:
        return Problem(path, error.line, error.column, "", what)
    else:
        hint = "check the indentation, quoting and colons on this line and the one before"
    return Problem(path, error.line, error.column, "", f"YAML syntax: {what}; {hint}")
