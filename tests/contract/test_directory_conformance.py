"""The directory's reads, refereed by ``jsm-ops-directory.openapi.json`` (a verbatim excerpt of
the published document: see ../shared/spec/SOURCE.md): every operation of it is driven over
HTTP in success and in failure, and each answer must carry a status the spec declares (or
one every operation may give) and a body that validates against the declared schema.

Spec quirks worked around here, each also in docs/contributors/simulator.md:
- ``OnCallResponse`` and ``Rotation.timeRestriction`` are ``oneOf`` two object schemas that
  require nothing, so any object matches both and ``oneOf`` can never hold: read as ``anyOf``.
- ``getTeams`` declares only 200 and 422; like every operation it also answers 401.
- ``listEscalation`` declares no 422: a bad ``offset`` or ``size`` is a 400 there.
- A token without ``read:ops-config:jira-service-management`` gets the gateway's 401
  ("scope does not match"), as alert writes without the delete scope do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.simulator.server import BackgroundSimulator
from tests.contract.referee import Referee, one_of_as_any_of
from tests.directory.conftest import entries, knobs


def _patch(schemas: dict[str, Any]) -> None:
    one_of_as_any_of(schemas["OnCallResponse"])
    one_of_as_any_of(schemas["Rotation"]["properties"]["timeRestriction"])


REFEREE = Referee(Path(__file__).with_name("jsm-ops-directory.openapi.json"), _patch)
OPERATIONS = REFEREE.operations
check = REFEREE.check


Driver = Callable[[httpx.Client, BackgroundSimulator], httpx.Response]


def _team(sim: BackgroundSimulator) -> str:
    """A team with an escalation (the first escalation's)."""
    escalation = entries(sim, "escalation")[0]
    team = next(t for t in entries(sim, "team") if escalation.name.startswith(t.name))
    return team.id


def _escalation(sim: BackgroundSimulator) -> tuple[str, str]:
    return _team(sim), entries(sim, "escalation")[0].id


def _schedule(sim: BackgroundSimulator) -> str:
    return entries(sim, "schedule")[0].id


SUCCESS: dict[str, Driver] = {
    "getTeams": lambda c, s: c.get("/v1/teams"),
    "listEscalation": lambda c, s: c.get(f"/v1/teams/{_team(s)}/escalations"),
    "getEscalation": lambda c, s: c.get("/v1/teams/{}/escalations/{}".format(*_escalation(s))),
    "listSchedules": lambda c, s: c.get("/v1/schedules", params={"expand": "rotation"}),
    "getSchedule": lambda c, s: c.get(f"/v1/schedules/{_schedule(s)}"),
    "getOnCalls": lambda c, s: c.get(f"/v1/schedules/{_schedule(s)}/on-calls"),
}
MORE_SUCCESS: list[tuple[str, Driver]] = [
    ("listEscalation", lambda c, s: c.get(f"/v1/teams/{_team(s)}/escalations?size=1")),
    ("listSchedules", lambda c, s: c.get("/v1/schedules", params={"size": 2, "offset": 1})),
    ("listSchedules", lambda c, s: c.get("/v1/schedules", params={"query": "s*"})),
    (
        "getOnCalls",
        lambda c, s: c.get(
            f"/v1/schedules/{_schedule(s)}/on-calls",
            params={"flat": "true", "date": "2026-03-01T10:00:00Z"},
        ),
    ),
]
FAILURES: list[tuple[str, int, Driver]] = [
    ("listEscalation", 404, lambda c, s: c.get("/v1/teams/no-such-team/escalations")),
    ("listEscalation", 400, lambda c, s: c.get(f"/v1/teams/{_team(s)}/escalations?size=101")),
    ("getEscalation", 404, lambda c, s: c.get(f"/v1/teams/{_team(s)}/escalations/nope")),
    ("getEscalation", 404, lambda c, s: c.get("/v1/teams/nope/escalations/nope")),
    ("listSchedules", 422, lambda c, s: c.get("/v1/schedules", params={"size": 51})),
    ("listSchedules", 422, lambda c, s: c.get("/v1/schedules", params={"expand": "people"})),
    ("getSchedule", 404, lambda c, s: c.get("/v1/schedules/nope")),
    ("getOnCalls", 404, lambda c, s: c.get("/v1/schedules/nope/on-calls")),
    (
        "getOnCalls",
        422,
        lambda c, s: c.get(f"/v1/schedules/{_schedule(s)}/on-calls", params={"date": "soon"}),
    ),
    (
        "getOnCalls",
        422,
        lambda c, s: c.get(f"/v1/schedules/{_schedule(s)}/on-calls", params={"flat": "maybe"}),
    ),
]


def test_every_operation_of_the_excerpt_is_exercised() -> None:
    assert set(OPERATIONS) == set(SUCCESS)
    assert {op for op, _, _ in FAILURES} | {"getTeams"} == set(OPERATIONS)


@pytest.mark.parametrize("operation_id", sorted(SUCCESS))
def test_success_answers_conform(
    sim: BackgroundSimulator, api: httpx.Client, operation_id: str
) -> None:
    response = SUCCESS[operation_id](api, sim)
    assert response.status_code == 200, response.text
    check(operation_id, response)


@pytest.mark.parametrize(("operation_id", "drive"), MORE_SUCCESS)
def test_paged_filtered_and_flat_answers_conform(
    sim: BackgroundSimulator, api: httpx.Client, operation_id: str, drive: Driver
) -> None:
    response = drive(api, sim)
    assert response.status_code == 200, response.text
    check(operation_id, response)


def test_next_links_lead_through_every_page(sim: BackgroundSimulator, api: httpx.Client) -> None:
    seen: list[str] = []
    url: str | None = "/v1/schedules?size=3"
    while url:
        page = api.get(url).json()
        seen += [s["id"] for s in page["values"]]
        url = page["links"].get("next")
    assert seen == [s.id for s in entries(sim, "schedule")]
    knobs(sim, add=[{"type": "escalation", "name": f"e{i}", "team": _team(sim)} for i in range(5)])
    first = api.get(f"/v1/teams/{_team(sim)}/escalations", params={"size": 2}).json()
    assert first["links"]["next"] == f"/v1/teams/{_team(sim)}/escalations?offset=2&size=2"


@pytest.mark.parametrize(
    ("operation_id", "status", "drive"),
    FAILURES,
    ids=[f"{op}-{status}-{i}" for i, (op, status, _) in enumerate(FAILURES)],
)
def test_failure_answers_conform(
    sim: BackgroundSimulator, api: httpx.Client, operation_id: str, status: int, drive: Driver
) -> None:
    response = drive(api, sim)
    assert response.status_code == status, response.text
    check(operation_id, response)


@pytest.mark.parametrize("operation_id", sorted(SUCCESS))
def test_refusals_conform(sim: BackgroundSimulator, api: httpx.Client, operation_id: str) -> None:
    with httpx.Client(base_url=sim.base_url, auth=("demo@example.com", "wrong")) as stranger:
        response = SUCCESS[operation_id](stranger, sim)
    assert response.status_code == 401
    check(operation_id, response)
    knobs(sim, ops_config="no-scope")
    response = SUCCESS[operation_id](api, sim)
    assert response.status_code == 401
    assert "scope does not match" in response.json()["message"]
    check(operation_id, response)
