"""The JSM Ops (Opsgenie-style) alert search language. Pure: imports nothing of ours, no I/O.

Pure Python with no I/O, shared by the simulator (filtering alerts for
``GET /v1/alerts?query=...``) and the console (linting and completing the
query being typed).

Syntax, in brief: ``field: value`` (also ``field:value``, ``field = value``),
``!=``, ``<``, ``>``, ``<=``, ``>=``; ``AND``, ``OR``, ``NOT`` in any case,
with adjacent terms ANDed; parentheses; double-quoted phrases with ``\\"``
and ``\\\\`` escapes; ``*`` wildcards in unquoted values; ``NULL`` for "unset";
bare words and phrases search message, description, entity and alias.
Precedence: NOT, then AND, then OR. See ``parser``, ``matching`` and
``evaluate`` for the exact grammar and matching rules.

The evaluator takes one mapping per alert with the keys ``id``, ``tinyId``,
``alias``, ``message``, ``description``, ``entity``, ``source``, ``owner``
(list), ``status``, ``acknowledged``, ``snoozed``, ``seen``, ``priority``,
``count``, the epoch-ms dates ``createdAt``, ``updatedAt``,
``lastOccurredAt``, ``snoozedUntil``, ``ackTime``, ``closeTime``, the lists
``tags``, ``actions``, ``responders``, ``teams``, ``visibleTo``,
``acknowledgedBy``, ``closedBy``, the strings ``integration.name`` and
``integration.type``, and the map ``extraProperties``. Missing means unset.
"""

from __future__ import annotations

from console.query.ast import (
    And,
    Comparison,
    FreeText,
    MatchAll,
    Node,
    Not,
    Or,
    to_query,
)
from console.query.errors import QuerySyntaxError
from console.query.evaluate import Predicate, compile_query
from console.query.fields import (
    FIELDS,
    FieldKind,
    FieldSpec,
    canonical_field,
    field_names,
    field_spec,
)
from console.query.lint import QUERY_MAX, Diagnostic, complete, completion_start, lint
from console.query.parser import parse

__all__ = [
    "FIELDS",
    "QUERY_MAX",
    "And",
    "Comparison",
    "Diagnostic",
    "FieldKind",
    "FieldSpec",
    "FreeText",
    "MatchAll",
    "Node",
    "Not",
    "Or",
    "Predicate",
    "QuerySyntaxError",
    "canonical_field",
    "compile_query",
    "complete",
    "completion_start",
    "field_names",
    "field_spec",
    "lint",
    "parse",
    "to_query",
]
