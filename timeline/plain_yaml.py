"""The plain YAML most events files are written in, read without libyaml: the same nodes, faster.

Composing an event's text through libyaml and PyYAML's event objects was the largest part of
parsing a large file. Most events are written in a small, regular part of YAML: block mappings
and lists, one-line scalars, folded or literal block scalars, and one-line flow lists and
mappings. This module reads exactly that part, line by line, into the very nodes (values,
styles, lines and columns) that timeline.compose builds, and gives up, returning None, at
anything else: a tab, an escape, a comment after a value, a blank line inside a block scalar,
an anchor. The caller then composes the text with libyaml, which also reports every error, so
this reader never has to explain one. The tests check it against libyaml on every file they
have and on generated ones.
"""

from __future__ import annotations

import re

from timeline.compose import (
    MAP,
    MAX_DEPTH,
    NULL,
    NULLS,
    SEQ,
    STR,
    MappingNode,
    Mark,
    Node,
    ScalarNode,
    SequenceNode,
)

# Characters this reader leaves to libyaml wherever they occur: tabs, carriage returns, the line
# breaks YAML knows beyond \n (U+0085, U+2028, U+2029), the byte order mark, and every
# character YAML does not allow unescaped. (Trailing white space too, tested apart: faster.)
LEFT_TO_LIBYAML = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: +|$)")
# A one-line plain scalar outside brackets: no indicator first, no ": " or " #" inside.
PLAIN = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@`\s](?:[^:#]|:(?=[^ ])|(?<=[^ ])#)*(?<!:)")
# Inside brackets, plainer still: no bracket, comma, colon or hash at all.
_FLOW_PLAIN = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@`\s][^,\[\]{}:#]*")
DOUBLE = re.compile(r'"([^"\\]*)"')
SINGLE = re.compile(r"'((?:[^']|'')*)'")
BLOCK_HEADERS = {">": (">", "\n"), ">-": (">", ""), "|": ("|", "\n"), "|-": ("|", "")}


class _Unsupported(Exception):
    """The text uses YAML this reader leaves to libyaml."""


def compose(text: str) -> Node | None:
    """The single document of `text` as timeline.compose would give it, or None when the text
    uses anything beyond plain YAML (or is empty, or is not YAML at all)."""
    if beyond_plain(text):
        return None
    try:
        return _Reader(text.split("\n")).document()
    except _Unsupported:
        return None


def beyond_plain(text: str) -> bool:
    """Whether `text` holds a character or trailing white space this reader leaves to libyaml."""
    return " \n" in text or text.endswith(" ") or LEFT_TO_LIBYAML.search(text) is not None


class _Position(Mark):
    """Where a node starts: all of a Mark that the loader reads, made in a third of the time."""

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column


def _scalar(value: str, line: int, column: int, style: str = "") -> ScalarNode:
    # As timeline.compose tags them: a plain (style "") ~ or null is nothing, anything else text.
    tag = NULL if not style and value in NULLS else STR
    return ScalarNode(tag, value, _Position(line, column), None, style)


class _Nesting:
    """How deep the collections being read are: libyaml reports a file nested too deep."""

    depth = 0

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unsupported

    def leave(self) -> None:
        self.depth -= 1


class _Reader(_Nesting):
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        # Worked out once a line: each is asked about several times.
        self.indents = [len(line) - len(line.lstrip(" ")) for line in lines]
        self.skipped = [
            not line or line[indent] == "#" for line, indent in zip(lines, self.indents, strict=True)
        ]

    def _next_content(self, index: int) -> int:
        """The first line from `index` on that is neither blank nor a comment."""
        skipped = self.skipped
        while index < len(skipped) and skipped[index]:
            index += 1
        return index

    def document(self) -> Node | None:
        start = self._next_content(0)
        if start == len(self.lines):
            raise _Unsupported  # empty: libyaml says what that means
        root, after = self._block(start, self.indents[start])
        if self._next_content(after) != len(self.lines):
            raise _Unsupported  # something after the root: a second document, or an error
        return root

    def _block(self, index: int, indent: int) -> tuple[Node, int]:
        """The block list or mapping whose first line is `index`, at `indent`; and the line after."""
        if self.lines[index].startswith("- ", indent):
            return self._sequence(index, indent)
        return self._mapping(index, indent)

    def _sequence(self, index: int, indent: int, *, under_key: bool = False) -> tuple[SequenceNode, int]:
        """A block list at `indent`; `under_key` when it is a key's value at the key's own indent,
        so that the next key ends it."""
        self.enter()
        lines = self.lines
        items: list[Node] = []
        node = SequenceNode(SEQ, items, _Position(index, indent), None, flow_style=False)
        while index < len(lines) and lines[index].startswith("- ", indent) and self.indents[index] == indent:
            column = indent + 2
            content = lines[index][column:]
            if not content or content[0] == " ":
                raise _Unsupported  # an item on the lines below, or aligned further right
            item: Node
            if _KEY.match(content):
                item, index = self._mapping(index, column)
            else:
                item = self._inline(content, index, column)
                index = self._after_inline(index + 1, indent)
            items.append(item)
            index = self._next_content(index)
        self.leave()
        return node, self._end_of_block(index, indent + 1 if under_key else indent)

    def _mapping(self, index: int, indent: int) -> tuple[MappingNode, int]:
        """A block mapping whose first key is at column `indent` of line `index` (after a
        list's "- " on that line, or alone)."""
        self.enter()
        lines = self.lines
        pairs: list[tuple[Node, Node]] = []
        node = MappingNode(MAP, pairs, _Position(index, indent), None, flow_style=False)
        first = True
        while index < len(lines) and (first or self.indents[index] == indent):
            first = False
            line = lines[index]
            key = _KEY.match(line, indent)
            if key is None:
                raise _Unsupported
            key_node = _scalar(key.group(1), index, indent)
            column = key.end()
            value_node: Node
            if column == len(line):  # the value is on the lines below
                below = self._next_content(index + 1)
                if below == len(lines):
                    raise _Unsupported  # nothing: libyaml gives an empty value
                deeper = self.indents[below]
                if deeper > indent:
                    value_node, index = self._block(below, deeper)
                elif deeper == indent and lines[below].startswith("- ", indent):
                    value_node, index = self._sequence(below, indent, under_key=True)
                else:
                    raise _Unsupported  # an empty value
            elif line[column] in ">|":
                value_node, index = self._block_scalar(line[column:], index, column, indent)
            else:
                value_node = self._inline(line[column:], index, column)
                index = self._after_inline(index + 1, indent)
            pairs.append((key_node, value_node))
            index = self._next_content(index)
        self.leave()
        return node, self._end_of_block(index, indent)

    def _end_of_block(self, index: int, indent: int) -> int:
        """Where a block at `indent` ends: the next line must be less indented."""
        if index < len(self.lines) and self.indents[index] >= indent:
            raise _Unsupported  # misaligned, or a list item where a key belongs
        return index

    def _after_inline(self, index: int, indent: int) -> int:
        """The line after a one-line value; a more indented line would continue it."""
        lines = self.lines
        while index < len(lines) and not lines[index]:
            index += 1
        if index < len(lines) and self.indents[index] > indent:
            raise _Unsupported  # a scalar over several lines, or a comment inside one
        return index

    def _block_scalar(self, header: str, index: int, column: int, parent: int) -> tuple[ScalarNode, int]:
        """A folded (>) or literal (|) scalar, clipped or stripped, of evenly indented lines."""
        if header not in BLOCK_HEADERS:
            raise _Unsupported  # an indentation indicator, keep chomping, or a comment
        style, ending = BLOCK_HEADERS[header]
        lines = self.lines
        start = index + 1
        if start == len(lines) or not lines[start]:
            raise _Unsupported  # empty, or leading blank lines
        indent = self.indents[start]
        if indent <= parent:
            raise _Unsupported  # an empty scalar
        end = start
        while end < len(lines) and lines[end] and self.indents[end] >= indent:
            end += 1
        parts = [line[indent:] for line in lines[start:end]]
        if style == ">" and any(part[0] == " " for part in parts):
            raise _Unsupported  # more indented lines keep their breaks when folded
        after = end
        while after < len(lines) and not lines[after]:
            after += 1
        if after > end and after < len(lines) and self.indents[after] >= indent:
            raise _Unsupported  # a blank line inside the scalar
        if end == len(lines):
            ending = ""  # the file ends without a line break: there is none to clip to
        value = (" " if style == ">" else "\n").join(parts) + ending
        return _scalar(value, index, column, style), end

    def _inline(self, text: str, index: int, column: int) -> Node:
        """A value written on one line from `column`: a scalar, or a list or mapping in brackets."""
        if text[0] in "[{" and FLAT.fullmatch(text) is not None and self.depth < MAX_DEPTH:
            return _flat(text, index, column)
        if text[0] in "[{\"'":  # read as inside brackets: a quoted scalar is the same there
            node, end = _Flow(text, index, column, self.depth).value(0)
            if end != len(text):
                raise _Unsupported
            return node
        if PLAIN.fullmatch(text) is None:
            raise _Unsupported
        return _scalar(text, index, column)


# The brackets most events use, read without the general reader: a list of words (tags), or a
# mapping of words to words or to quoted text without escapes (a source, a range of dates).
_WORD = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"
_PAIR = rf'[A-Za-z0-9_][A-Za-z0-9_.\-]*: (?:{_WORD}|"[^"\\]*")'
FLAT = re.compile(rf"\[(?:{_WORD}(?:, {_WORD})*)?\]|\{{{_PAIR}(?:, {_PAIR})*\}}")
FLAT_ITEM = re.compile(rf'(?:([A-Za-z0-9_][A-Za-z0-9_.\-]*): )?({_WORD}|"[^"\\]*")')


def _flat(text: str, line: int, column: int) -> Node:
    """A list or mapping `FLAT` matched: its items, each where it stands on the line."""
    items = []
    for item in FLAT_ITEM.finditer(text, 1):
        value = item.group(2)
        at = column + item.start(2)
        node = _scalar(value[1:-1], line, at, '"') if value[0] == '"' else _scalar(value, line, at)
        items.append((_scalar(item.group(1), line, column + item.start(1)), node) if item.group(1) else node)
    start = _Position(line, column)
    if text[0] == "[":
        return SequenceNode(SEQ, items, start, None, flow_style=True)
    return MappingNode(MAP, items, start, None, flow_style=True)


class _Flow(_Nesting):
    """A list or mapping in brackets, within one line."""

    def __init__(self, text: str, line: int, column: int, depth: int) -> None:
        self.text, self.line, self.column, self.depth = text, line, column, depth

    def _skip_spaces(self, at: int) -> int:
        while at < len(self.text) and self.text[at] == " ":
            at += 1
        return at

    def _mark(self, at: int) -> Mark:
        return _Position(self.line, self.column + at)

    def value(self, at: int) -> tuple[Node, int]:
        """The value starting at `at`, and where it ends."""
        text = self.text
        if at == len(text):
            raise _Unsupported
        first = text[at]
        if first == "[":
            self.enter()
            items: list[Node] = []
            sequence = SequenceNode(SEQ, items, self._mark(at), None, flow_style=True)
            at = self._skip_spaces(at + 1)
            while text[at : at + 1] != "]":
                item, at = self.value(at)
                items.append(item)
                at = self._separator(at, "]")
            self.leave()
            return sequence, at + 1
        if first == "{":
            self.enter()
            pairs: list[tuple[Node, Node]] = []
            mapping = MappingNode(MAP, pairs, self._mark(at), None, flow_style=True)
            at = self._skip_spaces(at + 1)
            while text[at : at + 1] != "}":
                key = _KEY.match(text, at)
                if key is None or key.end() == len(text):
                    raise _Unsupported  # not "word: value"
                key_node = _scalar(key.group(1), self.line, self.column + at)
                value_node, at = self.value(key.end())
                pairs.append((key_node, value_node))
                at = self._separator(at, "}")
            self.leave()
            return mapping, at + 1
        if first == '"' or first == "'":
            quoted = (DOUBLE if first == '"' else SINGLE).match(text, at)
            if quoted is None:
                raise _Unsupported
            value = quoted.group(1) if first == '"' else quoted.group(1).replace("''", "'")
            return _scalar(value, self.line, self.column + at, first), quoted.end()
        plain = _FLOW_PLAIN.match(text, at)
        if plain is None:
            raise _Unsupported
        value = plain.group().rstrip(" ")
        return _scalar(value, self.line, self.column + at), at + len(value)

    def _separator(self, at: int, closing: str) -> int:
        """After an item: the comma before the next one, or the closing bracket (not consumed)."""
        at = self._skip_spaces(at)
        if self.text[at : at + 1] == ",":
            at = self._skip_spaces(at + 1)
            if self.text[at : at + 1] in (closing, ""):
                raise _Unsupported  # a trailing comma
            return at
        if self.text[at : at + 1] != closing:
            raise _Unsupported
        return at
