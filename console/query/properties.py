"""Clauses on extra properties, and the slow path for odd document values.

Extra properties live in one map per alert (``extraProperties``), so these
clauses are small closures rather than generated code: they are rarer, and
the map lookup dominates their cost anyway. Keys are looked up exactly
first and then case-insensitively; values are matched like keyword fields
against ``str(value)`` (booleans as ``true``/``false``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from console.query.fields import ORDERING_OPS, PROPERTY_PREFIX
from console.query.matching import Matcher, as_text, is_unset, keyword_matcher, to_number

Doc = Mapping[str, Any]
PROPERTIES_KEY = "extraProperties"
_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_MISSING = object()


def other_value(value: Any, matcher: Matcher) -> bool:
    """A string test on a value that is not a plain string: any list element
    matches, a map never does, a scalar is matched as its text."""
    if isinstance(value, list | tuple | set | frozenset):
        return any(matcher(as_text(item)) for item in value if item is not None)
    if isinstance(value, Mapping):
        return False
    return matcher(as_text(value))


def _properties(doc: Doc) -> Mapping[Any, Any] | None:
    props = doc.get(PROPERTIES_KEY)
    return props if props and isinstance(props, Mapping) else None


def property_getter(key: str) -> Callable[[Doc], Any]:
    """Reads one extra property: exact key first, then case-insensitively."""
    folded = key.lower()

    def get(doc: Doc) -> Any:
        props = _properties(doc)
        if props is None:
            return None
        value = props.get(key, _MISSING)
        if value is not _MISSING:
            return value
        for name, candidate in props.items():
            if isinstance(name, str) and name.lower() == folded:
                return candidate
        return None

    return get


def _value_check(op: str, value: str, quoted: bool) -> Callable[[Any], bool]:
    if op in ORDERING_OPS:
        cmp, limit = _CMP[op], float(value)

        def ordered(candidate: Any) -> bool:
            number = to_number(candidate)
            return number is not None and cmp(number, limit)

        return ordered
    matcher = keyword_matcher(value, quoted)
    return lambda candidate: candidate is not None and matcher(as_text(candidate))


def property_clause(
    canonical: str, op: str, value: str, quoted: bool, *, null: bool = False
) -> Callable[[Doc], bool]:
    """``extraProperties.KEY op value``, ``details.key: K`` or ``details.value op V``.

    With ``null``, the clause is ``extraProperties.KEY: NULL`` (property
    missing, None or empty); ``op``/``value`` are then ignored.
    """
    if canonical in ("details.key", "details.value"):
        check = _value_check(op, value, quoted)
        want_keys = canonical == "details.key"

        def some_property(doc: Doc) -> bool:
            props = _properties(doc)
            if props is None:
                return False
            return any(map(check, props.keys() if want_keys else props.values()))

        return some_property
    get = property_getter(canonical[len(PROPERTY_PREFIX) :])
    if null:
        return lambda doc: is_unset(get(doc))
    check = _value_check(op, value, quoted)
    return lambda doc: check(get(doc))
