"""Errors a user can act on. Anything else escaping the library is a bug in it."""

from __future__ import annotations

from dataclasses import dataclass


class TimelineError(Exception):
    """Base of every error that is the user's to fix: the CLI prints it, with no traceback."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the source file, at a line and column counted from 1."""

    path: str
    line: int
    column: int
    where: str
    message: str

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{self.path}:{self.line}:{self.column}: {where}{self.message}"


class ValidationError(TimelineError):
    """The source file has problems; all of them are listed, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


class PublishError(TimelineError):
    """The outputs could not be written; the previous ones are untouched."""


class SourceBusy(TimelineError):
    """The events file is open for writing by another program (a save under way): it is read
    once that program has closed it, never half written."""


class BuildStopped(TimelineError):
    """The build was asked to stop (the daemon is stopping); each output written is whole."""


class HistoryError(TimelineError):
    """The history store cannot be read; the message says how to recover."""
