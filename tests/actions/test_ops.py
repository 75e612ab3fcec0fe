"""Every write the tracker knows, end to end against the simulator, and the failures it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.actions import OPS, Action, ActionTracker, State
from console.api import BasicCredentials, BearerToken, Credentials
from console.simulator.model import DirectoryEntry
from console.simulator.server import BackgroundSimulator
from tests.actions.conftest import ClientFactory, TrackerFactory
from tests.actions.support import (
    Recorder,
    alert,
    file_bytes,
    find,
    journal_lines,
    journal_states,
    requests,
    settled,
    targets,
    zero_stats,
)
from tests.conftest import ACCOUNT, VIEWER

Alert = dict[str, Any]
Directory = list[DirectoryEntry]


def _of(directory: Directory, kind: str) -> DirectoryEntry:
    return next(e for e in directory if e.type == kind)


def _logs(api: httpx.Client, alert_id: str) -> list[str]:
    response = api.get(f"/v1/alerts/{alert_id}/logs", params={"size": 100})
    assert response.status_code == 200, response.text
    return [entry["log"] for entry in response.json()["values"]]


def _notes(api: httpx.Client, alert_id: str) -> list[str]:
    response = api.get(f"/v1/alerts/{alert_id}/notes", params={"size": 100})
    assert response.status_code == 200, response.text
    return [note["note"] for note in response.json()["values"]]


SNOOZE_UNTIL = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
NEW_ALIAS = "tracker-made-this"
Data = Callable[[Alert, Directory], dict[str, Any] | None]
Check = Callable[[httpx.Client, Alert, Directory, Action], None]


@dataclass(frozen=True)
class Case:
    """One op: which alert it acts on, the data it sends, and what the site shows afterwards.

    ``check(api, before, directory, action)`` reads the site back; ``before`` is the
    target alert as it was (``{}`` for a create).
    """

    query: str | None  # None: a create, which acts on no alert
    data: Data
    check: Check
    where: Callable[[Alert], bool] = lambda _: True


def _no_data(_: Alert, __: Directory) -> None:
    return None


def _create_data(_: Alert, __: Directory) -> dict[str, Any]:
    return {
        "message": "Disk full on db-7 (made by the tracker)",
        "alias": NEW_ALIAS,
        "tags": ["tracker"],
        "priority": "P2",
    }


def _created(api: httpx.Client, _: Alert, __: Directory, action: Action) -> None:
    response = api.get("/v1/alerts/alias", params={"alias": NEW_ALIAS})
    assert response.status_code == 200, response.text
    made = response.json()
    assert made["message"] == "Disk full on db-7 (made by the tracker)"
    assert made["tags"] == ["tracker"]
    assert made["priority"] == "P2"
    assert action.result_alert_id == made["id"]


def _deleted(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert api.get(f"/v1/alerts/{before['id']}").status_code == 404


def _acknowledged(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    after = alert(api, before["id"])
    assert after["acknowledged"] is True
    assert "ackTime" in after


def _unacknowledged(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert alert(api, before["id"])["acknowledged"] is False


def _closed(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    after = alert(api, before["id"])
    assert after["status"] == "closed"
    assert "closeTime" in after


def _assigned(api: httpx.Client, before: Alert, directory: Directory, _: Action) -> None:
    assert alert(api, before["id"])["owner"] == _of(directory, "user").name


def _given_responder(api: httpx.Client, before: Alert, directory: Directory, _: Action) -> None:
    responder = {"id": _of(directory, "schedule").id, "type": "schedule"}
    assert responder not in before["responders"]
    assert alert(api, before["id"])["responders"] == [*before["responders"], responder]


def _escalated(api: httpx.Client, before: Alert, directory: Directory, _: Action) -> None:
    escalation = _of(directory, "escalation")
    assert {"id": escalation.id, "type": "escalation"} in alert(api, before["id"])["responders"]
    assert f"Escalated to next level of {escalation.name}" in _logs(api, before["id"])


def _snoozed(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    after = alert(api, before["id"])
    assert after["snoozed"] is True
    assert datetime.fromisoformat(after["snoozedUntil"]) == SNOOZE_UNTIL


def _actioned(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert f"Executed custom action [{before['actions'][0]}]" in _logs(api, before["id"])


def _tagged(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert alert(api, before["id"])["tags"] == [*before["tags"], "tracker-one", "tracker-two"]


def _untagged(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert alert(api, before["id"])["tags"] == before["tags"][1:]


def _given_properties(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    expected = {**before["extraProperties"], "tracker": "was here", "attempt": 2}
    assert alert(api, before["id"])["extraProperties"] == expected


def _stripped(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    first, *rest = before["extraProperties"]
    after = alert(api, before["id"])["extraProperties"]
    assert first not in after
    assert sorted(after) == sorted(rest)


def _renamed(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert alert(api, before["id"])["message"] == "Renamed by the tracker"


def _described(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert alert(api, before["id"])["description"] == "Described by the tracker.\nSecond line."


def _reprioritised(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert before["priority"] != "P1"
    assert alert(api, before["id"])["priority"] == "P1"


def _noted(api: httpx.Client, before: Alert, _: Directory, __: Action) -> None:
    assert _notes(api, before["id"])[-1] == "Looked at it from the tracker test"


OPEN = "status:open"
CASES: dict[str, Case] = {
    "create": Case(None, _create_data, _created),
    "delete": Case(OPEN, _no_data, _deleted),
    "acknowledge": Case("status:open AND acknowledged:false", _no_data, _acknowledged),
    "unacknowledge": Case("status:open AND acknowledged:true", _no_data, _unacknowledged),
    "close": Case(OPEN, _no_data, _closed),
    "assign": Case(OPEN, lambda _, d: {"accountId": _of(d, "user").id}, _assigned),
    "add_responder": Case(
        OPEN, lambda _, d: {"type": "schedule", "id": _of(d, "schedule").id}, _given_responder
    ),
    "escalate": Case(OPEN, lambda _, d: {"escalationId": _of(d, "escalation").id}, _escalated),
    "snooze": Case(
        "status:open AND snoozed:false", lambda _, __: {"endTime": SNOOZE_UNTIL}, _snoozed
    ),
    "custom_action": Case(
        OPEN, lambda a, _: {"actionName": a["actions"][0]}, _actioned, lambda a: bool(a["actions"])
    ),
    "add_tags": Case(
        OPEN,
        lambda _, __: {"tags": ["tracker-one", "tracker-two"]},
        _tagged,
        lambda a: "tracker-one" not in a["tags"],
    ),
    "remove_tags": Case(
        OPEN, lambda a, _: {"tags": [a["tags"][0]]}, _untagged, lambda a: bool(a["tags"])
    ),
    "add_extra_properties": Case(
        OPEN,
        lambda _, __: {"extraProperties": {"tracker": "was here", "attempt": 2}},
        _given_properties,
    ),
    "remove_extra_properties": Case(
        OPEN,
        lambda a, _: {"keys": [next(iter(a["extraProperties"]))]},
        _stripped,
        lambda a: len(a["extraProperties"]) >= 2,
    ),
    "update_message": Case(OPEN, lambda _, __: {"message": "Renamed by the tracker"}, _renamed),
    "update_description": Case(
        OPEN, lambda _, __: {"description": "Described by the tracker.\nSecond line."}, _described
    ),
    "update_priority": Case(
        OPEN, lambda _, __: {"priority": "P1"}, _reprioritised, lambda a: a["priority"] != "P1"
    ),
    "add_note": Case(OPEN, lambda _, __: {"note": "Looked at it from the tracker test"}, _noted),
}


def test_every_op_has_a_case() -> None:
    assert set(CASES) == set(OPS)


@pytest.mark.parametrize("op", list(CASES))
async def test_each_op_is_sent_followed_journaled_and_applied(
    op: str,
    sim: BackgroundSimulator,
    api: httpx.Client,
    tracker: ActionTracker,
    recorder: Recorder,
    journal_path: Path,
) -> None:
    case = CASES[op]
    directory = list(sim.simulator.store.directory.values())
    target = find(api, case.query, 1, case.where)[0] if case.query else {}
    alert_id = target.get("id")
    label = f"#{target['tinyId']}" if target else "new alert"
    batch = tracker.submit(op, [(alert_id, label)], case.data(target, directory))

    (action,) = await settled(tracker, batch)

    assert action.state is State.SUCCEEDED, action.reason
    assert action.reason is None
    synchronous = op == "add_note"
    expected = (
        [State.QUEUED, State.SUCCEEDED]
        if synchronous
        else [State.QUEUED, State.SENT, State.SUCCEEDED]
    )
    assert recorder.states(action.id) == expected
    events = recorder.action_events(action.id)
    assert label in events[0].text
    assert OPS[op].title in events[0].text
    if synchronous:
        assert action.request_id is None
    else:
        assert action.request_id
        assert action.request_id in events[1].text
    assert [f.summary for f in recorder.finished(batch)] == [f"1 {OPS[op].done}"]
    assert journal_states(journal_path, action.id) == expected
    entries = [e for e in journal_lines(journal_path) if e.action_id == action.id]
    assert {e.site for e in entries} == {tracker.client.site}
    assert entries[-1].request_id == action.request_id
    assert entries[-1].alert_id == alert_id
    case.check(api, target, directory, action)


# ---------------------------------------------------------------------- failures


async def test_ack_of_a_missing_alert_fails_with_the_service_reason(
    tracker: ActionTracker, recorder: Recorder, journal_path: Path
) -> None:
    batch = tracker.submit("acknowledge", [("no-such-alert", "#0")])
    (action,) = await settled(tracker, batch)
    assert action.state is State.FAILED
    assert action.reason == "Alert does not exist"
    assert recorder.states(action.id) == [State.QUEUED, State.SENT, State.FAILED]
    assert "Alert does not exist" in recorder.action_events(action.id)[-1].text
    assert [f.summary for f in recorder.finished(batch)] == ["1 failed: Alert does not exist"]
    last = journal_lines(journal_path)[-1]
    assert last.state is State.FAILED and last.reason == "Alert does not exist"


async def test_escalate_to_an_unknown_escalation_fails(
    api: httpx.Client, tracker: ActionTracker, recorder: Recorder
) -> None:
    target = find(api, "status:open", 1)[0]
    batch = tracker.submit("escalate", targets([target]), {"escalationId": "no-such-escalation"})
    (action,) = await settled(tracker, batch)
    assert action.state is State.FAILED
    assert action.reason == "Escalation does not exist"
    assert recorder.finished(batch)[0].summary == "1 failed: Escalation does not exist"
    assert alert(api, target["id"])["responders"] == target["responders"]


async def test_custom_action_the_alert_does_not_offer_fails(
    api: httpx.Client, tracker: ActionTracker
) -> None:
    target = find(api, "status:open", 1)[0]
    assert "Reboot the moon" not in target["actions"]
    batch = tracker.submit("custom_action", targets([target]), {"actionName": "Reboot the moon"})
    (action,) = await settled(tracker, batch)
    assert action.state is State.FAILED
    assert action.reason is not None and "Reboot the moon" in action.reason
    assert "not available" in action.reason


@pytest.mark.parametrize("op", ["acknowledge", "add_note"])
async def test_a_viewer_credential_is_refused_by_the_service(
    op: str,
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
) -> None:
    viewer = make_client(BasicCredentials(*VIEWER))
    assert not viewer.read_only  # the console does not know; the service says no
    tracker = make_tracker(viewer)
    events = Recorder()
    tracker.subscribe(events)
    target = find(api, "status:open AND acknowledged:false", 1)[0]
    zero_stats(sim)
    data = {"note": "not allowed"} if op == "add_note" else None
    batch = tracker.submit(op, targets([target]), data)
    (action,) = await settled(tracker, batch)
    assert action.state is State.FAILED
    assert action.reason is not None and action.reason.startswith("403")
    assert "permission" in action.reason
    assert events.states(action.id) == [State.QUEUED, State.FAILED]
    assert requests(sim, "writes") == 1  # a 403 is not retried
    after = alert(api, target["id"])
    assert after["acknowledged"] is False
    assert after["updatedAt"] == target["updatedAt"]


SECRET = "s3cr3t-t0ken-that-must-not-leak"


@pytest.mark.parametrize(
    "credentials",
    [BasicCredentials(ACCOUNT[0], SECRET), BearerToken(SECRET)],
    ids=["basic", "bearer"],
)
async def test_a_rejected_token_fails_with_401_and_never_shows(
    credentials: Credentials,
    api: httpx.Client,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    tracker = make_tracker(make_client(credentials))
    events = Recorder()
    tracker.subscribe(events)
    target = find(api, "status:open AND acknowledged:false", 1)[0]
    batch = tracker.submit("acknowledge", targets([target]))
    (action,) = await settled(tracker, batch)
    assert action.state is State.FAILED
    assert action.reason is not None and action.reason.startswith("401")
    assert "Unauthorized" in action.reason
    assert events.finished(batch)[0].summary.startswith("1 failed: 401")
    text = "\n".join([*events.texts(), action.reason, repr(action), repr(credentials)])
    assert SECRET not in text
    raw = file_bytes(journal_path)
    assert SECRET.encode() not in raw
    assert b"s3cr3t" not in raw
    assert alert(api, target["id"])["acknowledged"] is False
