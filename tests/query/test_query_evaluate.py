"""Matching semantics of compiled queries, field kind by field kind."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from console.query import Comparison, FreeText, Not, QuerySyntaxError, compile_query


def matches(query: str, doc: dict[str, Any]) -> bool:
    return compile_query(query)(doc)


def check(query: str, doc: dict[str, Any], expected: bool) -> None:
    assert matches(query, doc) is expected, query


# -- text fields ----------------------------------------------------------------

MSG = {"message": "Disk full on DB-01.eu_west (Redis-server)"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("message: disk", True),
        ("message: DISK", True),
        ("message: full", True),
        ("message: dis", False),  # words, not substrings
        ("message: redis", True),
        ("message: server", True),
        ("message: west", True),  # "_" separates tokens
        ("message: db-01", True),  # several tokens, contiguous
        ("message: db.01", True),  # separators need not be the same
        ("message: 01-db", False),
        ("message: eu_west", True),
        ('message: "disk full"', True),
        ('message: "full disk"', False),
        ('message: "disk on"', False),  # not contiguous
        ('message: "full on db"', True),
        ('message: "k full o"', True),  # a substring of the field
        ('message: "Disk"', True),
        ('message: "dis"', False),  # a one-word phrase is a word
        ("message: *redis*", True),
        ("message: *REDIS*", True),
        ("message: redis*", True),  # a token starts with redis
        ("message: *server", True),  # the token "server"
        ("message: disk*", True),  # the whole value starts with disk
        ("message: full*", True),  # the token "full"
        ("message: ful*", True),
        ("message: *ul", False),
        ("message: d*k", True),  # the token "disk"
        ("message: db-*", False),  # "-" is not a token char: whole value only
        ("message: *", True),
        ('message: "*redis*"', True),  # * is literal, and punctuation is not a token
        ("message: -", False),
    ],
)
def test_text_field_matching(query: str, expected: bool) -> None:
    check(query, MSG, expected)


def test_whole_value_equality_on_text() -> None:
    check("entity: -", {"entity": "-"}, True)
    check("message: *.", {"message": "x."}, True)
    check('message: "*redis*"', {"message": "xredisx"}, False)
    check("message: *redis*", {"message": "xredisx"}, True)
    check('message: ""', {"message": ""}, True)
    check('message: ""', {"message": "x"}, False)


def test_glob_whole_value_with_punctuation() -> None:
    check("entity: db-*", {"entity": "db-01"}, True)
    check("entity: db-*", {"entity": "prod db-01"}, False)
    check("entity: *-01", {"entity": "db-01"}, True)
    check("entity: host-*", {"entity": "Host-7"}, True)


def test_phrase_substring_spans_punctuation() -> None:
    check('message: "on DB-01.eu"', MSG, True)
    check('message: "disk  full"', MSG, True)  # tokens contiguous though spacing differs
    check('description: "a b"', {"description": "A\nB"}, True)


def test_text_list_fields() -> None:
    doc = {"owner": ["Ada Lovelace", "acc-1", "ada@example.com"], "acknowledgedBy": []}
    check("owner: ada", doc, True)
    check("owner: lovelace", doc, True)
    check("owner: ada@example.com", doc, True)
    check("owner: example", doc, True)
    check('owner: "ada lovelace"', doc, True)
    check("owner: grace", doc, False)
    check("owner != grace", doc, True)
    check("owner != ada", doc, False)
    check("acknowledgedBy: ada", doc, False)
    check("acknowledgedBy != ada", doc, True)
    check("closedBy: ada", doc, False)


@pytest.mark.parametrize(
    "field",
    ["source", "alias", "description", "entity", "integration.name", "integrationType"],
)
def test_other_text_fields(field: str) -> None:
    key = {"integrationType": "integration.type"}.get(field, field)
    check(f"{field}: prometheus", {key: "Prometheus Alertmanager"}, True)
    check(f"{field}: alert", {key: "Prometheus Alertmanager"}, False)


# -- keyword fields -------------------------------------------------------------


def test_keyword_fields_are_whole_value() -> None:
    doc = {"tags": ["Database", "prod-eu"], "teams": ["team-1", "Payments"]}
    check("tag: database", doc, True)
    check("tags: DATABASE", doc, True)
    check("tag: data", doc, False)
    check("tag: prod", doc, False)
    check("tag: prod-eu", doc, True)
    check("tag: prod*", doc, True)
    check("tag: *base", doc, True)
    check("tag: *at*", doc, True)
    check("tag: x*", doc, False)
    check("teams: payments", doc, True)
    check("teams: team-1", doc, True)
    check("tag != database", doc, False)
    check("tag != network", doc, True)
    check("tag: database", {"tags": []}, False)
    check("tag != database", {"tags": []}, True)


@pytest.mark.parametrize("field", ["actions", "responders", "visibleTo"])
def test_other_list_keyword_fields(field: str) -> None:
    check(f"{field}: restart", {field: ["Restart", "Ping"]}, True)
    check(f"{field}: rest", {field: ["Restart", "Ping"]}, False)


def test_long_keyword_constant_uses_plain_equality() -> None:
    value = "a-very-long-keyword-value-with-many-letters"
    check(f"tag: {value.upper()}", {"tags": ["x", value]}, True)
    check(f"tag: {value}", {"tags": ["x"]}, False)
    check(f"alias: {value}", {"alias": value.title()}, True)


def test_ids() -> None:
    doc = {"id": "70413a06-38d6-4c85-92b8-5ebc900d42e2", "tinyId": "28"}
    check("id: 70413a06-38d6-4c85-92b8-5ebc900d42e2", doc, True)
    check("alertId: 70413A06-38D6-4C85-92B8-5EBC900D42E2", doc, True)
    check("id: 70413a06*", doc, True)
    check("id: 70413a06", doc, False)
    check("tinyId: 28", doc, True)
    check("tinyId: 2", doc, False)
    check("tinyId > 27", doc, True)
    check("tinyId > 28", doc, False)
    check("tinyId <= 28", doc, True)
    check("tinyId < 100.5", doc, True)
    check("tinyId > 1", {"tinyId": "abc"}, False)
    check("tinyId != 28", doc, False)


# -- numbers and dates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("count: 5", True),
        ("count = 5", True),
        ("count: 4", False),
        ("count != 5", False),
        ("count != 4", True),
        ("count > 4", True),
        ("count > 5", False),
        ("count >= 5", True),
        ("count < 6", True),
        ("count < 5", False),
        ("count <= 5", True),
        ("createdAt: 1704067200000", True),
        ("createdAt > 1704067199999", True),
        ("createdAt > 1704067200000", False),
        ("createdAt >= 2024-01-01T00:00:00Z", True),
        ('createdAt < "2024-01-01T00:00:00.001Z"', True),
        ("createdAt < 2024-01-01", False),
        ("updatedAt > 0", False),  # missing
        ("snoozedUntil > 0", False),  # None
        ("snoozedUntil: NULL", True),
        ("createdAt: NULL", False),
        ("createdAt != NULL", True),
        ("updatedAt != 5", True),  # unset is "not equal"
    ],
)
def test_numbers_and_dates(query: str, expected: bool) -> None:
    doc = {"count": 5, "createdAt": 1704067200000, "snoozedUntil": None}
    check(query, doc, expected)


@pytest.mark.parametrize(
    "field", ["lastOccurredAt", "lastOccuredAt", "ackTime", "closeTime", "snoozedUntil"]
)
def test_all_date_fields(field: str) -> None:
    key = "lastOccurredAt" if field == "lastOccuredAt" else field
    check(f"{field} > 100", {key: 101}, True)
    check(f"{field} > 100", {key: 100}, False)


def test_number_field_ignores_non_numbers() -> None:
    check("count > 1", {"count": "7"}, False)
    check("count > 0", {"count": True}, False)
    check("count > 1", {"count": 2.5}, True)


# -- booleans -------------------------------------------------------------------


@pytest.mark.parametrize("field", ["acknowledged", "snoozed", "seen", "isSeen"])
def test_booleans(field: str) -> None:
    key = "seen" if field == "isSeen" else field
    check(f"{field}: true", {key: True}, True)
    check(f"{field}: TRUE", {key: True}, True)
    check(f"{field}: false", {key: True}, False)
    check(f"{field}: false", {key: False}, True)
    check(f"{field}: false", {}, False)  # unset is neither
    check(f"{field} != true", {}, True)
    check(f"{field}: true", {key: "True"}, True)


# -- status and priority --------------------------------------------------------


STATUS_DOCS = {
    "open": {"status": "open", "acknowledged": False},
    "acked": {"status": "open", "acknowledged": True},
    "closed": {"status": "closed", "acknowledged": True},
    "snoozed": {"status": "open", "snoozed": True},
    "upper": {"status": "OPEN"},
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status: open", {"open", "acked", "snoozed", "upper"}),
        ("status: closed", {"closed"}),
        ("status: resolved", {"closed"}),
        ("status: acked", {"acked"}),
        ("status: unacked", {"open", "snoozed", "upper"}),
        ("status: snoozed", {"snoozed"}),
        ("status: clo*", {"closed"}),
        ("status != open", {"closed"}),
        ("status: NULL", set()),
        ("NOT status: acked", {"open", "closed", "snoozed", "upper"}),
    ],
)
def test_status_values(query: str, expected: set[str]) -> None:
    predicate = compile_query(query)
    assert {name for name, doc in STATUS_DOCS.items() if predicate(doc)} == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority: P3", {"P3"}),
        ("priority: p3", {"P3"}),
        ("priority > P3", {"P1", "P2"}),  # more urgent than P3
        ("priority >= P3", {"P1", "P2", "P3"}),
        ("priority < P3", {"P4", "P5"}),
        ("priority <= P3", {"P3", "P4", "P5"}),
        ("priority != P3", {"P1", "P2", "P4", "P5"}),
        ("priority > P1", set()),
        ("priority < P5", set()),
        ("priority: P*", {"P1", "P2", "P3", "P4", "P5"}),
    ],
)
def test_priority_ranks(query: str, expected: set[str]) -> None:
    predicate = compile_query(query)
    found = {p for p in ("P1", "P2", "P3", "P4", "P5") if predicate({"priority": p})}
    assert found == expected
    # Stored case does not matter.
    assert {p for p in ("P1", "P2", "P3", "P4", "P5") if predicate({"priority": p.lower()})} == (
        found
    )


def test_priority_ignores_junk() -> None:
    check("priority > P5", {"priority": "urgent"}, False)
    check("priority > P5", {}, False)


# -- NULL -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "unset"),
    [
        ({}, True),
        ({"owner": None}, True),
        ({"owner": []}, True),
        ({"owner": ""}, True),
        ({"owner": ["ada"]}, False),
        ({"owner": "ada"}, False),
    ],
)
def test_null(doc: dict[str, Any], unset: bool) -> None:
    check("owner: NULL", doc, unset)
    check("owner != NULL", doc, not unset)
    check("owner: null", doc, unset)


def test_null_on_scalars() -> None:
    check("count: NULL", {"count": 0}, False)
    check("acknowledged: NULL", {"acknowledged": False}, False)
    check("description: NULL", {"description": ""}, True)


# -- extra properties -----------------------------------------------------------

PROPS = {
    "extraProperties": {
        "env": "Production",
        "browser.name": "Firefox",
        "Region": "eu-west-1",
        "retries": 3,
        "latency": "2.5",
        "synthetic": True,
        "empty": None,
    }
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("details.env: production", True),
        ("extraProperties.env: PRODUCTION", True),
        ("details.env: prod", False),  # whole value, not words
        ("details.env: prod*", True),
        ("extraProperties.browser.name: firefox", True),
        ("details.browser.name: fire*", True),
        ("details.browser: firefox", False),
        ("details.region: eu-west-1", True),  # key matched case-insensitively
        ("details.Region: EU-*", True),
        ("details.retries: 3", True),
        ("details.retries > 2", True),
        ("details.retries >= 4", False),
        ("details.latency < 3", True),
        ("details.latency > 2.5", False),
        ("details.env > 1", False),  # not a number
        ("details.synthetic: true", True),
        ("details.synthetic: TRUE", True),
        ("details.synthetic: false", False),
        ("details.missing: x", False),
        ("details.missing: NULL", True),
        ("details.empty: NULL", True),
        ("details.env: NULL", False),
        ("details.env != NULL", True),
        ("details.env != staging", True),
        ("details.missing != staging", True),
        ("details.key: env", True),
        ("details.key: ENV", True),
        ("details.key: browser.*", True),
        ("details.key: nope", False),
        ("details.value: firefox", True),
        ("details.value: 3", True),
        ("details.value: true", True),
        ("details.value: eu-*", True),
        ("details.value: nope", False),
        ("details.value > 2.9", True),
        ("details.value > 3", False),
        ("details.key: NULL", False),
    ],
)
def test_extra_properties(query: str, expected: bool) -> None:
    check(query, PROPS, expected)


def test_properties_missing_or_empty() -> None:
    for doc in ({}, {"extraProperties": {}}, {"extraProperties": None}):
        check("details.key: NULL", doc, True)
        check("details.value: NULL", doc, True)
        check("details.key: x", doc, False)
        check("details.x: y", doc, False)
        check("details.x: NULL", doc, True)


def test_property_named_key() -> None:
    doc = {"extraProperties": {"key": "k1"}}
    check("extraProperties.key: k1", doc, True)  # the property called "key"
    check("details.key: k1", doc, False)  # some property has key k1
    check("details.key: key", doc, True)


# -- free text --------------------------------------------------------------------


@pytest.mark.parametrize("field", ["message", "description", "entity", "alias"])
def test_free_text_fields(field: str) -> None:
    check("disk", {field: "Disk full"}, True)
    check('"disk full"', {field: "DISK FULL now"}, True)
    check("dis*", {field: "Disk full"}, True)
    check("nothing", {field: "Disk full"}, False)


def test_free_text_ignores_other_fields() -> None:
    check("datadog", {"source": "Datadog", "tags": ["datadog"]}, False)


# -- unknown fields and operators ---------------------------------------------------


def test_unknown_field_matches_nothing() -> None:
    doc = {"foo": "bar", "message": "bar"}
    check("foo: bar", doc, False)
    check("foo != bar", doc, False)
    check("foo > 1", doc, False)
    check("foo: NULL", doc, False)
    check("NOT foo: bar", doc, True)
    check("foo: bar OR message: bar", doc, True)
    check("foo: bar AND message: bar", doc, False)


def test_boolean_structure() -> None:
    doc = {"status": "open", "priority": "P2", "acknowledged": False, "tags": ["database"]}
    q = "status: open AND priority: P1 OR priority: P2 AND NOT acknowledged: true AND tag: database"
    check(q, doc, True)
    check(q, {**doc, "acknowledged": True}, False)
    check(q, {"status": "open", "priority": "P1"}, True)
    check("NOT (status: open OR priority: P2)", doc, False)
    check("NOT status: closed priority: P2", doc, True)
    check("(status: closed OR priority: P2) tag: database", doc, True)
    check("", doc, True)
    check("", {}, True)


# -- compile_query details -------------------------------------------------------------


def test_compile_accepts_nodes_and_coerces_hand_built_values() -> None:
    assert compile_query(Comparison("count", ">", "4"))({"count": 5})
    assert compile_query(Comparison("Count", ":", 5))({"count": 5})
    assert compile_query(Comparison("acknowledged", ":", "true"))({"acknowledged": True})
    assert compile_query(Comparison("priority", ">", "p3"))({"priority": "P1"})
    assert compile_query(Comparison("message", "=", "disk"))({"message": "disk"})
    assert compile_query(Comparison("tags", ":", True))({"tags": ["true"]})
    assert compile_query(Not(FreeText("x")))({"message": "y"})


@pytest.mark.parametrize(
    "node",
    [
        Comparison("count", ":", "abc", "abc"),
        Comparison("message", ">", "x"),
        Comparison("message", "~", "x"),
        Comparison("createdAt", ">", None),
    ],
)
def test_compile_rejects_invalid_hand_built_nodes(node: Comparison) -> None:
    with pytest.raises(QuerySyntaxError):
        compile_query(node)


def test_compile_rejects_non_nodes() -> None:
    with pytest.raises(TypeError):
        compile_query(object())  # type: ignore[arg-type]


def test_compiled_text_is_cached() -> None:
    assert compile_query("status: open") is compile_query("status: open")


def test_syntax_error_propagates() -> None:
    with pytest.raises(QuerySyntaxError):
        compile_query("status:")


# -- odd documents --------------------------------------------------------------------


def test_odd_document_values() -> None:
    check("message: 42", {"message": 42}, True)
    check("tag: x", {"tags": [["unhashable"], "X"]}, True)
    check("tag: y", {"tags": [{"a": 1}, None, "x"]}, False)
    check("tag: 1", {"tags": (1, 2)}, True)
    check("tag: x", {"tags": {"x": 1}}, False)
    check("owner: ada", {"owner": ["Ada", 7]}, True)
    check("owner: 7", {"owner": ["Ada", 7]}, True)
    check("acknowledged: true", {"acknowledged": 1}, False)
    check("details.a: b", {"extraProperties": ["a"]}, False)
    check("details.key: a", {"extraProperties": {1: "x", "a": "y"}}, True)
    check("details.A: y", {"extraProperties": {1: "x", "a": "y"}}, True)


def test_mapping_that_is_not_a_dict() -> None:
    doc = MappingProxyType({"status": "open", "tags": ["db"]})
    check("status: open tag: db", doc, True)  # type: ignore[arg-type]
