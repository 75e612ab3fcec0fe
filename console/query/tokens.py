"""Split query text into tokens, remembering where each one came from.

The lexer is slightly context sensitive: the token right after an operator is
a *value*, and a value may contain ``:``, ``=``, ``<`` and ``>`` so that an
unquoted ISO date-time (``createdAt > 2024-01-05T07:00:00Z``) or a value such
as ``a:b`` stays one token. Everywhere else those characters end a word.

Words stop at whitespace, double quotes and parentheses. A ``!`` is part of a
word unless it starts ``!=``. Inside double quotes a backslash makes the next
character literal (so ``\\"`` and ``\\\\`` are a quote and a backslash).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.query.errors import QuerySyntaxError

KEYWORDS = frozenset({"AND", "OR", "NOT"})
# Longest first, so ">=" wins over ">".
OPERATORS: tuple[str, ...] = (">=", "<=", "!=", ":", "=", "<", ">")
_WORD_END = frozenset('"()')
_OP_CHARS = frozenset(":=<>")


class TokenKind(enum.Enum):
    WORD = "word"
    PHRASE = "quoted phrase"
    OP = "operator"
    LPAREN = "'('"
    RPAREN = "')'"
    EOF = "end of query"


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit.

    ``text`` is the exact source slice (quotes included for a phrase) and
    ``value`` the meaning: the unescaped content of a phrase, else ``text``.
    ``closed`` is False only for an unterminated phrase in lenient mode.
    """

    kind: TokenKind
    text: str
    value: str
    position: int
    closed: bool = True

    @property
    def length(self) -> int:
        return max(1, len(self.text))

    @property
    def end(self) -> int:
        return self.position + len(self.text)

    @property
    def keyword(self) -> str | None:
        """``AND``/``OR``/``NOT`` (upper case) if this is a bare keyword word."""
        if self.kind is TokenKind.WORD:
            upper = self.text.upper()
            if upper in KEYWORDS:
                return upper
        return None

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind is TokenKind.EOF:
            return "the end of the query"
        return f"'{self.text}'"


def _match_operator(text: str, i: int) -> str | None:
    for op in OPERATORS:
        if text.startswith(op, i):
            return op
    return None


def _read_phrase(text: str, start: int, lenient: bool) -> Token:
    n = len(text)
    j = start + 1
    chars: list[str] = []
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n:
            chars.append(text[j + 1])
            j += 2
        elif c == '"':
            return Token(TokenKind.PHRASE, text[start : j + 1], "".join(chars), start)
        else:
            chars.append(c)
            j += 1
    if not lenient:
        raise QuerySyntaxError("Unterminated quoted phrase", start, n - start, text)
    return Token(TokenKind.PHRASE, text[start:], "".join(chars), start, closed=False)


def _word_end(text: str, i: int, value_mode: bool) -> int:
    n = len(text)
    j = i
    while j < n:
        c = text[j]
        if c.isspace() or c in _WORD_END:
            break
        if not value_mode and (c in _OP_CHARS or (c == "!" and text.startswith("!=", j))):
            break
        j += 1
    return j


def tokenize(text: str, *, lenient: bool = False) -> list[Token]:
    """The tokens of ``text``, always ending with an EOF token at ``len(text)``.

    Raises QuerySyntaxError for an unterminated phrase unless ``lenient``
    (used by completion, which must cope with half-typed text).
    """
    tokens: list[Token] = []
    n = len(text)
    i = 0
    after_op = False
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        ch = text[i]
        op = _match_operator(text, i)
        if ch == "(":
            tok = Token(TokenKind.LPAREN, ch, ch, i)
        elif ch == ")":
            tok = Token(TokenKind.RPAREN, ch, ch, i)
        elif ch == '"':
            tok = _read_phrase(text, i, lenient)
        elif op is not None:
            tok = Token(TokenKind.OP, op, op, i)
        else:
            j = _word_end(text, i, after_op)
            tok = Token(TokenKind.WORD, text[i:j], text[i:j], i)
        tokens.append(tok)
        i = tok.end
        after_op = tok.kind is TokenKind.OP
    tokens.append(Token(TokenKind.EOF, "", "", n))
    return tokens
