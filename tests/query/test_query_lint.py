"""Linting and completion, as the console uses them while the user types."""

from __future__ import annotations

import pytest

from console.query import Diagnostic, complete, completion_start, lint


def test_clean_query_has_no_diagnostics() -> None:
    assert lint("status: open AND priority > P3") == []
    assert lint("") == []
    assert lint("details.anything: x extraProperties.a.b: y") == []


def test_syntax_error_is_one_error() -> None:
    assert lint("status: open AND") == [Diagnostic("error", "Expected a term after 'AND'", 16, 1)]
    assert lint('foo: x AND "open') == [Diagnostic("error", "Unterminated quoted phrase", 11, 5)]


def test_unknown_fields_are_warnings_in_order() -> None:
    diagnostics = lint("zzz: 1 OR stauts: open AND NOT prioirty: P1")
    assert [(d.severity, d.position, d.length) for d in diagnostics] == [
        ("warning", 0, 3),
        ("warning", 10, 6),
        ("warning", 31, 8),
    ]
    assert diagnostics[0].message == "Unknown field 'zzz' matches nothing"
    assert diagnostics[1].message.endswith("did you mean 'status'?")
    assert diagnostics[2].message.endswith("did you mean 'priority'?")


def test_lucene_style_exclusion_is_flagged() -> None:
    assert lint("-disk status: open") == [
        Diagnostic("warning", "'-disk' searches for the text; to exclude it write NOT disk", 0, 5)
    ]
    assert lint("-status: open") == [
        Diagnostic(
            "warning",
            "Unknown field '-status' matches nothing; to exclude, write NOT status:",
            0,
            7,
        )
    ]
    assert lint('"-disk" - message: -5') == []


def test_known_spellings_are_not_warned() -> None:
    assert lint("Status: open alertId: x isSeen: true lastOccuredAt > 1") == []


def test_complete_field_names() -> None:
    assert complete("stat", 4) == ["status: "]
    assert complete("ack", 3) == ["acknowledged: ", "acknowledgedBy: ", "ackTime: "]
    assert complete("STAT", 4) == ["status: "]
    assert complete("integ", 5) == [
        "integration.name: ",
        "integration.type: ",
        "integrationName: ",
        "integrationType: ",
    ]
    assert complete("det", 3) == ["details.", "details.key: ", "details.value: "]


def test_complete_at_start_offers_everything_but_and_or() -> None:
    options = complete("", 0)
    assert "status: " in options and "NOT" in options
    assert "AND" not in options and "OR" not in options
    assert options == sorted(options, key=lambda c: (c.lower(), c))


def test_complete_after_a_term_offers_keywords() -> None:
    assert "AND" in complete("status: open ", 13)
    assert complete("status: open a", 14)[-1] == "AND"
    assert complete("status: open o", 14) == ["OR", "owner: "]
    assert complete("(a) n", 5) == ["NOT"]
    assert complete("a AND n", 7) == ["NOT"]
    assert complete("a AND o", 7) == ["owner: "]


def test_complete_values() -> None:
    assert complete("status: ", 8) == ["acked", "closed", "open", "resolved", "snoozed", "unacked"]
    assert complete("status:o", 8) == ["open"]
    assert complete("status:O", 8) == ["open"]
    assert complete("priority > p", 12) == ["P1", "P2", "P3", "P4", "P5"]
    assert complete("acknowledged: t", 15) == ["true"]
    assert complete("isSeen:", 7) == ["false", "true"]
    assert complete("message: ", 9) == []
    assert complete("foo: ", 5) == []


def test_complete_uses_text_before_cursor() -> None:
    text = "status: open AND prio"
    assert complete(text, 4) == ["status: "]
    assert complete(text, len(text)) == ["priority: "]
    assert completion_start(text, len(text)) == 17
    assert completion_start(text, 4) == 0
    assert completion_start("status: o", 9) == 8
    assert completion_start("status: ", 8) == 8


def test_complete_inside_quotes_offers_nothing() -> None:
    assert complete('message: "dis', 13) == []
    assert complete('"abc" ', 6) != []
    assert complete('"abc"', 5) == []


@pytest.mark.parametrize("cursor", [-5, 0, 3, 100])
def test_complete_tolerates_any_cursor(cursor: int) -> None:
    complete("sta", cursor)
    completion_start("sta", cursor)
