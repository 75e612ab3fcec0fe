"""On-call in the simulator: rotations hand over at known instants, and every read (now,
next, timeline) is computed from them at the request's ``date`` or the site's clock."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from console.simulator.model import iso_ms, parse_iso_ms
from console.simulator.rotas import (
    HOUR_MS,
    Participant,
    Rotation,
    next_change,
    on_call,
    periods,
    timeline_range,
    who,
)
from console.simulator.server import BackgroundSimulator
from tests.conftest import ACCOUNT, TEST_CONFIG

A, B, C = (Participant("user", x) for x in "abc")
FROZEN_MS = 1_780_000_000_000  # 2026-05-28T20:26:40Z


def rotation(*people: Participant, start: int = 0, hours: int = 8) -> Rotation:
    return Rotation("r", "r", start, "hourly", hours, people)


# ------------------------------------------------------------------ the rotations, pure


def test_the_pager_changes_hands_at_the_shift_boundary_not_a_millisecond_before() -> None:
    rota = (rotation(A, B, C, start=1_000),)
    handover = 1_000 + 8 * HOUR_MS
    assert who(on_call(rota, handover - 1)) == [A]
    assert who(on_call(rota, handover)) == [B]
    assert who(on_call(rota, 1_000 + 24 * HOUR_MS)) == [A]  # round again
    assert on_call(rota, 999) == []  # before the rotation starts, nobody
    assert next_change(rota, handover - 1) == handover
    assert next_change(rota, handover) == handover + 8 * HOUR_MS


def test_a_shift_handed_to_the_same_person_is_no_handover() -> None:
    rota = (rotation(A, A, B), rotation(C, hours=24))
    assert next_change(rota, 0) == 16 * HOUR_MS
    assert next_change((rotation(A),), 5) is None  # one person, always on
    assert next_change((rotation(),), 5) is None  # nobody, ever


def test_the_timeline_range_is_the_specs_example() -> None:
    """interval 2, months, 2023-12-15T15:20:25Z → (2023-12-01, 2024-02-01), as the spec says."""
    start, end = timeline_range(parse_iso_ms("2023-12-15T15:20:25+00:00"), 2, "months")
    assert (iso_ms(start), iso_ms(end)) == ("2023-12-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z")
    start, end = timeline_range(parse_iso_ms("2024-02-01T08:00:00Z"), 1, "weeks")
    assert (iso_ms(start), iso_ms(end)) == ("2024-01-29T00:00:00.000Z", "2024-02-05T00:00:00.000Z")
    start, end = timeline_range(parse_iso_ms("2024-02-29T23:59:59Z"), 3, "days")
    assert (iso_ms(start), iso_ms(end)) == ("2024-02-29T00:00:00.000Z", "2024-03-03T00:00:00.000Z")


def test_periods_are_cut_to_the_range_and_one_per_person_in_a_row() -> None:
    found = periods(rotation(A, A, B, start=0), 4 * HOUR_MS, 30 * HOUR_MS)
    assert found == [(4 * HOUR_MS, 16 * HOUR_MS, A), (16 * HOUR_MS, 24 * HOUR_MS, B),
                     (24 * HOUR_MS, 30 * HOUR_MS, A)]  # fmt: skip


# ------------------------------------------------------------------ over HTTP


@pytest.fixture(scope="module")
def pinned() -> Iterator[BackgroundSimulator]:
    """A site whose clock stands still, with its first handover two seconds ahead."""
    config = replace(TEST_CONFIG, frozen_at_ms=FROZEN_MS, handover_in_s=2.0)
    with BackgroundSimulator(config) as server:
        yield server


@pytest.fixture
def still(pinned: BackgroundSimulator) -> Iterator[httpx.Client]:
    pinned.reset()
    with httpx.Client(base_url=pinned.base_url, auth=ACCOUNT, timeout=10) as client:
        yield client


def _users(api: httpx.Client, schedule: str, path: str, **params: Any) -> list[str]:
    response = api.get(f"/v1/schedules/{schedule}/{path}", params={"flat": "true", **params})
    assert response.status_code == 200, response.text
    users: list[str] = response.json()["onCallUsers" if path == "on-calls" else "nextOnCallUsers"]
    return users


def test_the_demos_first_handover_comes_within_ten_minutes(
    sim: BackgroundSimulator, api: httpx.Client
) -> None:
    """Asked at the handover's instant minus and plus a second (the ``date`` parameter): the
    on-call changes, and who was next before is who is on after."""
    knobs = sim.admin("oncall")
    handover = parse_iso_ms(knobs["first_handover"])
    now = sim.simulator.clock()
    assert 0 < handover - now <= 10 * 60_000
    schedule = knobs["first_schedule"]
    before = {"date": iso_ms(handover - 1_000)}
    after = {"date": iso_ms(handover + 1_000)}
    assert _users(api, schedule, "on-calls", **before) == _users(api, schedule, "on-calls")
    assert _users(api, schedule, "on-calls", **before) != _users(api, schedule, "on-calls", **after)
    assert _users(api, schedule, "next-on-calls", **before) == _users(
        api, schedule, "on-calls", **after
    )
    # The rotation the schedule lists says the same: a shift of 8 hours ends at the handover.
    rotations = api.get(f"/v1/schedules/{schedule}").json()["rotations"]
    primary = next(r for r in rotations if r["type"] == "hourly")
    assert (handover - parse_iso_ms(primary["startDate"])) % (primary["length"] * HOUR_MS) == 0


def test_with_the_clock_pinned_the_handover_happens_when_the_clock_gets_there(
    pinned: BackgroundSimulator, still: httpx.Client
) -> None:
    schedule = pinned.admin("oncall")["first_schedule"]
    now = _users(still, schedule, "on-calls")
    nxt = _users(still, schedule, "next-on-calls")
    assert nxt and nxt != now
    pinned.admin("clock", {"advance_ms": 1_999})
    assert _users(still, schedule, "on-calls") == now
    pinned.admin("clock", {"advance_ms": 1})
    assert _users(still, schedule, "on-calls") == nxt


def test_a_test_places_the_handover_where_it_wants(
    pinned: BackgroundSimulator, still: httpx.Client
) -> None:
    knobs = pinned.admin("oncall", {"handover_in_s": 30})
    assert parse_iso_ms(knobs["first_handover"]) == FROZEN_MS + 30_000
    schedule = knobs["first_schedule"]
    at = FROZEN_MS + 30_000
    assert _users(still, schedule, "on-calls", date=iso_ms(at - 1)) != _users(
        still, schedule, "on-calls", date=iso_ms(at)
    )


def test_the_nested_answer_names_each_rotations_person_once(
    pinned: BackgroundSimulator, still: httpx.Client
) -> None:
    schedule = pinned.admin("oncall")["first_schedule"]
    body = still.get(f"/v1/schedules/{schedule}/on-calls").json()
    people = [p["id"] for p in body["onCallParticipants"]]
    assert people == _users(still, schedule, "on-calls")
    assert len(people) == len(set(people)) >= 1
    assert all(p["type"] == "user" for p in body["onCallParticipants"])


def test_the_timeline_shows_the_shifts_and_what_is_past(
    pinned: BackgroundSimulator, still: httpx.Client
) -> None:
    schedule = pinned.admin("oncall")["first_schedule"]
    body = still.get(
        f"/v1/schedules/{schedule}/timeline",
        params={"interval": 1, "intervalUnit": "days", "expand": "base"},
    ).json()
    start, end = parse_iso_ms(body["startDate"]), parse_iso_ms(body["endDate"])
    assert end - start == 24 * HOUR_MS
    primary = body["finalTimeline"]["rotations"][0]
    spans = [(parse_iso_ms(p["startDate"]), parse_iso_ms(p["endDate"])) for p in primary["periods"]]
    # Contiguous from the start to the end of the range, and one boundary at the handover.
    assert spans[0][0] == start and spans[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert FROZEN_MS + 2_000 in {s for s, _ in spans}
    for period, (_, until) in zip(primary["periods"], spans, strict=True):
        assert period["type"] == ("historical" if until <= FROZEN_MS else "base")
        assert period["flattenedResponders"] == [period["responder"]]  # people flatten to self
    assert body["baseTimeline"]["rotations"][0]["periods"][0]["type"] == "base"
    assert "overrideTimeline" not in body


def test_rotations_a_test_gives_are_checked_one_sentence_each(
    sim: BackgroundSimulator, api: httpx.Client
) -> None:
    schedule = sim.admin("oncall")["first_schedule"]
    bad: list[tuple[Any, str]] = [
        ([{"type": "yearly", "startDate": "2024-01-01T00:00:00Z", "participants": []}],
         "rotations[0].type must be one of hourly, daily, weekly"),
        ([{"type": "daily", "startDate": "soon", "participants": []}],
         "rotations[0].startDate must be an ISO-8601 date-time"),
        ([{"type": "daily", "length": 0, "startDate": "2024-01-01", "participants": []}],
         "rotations[0].length must be an integer from 1 to 1000"),
        ([{"type": "daily", "startDate": "2024-01-01", "participants": [{"type": "user"}]}],
         "rotations[0].participants: each but noone needs an id"),
    ]  # fmt: skip
    for rotations, message in bad:
        with httpx.Client() as plain:
            response = plain.post(
                f"{sim.origin}/_admin/oncall", json={"rotations": {schedule: rotations}}
            )
        assert response.status_code == 422
        assert response.json() == {"message": message}
    with httpx.Client() as plain:
        response = plain.post(f"{sim.origin}/_admin/oncall", json={"rotations": {"nope": []}})
    assert response.json() == {"message": "rotations: no schedule 'nope'"}
    # A schedule given no rotations has nobody on call, and nobody next.
    sim.admin("oncall", {"rotations": {schedule: []}})
    assert _users(api, schedule, "on-calls") == []
    assert _users(api, schedule, "next-on-calls") == []
    assert api.get(f"/v1/schedules/{schedule}").json()["rotations"] == []
