"""The asynchronous life cycle of writes and of alerts, driven over HTTP."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from console.simulator.server import BackgroundSimulator
from tests.helpers import create, eventually, get, processed, write


def iso_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def test_create_answers_200_with_a_receipt_then_processes_later(
    api: httpx.Client, sim: BackgroundSimulator
) -> None:
    sim.set_processing(delay_ms=400, jitter_ms=0)
    response = api.post("/v1/alerts", json={"message": "Disk full on db-1", "alias": "disk-db-1"})
    assert response.status_code == 200
    receipt = response.json()
    assert receipt["result"] == "Request will be processed"
    uuid.UUID(receipt["requestId"])
    assert isinstance(receipt["took"], float)
    # Not processed yet: 404 with the header that says so.
    pending = api.get(f"/v1/alerts/requests/{receipt['requestId']}")
    assert pending.status_code == 404
    assert pending.headers["X-Opsgenie-Errortype"] == "RequestNotProcessed"
    assert api.get("/v1/alerts/alias", params={"alias": "disk-db-1"}).status_code == 404
    status = processed(api, receipt["requestId"])
    assert status["action"] == "Create"
    assert status["isSuccess"] is True
    assert status["status"] == "Created alert"
    assert status["alias"] == "disk-db-1"
    assert status["integrationId"] == ""
    datetime.fromisoformat(status["processedAt"].replace("Z", "+00:00"))
    alert = get(api, status["alertId"])
    assert alert["message"] == "Disk full on db-1"
    assert alert["status"] == "open"
    assert alert["priority"] == "P3"
    assert alert["count"] == 1


def test_a_request_id_never_issued_is_a_plain_404(api: httpx.Client) -> None:
    response = api.get(f"/v1/alerts/requests/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "X-Opsgenie-Errortype" not in response.headers
    assert response.json()["message"] == "Request not found"


def test_create_with_the_alias_of_an_open_alert_increments_its_count(api: httpx.Client) -> None:
    first = create(api, alias="kafka-lag:orders", message="Consumer lag on orders")
    status = write(
        api,
        "POST",
        "/v1/alerts",
        {"message": "Consumer lag on orders", "alias": "kafka-lag:orders"},
        expect=200,
    )
    assert status["isSuccess"] and status["alertId"] == first["id"]
    assert status["status"] == "Alert count incremented"
    again = get(api, first["id"])
    assert again["count"] == 2
    assert again["lastOccurredAt"] >= first["lastOccurredAt"]
    assert again["updatedAt"] >= first["updatedAt"]
    listed = api.get("/v1/alerts", params={"query": "alias: kafka-lag:orders", "size": 100}).json()
    assert listed["count"] == 1
    # Once closed, the same alias makes a new alert.
    write(api, "POST", f"/v1/alerts/{first['id']}/close")
    third = write(
        api,
        "POST",
        "/v1/alerts",
        {"message": "Consumer lag on orders", "alias": "kafka-lag:orders"},
        expect=200,
    )
    assert third["alertId"] != first["id"]
    assert get(api, third["alertId"])["count"] == 1


def test_create_without_alias_uses_the_alert_id_and_keeps_every_field(api: httpx.Client) -> None:
    body = {
        "message": "p99 latency above 2s on checkout",
        "description": "Runbook: https://runbooks.example.com/checkout",
        "entity": "checkout-api",
        "source": "Prometheus",
        "priority": "P1",
        "tags": ["prod", "customer-facing", "prod"],
        "actions": ["Restart pod"],
        "responders": [{"id": "team-1", "type": "team"}, {"id": "user-1", "type": "user"}],
        "visibleTo": [{"id": "team-2", "type": "team"}],
        "extraProperties": {"backend": False, "region": "eu-west-1", "threshold": 2.5, "pods": 3},
        "note": "Paged from the checkout dashboard",
    }
    alert = create(api, **body)
    assert alert["alias"] == alert["id"]
    for key in ("message", "description", "entity", "source", "priority", "actions"):
        assert alert[key] == body[key]
    assert alert["tags"] == ["prod", "customer-facing"]
    assert alert["responders"] == body["responders"]
    # Any JSON scalar in extraProperties comes back as it was sent.
    assert alert["extraProperties"] == {
        "backend": False,
        "region": "eu-west-1",
        "threshold": 2.5,
        "pods": 3,
    }
    assert alert["lastOccuredAt"] == alert["lastOccurredAt"]
    notes = api.get(f"/v1/alerts/{alert['id']}/notes").json()["values"]
    assert [n["note"] for n in notes] == ["Paged from the checkout dashboard"]
    assert notes[0]["owner"] == "demo@example.com"


def test_source_defaults_to_the_callers_address(api: httpx.Client) -> None:
    assert create(api)["source"] == "127.0.0.1"


def test_acknowledge_unacknowledge_and_close(api: httpx.Client) -> None:
    alert = create(api)
    status = write(api, "POST", f"/v1/alerts/{alert['id']}/acknowledge")
    assert (status["action"], status["isSuccess"], status["alertId"]) == (
        "Acknowledge",
        True,
        alert["id"],
    )
    acked = get(api, alert["id"])
    assert acked["acknowledged"] is True and "ackTime" in acked and acked["status"] == "open"
    assert acked["updatedAt"] >= alert["updatedAt"]
    assert (
        write(api, "POST", f"/v1/alerts/{alert['id']}/unacknowledge")["action"] == "UnAcknowledge"
    )
    assert get(api, alert["id"])["acknowledged"] is False
    assert write(api, "POST", f"/v1/alerts/{alert['id']}/close")["isSuccess"]
    closed = get(api, alert["id"])
    assert closed["status"] == "closed" and "closeTime" in closed
    # Closing again is a success that changes nothing; acknowledging a closed alert fails.
    assert write(api, "POST", f"/v1/alerts/{alert['id']}/close")["isSuccess"] is True
    ack_closed = write(api, "POST", f"/v1/alerts/{alert['id']}/acknowledge")
    assert ack_closed["isSuccess"] is False and ack_closed["status"] == "Alert is already closed"
    logs = [
        entry["log"]
        for entry in api.get(f"/v1/alerts/{alert['id']}/logs", params={"size": 100}).json()[
            "values"
        ]
    ]
    assert any("acknowledged by" in line for line in logs)
    assert any("closed by" in line for line in logs)


def test_an_action_on_a_missing_alert_is_accepted_then_fails(api: httpx.Client) -> None:
    status = write(api, "POST", "/v1/alerts/no-such-alert/acknowledge")
    assert status == {
        **status,
        "isSuccess": False,
        "status": "Alert does not exist",
        "alertId": "",
        "alias": "",
    }


def test_snooze_until_end_time_then_back(api: httpx.Client) -> None:
    alert = create(api)
    status = write(api, "POST", f"/v1/alerts/{alert['id']}/snooze", {"endTime": iso_in(0.8)})
    assert status["isSuccess"] and status["action"] == "Snooze"
    snoozed = get(api, alert["id"])
    assert snoozed["snoozed"] is True and "snoozedUntil" in snoozed
    assert eventually(lambda: not get(api, alert["id"])["snoozed"], timeout=5)
    assert get(api, alert["id"])["status"] == "open"


def test_snooze_in_the_past_is_refused(api: httpx.Client) -> None:
    alert = create(api)
    response = api.post(
        f"/v1/alerts/{alert['id']}/snooze", json={"endTime": "2001-01-01T00:00:00Z"}
    )
    assert response.status_code == 422
    assert "endTime" in response.text


def test_assign_sets_the_owner_name_from_the_directory(
    api: httpx.Client, sim: BackgroundSimulator
) -> None:
    alert = create(api)
    user = next(d for d in sim.simulator.store.directory.values() if d.type == "user")
    assert write(api, "POST", f"/v1/alerts/{alert['id']}/assign", {"accountId": user.id})[
        "isSuccess"
    ]
    assert get(api, alert["id"])["owner"] == user.name
    # An account the site does not know is shown by its id.
    write(api, "POST", f"/v1/alerts/{alert['id']}/assign", {"accountId": "acc-unknown"})
    assert get(api, alert["id"])["owner"] == "acc-unknown"
    found = api.get("/v1/alerts", params={"query": "owner: acc-unknown"}).json()
    assert [a["id"] for a in found["values"]] == [alert["id"]]


def test_responders_escalation_and_custom_actions(
    api: httpx.Client, sim: BackgroundSimulator
) -> None:
    alert = create(api, actions=["Restart pod"])
    added = write(
        api, "POST", f"/v1/alerts/{alert['id']}/responders", {"id": "sched-9", "type": "schedule"}
    )
    assert added["isSuccess"] and added["action"] == "AddResponder"
    assert {"id": "sched-9", "type": "schedule"} in get(api, alert["id"])["responders"]

    escalation = next(d for d in sim.simulator.store.directory.values() if d.type == "escalation")
    escalated = write(
        api, "POST", f"/v1/alerts/{alert['id']}/escalate", {"escalationId": escalation.id}
    )
    assert escalated["isSuccess"] and escalated["action"] == "Escalate"
    assert {"id": escalation.id, "type": "escalation"} in get(api, alert["id"])["responders"]
    unknown = write(api, "POST", f"/v1/alerts/{alert['id']}/escalate", {"escalationId": "nope"})
    assert unknown["isSuccess"] is False and unknown["status"] == "Escalation does not exist"

    ran = write(api, "POST", f"/v1/alerts/{alert['id']}/action", {"actionName": "Restart pod"})
    assert ran["isSuccess"] and ran["action"] == "Restart pod"
    refused = write(
        api, "POST", f"/v1/alerts/{alert['id']}/action", {"actionName": "Reboot the world"}
    )
    assert refused["isSuccess"] is False
    assert "not available" in refused["status"]


def test_tags_and_extra_properties_add_and_remove_with_json_bodies_on_delete(
    api: httpx.Client,
) -> None:
    alert = create(api, tags=["prod"], extraProperties={"region": "eu", "host": "db-1"})
    assert (
        write(api, "POST", f"/v1/alerts/{alert['id']}/tags", {"tags": ["db", "prod"]})["action"]
        == "AddTags"
    )
    assert get(api, alert["id"])["tags"] == ["prod", "db"]
    assert (
        write(api, "DELETE", f"/v1/alerts/{alert['id']}/tags", {"tags": ["prod"]})["action"]
        == "RemoveTags"
    )
    assert get(api, alert["id"])["tags"] == ["db"]
    added = write(
        api,
        "POST",
        f"/v1/alerts/{alert['id']}/extra-properties",
        {"extraProperties": {"backend": True, "region": "us"}},
    )
    assert added["isSuccess"]
    assert get(api, alert["id"])["extraProperties"] == {
        "region": "us",
        "host": "db-1",
        "backend": True,
    }
    removed = write(
        api, "DELETE", f"/v1/alerts/{alert['id']}/extra-properties", {"keys": ["host", "absent"]}
    )
    assert removed["isSuccess"]
    assert get(api, alert["id"])["extraProperties"] == {"region": "us", "backend": True}


def test_more_than_twenty_tags_in_total_fails_at_processing(api: httpx.Client) -> None:
    alert = create(api, tags=[f"t{i}" for i in range(15)])
    status = write(
        api, "POST", f"/v1/alerts/{alert['id']}/tags", {"tags": [f"u{i}" for i in range(6)]}
    )
    assert status["isSuccess"] is False and "20 tags" in status["status"]
    assert len(get(api, alert["id"])["tags"]) == 15


def test_message_description_and_priority_updates(api: httpx.Client) -> None:
    alert = create(api)
    assert write(api, "PATCH", f"/v1/alerts/{alert['id']}/message", {"message": "new text"})[
        "isSuccess"
    ]
    assert write(api, "PATCH", f"/v1/alerts/{alert['id']}/description", {"description": "more"})[
        "isSuccess"
    ]
    assert write(api, "PATCH", f"/v1/alerts/{alert['id']}/priority", {"priority": "P1"})[
        "isSuccess"
    ]
    after = get(api, alert["id"])
    assert (after["message"], after["description"], after["priority"]) == ("new text", "more", "P1")
    logs = api.get(f"/v1/alerts/{alert['id']}/logs", params={"size": 100}).json()["values"]
    assert any("P3 to P1" in entry["log"] for entry in logs)


def test_delete_removes_the_alert_and_frees_its_alias(api: httpx.Client) -> None:
    alert = create(api, alias="to-delete")
    status = write(api, "DELETE", f"/v1/alerts/{alert['id']}")
    assert status["isSuccess"] and status["action"] == "Delete"
    assert api.get(f"/v1/alerts/{alert['id']}").status_code == 404
    assert api.get("/v1/alerts/alias", params={"alias": "to-delete"}).status_code == 404


def test_get_by_alias_finds_only_open_alerts(api: httpx.Client) -> None:
    alert = create(api, alias="lookup-me")
    found = api.get("/v1/alerts/alias", params={"alias": "lookup-me"})
    assert found.status_code == 200 and found.json()["id"] == alert["id"]
    write(api, "POST", f"/v1/alerts/{alert['id']}/close")
    assert api.get("/v1/alerts/alias", params={"alias": "lookup-me"}).status_code == 404


def test_writes_to_one_alert_apply_in_arrival_order(
    api: httpx.Client, sim: BackgroundSimulator
) -> None:
    sim.set_processing(delay_ms=50, jitter_ms=45)
    alert = create(api)
    ids = []
    for priority in ["P1", "P2", "P3", "P4", "P5", "P2"]:
        response = api.patch(f"/v1/alerts/{alert['id']}/priority", json={"priority": priority})
        ids.append(response.json()["requestId"])
    for request_id in ids:
        processed(api, request_id)
    assert get(api, alert["id"])["priority"] == "P2"


def test_every_change_moves_updated_at_and_appends_to_the_log(api: httpx.Client) -> None:
    alert = create(api)
    before = api.get(f"/v1/alerts/{alert['id']}/logs", params={"size": 100}).json()["values"]
    time.sleep(0.005)
    write(api, "POST", f"/v1/alerts/{alert['id']}/tags", {"tags": ["x"]})
    after = api.get(f"/v1/alerts/{alert['id']}/logs", params={"size": 100}).json()["values"]
    assert len(after) == len(before) + 1
    assert get(api, alert["id"])["updatedAt"] > alert["updatedAt"]


def test_notes_are_synchronous_add_list_update_delete(api: httpx.Client) -> None:
    alert = create(api)
    added = api.post(f"/v1/alerts/{alert['id']}/notes", json={"note": "first"})
    assert added.status_code == 200
    note = added.json()
    assert note["note"] == "first" and note["owner"] == "demo@example.com" and note["id"].isdigit()
    for i in range(4):
        api.post(f"/v1/alerts/{alert['id']}/notes", json={"note": f"n{i}"})
    page = api.get(f"/v1/alerts/{alert['id']}/notes", params={"size": 2}).json()
    assert [n["note"] for n in page["values"]] == ["first", "n0"]
    seen = [n["note"] for n in page["values"]]
    while page["links"].get("next"):
        page = api.get(page["links"]["next"]).json()
        seen += [n["note"] for n in page["values"]]
    assert seen == ["first", "n0", "n1", "n2", "n3"]

    updated = api.patch(f"/v1/alerts/{alert['id']}/notes/{note['id']}", json={"note": "edited"})
    assert updated.status_code == 200 and updated.json()["note"] == "edited"
    assert api.patch(f"/v1/alerts/{alert['id']}/notes/123", json={"note": "x"}).status_code == 404
    assert api.delete(f"/v1/alerts/{alert['id']}/notes/{note['id']}").status_code == 204
    missing = api.delete(f"/v1/alerts/{alert['id']}/notes/{note['id']}")
    assert missing.status_code == 422 and missing.json()["message"] == "Alert note does not exist"
    assert api.get("/v1/alerts/nope/notes").status_code == 404
    assert api.post("/v1/alerts/nope/notes", json={"note": "x"}).status_code == 404


def test_logs_page_with_an_after_cursor(api: httpx.Client) -> None:
    alert = create(api)
    for tag in "abcde":
        write(api, "POST", f"/v1/alerts/{alert['id']}/tags", {"tags": [tag]})
    everything = api.get(f"/v1/alerts/{alert['id']}/logs", params={"size": 100}).json()["values"]
    page = api.get(f"/v1/alerts/{alert['id']}/logs", params={"size": 2}).json()
    collected = list(page["values"])
    while page["links"].get("next"):
        page = api.get(page["links"]["next"]).json()
        collected += page["values"]
    assert collected == everything
    assert len(everything) == 6
    times = [entry["logTime"] for entry in everything]
    assert times == sorted(times)
