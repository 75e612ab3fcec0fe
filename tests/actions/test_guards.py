"""What the tracker refuses before anything is sent, and listeners that misbehave."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.actions import OPS, ActionTracker, State, TrackerEvent
from console.api import InputError, JsmClient, ReadOnlyError
from console.simulator.server import BackgroundSimulator
from tests.actions.conftest import ClientFactory, TrackerFactory
from tests.actions.support import (
    UNACKED,
    Recorder,
    alert,
    file_bytes,
    find,
    requests,
    settled,
    targets,
    zero_stats,
)
from tests.api.support import ops

# Good data for every op, so that only read-only mode can be the reason for a refusal.
GOOD: dict[str, dict[str, Any] | None] = {
    "create": {"message": "read-only test"},
    "delete": None,
    "acknowledge": None,
    "unacknowledge": None,
    "close": None,
    "assign": {"accountId": "someone"},
    "add_responder": {"type": "team", "id": "some-team"},
    "escalate": {"escalationId": "some-escalation"},
    "snooze": {"endTime": datetime.now().astimezone() + timedelta(hours=1)},
    "custom_action": {"actionName": "Restart"},
    "add_tags": {"tags": ["a"]},
    "remove_tags": {"tags": ["a"]},
    "add_extra_properties": {"extraProperties": {"a": "b"}},
    "remove_extra_properties": {"keys": ["a"]},
    "update_message": {"message": "m"},
    "update_description": {"description": "d"},
    "update_priority": {"priority": "P2"},
    "add_note": {"note": "n"},
}


def test_good_data_covers_every_op() -> None:
    assert set(GOOD) == set(OPS)


# ---------------------------------------------------------------------- read-only


@pytest.mark.parametrize("source", ["tracker", "client"])
async def test_a_read_only_tracker_refuses_every_op_and_sends_nothing(
    source: str,
    sim: BackgroundSimulator,
    api: httpx.Client,
    client: JsmClient,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    target = find(api, UNACKED, 1)[0]
    if source == "tracker":
        tracker = make_tracker(client, read_only=True)
    else:  # a tracker on a read-only client is read-only too
        tracker = make_tracker(make_client(read_only=True))
    events = Recorder()
    tracker.subscribe(events)
    zero_stats(sim)
    for op, data in GOOD.items():
        alert_id = None if op == "create" else target["id"]
        with pytest.raises(ReadOnlyError):
            tracker.submit(op, [(alert_id, "#1")], data)
    assert tracker.read_only
    assert events.events == []
    assert tracker.actions == {}
    assert file_bytes(journal_path) == b""
    assert requests(sim, "writes") == 0
    assert requests(sim, "total") == 0
    assert alert(api, target["id"])["updatedAt"] == target["updatedAt"]


async def test_a_read_only_client_refuses_writes_but_reads(
    sim: BackgroundSimulator, api: httpx.Client, make_client: ClientFactory
) -> None:
    target = find(api, UNACKED, 1)[0]
    client = make_client(read_only=True)
    zero_stats(sim)
    with pytest.raises(ReadOnlyError):
        await client.send(OPS["acknowledge"].request, target["id"])
    with pytest.raises(ReadOnlyError):
        await ops(client).acknowledge(target["id"])
    with pytest.raises(ReadOnlyError):
        await ops(client).create_alert({"message": "not sent"})
    with pytest.raises(ReadOnlyError):
        await ops(client).add_note(target["id"], "not sent")
    with pytest.raises(ReadOnlyError):
        await client.request("DELETE", f"/v1/alerts/{target['id']}")
    assert client.requests_sent == 0
    assert requests(sim, "total") == 0

    listing = await client.list_alerts(size=5)
    assert len(listing.alerts) == 5
    assert (await client.get_alert(target["id"])).id == target["id"]
    assert requests(sim, "writes") == 0
    assert requests(sim, "reads") == 2
    assert alert(api, target["id"])["acknowledged"] is False


# ---------------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    ("op", "data", "field"),
    [
        ("add_tags", {"tags": ["x" * 51]}, "tags[0]"),
        ("add_tags", {"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ("remove_tags", {"tags": []}, "tags"),
        ("update_message", {"message": "m" * 131}, "message"),
        ("update_message", {"message": "   "}, "message"),
        ("update_description", {"description": "d" * 15_001}, "description"),
        ("update_priority", {"priority": "P0"}, "priority"),
        ("add_responder", {"type": "robot", "id": "r"}, "type"),
        ("assign", {}, "accountId"),
        ("escalate", {"escalationId": ""}, "escalationId"),
        ("snooze", {"endTime": datetime(2099, 1, 1)}, "endTime"),  # naive: refused
        ("custom_action", {"actionName": "a" * 51}, "actionName"),
        ("add_extra_properties", {"extraProperties": {"k": "v" * 8_000}}, "extraProperties"),
        ("remove_extra_properties", {"keys": []}, "keys"),
        ("create", {"message": "m" * 131}, "message"),
        ("create", {"message": "ok", "bogus": 1}, "bogus"),
        ("add_note", {"note": "n" * 25_001}, "note"),
    ],
)
async def test_data_breaking_a_limit_is_refused_before_anything_happens(
    op: str,
    data: dict[str, Any],
    field: str,
    sim: BackgroundSimulator,
    tracker: ActionTracker,
    recorder: Recorder,
    journal_path: Path,
) -> None:
    zero_stats(sim)
    alert_id = None if op == "create" else "some-alert"
    with pytest.raises(InputError) as raised:
        tracker.submit(op, [(alert_id, "#1")], data)
    assert field in raised.value.fields
    assert field in str(raised.value)
    assert recorder.events == []
    assert tracker.actions == {}
    assert file_bytes(journal_path) == b""
    assert requests(sim, "total") == 0


async def test_an_unknown_op_or_no_target_is_refused(
    tracker: ActionTracker, recorder: Recorder, journal_path: Path
) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        tracker.submit("reboot", [("a", "#1")])
    with pytest.raises(ValueError, match="no alert"):
        tracker.submit("acknowledge", [])
    assert recorder.events == []
    assert file_bytes(journal_path) == b""


# ---------------------------------------------------------------------- listeners


async def test_a_listener_that_raises_stops_neither_the_others_nor_the_action(
    api: httpx.Client, tracker: ActionTracker
) -> None:
    target = find(api, UNACKED, 1)[0]
    calls: list[TrackerEvent] = []

    def broken(event: TrackerEvent) -> None:
        calls.append(event)
        raise RuntimeError("listener bug")

    tracker.subscribe(broken)
    events = Recorder()
    tracker.subscribe(events)
    batch = tracker.submit("acknowledge", targets([target]))

    (action,) = await settled(tracker, batch)

    assert action.state is State.SUCCEEDED
    assert events.states(action.id) == [State.QUEUED, State.SENT, State.SUCCEEDED]
    assert [f.summary for f in events.finished()] == ["1 acknowledged"]
    assert len(calls) == len(events.events) == 4  # the broken one was called every time
    assert alert(api, target["id"])["acknowledged"] is True


async def test_an_unsubscribed_listener_hears_nothing_more(
    api: httpx.Client, tracker: ActionTracker
) -> None:
    first, second = find(api, UNACKED, 2)
    events = Recorder()
    stop = tracker.subscribe(events)
    await settled(tracker, tracker.submit("acknowledge", targets([first])))
    heard = len(events.events)
    stop()
    stop()  # twice is harmless
    await settled(tracker, tracker.submit("acknowledge", targets([second])))
    assert heard == 4
    assert len(events.events) == heard
