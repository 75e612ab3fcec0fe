"""On-call and heartbeats, refereed by ``jsm-ops-oncall-heartbeats.openapi.json`` (a verbatim
excerpt of the published document: see ../shared/spec/SOURCE.md): every operation of it is
driven over HTTP in success and in failure (402, 403, 401, 404, 422, 400), and each answer
must carry a status the spec declares (or one every operation may give) and a body that
validates against the declared schema. The on-calls read of the directory excerpt is checked
here too where the nested shape shows (a team on call).

Spec quirks worked around here, each also in the README:
- ``NextOnCallResponse`` is ``oneOf`` two object schemas that require nothing: read as ``anyOf``.
- The heartbeat operations declare no 404; an unknown team or heartbeat name answers 404
  (as the directory's reads do) with the ``ErrorResponses`` body.
- ``listHeartbeats`` declares no 422 (a bad ``offset``/``size`` or a missing ``name`` is a
  400), ``pingHeartbeat`` none either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.simulator.server import BackgroundSimulator
from tests.conftest import VIEWER
from tests.contract.referee import Referee, one_of_as_any_of
from tests.contract.test_directory_conformance import check as check_directory


def _patch(schemas: dict[str, Any]) -> None:
    one_of_as_any_of(schemas["NextOnCallResponse"])


HEARTBEAT_OPS = ("listHeartbeats", "createHeartbeat", "updateHeartbeat", "deleteHeartbeat")
REFEREE = Referee(
    Path(__file__).with_name("jsm-ops-oncall-heartbeats.openapi.json"),
    _patch,
    extra={(op, 404) for op in HEARTBEAT_OPS},
)
OPERATIONS = REFEREE.operations
check = REFEREE.check


@dataclass(frozen=True)
class Site:
    """The ids the drivers address: the Payments team (it has heartbeats) and a schedule."""

    team: str
    schedule: str

    @property
    def beats(self) -> str:
        return f"/v1/teams/{self.team}/heartbeats"

    @property
    def sched(self) -> str:
        return f"/v1/schedules/{self.schedule}"


@pytest.fixture
def site(sim: BackgroundSimulator, api: httpx.Client) -> Site:
    teams = api.get("/v1/teams").json()["platformTeams"]
    payments = next(t["teamId"] for t in teams if t["teamName"] == "Payments")
    return Site(payments, api.get("/v1/schedules").json()["values"][0]["id"])


NEW = {
    "name": "contract-check",
    "description": "made by the contract test",
    "interval": 10,
    "intervalUnit": "minutes",
    "enabled": True,
    "alertMessage": "contract-check is silent",
    "alertTags": ["contract", "heartbeat"],
    "alertPriority": "P4",
}
Driver = Callable[[httpx.Client, Site], httpx.Response]
SUCCESS: dict[str, tuple[int, Driver]] = {
    "getTimeline": (200, lambda c, i: c.get(f"{i.sched}/timeline")),
    "getNextOnCalls": (200, lambda c, i: c.get(f"{i.sched}/next-on-calls")),
    "listHeartbeats": (200, lambda c, i: c.get(i.beats)),
    "createHeartbeat": (201, lambda c, i: c.post(i.beats, json=NEW)),
    "updateHeartbeat": (
        201,
        lambda c, i: c.patch(
            i.beats,
            params={"name": "ledger-reconciliation"},
            json={"name": "ledger-reconciliation", "enabled": False, "interval": 3},
        ),
    ),
    "deleteHeartbeat": (204, lambda c, i: c.delete(i.beats, params={"name": "payouts-nightly"})),
    "pingHeartbeat": (
        202,
        lambda c, i: c.get(f"{i.beats}/ping", params={"name": "ledger-reconciliation"}),
    ),
}
MORE_SUCCESS: list[tuple[str, Driver]] = [
    (
        "getTimeline",
        lambda c, i: c.get(
            f"{i.sched}/timeline",
            params=[
                ("interval", 2),
                ("intervalUnit", "days"),
                ("expand", "base"),
                ("expand", "forwarding"),
                ("expand", "override"),
            ],
        ),
    ),
    (
        "getTimeline",
        lambda c, i: c.get(
            f"{i.sched}/timeline",
            params={"intervalUnit": "months", "expand": "base,override"},
        ),
    ),
    (
        "getNextOnCalls",
        lambda c, i: c.get(
            f"{i.sched}/next-on-calls",
            params={"flat": "true", "date": "2026-03-01T10:00:00Z"},
        ),
    ),
    ("listHeartbeats", lambda c, i: c.get(i.beats, params={"size": 1, "offset": 1})),
    ("listHeartbeats", lambda c, i: c.get(i.beats, params={"name": "payouts-nightly"})),
    ("listHeartbeats", lambda c, i: c.get(i.beats, params={"name": "nobody-has-this"})),
    (
        "createHeartbeat",
        lambda c, i: c.post(i.beats, json={**NEW, "name": "hourly", "intervalUnit": "hours"}),
    ),
    (
        "createHeartbeat",
        lambda c, i: c.post(i.beats, json={"name": "bare", "interval": 1, "intervalUnit": "days"}),
    ),
    ("pingHeartbeat", lambda c, i: c.get(f"{i.beats}/ping", params={"name": "nobody-has-this"})),
    ("pingHeartbeat", lambda c, i: c.get("/v1/teams/no-such-team/heartbeats/ping?name=x")),
]
FAILURES: list[tuple[str, int, Driver]] = [
    ("getTimeline", 404, lambda c, i: c.get("/v1/schedules/nope/timeline")),
    (
        "getTimeline",
        422,
        lambda c, i: c.get(f"{i.sched}/timeline?intervalUnit=years"),
    ),
    ("getTimeline", 422, lambda c, i: c.get(f"{i.sched}/timeline?interval=0")),
    ("getTimeline", 422, lambda c, i: c.get(f"{i.sched}/timeline?date=soon")),
    ("getTimeline", 422, lambda c, i: c.get(f"{i.sched}/timeline?expand=people")),
    (
        "getTimeline",
        422,
        lambda c, i: c.get(
            f"{i.sched}/timeline",
            params={"date": "2099-01-01T00:00:00Z"},
        ),
    ),
    (
        "getTimeline",
        422,
        lambda c, i: c.get(
            f"{i.sched}/timeline",
            params={"interval": 9999, "intervalUnit": "months", "date": "9999-01-01T00:00:00Z"},
        ),
    ),
    ("getNextOnCalls", 404, lambda c, i: c.get("/v1/schedules/nope/next-on-calls")),
    ("getNextOnCalls", 422, lambda c, i: c.get(f"{i.sched}/next-on-calls?flat=9")),
    ("getNextOnCalls", 422, lambda c, i: c.get(f"{i.sched}/next-on-calls?date=x")),
    ("listHeartbeats", 400, lambda c, i: c.get(i.beats, params={"size": 101})),
    ("listHeartbeats", 400, lambda c, i: c.get(i.beats, params={"offset": -1})),
    ("listHeartbeats", 400, lambda c, i: c.get(i.beats, params={"name": "n" * 201})),
    ("listHeartbeats", 404, lambda c, i: c.get("/v1/teams/no-such-team/heartbeats")),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={"name": "no-interval"})),
    (
        "createHeartbeat",
        422,
        lambda c, i: c.post(i.beats, json={**NEW, "name": "ledger-reconciliation"}),
    ),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={**NEW, "intervalUnit": "Minutes"})),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={**NEW, "alertMessage": "m" * 131})),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={**NEW, "alertTags": ["t"] * 21})),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={**NEW, "alertPriority": "P0"})),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={**NEW, "interval": 2**31})),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={**NEW, "name": "n" * 201})),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json={**NEW, "enabled": "true"})),
    ("createHeartbeat", 422, lambda c, i: c.post(i.beats, json=["a list"])),
    ("createHeartbeat", 400, lambda c, i: c.post(i.beats, content=b"{not json")),
    ("createHeartbeat", 404, lambda c, i: c.post("/v1/teams/no-such-team/heartbeats", json=NEW)),
    ("updateHeartbeat", 404, lambda c, i: c.patch(i.beats, params={"name": "nope"}, json={})),
    ("updateHeartbeat", 400, lambda c, i: c.patch(i.beats, json={"enabled": True})),
    (
        "updateHeartbeat",
        422,
        lambda c, i: c.patch(i.beats, params={"name": "payouts-nightly"}, json={"name": "renamed"}),
    ),
    (
        "updateHeartbeat",
        422,
        lambda c, i: c.patch(i.beats, params={"name": "payouts-nightly"}, json={"interval": 0}),
    ),
    ("deleteHeartbeat", 404, lambda c, i: c.delete(i.beats, params={"name": "nope"})),
    ("deleteHeartbeat", 400, lambda c, i: c.delete(i.beats)),
    ("pingHeartbeat", 400, lambda c, i: c.get(f"{i.beats}/ping")),
]


def test_every_operation_of_the_excerpt_is_exercised() -> None:
    assert set(OPERATIONS) == set(SUCCESS)
    assert {op for op, _, _ in FAILURES} == set(OPERATIONS)


@pytest.mark.parametrize("operation_id", sorted(SUCCESS))
def test_success_answers_conform(api: httpx.Client, site: Site, operation_id: str) -> None:
    status, drive = SUCCESS[operation_id]
    response = drive(api, site)
    assert response.status_code == status, response.text
    check(operation_id, response)


@pytest.mark.parametrize(("operation_id", "drive"), MORE_SUCCESS)
def test_expanded_paged_filtered_and_flat_answers_conform(
    api: httpx.Client, site: Site, operation_id: str, drive: Driver
) -> None:
    response = drive(api, site)
    assert 200 <= response.status_code < 300, response.text
    check(operation_id, response)


@pytest.mark.parametrize(
    ("operation_id", "status", "drive"),
    FAILURES,
    ids=[f"{op}-{status}-{i}" for i, (op, status, _) in enumerate(FAILURES)],
)
def test_failure_answers_conform(
    api: httpx.Client, site: Site, operation_id: str, status: int, drive: Driver
) -> None:
    response = drive(api, site)
    assert response.status_code == status, response.text
    check(operation_id, response)


@pytest.mark.parametrize("operation_id", sorted(SUCCESS))
def test_refusals_conform(
    sim: BackgroundSimulator, api: httpx.Client, site: Site, operation_id: str
) -> None:
    """401 for bad credentials and for a token without the scope."""
    drive = SUCCESS[operation_id][1]
    with httpx.Client(base_url=sim.base_url, auth=("demo@example.com", "wrong")) as stranger:
        response = drive(stranger, site)
    assert response.status_code == 401
    check(operation_id, response)
    sim.admin("directory", {"ops_config": "no-scope"})
    response = drive(api, site)
    assert response.status_code == 401, response.text
    assert "scope does not match" in response.json()["message"]
    check(operation_id, response)


WRITES = ["createHeartbeat", "updateHeartbeat", "deleteHeartbeat", "pingHeartbeat"]


@pytest.mark.parametrize("operation_id", ["createHeartbeat", "updateHeartbeat", "pingHeartbeat"])
def test_a_token_without_the_write_scope_may_read_but_not_write(
    sim: BackgroundSimulator, api: httpx.Client, site: Site, operation_id: str
) -> None:
    sim.admin("directory", {"ops_config": "read-only"})
    assert SUCCESS["listHeartbeats"][1](api, site).status_code == 200
    response = SUCCESS[operation_id][1](api, site)
    assert response.status_code == 401, response.text
    assert "scope does not match" in response.json()["message"]
    check(operation_id, response)


@pytest.mark.parametrize("operation_id", sorted(op for op in SUCCESS if "Heartbeat" in op))
def test_a_plan_without_heartbeats_is_402_everywhere(
    sim: BackgroundSimulator, api: httpx.Client, site: Site, operation_id: str
) -> None:
    sim.admin("heartbeats", {"plan": False})
    response = SUCCESS[operation_id][1](api, site)
    assert response.status_code == 402, response.text
    title = response.json()["errors"][0]["title"]
    assert title == "Your subscription plan does not include heartbeats"
    check(operation_id, response)


@pytest.mark.parametrize("operation_id", sorted(op for op in SUCCESS if "Heartbeat" in op))
def test_no_permission_is_403(
    sim: BackgroundSimulator, api: httpx.Client, site: Site, operation_id: str
) -> None:
    sim.admin("heartbeats", {"permission": False})
    response = SUCCESS[operation_id][1](api, site)
    assert response.status_code == 403, response.text
    check(operation_id, response)


@pytest.mark.parametrize("operation_id", WRITES)
def test_the_read_only_credential_may_not_change_heartbeats(
    sim: BackgroundSimulator, site: Site, operation_id: str
) -> None:
    with httpx.Client(base_url=sim.base_url, auth=VIEWER) as viewer:
        response = SUCCESS[operation_id][1](viewer, site)
    assert response.status_code == 403, response.text
    assert "heartbeats" in response.json()["message"]
    check(operation_id, response)


def test_nested_on_call_participants_conform(
    sim: BackgroundSimulator, api: httpx.Client, site: Site
) -> None:
    """A team on call: its people nested under it, in both on-call reads and the timeline."""
    payments, first = site.team, site.schedule
    sim.admin(
        "oncall",
        {
            "rotations": {
                first: [
                    {
                        "type": "weekly",
                        "startDate": "2024-01-01T00:00:00Z",
                        "participants": [{"type": "team", "id": payments}, {"type": "noone"}],
                    }
                ]
            }
        },
    )
    now = api.get(f"{site.sched}/on-calls", params={"date": "2024-01-02T00:00:00Z"})
    check_directory("getOnCalls", now)
    nested = now.json()["onCallParticipants"]
    assert [(p["type"], p["id"]) for p in nested] == [("team", payments)]
    assert nested[0]["onCallParticipants"], "the team's people"
    nxt = api.get(f"{site.sched}/next-on-calls", params={"date": "2024-01-09T00:00:00Z"})
    check("getNextOnCalls", nxt)
    assert nxt.json()["nextOnCallParticipants"] == nested
    timeline = api.get(f"{site.sched}/timeline", params={"intervalUnit": "weeks", "interval": 2})
    check("getTimeline", timeline)
    periods = timeline.json()["finalTimeline"]["rotations"][0]["periods"]
    responders = [p["responder"] for p in periods]
    assert {"type": "noone"} in responders
    assert {"type": "team", "id": payments} in responders
