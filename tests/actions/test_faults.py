"""Injected faults: no action is lost, safe writes get through, unsafe ones are never repeated."""

from __future__ import annotations

import dataclasses
from collections import Counter

import httpx
import pytest

from console.actions import ActionTracker, State
from console.simulator.server import BackgroundSimulator
from tests.actions.conftest import ClientFactory, TrackerFactory
from tests.actions.support import (
    UNACKED,
    Recorder,
    alert,
    all_alerts,
    find,
    requests,
    settled,
    targets,
    zero_stats,
)
from tests.conftest import FAST_RETRY
from tests.helpers import eventually

# FAST_RETRY with more tries: at a fault rate of 0.3, six failures in a row (FAST_RETRY's
# limit) would hit one request in 1,400 and make these tests flaky; twelve, one in two million.
PATIENT = dataclasses.replace(FAST_RETRY, attempts=12, budget_s=20.0)


def _faults_off(sim: BackgroundSimulator) -> None:
    """Before reading the site back: the plain httpx client goes through the faults too."""
    sim.set_faults(error_rate=0, proxy_502_rate=0, throttle_rate=0, drop_rate=0, latency_ms=0)


@pytest.mark.parametrize(
    ("fault", "counter"),
    [
        ("error_rate", "fault_error"),
        ("proxy_502_rate", "fault_proxy_502"),
        ("throttle_rate", "fault_throttle"),
        ("drop_rate", "fault_drop"),
    ],
)
async def test_a_bulk_ack_under_faults_loses_nothing(
    fault: str,
    counter: str,
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
) -> None:
    sim.reset(alerts=60)
    alerts = find(api, UNACKED, 15)
    tracker = make_tracker(make_client(retry=PATIENT), deadline_s=30.0)
    events = Recorder()
    tracker.subscribe(events)
    sim.set_faults(**{fault: 0.3})
    zero_stats(sim)
    batch = tracker.submit("acknowledge", targets(alerts))

    actions = await settled(tracker, batch, within=40)

    assert requests(sim, counter) > 0  # the fault did strike
    _faults_off(sim)
    # Nothing lost: every action has an outcome, anything short of success says why.
    assert len(actions) == 15
    for action in actions:
        assert action.state in (State.SUCCEEDED, State.FAILED, State.UNKNOWN)
        assert action.state is State.SUCCEEDED or action.reason
        assert events.states(action.id)[0] is State.QUEUED
        assert events.states(action.id)[-1] is action.state
    (finished,) = events.finished(batch)
    assert sum(finished.counts.values()) == 15
    # Acknowledge is safe to retry: with retries every one of them gets through.
    assert [a.state for a in actions] == [State.SUCCEEDED] * 15, [a.reason for a in actions]
    assert finished.summary == "15 acknowledged"
    for a in alerts:
        assert alert(api, a["id"])["acknowledged"] is True


async def test_an_unsafe_write_whose_answer_is_lost_is_unknown_and_sent_once(
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
) -> None:
    target = find(api, "status:open", 1)[0]
    escalation = next(e for e in sim.simulator.store.directory.values() if e.type == "escalation")
    client = make_client(retry=PATIENT)
    tracker = make_tracker(client)
    events = Recorder()
    tracker.subscribe(events)
    sim.set_faults(drop_rate=1.0)
    zero_stats(sim)
    batch = tracker.submit("escalate", targets([target]), {"escalationId": escalation.id})

    (action,) = await settled(tracker, batch)

    assert action.state is State.UNKNOWN
    assert action.reason is not None
    assert "may or may not have taken effect" in action.reason
    assert events.states(action.id) == [State.QUEUED, State.UNKNOWN]
    assert events.finished(batch)[0].counts == {State.UNKNOWN: 1}
    assert requests(sim, "writes") == 1
    assert client.requests_sent == 1
    # It did take effect: the drop came after the service handled it.
    _faults_off(sim)
    responder = {"id": escalation.id, "type": "escalation"}
    eventually(lambda: responder in alert(api, target["id"])["responders"])
    assert requests(sim, "writes") == 1


async def test_a_safe_write_whose_answers_are_all_lost_is_not_reported_failed(
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_tracker: TrackerFactory,
) -> None:
    # Fixed: console/actions/tracker.py:193-202 (_send_failed): a TransportError that reached
    # the server is turned into UNKNOWN only for unsafe ops. For a safe op (acknowledge)
    # whose retries all went unanswered the tracker says FAILED ("the connection ...
    # failed"), although every attempt reached the service and the alert IS acknowledged:
    # the user is told an action failed that took effect. It should be UNKNOWN with
    # "it may or may not have taken effect", like the unsafe case.
    target = find(api, UNACKED, 1)[0]
    tracker = make_tracker()
    tracker.check_after_s = (0.2, 0.5)  # its checks of the alert are dropped too
    sim.set_faults(drop_rate=1.0)
    batch = tracker.submit("acknowledge", targets([target]))

    (action,) = await settled(tracker, batch)

    _faults_off(sim)
    eventually(lambda: alert(api, target["id"])["acknowledged"])  # it took effect
    assert action.state is State.UNKNOWN, f"{action.state}: {action.reason}"
    assert action.reason is not None
    assert "may or may not have taken effect" in action.reason


async def test_retried_creates_never_make_a_second_alert(
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
) -> None:
    before = len(all_alerts(api))
    # Half the answers are lost after the service handled the create: each retry must
    # land on the alert the lost attempt made (the alias), never make another.
    patient = dataclasses.replace(FAST_RETRY, attempts=20, cap_s=0.05, budget_s=20.0)
    tracker = make_tracker(make_client(retry=patient), deadline_s=30.0)
    sim.set_faults(drop_rate=0.5)
    zero_stats(sim)
    batches = [
        tracker.submit("create", [(None, f"dup {i}")], {"message": f"dup {i}", "alias": f"dup-{i}"})
        for i in range(10)
    ]
    batches += [
        tracker.submit("create", [(None, f"plain {i}")], {"message": f"plain {i}"})
        for i in range(5)
    ]
    actions = [a for b in batches for a in await settled(tracker, b, within=40)]

    assert requests(sim, "fault_drop") > 0
    _faults_off(sim)
    assert [a.state for a in actions] == [State.SUCCEEDED] * 15, [a.reason for a in actions]
    after = all_alerts(api)
    assert len(after) == before + 15
    aliases = Counter(a["alias"] for a in after)
    assert all(aliases[f"dup-{i}"] == 1 for i in range(10)), aliases
    made = {a["id"]: a for a in after}
    assert {a.result_alert_id for a in actions} <= set(made)
    assert len({a.result_alert_id for a in actions}) == 15
    plain = [made[a.result_alert_id or ""] for a in actions[10:]]
    assert sorted(p["message"] for p in plain) == [f"plain {i}" for i in range(5)]


async def test_a_batch_of_creates_without_alias_makes_one_alert_each(
    api: httpx.Client, tracker: ActionTracker, recorder: Recorder
) -> None:
    # Fixed: console/actions/tracker.py:126 + console/api/client.py:557-559. submit() prepares
    # ONE body for the whole batch, and prepare() gives a create without alias a random
    # alias, so every create of the batch carries the same alias and the service folds them
    # into one alert (count 3). The tracker still reports "3 created". Each create of a
    # batch should get an alias of its own (or submit should refuse several create targets).
    before = len(all_alerts(api))
    batch = tracker.submit(
        "create", [(None, "first"), (None, "second"), (None, "third")], {"message": "same"}
    )
    actions = await settled(tracker, batch)
    assert [a.state for a in actions] == [State.SUCCEEDED] * 3
    assert recorder.finished(batch)[0].summary == "3 created"
    assert len(all_alerts(api)) == before + 3, "3 created, but the site has fewer new alerts"
