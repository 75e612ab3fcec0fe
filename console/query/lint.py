"""Feedback for a query being typed: diagnostics and completions.

Never raises: the console calls these on every keystroke with half-written
text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from console.query.ast import And, Comparison, FreeText, Node, Not, Or
from console.query.errors import QuerySyntaxError
from console.query.fields import canonical_field, field_names, field_spec
from console.query.parser import parse
from console.query.tokens import Token, TokenKind, tokenize

Severity = Literal["error", "warning"]

# The longest query the service takes (the simulator's limit; real services cap URL lengths).
QUERY_MAX = 2048


@dataclass(frozen=True)
class Diagnostic:
    """One problem, with the 0-based span of text it is about."""

    severity: Severity
    message: str
    position: int
    length: int


def _leaves(node: Node) -> Iterator[Comparison | FreeText]:
    if isinstance(node, Comparison | FreeText):
        yield node
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _leaves(child)
    elif isinstance(node, Not):
        yield from _leaves(node.child)


def _suggestion(name: str) -> str | None:
    names = {n.lower(): n for n in field_names()}
    close = difflib.get_close_matches(name.lower(), list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


def _warning(leaf: Comparison | FreeText) -> Diagnostic | None:
    if isinstance(leaf, FreeText):
        # Lucene habit: "-word" excludes there, but here it searches for "word".
        if leaf.quoted or len(leaf.value) < 2 or not leaf.value.startswith("-"):
            return None
        message = f"'{leaf.value}' searches for the text; to exclude it write NOT {leaf.value[1:]}"
        return Diagnostic("warning", message, leaf.position, len(leaf.value))
    if canonical_field(leaf.field) is not None:
        return None
    message = f"Unknown field '{leaf.field}' matches nothing"
    if leaf.field.startswith("-") and canonical_field(leaf.field[1:]) is not None:
        message += f"; to exclude, write NOT {leaf.field[1:]}{leaf.op}"
    elif (suggestion := _suggestion(leaf.field)) is not None:
        message += f"; did you mean '{suggestion}'?"
    return Diagnostic("warning", message, leaf.position, len(leaf.field))


def lint(text: str) -> list[Diagnostic]:
    """Diagnostics for ``text``, by position.

    A syntax error yields exactly one "error" (nothing after it can be
    trusted). Otherwise there is a "warning" for each clause on an unknown
    field, since it silently matches nothing, and for a bare ``-word``, which
    searches for the word rather than excluding it.
    """
    if len(text) > QUERY_MAX:
        return [
            Diagnostic(
                "error",
                f"The query is {len(text):,} characters; the service takes at most {QUERY_MAX:,}",
                QUERY_MAX,
                len(text) - QUERY_MAX,
            )
        ]
    try:
        node = parse(text)
    except QuerySyntaxError as exc:
        return [Diagnostic("error", exc.message, exc.position, exc.length)]
    warnings = [w for leaf in _leaves(node) if (w := _warning(leaf)) is not None]
    return sorted(warnings, key=lambda d: d.position)


KEYWORD_COMPLETIONS: tuple[str, ...] = ("AND", "OR", "NOT")
PROPERTY_PREFIXES: tuple[str, ...] = ("details.", "extraProperties.")


def _context(text: str, cursor: int) -> tuple[str, list[Token]] | None:
    """The fragment being typed and the tokens before it; None inside quotes."""
    cursor = max(0, min(cursor, len(text)))
    tokens = tokenize(text[:cursor], lenient=True)[:-1]
    if tokens and tokens[-1].end == cursor:
        last = tokens[-1]
        if last.kind is TokenKind.PHRASE:
            return None
        if last.kind is TokenKind.WORD:
            return last.text, tokens[:-1]
    return "", tokens


def completion_start(text: str, cursor: int) -> int:
    """Where the fragment that ``complete`` completes begins (the text a
    chosen completion replaces is ``text[completion_start(...):cursor]``)."""
    cursor = max(0, min(cursor, len(text)))
    context = _context(text, cursor)
    return cursor - len(context[0]) if context else cursor


def _term_candidates(before: list[Token]) -> list[str]:
    previous = before[-1] if before else None
    after_term = previous is not None and (
        previous.kind in (TokenKind.PHRASE, TokenKind.RPAREN)
        or (previous.kind is TokenKind.WORD and previous.keyword is None)
    )
    candidates = [f"{name}: " for name in field_names()]
    candidates += PROPERTY_PREFIXES
    candidates += KEYWORD_COMPLETIONS if after_term else ("NOT",)
    return candidates


def complete(text: str, cursor: int) -> list[str]:
    """Completions for the word before ``cursor``, sorted, matched by prefix
    case-insensitively.

    In a term position these are field names (with a trailing ": "), the
    ``details.``/``extraProperties.`` prefixes and the keywords that fit
    (AND/OR only after a term). Right after ``field:`` (or another operator)
    they are the field's known values: status words, P1..P5, true/false.
    """
    context = _context(text, cursor)
    if context is None:
        return []
    fragment, before = context
    if before and before[-1].kind is TokenKind.OP:
        name = before[-2] if len(before) > 1 else None
        spec = field_spec(name.text) if name and name.kind is TokenKind.WORD else None
        candidates = list(spec.values) if spec else []
    else:
        candidates = _term_candidates(before)
    folded = fragment.lower()
    matches = {c for c in candidates if c.lower().startswith(folded)}
    return sorted(matches, key=lambda c: (c.lower(), c))
