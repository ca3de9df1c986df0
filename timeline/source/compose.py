"""YAML text -> a tree of nodes that keep their line and column (the only module importing PyYAML).

libyaml parses; the tree is built here, iteratively, rather than by PyYAML's composer, because
that one recurses in C: a file nested a hundred thousand levels deep crashes the process. Here
nesting is bounded, aliases are reported where they are used, and nothing is ever constructed,
so no tag can build an object. Plain scalars keep the text as written: `no` stays "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml's parser is an order of magnitude faster; the pure one gives the same events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = [
    "MAP",
    "NULL",
    "NULLS",
    "SEQ",
    "STR",
    "MappingNode",
    "Mark",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "StructureError",
    "SyntaxProblem",
    "YamlSyntaxError",
    "compose",
]  # fmt: skip

MAX_DEPTH = 32
MAX_ALIASES_REPORTED = 5
NULL = "tag:yaml.org,2002:null"
STR = "tag:yaml.org,2002:str"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
# Stands in for a value given by an alias, which was reported already. No tag a file can write
# holds a space (a file that writes the tag !alias is told its tag is not allowed).
ALIAS = "an alias, reported"
NULLS = frozenset({"", "~", "null", "Null", "NULL"})


@dataclass(frozen=True)
class SyntaxProblem:
    """What libyaml could not parse, where (lines and columns from 1), and the context."""

    line: int
    column: int
    problem: str
    context: str | None = None
    context_line: int | None = None
    context_column: int | None = None


class StructureError(Exception):
    """The file parses but cannot be read as plain data (aliases, depth, several documents)."""

    def __init__(self, problems: list[tuple[int, int, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


class YamlSyntaxError(ValueError):
    """libyaml could not parse the text."""

    def __init__(self, problem: SyntaxProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def compose(text: str) -> tuple[Node | None, list[tuple[int, int, str]]]:
    """The single document of `text` as nodes (None for an empty file), and the (line, column,
    message) of every alias or extra document, which read as placeholders in the tree.

    Raises YamlSyntaxError when the text is not YAML, StructureError when it nests too deep.
    """
    loader = _Loader(text)
    problems: list[tuple[int, int, str]] = []
    try:
        return _build(loader, problems), problems
    except yaml.MarkedYAMLError as error:
        # libyaml 0.2.6 and later stop at a thousand levels while scanning ahead, before the
        # tree here reaches its own bound: the same mistake, so the same message.
        if error.problem_mark is not None and "maximum nesting depth" in (error.problem or ""):
            raise StructureError([_too_deep(error.problem_mark)]) from None
        raise YamlSyntaxError(_syntax(error)) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        character = error.character if isinstance(error.character, int) else ord(error.character)
        raise YamlSyntaxError(
            SyntaxProblem(line, column, f"the character U+{character:04X} is not allowed in YAML; remove it")
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(SyntaxProblem(1, 1, str(error))) from None
    finally:
        loader.dispose()


def _build(loader: _Loader, problems: list[tuple[int, int, str]]) -> Node | None:
    loader.get_event()  # the stream's start
    if loader.check_event(StreamEndEvent):
        return None
    loader.get_event()  # the document's start
    stack: list[list[Any]] = []  # [collection node, pending mapping key or None]
    aliases: set[str] = set()
    root: Node | None = None
    while True:
        event: Any = loader.get_event()  # the stubs type events loosely; libyaml fills them all
        kind = event.__class__
        node: Node
        if kind is ScalarEvent:
            node = _scalar(event)
        elif kind is SequenceStartEvent or kind is MappingStartEvent:
            stack.append([_collection(event, kind), None])
            if len(stack) > MAX_DEPTH:
                raise StructureError([_too_deep(event.start_mark)])
            continue
        elif kind is SequenceEndEvent or kind is MappingEndEvent:
            node = stack.pop()[0]
            node.end_mark = event.end_mark
        elif kind is AliasEvent:
            node = _alias(event, aliases, problems)
        elif kind is DocumentEndEvent:
            break
        else:  # pragma: no cover - libyaml emits nothing else inside a document
            raise AssertionError(f"unexpected YAML event {event!r}")
        if stack:
            _attach(stack[-1], node)
        else:
            root = node
    _no_second_document(loader, problems)
    return root


def _scalar(event: Any) -> ScalarNode:
    tag = event.tag
    if tag is None or tag == "!":
        tag = NULL if event.implicit[0] and event.value in NULLS else STR
    return ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)


def _attach(top: list[Any], node: Node) -> None:
    """`node` added to the open collection `top` ([node, pending key]): an item, a key, or the
    value of the pending key."""
    parent = top[0]
    if isinstance(parent, SequenceNode):
        parent.value.append(node)
    elif top[1] is None:
        top[1] = node
    else:
        parent.value.append((top[1], node))
        top[1] = None


def _no_second_document(loader: _Loader, problems: list[tuple[int, int, str]]) -> None:
    if loader.check_event(DocumentStartEvent):
        second: Any = loader.peek_event()
        mark = second.start_mark
        problems.append((mark.line + 1, mark.column + 1, "a second YAML document; an events file holds one"))


def _collection(event: Any, kind: type) -> SequenceNode | MappingNode:
    """The sequence or mapping a start event opens, with no items yet."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = SEQ if kind is SequenceStartEvent else MAP
    made = SequenceNode if kind is SequenceStartEvent else MappingNode
    return made(tag, [], event.start_mark, None, flow_style=event.flow_style)


def _alias(event: Any, aliases: set[str], problems: list[tuple[int, int, str]]) -> ScalarNode:
    """A stand-in for an alias, reported once per anchor, and for a few anchors only: a
    "billion laughs" file would otherwise bury the message under thousands of copies of it."""
    if event.anchor not in aliases and len(aliases) < MAX_ALIASES_REPORTED:
        aliases.add(event.anchor)
        mark = event.start_mark
        message = f"the alias *{event.anchor} reuses a value; YAML aliases are not supported, write it out"
        problems.append((mark.line + 1, mark.column + 1, message))
    return ScalarNode(ALIAS, "", event.start_mark, event.end_mark)


def _too_deep(mark: Mark) -> tuple[int, int, str]:
    message = (
        f"nested more than {MAX_DEPTH} levels deep; an events file is a mapping of short lists: "
        "check the brackets and the indentation"
    )
    return (mark.line + 1, mark.column + 1, message)


def _syntax(error: yaml.MarkedYAMLError) -> SyntaxProblem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    start = error.context_mark
    return SyntaxProblem(
        line,
        column,
        error.problem or "not valid YAML",
        error.context,
        start.line + 1 if start else None,
        start.column + 1 if start else None,
    )
