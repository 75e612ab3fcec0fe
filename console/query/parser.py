"""Recursive-descent parser for the JSM/Opsgenie alert search syntax.

Grammar (keywords are case-insensitive)::

    query      := <empty> | or_expr
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := unary (["AND"] unary)*        -- adjacent terms are ANDed
    unary      := "NOT" unary | primary
    primary    := "(" or_expr ")" | WORD OP value | WORD | PHRASE
    OP         := ":" | "=" | "!=" | "<" | ">" | "<=" | ">="
    value      := WORD | PHRASE                  -- a bare AND/OR/NOT is not a value

So NOT binds tightest, then AND, then OR. Values are checked against the
field here (``count > abc`` is a syntax error pointing at ``abc``) so that a
bad query is rejected before any alert is looked at, the way the service
answers HTTP 400.
"""

from __future__ import annotations

from console.query.ast import And, Comparison, FreeText, MatchAll, Node, Not, Or
from console.query.errors import QuerySyntaxError
from console.query.fields import ORDERING_OPS, allows_ordering, canonical_field, coerce_value
from console.query.tokens import Token, TokenKind, tokenize

MAX_DEPTH = 100
"""Deepest nesting of parentheses and NOTs accepted; deeper text is an error
rather than a RecursionError in the parser or evaluator."""

_TERM_START = (TokenKind.WORD, TokenKind.PHRASE, TokenKind.LPAREN)


def parse(text: str) -> Node:
    """The query tree for ``text``; empty or blank text is MatchAll().

    Raises QuerySyntaxError (with the 0-based span of the bad token) for
    anything malformed.
    """
    return _Parser(text).parse()


def _join(cls: type[And] | type[Or], items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for item in items:
        flat.extend(item.children if isinstance(item, cls) else (item,))
    return cls(tuple(flat))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.EOF:
            self.index += 1
        return token

    def error(self, message: str, token: Token, length: int | None = None) -> QuerySyntaxError:
        span = token.length if length is None else length
        return QuerySyntaxError(message, token.position, span, self.text)

    def parse(self) -> Node:
        if self.peek().kind is TokenKind.EOF:
            return MatchAll()
        node = self.or_expr(None)
        token = self.peek()
        if token.kind is not TokenKind.EOF:
            raise self.unexpected(token)
        return node

    def or_expr(self, before: Token | None) -> Node:
        items = [self.and_expr(before)]
        while self.peek().keyword == "OR":
            items.append(self.and_expr(self.advance()))
        return _join(Or, items)

    def and_expr(self, before: Token | None) -> Node:
        items = [self.unary(before)]
        while True:
            token = self.peek()
            keyword = token.keyword
            if keyword == "AND":
                items.append(self.unary(self.advance()))
            elif keyword == "NOT" or (keyword is None and token.kind in _TERM_START):
                items.append(self.unary(None))
            else:
                return _join(And, items)

    def unary(self, before: Token | None) -> Node:
        token = self.peek()
        if token.keyword != "NOT":
            return self.primary(before)
        self.advance()
        self.enter(token)
        child = self.unary(token)
        self.depth -= 1
        return Not(child)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"Query nested more than {MAX_DEPTH} levels deep", token)

    def primary(self, before: Token | None) -> Node:
        token = self.peek()
        if token.kind is TokenKind.LPAREN:
            return self.group(self.advance())
        if token.kind is TokenKind.WORD and token.keyword is None:
            self.advance()
            if self.peek().kind is TokenKind.OP:
                return self.comparison(token, self.advance())
            return FreeText(token.value, False, token.position)
        if token.kind is TokenKind.PHRASE:
            self.advance()
            return FreeText(token.value, True, token.position)
        raise self.missing_term(token, before)

    def group(self, opening: Token) -> Node:
        token = self.peek()
        if token.kind is TokenKind.RPAREN:
            raise self.error("Empty parentheses", opening, token.end - opening.position)
        self.enter(opening)
        node = self.or_expr(opening)
        self.depth -= 1
        closing = self.peek()
        if closing.kind is TokenKind.RPAREN:
            self.advance()
            return node
        if closing.kind is TokenKind.EOF:
            raise self.error("Unclosed '('", opening)
        raise self.unexpected(closing)

    def comparison(self, name: Token, op_token: Token) -> Node:
        token = self.peek()
        if token.kind not in (TokenKind.WORD, TokenKind.PHRASE) or token.keyword:
            found = "" if token.kind is TokenKind.EOF else f", found {token.describe()}"
            hint = " (quote it to search for the word)" if token.keyword else ""
            raise self.error(
                f"Expected a value after '{name.text}{op_token.text}'{found}{hint}", token
            )
        self.advance()
        op = ":" if op_token.text == "=" else op_token.text
        canonical = canonical_field(name.text)
        if op in ORDERING_OPS and canonical is not None and not allows_ordering(canonical):
            raise self.error(
                f"'{op}' compares numbers, dates and priorities; '{name.text}' is not one",
                op_token,
            )
        quoted = token.kind is TokenKind.PHRASE
        try:
            value = coerce_value(canonical, op, token.value, quoted)
        except ValueError as exc:
            raise self.error(str(exc), token) from None
        field = canonical if canonical is not None else name.text
        return Comparison(field, op, value, token.text, quoted, name.position)

    def missing_term(self, token: Token, before: Token | None) -> QuerySyntaxError:
        """The error for a place where a term was required but ``token`` came."""
        if token.kind is TokenKind.OP:
            return self.error(f"Expected a field name before '{token.text}'", token)
        after = f"'{before.text}'" if before is not None else "the start"
        if token.kind is TokenKind.EOF:
            return self.error(f"Expected a term after {after}", token)
        if token.keyword is not None and (before is None or before.kind is TokenKind.LPAREN):
            return self.error(f"Expected a term before '{token.text}'", token)
        if token.kind is TokenKind.RPAREN and before is None:
            return self.error("Unmatched ')'", token)
        return self.error(f"Expected a term after {after}, found {token.describe()}", token)

    def unexpected(self, token: Token) -> QuerySyntaxError:
        """The error for a token left over where an expression could have ended."""
        if token.kind is TokenKind.RPAREN:
            return self.error("Unmatched ')'", token)
        if token.kind is TokenKind.OP:
            return self.error(f"Expected a field name before '{token.text}'", token)
        return self.error(f"Unexpected {token.describe()}", token)  # pragma: no cover
