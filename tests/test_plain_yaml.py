"""The quick reader of plain YAML gives libyaml's very nodes, or leaves the text to libyaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench import generate
from tests.conftest import DATA, ROOT
from timeline import plain_yaml
from timeline.compose import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    StructureError,
    YamlSyntaxError,
    compose,
)
from timeline.reload import _split


def _shape(node: Node) -> object:
    """Everything the loader reads of a node: kind, tag, value, style, line and column."""
    where = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, ScalarNode):
        return ("scalar", node.tag, node.value, node.style, where)
    if isinstance(node, SequenceNode):
        return ("list", node.tag, node.flow_style, where, [_shape(item) for item in node.value])
    assert isinstance(node, MappingNode)
    pairs = [(_shape(key), _shape(value)) for key, value in node.value]
    return ("mapping", node.tag, node.flow_style, where, pairs)


def _libyaml(text: str) -> object | None:
    """libyaml's reading of the text; None when it reports a problem of any kind."""
    try:
        root, problems = compose(text)
    except (YamlSyntaxError, StructureError):
        return None
    return None if problems or root is None else _shape(root)


def _assert_agrees(text: str) -> bool:
    """The quick reader gives libyaml's nodes or gives up; True if it read the text."""
    quick = plain_yaml.compose(text)
    if quick is not None:
        assert _shape(quick) == _libyaml(text), text
    return quick is not None


def _files() -> list[Path]:
    return [ROOT / "events.yaml", *sorted((DATA / "valid").glob("*.yaml")), *sorted(DATA.glob("*/*.yaml"))]


@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_test_file_and_each_of_its_events_reads_as_libyaml_reads_it(path: Path) -> None:
    data = path.read_bytes()
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return  # the loader reports it before any YAML is read
    _assert_agrees(text)
    split = _split(data)
    for piece in split[1] if split else []:
        _assert_agrees(str(piece, "utf-8", "replace"))


def test_the_shipped_file_and_the_benchmark_timelines_are_read_without_libyaml(tmp_path: Path) -> None:
    generated = tmp_path / "events.yaml"
    generate.write(generated, 300)
    for path in (ROOT / "events.yaml", generated):
        data = path.read_bytes()
        assert _assert_agrees(data.decode()), path
        split = _split(data)
        assert split is not None
        assert all(_assert_agrees(str(piece, "utf-8")) for piece in split[1])


@pytest.mark.parametrize(
    "text",
    [
        "a:\tb\n",  # a tab
        'a: "line\\nbreak"\n',  # an escape
        "a: b # a comment after a value\n",
        "a: one\n  two\n",  # a plain scalar over two lines
        "a: >-\n  one\n\n  two\n",  # a blank line inside a block scalar
        "a: >-\n  one\n    indented\n",  # a more indented line in a folded scalar
        "a: |+\n  kept\n",  # keep chomping
        "a: &anchor b\nc: *anchor\n",
        "a: b \n",  # trailing white space
        "a: b\u2028c\n",  # a line break only YAML knows
        "a:\n",  # an empty value
        "a: [b, c,]\n",  # a trailing comma
        "a: [b,\n  c]\n",  # brackets over two lines
        "a: b: c\n",
        "- a\n  - b\n",
        "a: " + "[" * 40 + "]" * 40 + "\n",  # nested deeper than the loader allows
        "".join(" " * depth + "k:\n" for depth in range(40)) + " " * 40 + "k: v\n",
        "",
        "# only a comment\n",
        "a: b\n---\nc: d\n",  # a second document
    ],
)
def test_anything_beyond_plain_yaml_is_left_to_libyaml(text: str) -> None:
    assert plain_yaml.compose(text) is None


_KEYS = st.sampled_from(["id", "title", "date", "a.txt", "start", "null", "x-y"])
_PLAIN_VALUES = st.sampled_from(
    ["plain text", "Việt Nam", "2011-12-05", "http://example.org/a#b", "a#b", "a:b", "x, y [z]", "null", "~"]
)
_FLOW_VALUES = st.sampled_from(
    [
        '"double, comma"',
        "'single ''quoted'''",
        "[a, b]",
        "[a, [b, c], {d: e}]",
        "[]",
        "{}",
        "{start: 1990, end: 2007}",
        '{article: a.txt, quote: "A, b."}',
        "{a: b, a: c}",
    ]
)
# What plain YAML leaves out, or what is not YAML at all.
_ODD_VALUES = st.sampled_from(
    [
        "a: b", "a #b", "-dash", "?q", ":c", "@at", "%p", "!tag", "&anchor", "*alias", '"unclosed',
        "'single", "{a:b}", "[a, b] c", "trailing:", ">2", "'", '"', "[a,]", "{a: [b}",
    ]
)  # fmt: skip
_ODD_LINES = st.sampled_from(["", "# a comment", "  # comment", "more words", "- item", "key: value"])


@st.composite
def _block(draw: st.DrawFn, indent: int, depth: int) -> list[str]:
    """A block mapping or list at `indent`, in plain YAML, as lines."""
    lines: list[str] = []
    as_list = draw(st.booleans())
    for _ in range(draw(st.integers(1, 3))):
        at = " " * indent + ("- " if as_list else "")
        inner = indent + 2 if as_list else indent
        kind = draw(st.sampled_from(["plain", "flow", "block", "nested"] if depth < 3 else ["plain", "flow"]))
        key = draw(_KEYS)
        if kind == "nested":
            lines.append(f"{at}{key}:")
            lines += draw(_block(inner + draw(st.sampled_from([0, 2, 3])), depth + 1))
        elif kind == "block":
            header = draw(st.sampled_from([">", ">-", "|", "|-"]))
            lines.append(f"{at}{key}: {header}")
            body = " " * (inner + 2)
            lines += [body + draw(_PLAIN_VALUES) for _ in range(draw(st.integers(1, 3)))]
        else:
            value = draw(_PLAIN_VALUES if kind == "plain" else _FLOW_VALUES)
            lines.append(f"{at}{key}: {value}" if not as_list or draw(st.booleans()) else f"{at}{value}")
    return lines


@st.composite
def _documents(draw: st.DrawFn) -> str:
    """Documents in plain YAML, about half of them then bent out of it: an odd value put in, a
    line inserted, a line moved right."""
    lines = draw(_block(draw(st.sampled_from([0, 2])), 0))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        where = draw(st.integers(0, len(lines)))
        change = draw(st.sampled_from(["value", "line", "shift"]))
        if change == "value" and where < len(lines) and ": " in lines[where]:
            lines[where] = lines[where].split(": ", 1)[0] + ": " + draw(_ODD_VALUES)
        elif change == "line":
            lines.insert(where, " " * draw(st.sampled_from([0, 2, 4, 6])) + draw(_ODD_LINES))
        elif where < len(lines):
            lines[where] = " " * draw(st.sampled_from([1, 2])) + lines[where]
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@given(_documents())
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example("a: >-\n  one\n  two\nb: |\n  three\n    four\n")
@example("a:\n- b: c\n  d: e\nf: g\n")
@example("- {article: a.txt, quote: 'It''s so.'}\n- [x, y]\n")
@example('a: [null, x-1, 2.5]\nb: {k: "null", e: "", n: null}\nc: []\nd: {x: "a: b, c"}\n')
def test_generated_documents_read_as_libyaml_reads_them_or_are_left_to_it(text: str) -> None:
    _assert_agrees(text)


def test_the_generated_documents_are_often_plain_enough_to_read() -> None:
    # The property above means little if the reader gave up on every generated document.
    read = []

    @given(_documents())
    @settings(max_examples=300, deadline=None, database=None)
    def count(text: str) -> None:
        read.append(_assert_agrees(text))

    count()
    assert 0.1 < sum(read) / len(read) < 0.9
