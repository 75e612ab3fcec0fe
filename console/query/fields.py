"""The fields a query may name, and how a value for each is read.

Field names follow Opsgenie's spelling, which is case-sensitive there; here a
case-insensitive match of a known name (or alias) is accepted too, because a
console user should not get "no results" for typing ``Status:open``.

Extra properties are addressed as ``details.KEY`` or ``extraProperties.KEY``
(canonical form ``extraProperties.KEY``; KEY keeps its case and may contain
dots). ``details.key`` and ``details.value`` are special: "some property has
this key" and "some property has this value"; ``extraProperties.key`` is the
property literally named ``key``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from console.query.ast import Value


class FieldKind(enum.StrEnum):
    TEXT = "text"  # tokenised, word/phrase/wildcard matching
    KEYWORD = "keyword"  # whole-value equality or wildcard
    NUMBER = "number"
    DATE = "date"  # epoch milliseconds
    BOOLEAN = "boolean"
    STATUS = "status"
    PRIORITY = "priority"
    PROPERTY = "property"  # extra properties (keyword matching on str(value))


@dataclass(frozen=True)
class FieldSpec:
    """A searchable field: canonical name, kind, other accepted spellings,
    a one-line description and the values worth suggesting."""

    name: str
    kind: FieldKind
    aliases: tuple[str, ...] = ()
    description: str = ""
    values: tuple[str, ...] = ()


STATUS_VALUES: tuple[str, ...] = ("open", "closed", "acked", "unacked", "snoozed", "resolved")
PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P5")
PRIORITY_RANK: Mapping[str, int] = MappingProxyType({p: i + 1 for i, p in enumerate(PRIORITIES)})
BOOLEANS: tuple[str, ...] = ("true", "false")
FREE_TEXT_FIELDS: tuple[str, ...] = ("message", "description", "entity", "alias")
LIST_FIELDS = frozenset(
    {"owner", "acknowledgedBy", "closedBy", "tags", "actions", "responders", "teams", "visibleTo"}
)
"""Fields the alert document holds as lists of strings (any element may match)."""
PROPERTY_PREFIX = "extraProperties."

_T, _K, _N, _D, _B = (
    FieldKind.TEXT,
    FieldKind.KEYWORD,
    FieldKind.NUMBER,
    FieldKind.DATE,
    FieldKind.BOOLEAN,
)
_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("message", _T, (), "The alert's one-line message"),
    FieldSpec("description", _T, (), "The alert's longer description"),
    FieldSpec("entity", _T, (), "The entity (host, service) the alert is about"),
    FieldSpec("alias", _T, (), "The de-duplication key"),
    FieldSpec("source", _T, (), "Where the alert came from"),
    FieldSpec("owner", _T, (), "Owner's name, account id or email; NULL for none"),
    FieldSpec(
        "status",
        FieldKind.STATUS,
        (),
        "open, closed; also acked, unacked, snoozed, resolved",
        STATUS_VALUES,
    ),
    FieldSpec(
        "priority",
        FieldKind.PRIORITY,
        (),
        "P1 (most urgent) to P5; 'priority > P3' means P1 or P2",
        PRIORITIES,
    ),
    FieldSpec("tinyId", _K, (), "The short, reused alert number"),
    FieldSpec("id", _K, ("alertId",), "The full alert id"),
    FieldSpec("count", _N, (), "How many times the alert occurred"),
    FieldSpec("acknowledged", _B, (), "Whether the alert is acknowledged", BOOLEANS),
    FieldSpec("snoozed", _B, (), "Whether the alert is snoozed", BOOLEANS),
    FieldSpec("seen", _B, ("isSeen",), "Whether someone has seen the alert", BOOLEANS),
    FieldSpec("tags", _K, ("tag",), "A tag of the alert"),
    FieldSpec("actions", _K, (), "A custom action of the alert"),
    FieldSpec("responders", _K, (), "A responder's id or name"),
    FieldSpec("teams", _K, (), "A responding team's id or name"),
    FieldSpec("visibleTo", _K, (), "A team or user the alert is visible to"),
    FieldSpec("integration.name", _T, ("integrationName",), "Name of the creating integration"),
    FieldSpec("integration.type", _T, ("integrationType",), "Type of the creating integration"),
    FieldSpec("acknowledgedBy", _T, (), "Who acknowledged the alert"),
    FieldSpec("closedBy", _T, (), "Who closed the alert"),
    FieldSpec("createdAt", _D, (), "Creation time (epoch ms or ISO-8601)"),
    FieldSpec("updatedAt", _D, (), "Last update time (epoch ms or ISO-8601)"),
    FieldSpec("lastOccurredAt", _D, (), "Last occurrence time (epoch ms or ISO-8601)"),
    FieldSpec("snoozedUntil", _D, (), "End of the snooze (epoch ms or ISO-8601)"),
    FieldSpec("ackTime", _D, (), "Acknowledgement time (epoch ms or ISO-8601)"),
    FieldSpec("closeTime", _D, (), "Close time (epoch ms or ISO-8601)"),
    FieldSpec("details.key", FieldKind.PROPERTY, (), "Some extra property has this key"),
    FieldSpec("details.value", FieldKind.PROPERTY, (), "Some extra property has this value"),
)

FIELDS: Mapping[str, FieldSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
"""Known fields by canonical name (extra properties are not listed: see PROPERTY_FIELD)."""

PROPERTY_FIELD = FieldSpec(
    "extraProperties", FieldKind.PROPERTY, ("details",), "An extra property: details.KEY"
)
"""The spec shared by every ``extraProperties.KEY`` field."""

# Accepted but never suggested: a common misspelling seen in the wild.
_TOLERATED = {"lastOccuredAt": "lastOccurredAt"}
_EXACT: dict[str, str] = {**_TOLERATED}
for _spec in _SPECS:
    _EXACT[_spec.name] = _spec.name
    for _alias in _spec.aliases:
        _EXACT[_alias] = _spec.name
_FOLDED: dict[str, str] = {name.lower(): canonical for name, canonical in _EXACT.items()}
_PROPERTY_HEADS = frozenset({"details", "extraproperties"})


def canonical_field(name: str) -> str | None:
    """The canonical name for ``name``, or None if it is not a known field.

    Resolves aliases (``alertId`` -> ``id``, ``tag`` -> ``tags``), case
    differences, and ``details.KEY`` -> ``extraProperties.KEY``.
    """
    canonical = _EXACT.get(name) or _FOLDED.get(name.lower())
    if canonical is not None:
        return canonical
    head, dot, key = name.partition(".")
    if dot and key and head.lower() in _PROPERTY_HEADS:
        return PROPERTY_PREFIX + key
    return None


def field_spec(name: str) -> FieldSpec | None:
    """The spec of a field given any accepted spelling, or None if unknown."""
    canonical = canonical_field(name)
    if canonical is None:
        return None
    if canonical.startswith(PROPERTY_PREFIX):
        return PROPERTY_FIELD
    return FIELDS[canonical]


def field_names() -> tuple[str, ...]:
    """Every name worth suggesting: canonical names and documented aliases."""
    names = set(FIELDS)
    for spec in _SPECS:
        names.update(spec.aliases)
    return tuple(sorted(names, key=lambda n: (n.lower(), n)))


def allows_ordering(canonical: str) -> bool:
    """Whether ``<``, ``>``, ``<=`` and ``>=`` make sense on this field."""
    spec = field_spec(canonical)
    if spec is None:
        return True  # unknown: matches nothing anyway, so do not nag twice
    if spec.kind in (FieldKind.NUMBER, FieldKind.DATE, FieldKind.PRIORITY):
        return True
    return canonical in ("tinyId", "details.value") or canonical.startswith(PROPERTY_PREFIX)


ORDERING_OPS = frozenset({"<", ">", "<=", ">="})
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def parse_iso_ms(text: str) -> int | None:
    """An ISO-8601 date or date-time as epoch ms (naive means UTC), else None."""
    if not text[:4].isascii() or not text[:4].isdigit():
        return None
    try:
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        # Integer arithmetic: timestamp() * 1000 can land a millisecond short.
        return (dt - _EPOCH) // timedelta(milliseconds=1)
    except (ValueError, OverflowError):
        return None


def _integer(text: str) -> int | None:
    """``text`` as an integer if it is one plain ASCII integer of sane length."""
    return int(text) if len(text) <= 30 and _INT.fullmatch(text) else None


def is_number(text: str) -> bool:
    return len(text) <= 400 and _DECIMAL.fullmatch(text) is not None


def coerce_value(canonical: str | None, op: str, text: str, quoted: bool) -> Value:
    """The typed value of ``text`` for a clause on ``canonical`` (None = unknown field).

    Raises ValueError with a user-facing message when the value cannot mean
    anything for the field (``count: abc``, ``acknowledged: maybe``).
    """
    label = canonical or "this field"
    if not quoted and text.upper() == "NULL":
        if op in ORDERING_OPS:
            raise ValueError(f"NULL cannot be compared with '{op}'")
        return None
    spec = field_spec(canonical) if canonical else None
    if spec is None:
        return text
    kind = spec.kind
    glob = not quoted and "*" in text
    number = _integer(text)
    if kind is FieldKind.NUMBER:
        if number is not None:
            return number
        raise ValueError(f"Expected a whole number for '{label}', found '{text}'")
    if kind is FieldKind.DATE:
        ms = number if number is not None else parse_iso_ms(text)
        if ms is None:
            raise ValueError(
                f"Expected epoch milliseconds or an ISO-8601 date-time for '{label}', "
                f"found '{text}'"
            )
        return ms
    if kind is FieldKind.BOOLEAN:
        folded = text.lower()
        if folded in BOOLEANS:
            return folded == "true"
        raise ValueError(f"Expected true or false for '{label}', found '{text}'")
    if kind is FieldKind.STATUS and not glob:
        if text.lower() in STATUS_VALUES:
            return text.lower()
        raise ValueError(f"Expected one of {', '.join(STATUS_VALUES)} for 'status', found '{text}'")
    if kind is FieldKind.PRIORITY and not (glob and op not in ORDERING_OPS):
        if text.upper() in PRIORITY_RANK:
            return text.upper()
        raise ValueError(f"Expected a priority P1 to P5, found '{text}'")
    ordered = op in ORDERING_OPS and kind in (FieldKind.KEYWORD, FieldKind.PROPERTY)
    if ordered and not is_number(text):
        raise ValueError(f"Expected a number to compare '{label}' with, found '{text}'")
    return text
