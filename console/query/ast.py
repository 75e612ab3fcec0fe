"""The parsed form of a query, and the way back to text.

Nodes are frozen dataclasses so that a parsed query can be cached, compared
and shared between threads. ``position`` is where the node started in the
source text; it is excluded from equality so that two queries that mean the
same thing compare equal however they were spaced.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from console.query.tokens import KEYWORDS

Value = str | int | bool | None


@dataclass(frozen=True)
class Node:
    """Base of every query node."""


@dataclass(frozen=True)
class MatchAll(Node):
    """The empty query: every alert matches."""


@dataclass(frozen=True)
class And(Node):
    """All children must match (explicit ``AND`` or adjacent terms)."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    """At least one child must match."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    """The child must not match."""

    child: Node


@dataclass(frozen=True)
class Comparison(Node):
    """``field op value``.

    ``field`` is the canonical field name (see ``fields.canonical_field``), or
    the name exactly as written when it is not a known field. ``op`` is one of
    ``:`` (``=`` is normalised to it), ``!=``, ``<``, ``>``, ``<=``, ``>=``.
    ``value`` is typed by the field: ``int`` for numbers and dates (epoch ms),
    ``bool`` for booleans, ``None`` for an unquoted ``NULL``, else ``str``.
    ``raw`` is the value's source text (quotes included) and ``quoted`` says
    whether it was a quoted phrase, which turns off ``*`` wildcards.
    """

    field: str
    op: str
    value: Value
    raw: str = ""
    quoted: bool = False
    position: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class FreeText(Node):
    """A bare word or phrase; searches message, description, entity and alias."""

    value: str
    quoted: bool = False
    position: int = dataclasses.field(default=0, compare=False)


# Binding strength, used to decide where to_query needs parentheses.
_OR, _AND, _NOT, _ATOM = 1, 2, 3, 4
_NEEDS_QUOTES = frozenset(' \t\r\n\f\v"()')
_OP_CHARS = frozenset(":=<>")


def _level(node: Node) -> int:
    if isinstance(node, Or):
        return _OR if len(node.children) > 1 else _level(node.children[0])
    if isinstance(node, And):
        return _AND if len(node.children) > 1 else _level(node.children[0])
    if isinstance(node, Not):
        return _NOT
    return _ATOM


def quote(text: str) -> str:
    """``text`` as a double-quoted phrase, escaping backslashes and quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bare_ok(text: str, *, in_value: bool) -> bool:
    """Whether ``text`` survives re-lexing as one unquoted word with no special meaning."""
    if not text or any(c in _NEEDS_QUOTES or c.isspace() for c in text):
        return False
    if text.upper() in KEYWORDS or (in_value and text.upper() == "NULL"):
        return False
    if text[0] in _OP_CHARS or text.startswith("!="):
        return False
    return in_value or not (any(c in _OP_CHARS for c in text) or "!=" in text)


def _render_text(text: str, quoted: bool, *, in_value: bool) -> str:
    if quoted:
        return quote(text)
    if _bare_ok(text, in_value=in_value):
        return text
    if "*" in text:
        raise ValueError(f"The wildcard value {text!r} cannot be written without quotes")
    raise ValueError(f"The unquoted value {text!r} cannot be written without quotes")


def render_value(value: Value, quoted: bool = False) -> str:
    """A Comparison value as query text."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _render_text(value, quoted, in_value=True)


def _render(node: Node, min_level: int) -> str:
    text = _render_inner(node)
    return f"({text})" if _level(node) < min_level else text


def _render_inner(node: Node) -> str:
    if isinstance(node, Or | And):
        if not node.children:
            raise ValueError(f"An empty {type(node).__name__} cannot be written as a query")
        sep, level = (" OR ", _OR) if isinstance(node, Or) else (" AND ", _AND)
        return sep.join(_render(child, level) for child in node.children)
    if isinstance(node, Not):
        return "NOT " + _render(node.child, _NOT)
    if isinstance(node, Comparison):
        sep = ": " if node.op == ":" else f" {node.op} "
        return node.field + sep + render_value(node.value, node.quoted)
    if isinstance(node, FreeText):
        return _render_text(node.value, node.quoted, in_value=False)
    if isinstance(node, MatchAll):
        raise ValueError("MatchAll can only be a whole query, not part of one")
    raise TypeError(f"Not a query node: {node!r}")


def to_query(node: Node) -> str:
    """Query text that parses back to a query with the same meaning as ``node``.

    Parentheses are added only where precedence needs them (NOT binds tighter
    than AND, which binds tighter than OR). Raises ValueError for a tree the
    syntax cannot express, e.g. an unquoted value containing a space.
    """
    if isinstance(node, MatchAll):
        return ""
    return _render_inner(node)
