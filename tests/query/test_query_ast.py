"""Rendering trees back to query text."""

from __future__ import annotations

import pytest

from console.query import And, Comparison, FreeText, MatchAll, Not, Or, parse, to_query

A, B, C = FreeText("a"), FreeText("b"), FreeText("c")


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (MatchAll(), ""),
        (And((A, B)), "a AND b"),
        (Or((A, And((B, C)))), "a OR b AND c"),
        (And((Or((A, B)), C)), "(a OR b) AND c"),
        (Not(Or((A, B))), "NOT (a OR b)"),
        (Not(Not(A)), "NOT NOT a"),
        (And((A,)), "a"),
        (Not(And((A,))), "NOT a"),
        (Comparison("status", ":", "open"), "status: open"),
        (Comparison("count", ">=", 5), "count >= 5"),
        (Comparison("acknowledged", "!=", True), "acknowledged != true"),
        (Comparison("owner", ":", None), "owner: NULL"),
        (Comparison("message", ":", 'say "hi" \\o/', quoted=True), r'message: "say \"hi\" \\o/"'),
        (Comparison("message", ":", "*redis*"), "message: *redis*"),
        (Comparison("message", ":", "a:b"), "message: a:b"),
        (Comparison("message", ":", "NULL", quoted=True), 'message: "NULL"'),
        (FreeText("disk full", quoted=True), '"disk full"'),
    ],
)
def test_to_query(node: object, text: str) -> None:
    assert to_query(node) == text  # type: ignore[arg-type]


def test_round_trip_of_parsed_text() -> None:
    text = 'NOT (status: open OR tags: "a b") AND count > 3 disk OR priority: P1'
    node = parse(text)
    assert parse(to_query(node)) == node


@pytest.mark.parametrize(
    "node",
    [
        FreeText("a b"),
        FreeText("a:b"),
        FreeText("AND"),
        FreeText(""),
        Comparison("message", ":", "a *"),
        Comparison("message", ":", "or"),
        Comparison("message", ":", ":x"),
        And(()),
        And((A, MatchAll())),
    ],
)
def test_unrenderable_trees(node: object) -> None:
    with pytest.raises(ValueError):
        to_query(node)  # type: ignore[arg-type]


def test_rejects_non_nodes() -> None:
    with pytest.raises(TypeError):
        to_query(Not(object()))  # type: ignore[arg-type]
