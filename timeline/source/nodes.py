"""Walking YAML nodes with every problem collected: the structure of mappings and lists, and
scalars as the text the user wrote, each problem with its line and column."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from timeline.errors import Problem
from timeline.model import (
    Event,
)
from timeline.source import checks, schema
from timeline.source.checks import shorten
from timeline.source.compose import (
    ALIAS,
    STR,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
)

T = TypeVar("T")

# Characters XML 1.0 forbids even escaped (C0 controls but tab, newline and return; surrogates;
# U+FFFE and U+FFFF: a feed containing one is rejected by every XML parser), and DEL, which
# RFC 5545 forbids in a calendar's text (strict parsers reject the calendar).
FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ALLOWED_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_REQUIRED_HINTS = schema.hints()


def _type_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing"
    return f'"{shorten(node.value)}"'


@dataclass
class NodeReader:
    """Walks a node tree, collecting problems instead of stopping at the first."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    index_offset: int = 0  # where the first event read stands in the whole file
    line_offset: int = 0  # lines of the file before the text read
    file_order: list[Event] = field(default_factory=list)  # the events as written, unsorted
    timeline_tags: set[str] = field(default_factory=set)  # every tag of the events read so far
    # The header's languages, the default first: what an event's translations may be in.
    languages: tuple[str, ...] = ()

    def problem(self, node: Node, where: str, message: str) -> None:
        mark = node.start_mark
        line = mark.line + 1 + self.line_offset
        self.problems.append(Problem(self.path, line, mark.column + 1, where, message))

    # -- structure -------------------------------------------------------------------------

    def _plain(self, node: Node, where: str) -> bool:
        """Reject what plain data never needs: explicit tags (aliases were reported when composed)."""
        if node.tag == ALIAS:
            return False
        if node.tag not in _ALLOWED_TAGS:
            self.problem(
                node,
                where,
                f"the tag {node.tag} is not allowed; events files hold plain data only, remove the tag",
            )
            return False
        return True

    def mapping(
        self,
        node: Node,
        where: str,
        keys: tuple[str, ...] | None,
        required: tuple[str, ...],
        what: str,
    ) -> dict[str, Node] | None:
        """The mapping's values by key, after reporting unknown, repeated and missing keys.

        `keys` lists the keys allowed; None allows any (a mapping keyed by names the user chose).
        """
        if not self._plain(node, where):
            return None
        if not isinstance(node, MappingNode):
            self.problem(
                node,
                where,
                f"expected {what} (a mapping of keys to values), got {_type_name(node)}",
            )
            return None
        if keys is not None:
            # The common case first, for speed: plain known keys, each once, none missing.
            known = {key_node.value: value for key_node, value in node.value if key_node.value in keys}
            if len(known) == len(node.value) and all(key in known for key in required):
                return known
        values, unknown = self._keyed(node, where, keys)
        self._missing(node, where, required, values, unknown, keys or ())
        return values

    def _missing(
        self,
        node: Node,
        where: str,
        required: tuple[str, ...],
        values: dict[str, Node],
        unknown: list[str],
        keys: tuple[str, ...],
    ) -> None:
        """Reports each required key missing, but one an unknown key misspells: that was reported
        with its correction."""
        corrected = {close for key in unknown for close in difflib.get_close_matches(key, keys, n=1)}
        for key in required:
            if key not in values and key not in corrected:
                hint = _REQUIRED_HINTS.get(key, "")
                self.problem(node, where or "the file", f'missing required key "{key}"{hint}')

    def _keyed(
        self, node: MappingNode, where: str, keys: tuple[str, ...] | None
    ) -> tuple[dict[str, Node], list[str]]:
        """The mapping's values by key, each problem with a key reported (not a plain word,
        repeated, unknown), and the unknown keys."""
        values: dict[str, Node] = {}
        lines: dict[str, int] = {}
        unknown: list[str] = []
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.problem(key_node, where, "a key must be a plain word")
                continue
            inner = f"{where}.{key}" if where else key
            if key in values:
                self.problem(
                    key_node,
                    inner,
                    f'the key "{key}" appears twice (first at line {lines[key]}); keep one',
                )
                continue
            if keys is not None and key not in keys:
                self.problem(key_node, inner, checks.unknown_key(key, keys))
                unknown.append(key)
                continue
            values[key] = value_node
            lines[key] = key_node.start_mark.line + 1
        return values, unknown

    def sequence(self, node: Node, where: str, what: str) -> list[Node]:
        if not self._plain(node, where):
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, where, f"expected a list of {what}, got {_type_name(node)}")
            return []
        return list(node.value)

    # -- scalars ---------------------------------------------------------------------------

    def text(self, node: Node | None, where: str, *, limit: int = 10_000) -> str | None:
        """A non-empty string, trimmed; None (after a problem) when it is not one."""
        if node.__class__ is ScalarNode and node.tag == STR:
            # The common case first, for speed: the checks below, in one go.
            value = node.value.strip()
            if value and len(value) <= limit and not FORBIDDEN_IN_TEXT.search(value):
                return value  # type: ignore[no-any-return]
        if node is None:
            return None
        if not self._plain(node, where):
            return None
        if not isinstance(node, ScalarNode) or node.tag.endswith(":null"):
            self.problem(node, where, f"expected text, got {_type_name(node)}")
            return None
        value = str(node.value).strip()
        if not value:
            self.problem(node, where, "must not be empty")
            return None
        bad = FORBIDDEN_IN_TEXT.search(value)
        if bad:
            self.problem(
                node,
                where,
                f"contains the control character U+{ord(bad.group()):04X}, "
                "which feeds cannot carry; remove it",
            )
            return None
        if len(value) > limit:
            self.problem(node, where, f"is {len(value):,} characters long, more than {limit:,}; shorten it")
            return None
        return value

    def checked(
        self,
        node: Node | None,
        where: str,
        check: Callable[[str], T],
        *,
        limit: int = 300,
        absent: T | None = None,
    ) -> T | None:
        """Text passed through `check`, which raises ValueError with the reason it is wrong;
        `absent` when there is no node (the key left out)."""
        if node is None:
            return absent
        value = self.text(node, where, limit=limit)
        if value is None:
            return None
        try:
            return check(value)
        except ValueError as error:
            self.problem(node, where, str(error))
            return None

    def integer(self, node: Node | None, where: str, default: int, minimum: int) -> int:
        if node is None:
            return default
        value = self.text(node, where)
        if value is None:
            return default
        if not value.isdigit() or int(value) < minimum:
            self.problem(node, where, f'"{shorten(value)}" is not a whole number of at least {minimum}')
            return default
        return int(value)

    def boolean(self, node: Node | None, where: str, default: bool) -> bool | None:
        if node is None:
            return default
        value = self.text(node, where)
        if value is None:
            return None
        if value not in ("true", "false"):
            self.problem(node, where, f'"{shorten(value)}" is not true or false')
            return None
        return value == "true"

    def choice(self, node: Node | None, where: str, kind: type[T], default: T) -> T | None:
        if node is None:
            return default
        value = self.text(node, where)
        if value is None:
            return None
        try:
            return kind(value)  # type: ignore[call-arg]
        except ValueError:
            names = ", ".join(str(member) for member in kind)  # type: ignore[attr-defined]
            self.problem(node, where, f'"{shorten(value)}" is not one of: {names}')
            return None
