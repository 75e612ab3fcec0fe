"""Parsing: structure, precedence, values, and syntax errors with positions."""

from __future__ import annotations

import pytest

from console.query import (
    And,
    Comparison,
    FreeText,
    MatchAll,
    Not,
    Or,
    QuerySyntaxError,
    parse,
)


def cmp(field: str, value: object, op: str = ":", raw: str | None = None, quoted: bool = False):
    """A Comparison for equality checks (position is not compared)."""
    if raw is None:
        raw = value if isinstance(value, str) else str(value)
    return Comparison(field, op, value, raw, quoted)  # type: ignore[arg-type]


A, B, C = FreeText("a"), FreeText("b"), FreeText("c")


# -- structure and precedence -------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_query_matches_all(text: str) -> None:
    assert parse(text) == MatchAll()


@pytest.mark.parametrize("text", ["status: open", "status:open", "status = open", "status :open"])
def test_field_value_spellings(text: str) -> None:
    assert parse(text) == cmp("status", "open")


def test_positions_recorded() -> None:
    node = parse("  status: open   disk")
    assert isinstance(node, And)
    first, second = node.children
    assert isinstance(first, Comparison) and first.position == 2
    assert isinstance(second, FreeText) and second.position == 17


def test_explicit_and_or_not() -> None:
    assert parse("a AND b") == And((A, B))
    assert parse("a OR b") == Or((A, B))
    assert parse("NOT a") == Not(A)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a and b", And((A, B))),
        ("a And b", And((A, B))),
        ("a or b", Or((A, B))),
        ("a oR b", Or((A, B))),
        ("not a", Not(A)),
        ("Not a", Not(A)),
    ],
)
def test_keywords_case_insensitive(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_implicit_and() -> None:
    assert parse("status:open owner:NULL") == And(
        (cmp("status", "open"), cmp("owner", None, raw="NULL"))
    )
    assert parse("a b c") == And((A, B, C))


def test_and_binds_tighter_than_or() -> None:
    assert parse("a OR b AND c") == Or((A, And((B, C))))
    assert parse("a AND b OR c") == Or((And((A, B)), C))
    assert parse("a b OR c") == Or((And((A, B)), C))


def test_not_binds_tightest() -> None:
    assert parse("NOT a AND b") == And((Not(A), B))
    assert parse("NOT a OR b") == Or((Not(A), B))
    assert parse("NOT NOT a") == Not(Not(A))


def test_parentheses_override_precedence() -> None:
    assert parse("(a OR b) AND c") == And((Or((A, B)), C))
    assert parse("NOT (a OR b)") == Not(Or((A, B)))
    assert parse("((a))") == A
    assert parse("(a OR (b AND (c OR a)))") == Or((A, And((B, Or((C, A))))))


def test_same_operator_chains_are_flattened() -> None:
    assert parse("a AND (b AND c)") == And((A, B, C))
    assert parse("(a OR b) OR c") == Or((A, B, C))


def test_brief_example() -> None:
    node = parse(
        "status: open AND priority: P1 OR priority: P2 AND NOT acknowledged: true AND tag: database"
    )
    assert node == Or(
        (
            And((cmp("status", "open"), cmp("priority", "P1"))),
            And(
                (
                    cmp("priority", "P2"),
                    Not(cmp("acknowledged", True, raw="true")),
                    cmp("tags", "database"),
                )
            ),
        )
    )


# -- values -------------------------------------------------------------------


def test_quoted_phrase_with_escapes() -> None:
    node = parse(r'message: "say \"hi\" C:\\temp"')
    assert node == cmp("message", 'say "hi" C:\\temp', raw=r'"say \"hi\" C:\\temp"', quoted=True)


def test_free_text_word_and_phrase() -> None:
    assert parse("disk") == FreeText("disk")
    assert parse('"disk full"') == FreeText("disk full", quoted=True)


def test_wildcards_are_kept_in_value() -> None:
    assert parse("message:*Redis*") == cmp("message", "*Redis*")
    assert parse("entity: host-*") == cmp("entity", "host-*")


@pytest.mark.parametrize("spelling", ["NULL", "null", "Null"])
def test_null(spelling: str) -> None:
    assert parse(f"owner: {spelling}") == cmp("owner", None, raw=spelling)
    assert parse(f"owner != {spelling}") == cmp("owner", None, op="!=", raw=spelling)


def test_quoted_null_is_text() -> None:
    assert parse('owner: "NULL"') == cmp("owner", "NULL", raw='"NULL"', quoted=True)


def test_numbers_and_dates() -> None:
    assert parse("count >= 5") == cmp("count", 5, op=">=")
    assert parse("createdAt > 1704067200000") == cmp("createdAt", 1704067200000, op=">")
    assert parse("count: -3") == cmp("count", -3)


@pytest.mark.parametrize(
    "text",
    [
        'createdAt > "2024-01-05T07:00:00Z"',
        "createdAt > 2024-01-05T07:00:00Z",
        "createdAt > 2024-01-05T07:00:00+00:00",
        "createdAt > 2024-01-05T08:00:00+01:00",
        "createdAt > 2024-01-05T07:00:00",
    ],
)
def test_iso_dates_become_epoch_ms(text: str) -> None:
    node = parse(text)
    assert isinstance(node, Comparison)
    assert node.value == 1704438000000


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2024-01-01T00:00:00.001Z", 1704067200001),
        ("2023-06-05T07:08:09.123+02:00", 1685941689123),
        ("1999-12-31T23:59:59.999-01:00", 946688399999),
    ],
)
def test_iso_milliseconds_are_exact(text: str, ms: int) -> None:
    node = parse(f"createdAt: {text}")
    assert isinstance(node, Comparison) and node.value == ms


def test_absurdly_long_numbers_are_rejected() -> None:
    with pytest.raises(QuerySyntaxError):
        parse("count > " + "9" * 40)
    with pytest.raises(QuerySyntaxError):
        parse("tinyId > " + "9" * 500)


def test_iso_date_only() -> None:
    node = parse("createdAt >= 2024-01-01")
    assert isinstance(node, Comparison) and node.value == 1704067200000


@pytest.mark.parametrize("value", ["true", "TRUE", "True"])
def test_booleans(value: str) -> None:
    assert parse(f"acknowledged: {value}") == cmp("acknowledged", True, raw=value)
    assert parse(f'acknowledged: "{value}"') == cmp(
        "acknowledged", True, raw=f'"{value}"', quoted=True
    )


def test_boolean_false() -> None:
    assert parse("snoozed: false") == cmp("snoozed", False, raw="false")
    assert parse("isSeen: FALSE") == cmp("seen", False, raw="FALSE")


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("open", "open"),
        ("Closed", "closed"),
        ("ACKED", "acked"),
        ("unacked", "unacked"),
        ("snoozed", "snoozed"),
        ("resolved", "resolved"),
    ],
)
def test_status_values_normalised(value: str, canonical: str) -> None:
    assert parse(f"status: {value}") == cmp("status", canonical, raw=value)


@pytest.mark.parametrize("value", ["p1", "P3", "p5"])
def test_priority_normalised(value: str) -> None:
    assert parse(f"priority: {value}") == cmp("priority", value.upper(), raw=value)
    assert parse(f"priority > {value}") == cmp("priority", value.upper(), op=">", raw=value)


def test_value_may_contain_colons_and_equals() -> None:
    assert parse("message: a:b=c") == cmp("message", "a:b=c")


def test_bang_inside_word_is_text() -> None:
    assert parse("wow!") == FreeText("wow!")
    assert parse("message != x") == cmp("message", "x", op="!=")
    assert parse("message!=x") == cmp("message", "x", op="!=")


# -- fields -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("alertId", "id"),
        ("tag", "tags"),
        ("tags", "tags"),
        ("isSeen", "seen"),
        ("integrationName", "integration.name"),
        ("integration.type", "integration.type"),
        ("lastOccuredAt", "lastOccurredAt"),
        ("STATUS", "status"),
        ("Message", "message"),
        ("details.env", "extraProperties.env"),
        ("extraProperties.browser.name", "extraProperties.browser.name"),
        ("Details.Env", "extraProperties.Env"),
        ("details.key", "details.key"),
        ("DETAILS.VALUE", "details.value"),
    ],
)
def test_field_names_canonicalised(written: str, canonical: str) -> None:
    value = {"lastOccurredAt": "5", "seen": "true", "status": "open"}.get(canonical, "x")
    node = parse(f"{written}: {value}")
    assert isinstance(node, Comparison)
    assert node.field == canonical


def test_unknown_field_kept_as_written() -> None:
    assert parse("Foo.bar: x") == cmp("Foo.bar", "x")
    assert parse("foo > abc") == cmp("foo", "abc", op=">")


# -- syntax errors ------------------------------------------------------------


def error(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    exc = info.value
    assert exc.query == text
    assert exc.length >= 1
    assert str(exc) == f"{exc.message} at position {exc.position}"
    return exc


@pytest.mark.parametrize(
    ("text", "position", "length", "message"),
    [
        ("status:", 7, 1, "Expected a value after 'status:'"),
        ("priority: ", 10, 1, "Expected a value after 'priority:'"),
        ("status: AND x", 8, 3, "Expected a value after 'status:', found 'AND'"),
        ("status: (x)", 8, 1, "Expected a value after 'status:', found '('"),
        ("AND a", 0, 3, "Expected a term before 'AND'"),
        ("OR a", 0, 2, "Expected a term before 'OR'"),
        ("a AND", 5, 1, "Expected a term after 'AND'"),
        ("a OR ", 5, 1, "Expected a term after 'OR'"),
        ("NOT", 3, 1, "Expected a term after 'NOT'"),
        ("a AND NOT", 9, 1, "Expected a term after 'NOT'"),
        ("a AND AND b", 6, 3, "Expected a term after 'AND', found 'AND'"),
        ("a AND OR b", 6, 2, "Expected a term after 'AND', found 'OR'"),
        ("(AND a)", 1, 3, "Expected a term before 'AND'"),
        ("(a", 0, 1, "Unclosed '('"),
        ("x (a OR (b)", 2, 1, "Unclosed '('"),
        ("a)", 1, 1, "Unmatched ')'"),
        (") a", 0, 1, "Unmatched ')'"),
        ("(a) b)", 5, 1, "Unmatched ')'"),
        ("a AND )", 6, 1, "Expected a term after 'AND', found ')'"),
        ("()", 0, 2, "Empty parentheses"),
        ("a AND ( )", 6, 3, "Empty parentheses"),
        ('message: "disk', 9, 5, "Unterminated quoted phrase"),
        ('a "b\\"', 2, 4, "Unterminated quoted phrase"),
        ("count > abc", 8, 3, "Expected a whole number for 'count', found 'abc'"),
        ("count: 1.5", 7, 3, "Expected a whole number for 'count', found '1.5'"),
        ("createdAt > yesterday", 12, 9, "Expected epoch milliseconds or an ISO-8601"),
        ("acknowledged: maybe", 14, 5, "Expected true or false for 'acknowledged'"),
        ("status: pending", 8, 7, "Expected one of open, closed"),
        ("priority: P9", 10, 2, "Expected a priority P1 to P5"),
        ("priority > P*", 11, 2, "Expected a priority P1 to P5"),
        ("message > x", 8, 1, "'>' compares numbers, dates and priorities"),
        ("tags <= x", 5, 2, "'<=' compares numbers, dates and priorities"),
        ("createdAt > NULL", 12, 4, "NULL cannot be compared with '>'"),
        ("tinyId > abc", 9, 3, "Expected a number to compare 'tinyId' with"),
        (": x", 0, 1, "Expected a field name before ':'"),
        ('"x": y', 3, 1, "Expected a field name before ':'"),
        ("a AND : x", 6, 1, "Expected a field name before ':'"),
        ("status: :", 8, 1, "Expected a value after 'status:', found ':'"),
    ],
)
def test_syntax_errors(text: str, position: int, length: int, message: str) -> None:
    exc = error(text)
    assert exc.message.startswith(message)
    assert (exc.position, exc.length) == (position, length)


def test_nesting_limit() -> None:
    assert parse("(" * 100 + "a" + ")" * 100) == A
    exc = error("(" * 101 + "a" + ")" * 101)
    assert "nested" in exc.message
    exc = error("NOT " * 101 + "a")
    assert "nested" in exc.message


def test_error_is_picklable() -> None:
    import pickle

    exc = error("count > abc")
    copy = pickle.loads(pickle.dumps(exc))  # noqa: S301
    assert (copy.message, copy.position, copy.length, copy.query) == (
        exc.message,
        exc.position,
        exc.length,
        exc.query,
    )
