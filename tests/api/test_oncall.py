"""The on-call reads (console.api.oncall.OnCallApi) against the simulator over loopback, its
clock pinned, and against the hostile server for answers the service should never send."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from console.api import BasicCredentials, JsmClient, RetryPolicy, errors
from console.api.oncall import OnCallApi, OnCalls
from console.simulator.server import BackgroundSimulator
from tests.conftest import ACCOUNT, FAST_RETRY, TEST_CONFIG
from tests.hostile import HostileServer, Reply, json_reply

FROZEN = datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)
HANDOVER = FROZEN + timedelta(seconds=2)  # the pinned site's first handover
SPEC = Path(__file__).parents[1] / "contract" / "jsm-ops-oncall-heartbeats.openapi.json"


@pytest.fixture(scope="module")
def pinned() -> Iterator[BackgroundSimulator]:
    config = replace(TEST_CONFIG, frozen_at_ms=int(FROZEN.timestamp() * 1000), handover_in_s=2)
    with BackgroundSimulator(config) as server:
        yield server


@pytest.fixture
async def oncall(pinned: BackgroundSimulator) -> AsyncIterator[OnCallApi]:
    pinned.reset()
    async with JsmClient(
        origin=pinned.origin,
        cloud_id=pinned.config.cloud_id,
        credentials=BasicCredentials(*ACCOUNT),
        retry=FAST_RETRY,
    ) as client:
        yield OnCallApi(client)


def first_team(pinned: BackgroundSimulator) -> str:
    """The team of the schedule whose shift changes at HANDOVER."""
    schedule = pinned.admin("oncall")["first_schedule"]
    store = pinned.simulator.store
    team = next(
        t for t in store.directory.values() if t.type == "team" and store.directory[schedule]
        .name.startswith(t.name)
    )  # fmt: skip
    return team.id


async def test_a_teams_on_call_now_and_next_across_the_handover(
    pinned: BackgroundSimulator, oncall: OnCallApi
) -> None:
    team = first_team(pinned)
    (before,) = await oncall.team_on_call(team)
    assert before.schedule.team_id == team
    assert before.now.user_ids() and before.next.user_ids()
    assert before.now.user_ids() != before.next.user_ids()
    pinned.admin("clock", {"advance_ms": 2_000})  # the site's clock reaches the handover
    (after,) = await oncall.team_on_call(team)
    assert after.now.user_ids() == before.next.user_ids()
    # Asked with a date a second either side, the same answers, whatever the clock says.
    at_before = await oncall.on_call(before.schedule.id, at=HANDOVER - timedelta(seconds=1))
    at_after = await oncall.on_call(before.schedule.id, at=HANDOVER + timedelta(seconds=1))
    assert at_before.user_ids() == before.now.user_ids()
    assert at_after.user_ids() == after.now.user_ids()
    flat = await oncall.on_call(before.schedule.id, at=HANDOVER, flat=True)
    assert flat.users == after.now.user_ids() and flat.participants == []


async def test_the_timeline_says_when_the_shift_changes(
    pinned: BackgroundSimulator, oncall: OnCallApi
) -> None:
    (schedule,) = await oncall.schedules(first_team(pinned))
    timeline = await oncall.timeline(schedule.id, interval=2, unit="days", expand=["base"])
    assert timeline.start == datetime(2026, 5, 28, tzinfo=UTC)
    assert timeline.end == datetime(2026, 5, 30, tzinfo=UTC)
    assert timeline.next_change(FROZEN) == HANDOVER
    assert timeline.next_change(HANDOVER) == HANDOVER + timedelta(hours=8)
    assert timeline.next_change(datetime(2026, 5, 29, 23, 0, tzinfo=UTC)) is None  # the end
    for period in timeline.final.rotations[0].periods:
        assert period.end is not None
        assert period.type == ("historical" if period.end <= FROZEN else "base")
    assert timeline.base is not None and timeline.override is None
    with pytest.raises(errors.InputError, match="date: must carry a time zone"):
        await oncall.timeline(schedule.id, at=datetime(2026, 1, 1))


async def test_a_team_on_call_is_read_down_to_its_people(
    pinned: BackgroundSimulator, oncall: OnCallApi
) -> None:
    team = first_team(pinned)
    (schedule,) = await oncall.schedules(team)
    pinned.admin(
        "oncall",
        {
            "rotations": {
                schedule.id: [
                    {
                        "type": "daily",
                        "startDate": "2026-01-01T00:00:00Z",
                        "participants": [{"type": "team", "id": team}],
                    }
                ]
            }
        },
    )
    now = await oncall.on_call(schedule.id)
    (participant,) = now.participants
    members = {e.id for e in pinned.simulator.directory.people().members[team]}
    assert participant.type == "team" and set(participant.user_ids()) == members
    assert set(now.user_ids()) == members
    assert (await oncall.next_on_call(schedule.id)).user_ids() == []  # always the same team


def test_the_specs_own_example_of_next_on_calls_is_read() -> None:
    """The spec's example nests an escalation's people under ``nextOnCallParticipants``; its
    schema says ``onCallParticipants``. Either is read."""
    spec = json.loads(SPEC.read_text())
    example = spec["components"]["schemas"]["NextOnCallResponse"]["example"]
    answer = OnCalls.model_validate(example)
    escalation = answer.participants[2]
    assert escalation.type == "escalation"
    assert [p.id for p in escalation.participants] == ["5b2b0e011b3a756623f4e25e"]
    assert escalation.participants[0].forwarded_from is not None
    assert answer.user_ids() == ["5b2b0e011b3a756623f4e25e"]


async def test_reads_count_as_on_call_and_directory_reads_not_alert_reads(
    pinned: BackgroundSimulator, oncall: OnCallApi
) -> None:
    pinned.admin("stats", method="DELETE")
    await oncall.team_on_call(first_team(pinned))
    counts = pinned.stats()["requests"]
    assert counts["directory_reads"] == 1  # the schedules (one page)
    assert counts["oncall_reads"] == 2
    assert "alert_reads" not in counts


async def test_a_token_without_the_scope_is_a_typed_error(
    pinned: BackgroundSimulator, oncall: OnCallApi
) -> None:
    pinned.admin("directory", {"ops_config": "no-scope"})
    with pytest.raises(errors.Unauthorized, match="scope does not match"):
        await oncall.on_call("anything")
    pinned.admin("directory", {"ops_config": "ok"})
    with pytest.raises(errors.NotFound):
        await oncall.next_on_call("no-such-schedule")


# ------------------------------------------------------------------ what a service should not send


@pytest.fixture
async def one_try(hostile: HostileServer) -> AsyncIterator[OnCallApi]:
    async with JsmClient(
        origin=hostile.origin,
        cloud_id="demo",
        credentials=BasicCredentials("me@example.com", "hostile-api-token"),
        retry=RetryPolicy(attempts=1, budget_s=5.0, attempt_s=1.0),
    ) as client:
        yield OnCallApi(client)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"[" * 100_000 + b"]" * 100_000),  # deeper than Python parses
        Reply(body=b"<html>proxy error</html>", content_type="text/html"),
        json_reply({"onCallParticipants": "everyone"}),
        json_reply([1, 2, 3]),
    ],
    ids=["deep", "html", "wrong-shape", "a-list"],
)
async def test_an_answer_that_is_not_an_on_call_is_malformed_never_a_crash(
    hostile: HostileServer, one_try: OnCallApi, reply: Reply
) -> None:
    hostile.on("GET", "/v1/schedules/s1/on-calls", reply)
    with pytest.raises(errors.MalformedResponse):
        await one_try.on_call("s1")


async def test_odd_participants_are_read_as_far_as_they_go(
    hostile: HostileServer, one_try: OnCallApi
) -> None:
    body: dict[str, Any] = {
        "onCallParticipants": [
            {"id": "u1", "type": "user", "extra": "kept"},
            {"type": "team", "onCallParticipants": None},
            {"id": "t2", "type": "team", "nextOnCallParticipants": [{"id": "u2", "type": "user"}]},
        ]
    }
    hostile.on("GET", "/v1/schedules/s1/on-calls", json_reply(body))
    answer = await one_try.on_call("s1")
    assert answer.user_ids() == ["u1", "u2"]
    assert answer.participants[0].raw["extra"] == "kept"
