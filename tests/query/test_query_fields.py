"""The field catalogue and name resolution."""

from __future__ import annotations

import pytest

from console.query import FIELDS, FieldKind, FieldSpec, canonical_field, field_names, field_spec
from console.query.fields import PROPERTY_FIELD


def test_every_documented_field_is_known() -> None:
    expected = {
        "message", "description", "entity", "alias", "source", "owner", "status", "priority",
        "tinyId", "id", "count", "acknowledged", "snoozed", "seen", "tags", "actions",
        "responders", "teams", "visibleTo", "integration.name", "integration.type",
        "acknowledgedBy", "closedBy", "createdAt", "updatedAt", "lastOccurredAt", "snoozedUntil",
        "ackTime", "closeTime", "details.key", "details.value",
    }  # fmt: skip
    assert set(FIELDS) == expected
    assert all(isinstance(spec, FieldSpec) and spec.description for spec in FIELDS.values())


def test_suggested_values() -> None:
    assert FIELDS["status"].values == ("open", "closed", "acked", "unacked", "snoozed", "resolved")
    assert FIELDS["priority"].values == ("P1", "P2", "P3", "P4", "P5")
    assert FIELDS["acknowledged"].values == ("true", "false")
    assert FIELDS["createdAt"].kind is FieldKind.DATE


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("message", "message"),
        ("MESSAGE", "message"),
        ("tag", "tags"),
        ("Tags", "tags"),
        ("alertId", "id"),
        ("alertid", "id"),
        ("isSeen", "seen"),
        ("integrationName", "integration.name"),
        ("INTEGRATION.TYPE", "integration.type"),
        ("lastOccuredAt", "lastOccurredAt"),
        ("details.x", "extraProperties.x"),
        ("extraProperties.a.b.c", "extraProperties.a.b.c"),
        ("EXTRAPROPERTIES.Key", "extraProperties.Key"),
        ("details.key", "details.key"),
        ("details.Value", "details.value"),
        ("extraProperties.key", "extraProperties.key"),
        ("details.", None),
        ("details", None),
        ("extraProperties", None),
        ("nope", None),
        ("", None),
    ],
)
def test_canonical_field(name: str, canonical: str | None) -> None:
    assert canonical_field(name) == canonical


def test_field_spec() -> None:
    assert field_spec("tag") is FIELDS["tags"]
    assert field_spec("details.env") is PROPERTY_FIELD
    assert field_spec("nope") is None


def test_field_names_are_sorted_and_hide_misspellings() -> None:
    names = field_names()
    assert names == tuple(sorted(names, key=lambda n: (n.lower(), n)))
    assert {"tag", "tags", "alertId", "isSeen", "integrationName"} <= set(names)
    assert "lastOccuredAt" not in names
