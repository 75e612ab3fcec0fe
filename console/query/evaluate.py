"""Compile a query into a fast predicate over alert documents.

The simulator runs a predicate over every stored alert (20,000 of them) on
each list request, so all the thinking happens once, here: field names are
resolved, constants lowered or expanded into sets of spellings, globs and
word searches compiled to regexes, AND/OR operands ordered by expected cost,
and the whole query becomes ONE generated Python function whose body is a
single boolean expression. Against nested closures (one call per clause per
document) that measured about 10% faster on the 2-core target machine, where
the rest of the cost is reading the documents themselves (see
tests/query/bench_query.py).

The generated source is built only from the fixed templates below and from
generated names (``_c0``, ``_c1`` ...) bound to values in the function's
globals; no text from the query is ever pasted into it.

Semantics worth knowing (see also ``matching``):

* A clause on an unknown field matches nothing (so ``NOT unknown: x`` matches
  everything); the linter warns about such fields.
* ``field != v`` is exactly ``NOT field: v`` for known fields, so it is true
  where the field is unset, and on a list it means "no element equals v".
* ``field: NULL`` is true when the field is missing, None, "" or empty.
* List-valued fields (owner, tags, teams ...) match if any element matches.
* ``priority > P3`` means *more urgent* than P3 (P1 or P2): P1 ranks highest.
* ``status:`` also takes ``acked`` (open and acknowledged), ``unacked`` (open
  and not acknowledged), ``snoozed`` (snoozed is true), ``resolved`` (closed).
* Ordering on ``tinyId`` and extra properties compares numerically and is
  false where the stored value is not a number.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from console.query.ast import And, Comparison, FreeText, MatchAll, Node, Not, Or, render_value
from console.query.errors import QuerySyntaxError
from console.query.fields import (
    FREE_TEXT_FIELDS,
    LIST_FIELDS,
    ORDERING_OPS,
    PRIORITY_RANK,
    PROPERTY_PREFIX,
    FieldKind,
    FieldSpec,
    allows_ordering,
    canonical_field,
    coerce_value,
    field_spec,
)
from console.query.matching import (
    Matcher,
    equality,
    is_glob,
    is_unset,
    keyword_matcher,
    spellings,
    text_matcher,
    to_number,
)
from console.query.parser import parse
from console.query.properties import PROPERTIES_KEY, other_value, property_clause

Doc = Mapping[str, Any]
Predicate = Callable[[Doc], bool]

# Python spelling of each (validated) query operator; never built from input.
_PY_OP = {":": "==", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
# A greater priority has a smaller rank number (P1 is highest), so flip.
_RANK_CMP: dict[str, Callable[[int, int], bool]] = {
    ":": operator.eq,
    ">": operator.lt,
    ">=": operator.le,
    "<": operator.gt,
    "<=": operator.ge,
}
_HELPERS: dict[str, Any] = {
    # Only what the templates use; nothing else is reachable from the code.
    "__builtins__": {"str": str, "list": list, "TypeError": TypeError},
    "_NUMERIC": (int, float),
    "_num": to_number,
    "_slow": other_value,
    "_unset": is_unset,
}


def compile_query(query: str | Node) -> Predicate:
    """A predicate that is true for the documents ``query`` matches.

    Text is parsed first (QuerySyntaxError if malformed); compiled text
    queries are cached, so calling this per request is cheap.
    """
    if isinstance(query, str):
        return _compile_text(query)
    return _compile_node(query)


@functools.lru_cache(maxsize=256)
def _compile_text(text: str) -> Predicate:
    return _compile_node(parse(text))


def _compile_node(node: Node) -> Predicate:
    fast = _Generator(safe=False)
    expr = fast.expr(node)
    if not fast.risky:
        return fast.function(expr)
    # The fast form hashes list items (set.isdisjoint), which raises TypeError
    # on an unhashable item; such a document is re-run through the safe form.
    safe = _Generator(safe=True)
    return fast.function(expr, fallback=safe.function(safe.expr(node)))


@dataclass(frozen=True, slots=True)
class _Expr:
    """A Python boolean expression (source), its rough per-document cost, and
    a guess at how often it is true; AND/OR use both to order their operands."""

    code: str
    cost: float
    chance: float = 0.5


_TRUE = _Expr("True", 0, 1.0)
_FALSE = _Expr("False", 0, 0.0)


class _Generator:
    """Turns a query tree into the source of one predicate function."""

    def __init__(self, *, safe: bool) -> None:
        self.safe = safe
        self.risky = False
        self.namespace: dict[str, Any] = dict(_HELPERS)

    def bind(self, value: object) -> str:
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def function(self, expr: _Expr, fallback: Predicate | None = None) -> Predicate:
        body = f"return {expr.code}"
        if fallback is not None:
            self.namespace["_fallback"] = fallback
            body = f"try:\n        {body}\n    except TypeError:\n        return _fallback(doc)"
        source = f"def _query(doc):\n    _g = doc.get\n    {body}\n"
        # Safe: the source is template text plus generated names (see module doc).
        exec(compile(source, "<query>", "exec"), self.namespace)  # noqa: S102
        predicate: Predicate = self.namespace["_query"]
        return predicate

    # -- structure ---------------------------------------------------------

    def expr(self, node: Node) -> _Expr:
        if isinstance(node, MatchAll):
            return _TRUE
        if isinstance(node, And):
            return _join([self.expr(child) for child in node.children], "and")
        if isinstance(node, Or):
            return _join([self.expr(child) for child in node.children], "or")
        if isinstance(node, Not):
            return _negate(self.expr(node.child))
        if isinstance(node, FreeText):
            matcher = text_matcher(node.value, node.quoted)
            return _join([self.match(key, matcher) for key in FREE_TEXT_FIELDS], "or")
        if isinstance(node, Comparison):
            return self.comparison(node)
        raise TypeError(f"Not a query node: {node!r}")

    def comparison(self, node: Comparison) -> _Expr:
        canonical = canonical_field(node.field)
        spec = field_spec(node.field)
        if canonical is None or spec is None:
            return _FALSE
        op = ":" if node.op == "=" else node.op
        if op not in _PY_OP and op != "!=":
            raise _invalid(node, f"Unknown operator '{node.op}'")
        if op in ORDERING_OPS and not allows_ordering(canonical):
            raise _invalid(node, f"'{op}' cannot compare '{canonical}'")
        value = node.value
        if value is None and op in ORDERING_OPS:
            raise _invalid(node, f"NULL cannot be compared with '{op}'")
        if value is not None:  # re-check: a tree may have been built by hand
            text = value if isinstance(value, str) else render_value(value)
            try:
                value = coerce_value(canonical, op, text, node.quoted)
            except ValueError as exc:
                raise _invalid(node, str(exc)) from None
        if op == "!=":
            return _negate(self.positive(canonical, spec, ":", value, node.quoted))
        return self.positive(canonical, spec, op, value, node.quoted)

    def positive(
        self, canonical: str, spec: FieldSpec, op: str, value: str | int | bool | None, quoted: bool
    ) -> _Expr:
        """A clause with a validated, typed value and an operator other than '!='."""
        if value is None:
            return self.null(canonical)
        if spec.kind is FieldKind.PROPERTY:
            clause = property_clause(canonical, op, str(value), quoted)
            return _Expr(f"{self.bind(clause)}(doc)", 8, 0.2)
        if isinstance(value, bool):
            return self.boolean(canonical, value)
        if isinstance(value, int):
            return _Expr(
                f"((_v := _g({self.bind(canonical)})).__class__ in _NUMERIC"
                f" and _v {_PY_OP[op]} {self.bind(value)})",
                2 if spec.kind is FieldKind.NUMBER else 3,
                0.05 if op == ":" else 0.5,
            )
        if spec.kind is FieldKind.STATUS and not is_glob(value, quoted):
            return self.status(value)
        if spec.kind is FieldKind.PRIORITY and not is_glob(value, quoted):
            return self.priority(op, value)
        if op in ORDERING_OPS:  # tinyId: numeric when the stored value is numeric
            return _Expr(
                f"((_v := _num(_g({self.bind(canonical)}))) is not None"
                f" and _v {_PY_OP[op]} {self.bind(float(value))})",
                3,
            )
        if spec.kind is FieldKind.TEXT:
            return self.match(canonical, text_matcher(value, quoted))
        return self.match(canonical, keyword_matcher(value, quoted))

    # -- leaves ------------------------------------------------------------

    def match(self, key: str, matcher: Matcher, chance: float = 0.1) -> _Expr:
        """A string (or list of strings) field tested with ``matcher``."""
        k, m = self.bind(key), self.bind(matcher)
        other = f"_v is not None and _slow(_v, {m})"
        listed = 1 if key in LIST_FIELDS else 0
        if matcher.variants is not None:
            s = self.bind(matcher.variants)
            if not self.safe:
                self.risky = True
                other = f"not {s}.isdisjoint(_v) if _v.__class__ is list else {other}"
            test, cost = f"_v in {s}", 2
        elif matcher.equals is not None:
            test, cost = f"_v.lower() == {self.bind(matcher.equals)}", 3
        else:
            lowered = "_v.lower()"
            checks = []
            if matcher.literal:
                checks.append(f"{self.bind(matcher.literal)} in (_l := _v.lower())")
                lowered = "_l"
            if matcher.search is not None:
                checks.append(f"{self.bind(matcher.search)}({lowered}) is not None")
            test, cost = " and ".join(checks) or "True", 5 + len(checks)
        code = f"({test} if (_v := _g({k})).__class__ is str else {other})"
        return _Expr(code, cost + listed, chance)

    def boolean(self, key: str, want: bool) -> _Expr:
        word = "true" if want else "false"
        return _Expr(
            f"((_v := _g({self.bind(key)})) is {want}"
            f" or _v.__class__ is str and _v.lower() == {word!r})",
            1,
        )

    def null(self, canonical: str) -> _Expr:
        if canonical.startswith(PROPERTY_PREFIX):
            clause = property_clause(canonical, ":", "", False, null=True)
            return _Expr(f"{self.bind(clause)}(doc)", 8, 0.3)
        if canonical in ("details.key", "details.value"):
            canonical = PROPERTIES_KEY  # "no properties at all"
        return _Expr(f"_unset(_g({self.bind(canonical)}))", 3, 0.3)

    def status(self, value: str) -> _Expr:
        if value == "snoozed":
            return _Expr(f"(_g({self.bind('snoozed')}) is True)", 1, 0.1)
        wanted = {"resolved": "closed", "acked": "open", "unacked": "open"}.get(value, value)
        is_status = self.match("status", equality(wanted), 0.5)
        if value in ("acked", "unacked"):
            acked = _Expr(f"(_g({self.bind('acknowledged')}) is True)", 1)
            return _join([acked if value == "acked" else _negate(acked), is_status], "and")
        return is_status

    def priority(self, op: str, value: str) -> _Expr:
        rank = PRIORITY_RANK[value]
        allowed: frozenset[str] = frozenset()
        for name, other in PRIORITY_RANK.items():
            if _RANK_CMP[op](other, rank):
                allowed |= spellings(name.lower()) or frozenset()
        chance = max(0.05, len(allowed) / (2 * len(PRIORITY_RANK)))
        return self.match("priority", Matcher(variants=allowed), chance)


def _invalid(node: Comparison, message: str) -> QuerySyntaxError:
    return QuerySyntaxError(message, node.position, len(node.raw) or 1)


def _negate(expr: _Expr) -> _Expr:
    if expr is _TRUE:
        return _FALSE
    if expr is _FALSE:
        return _TRUE
    return _Expr(f"(not {expr.code})", expr.cost, 1 - expr.chance)


def _join(items: list[_Expr], word: str) -> _Expr:
    """AND/OR of ``items`` with constant operands folded, in the order that
    minimises expected cost: for AND, ascending cost / chance of being false
    (cheap operands that usually fail go first); for OR, cost / chance of
    being true. This is the classic rule for independent short-circuit tests.
    """
    is_and = word == "and"
    absorbing, neutral = (_FALSE, _TRUE) if is_and else (_TRUE, _FALSE)
    if any(item is absorbing for item in items):
        return absorbing
    kept = [item for item in items if item is not neutral]
    if not kept:
        return neutral
    if len(kept) == 1:
        return kept[0]

    def decisive(item: _Expr) -> float:  # chance that this operand ends the chain
        return 1 - item.chance if is_and else item.chance

    kept.sort(key=lambda item: item.cost / max(decisive(item), 1e-3))
    cost, reach = 0.0, 1.0  # reach: chance the evaluation gets this far
    for item in kept:
        cost += reach * item.cost
        reach *= 1 - decisive(item)
    chance = reach if is_and else 1 - reach
    code = f" {word} ".join(item.code for item in kept)
    return _Expr(f"({code})", cost, chance)
