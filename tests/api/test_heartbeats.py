"""The heartbeat calls (console.api.oncall.HeartbeatApi) against the simulator over loopback:
read, page, ping, create, update, switch off, delete; the typed errors (402 plan, 403, 401
scope, 404); retries that cannot duplicate; and the hostile server's answers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from console.api import BasicCredentials, JsmClient, RetryPolicy, errors
from console.api.oncall import HeartbeatApi, NewHeartbeat, OnCallApi
from console.simulator.server import BackgroundSimulator
from tests.api.conftest import MakeClient
from tests.conftest import VIEWER
from tests.hostile import HostileServer, json_reply


@pytest.fixture
def payments(sim: BackgroundSimulator) -> str:
    return next(e.id for e in sim.simulator.store.directory.values() if e.name == "Payments")


@pytest.fixture
def beats(client: JsmClient) -> HeartbeatApi:
    return HeartbeatApi(client)


NEW = {"name": "invoice-export", "interval": 10, "intervalUnit": "minutes", "enabled": True}


async def test_a_teams_heartbeats_are_read_with_their_status(
    beats: HeartbeatApi, payments: str
) -> None:
    found = {b.name: b for b in await beats.heartbeats(payments)}
    assert set(found) == {"ledger-reconciliation", "payouts-nightly"}
    ledger = found["ledger-reconciliation"]
    assert (ledger.status, ledger.silent, ledger.interval_seconds) == ("Responsive", False, 120)
    assert ledger.owner_team_id == payments and ledger.alert_priority == "P2"
    assert await beats.heartbeat(payments, "payouts-nightly") == found["payouts-nightly"]
    assert await beats.heartbeat(payments, "nobody") is None


async def test_every_page_is_followed_and_counted_apart(
    sim: BackgroundSimulator, client: JsmClient, beats: HeartbeatApi, payments: str
) -> None:
    for i in range(150):
        await beats.create(payments, {**NEW, "name": f"job-{i:03d}"})
    sim.admin("stats", method="DELETE")
    found = await beats.heartbeats(payments)
    assert len(found) == 152
    counts = sim.stats()["requests"]
    assert counts["heartbeat_reads"] == 2  # pages of 100
    assert counts["total"] == 2


async def test_create_ping_switch_off_and_delete(
    sim: BackgroundSimulator, beats: HeartbeatApi, payments: str
) -> None:
    created = await beats.create(payments, NewHeartbeat.model_validate(NEW))
    assert (created.name, created.status, created.enabled) == ("invoice-export", "Pending", True)
    assert created.alert_message == "invoice-export is expired"
    assert await beats.ping(payments, "invoice-export") == "PONG - Heartbeat received"
    pinged = await beats.heartbeat(payments, "invoice-export")
    assert pinged is not None and pinged.status == "Responsive"
    off = await beats.set_enabled(payments, "invoice-export", False)
    assert (off.status, off.silent) == ("Off", False)
    changed = await beats.update(
        payments, "invoice-export", {"interval": 2, "intervalUnit": "hours", "alertTags": ["x"]}
    )
    assert (changed.interval_seconds, changed.alert_tags) == (7_200, ["x"])
    await beats.delete(payments, "invoice-export")
    assert await beats.heartbeat(payments, "invoice-export") is None
    with pytest.raises(errors.NotFound):
        await beats.delete(payments, "invoice-export")


async def test_bad_input_is_refused_before_anything_is_sent(
    sim: BackgroundSimulator, client: JsmClient, beats: HeartbeatApi, payments: str
) -> None:
    sent = client.requests_sent
    with pytest.raises(errors.InputError) as caught:
        await beats.create(payments, {"name": " ", "interval": 0, "intervalUnit": "weeks"})
    assert caught.value.fields == ("name", "interval", "intervalUnit")
    with pytest.raises(errors.InputError, match="alertMessage"):
        await beats.create(payments, {**NEW, "alertMessage": "m" * 131})
    with pytest.raises(errors.InputError, match="name: a heartbeat's name cannot be changed"):
        await beats.update(payments, "payouts-nightly", {"name": "renamed"})
    assert client.requests_sent == sent


async def test_a_read_only_console_never_pings(
    sim: BackgroundSimulator, make_client: MakeClient, payments: str
) -> None:
    """A ping is a GET, but it is a write: read-only sends none (nor any other write)."""
    beats = HeartbeatApi(make_client(read_only=True))
    with pytest.raises(errors.ReadOnlyError):
        await beats.ping(payments, "ledger-reconciliation")
    with pytest.raises(errors.ReadOnlyError):
        await beats.set_enabled(payments, "ledger-reconciliation", False)
    assert [b.name for b in await beats.heartbeats(payments)]  # reads still work
    assert "heartbeat_pings" not in sim.stats()["requests"]
    assert "heartbeat_writes" not in sim.stats()["requests"]


async def test_a_plan_without_heartbeats_is_its_own_error(
    sim: BackgroundSimulator, beats: HeartbeatApi, payments: str
) -> None:
    sim.admin("heartbeats", {"plan": False})
    for call in (
        beats.heartbeats(payments),
        beats.ping(payments, "ledger-reconciliation"),
        beats.create(payments, NEW),
        beats.delete(payments, "payouts-nightly"),
    ):
        with pytest.raises(errors.PaymentRequired) as caught:
            await call
        assert caught.value.status == 402 and caught.value.kind == "plan"
        assert str(caught.value) == "402: Your subscription plan does not include heartbeats"
        assert not caught.value.retryable


async def test_permission_and_scope_are_typed_errors(
    sim: BackgroundSimulator, make_client: MakeClient, beats: HeartbeatApi, payments: str
) -> None:
    viewer = HeartbeatApi(make_client(credentials=BasicCredentials(*VIEWER)))
    assert await viewer.heartbeats(payments)
    with pytest.raises(errors.Forbidden, match="heartbeats"):
        await viewer.ping(payments, "ledger-reconciliation")
    sim.admin("directory", {"ops_config": "read-only"})
    assert await beats.heartbeats(payments)
    with pytest.raises(errors.Unauthorized, match="scope does not match"):
        await beats.ping(payments, "ledger-reconciliation")
    with pytest.raises(errors.NotFound, match="Team not found"):
        await beats.heartbeats("no-such-team")


async def test_a_create_whose_answer_was_lost_is_not_made_twice(
    sim: BackgroundSimulator, client: JsmClient, beats: HeartbeatApi, payments: str
) -> None:
    """The first attempt is applied and its connection dropped; the retry is told the name is
    taken; the heartbeat read back is the one sent, so that is the answer."""
    sim.script_writes("drop")
    created = await beats.create(payments, NEW)
    assert created.name == "invoice-export" and created.interval == 10
    assert [b.name for b in await beats.heartbeats(payments)].count("invoice-export") == 1
    assert sim.stats()["requests"]["fault_drop"] == 1
    # Told the name is taken without any lost attempt: the service's word, as it said it.
    with pytest.raises(errors.Unprocessable, match="already exists"):
        await beats.create(payments, NEW)
    # A lost attempt, but the heartbeat found is someone else's: still an error.
    sim.script_writes("drop")
    with pytest.raises(errors.Unprocessable):
        await beats.create(payments, {**NEW, "name": "payouts-nightly"})


async def test_a_delete_whose_answer_was_lost_is_done(
    sim: BackgroundSimulator, beats: HeartbeatApi, payments: str
) -> None:
    sim.script_writes("drop")
    await beats.delete(payments, "payouts-nightly")
    assert await beats.heartbeat(payments, "payouts-nightly") is None
    sim.script_writes("drop")
    changed = await beats.set_enabled(payments, "ledger-reconciliation", False)
    assert changed.status == "Off"


async def test_a_heartbeats_rate_limit_never_holds_back_on_call_or_names(
    client: JsmClient, hostile: HostileServer, sim: BackgroundSimulator
) -> None:
    async with JsmClient(
        origin=hostile.origin,
        cloud_id="demo",
        credentials=BasicCredentials("me@example.com", "hostile-api-token"),
        retry=RetryPolicy(attempts=3, budget_s=5.0),
    ) as hostile_client:
        hostile.on(
            "GET",
            "/v1/teams/t1/heartbeats",
            json_reply({"message": "slow down"}, status=429, headers=[("Retry-After", "60")]),
        )
        with pytest.raises(errors.RateLimited) as caught:
            await HeartbeatApi(hostile_client).heartbeats("t1")
        assert caught.value.service == "the heartbeats API"
        assert hostile_client.gates["heartbeats"].remaining > 50
        assert hostile_client.gates["directory"].remaining == 0
        hostile.on("GET", "/v1/schedules/s1/on-calls", json_reply({"onCallUsers": ["u1"]}))
        started = time.monotonic()
        assert (await OnCallApi(hostile_client).on_call("s1", flat=True)).users == ["u1"]
        assert time.monotonic() - started < 1.0


# ------------------------------------------------------------------ what a service should not send


@pytest.fixture
async def one_try(hostile: HostileServer) -> AsyncIterator[HeartbeatApi]:
    async with JsmClient(
        origin=hostile.origin,
        cloud_id="demo",
        credentials=BasicCredentials("me@example.com", "hostile-api-token"),
        retry=RetryPolicy(attempts=1, budget_s=5.0, attempt_s=1.0),
    ) as client:
        yield HeartbeatApi(client)


async def test_a_heartbeat_without_a_name_is_left_out_not_the_page(
    hostile: HostileServer, one_try: HeartbeatApi
) -> None:
    page: dict[str, Any] = {
        "values": [
            {"description": "no name"},
            {"name": "ok", "enabled": "true", "status": "Unresponsive", "interval": "ten"},
            "junk",
        ],
        "links": {},
    }
    hostile.on("GET", "/v1/teams/t1/heartbeats", json_reply(page))
    (beat,) = await one_try.heartbeats("t1")
    assert (beat.name, beat.enabled, beat.silent) == ("ok", True, True)
    assert beat.interval is None and beat.unreadable == frozenset({"interval"})


@pytest.mark.parametrize(
    "link",
    [
        "http://evil.example/v1/teams/t1/heartbeats?offset=1",
        "/v1/../../ex/jira/demo/rest/api/3/user/search?query=a",
        "/v2/teams/t1/heartbeats?offset=1",
    ],
)
async def test_a_next_link_off_the_api_is_not_followed(
    hostile: HostileServer, one_try: HeartbeatApi, link: str
) -> None:
    page = {"values": [{"name": "only"}], "links": {"next": link}}
    hostile.on("GET", "/v1/teams/t1/heartbeats", json_reply(page))
    assert [b.name for b in await one_try.heartbeats("t1")] == ["only"]
    assert len(hostile.requests) == 1


async def test_a_service_that_always_has_a_next_page_is_left_after_fifty(
    hostile: HostileServer, one_try: HeartbeatApi
) -> None:
    page = {"values": [{"name": "again"}], "links": {"next": "/v1/teams/t1/heartbeats?offset=1"}}
    hostile.on("GET", "/v1/teams/t1/heartbeats", json_reply(page))
    assert len(await one_try.heartbeats("t1")) == 50
    assert len(hostile.seen("GET", "/v1/teams/t1/heartbeats")) == 50
