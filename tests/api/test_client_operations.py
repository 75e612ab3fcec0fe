"""Every operation of ``JsmClient`` against the simulator, each checked on the simulator's side."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from console.api import BearerToken, InputError, JsmClient
from console.api.models import PRIORITIES
from console.simulator.server import BackgroundSimulator
from tests.api.conftest import MakeClient
from tests.api.support import create_and_get, ops, read, requests_seen, settled, status_code
from tests.helpers import get


def all_alerts(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every alert of the 40-alert demo site in one plain request (newest first by default)."""
    response = api.get("/v1/alerts", params={"size": 100, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["values"]) <= 100
    values: list[dict[str, Any]] = body["values"]
    return values


def epoch_ms(stamp: str) -> int:
    return round(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


# ----------------------------------------------------------------------------- listing


async def test_list_alerts_defaults_to_newest_first(client: JsmClient, api: httpx.Client) -> None:
    listing = await client.list_alerts()
    expected = all_alerts(api, sort="createdAt", order="desc")
    assert [a.id for a in listing.alerts] == [a["id"] for a in expected]
    assert listing.total == 40
    assert (listing.offset, listing.size) == (0, 50)
    assert not listing.has_next
    assert not listing.window_reached


async def test_list_alerts_query_selects_matching_alerts(
    client: JsmClient, api: httpx.Client
) -> None:
    expected = [
        a["id"] for a in all_alerts(api) if a["priority"] in ("P1", "P2") and a["status"] == "open"
    ]
    assert expected, "the demo data should hold an open P1 or P2"
    listing = await client.list_alerts(
        "  status: open AND (priority: P1 OR priority: P2)  ", size=100
    )
    assert sorted(a.id for a in listing.alerts) == sorted(expected)
    assert listing.total == len(expected)
    assert all(a.priority in ("P1", "P2") and a.status == "open" for a in listing.alerts)


async def test_list_alerts_sort_and_order(client: JsmClient) -> None:
    oldest_first = await client.list_alerts(sort="createdAt", order="asc", size=100)
    stamps = [a.created_at for a in oldest_first.alerts]
    assert all(s is not None for s in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    newest_first = await client.list_alerts(sort="createdAt", order="desc", size=100)
    assert [a.id for a in newest_first.alerts] == [a.id for a in reversed(oldest_first.alerts)]
    urgent_first = await client.list_alerts(sort="priority", order="desc", size=100)
    ranks = [PRIORITIES.index(a.priority or "") for a in urgent_first.alerts]
    assert ranks == sorted(ranks)
    assert urgent_first.alerts[0].priority == "P1"


async def test_list_alerts_offset_and_size(client: JsmClient) -> None:
    first_ten = await client.list_alerts(size=10)
    window = await client.list_alerts(offset=5, size=5)
    assert [a.id for a in window.alerts] == [a.id for a in first_ten.alerts[5:10]]
    assert (window.offset, window.size, window.total) == (5, 5, 40)
    tail = await client.list_alerts(offset=38, size=5)
    assert len(tail.alerts) == 2
    assert not tail.has_next and not tail.window_reached


async def test_list_alerts_from_and_to_bound_creation_time(
    client: JsmClient, api: httpx.Client
) -> None:
    alerts = all_alerts(api, sort="createdAt", order="asc")
    low, high = epoch_ms(alerts[10]["createdAt"]), epoch_ms(alerts[25]["createdAt"])
    expected = [a["id"] for a in alerts if low <= epoch_ms(a["createdAt"]) < high]
    assert 10 <= len(expected) < 40
    listing = await client.list_alerts(sort="createdAt", order="asc", size=100, from_ms=low)
    assert [a.id for a in listing.alerts] == [
        a["id"] for a in alerts if epoch_ms(a["createdAt"]) >= low
    ]
    bounded = await client.list_alerts(
        sort="createdAt", order="asc", size=100, from_ms=low, to_ms=high
    )
    assert [a.id for a in bounded.alerts] == expected
    assert bounded.total == len(expected)


async def test_next_page_follows_the_link_to_the_end(client: JsmClient) -> None:
    everything = await client.list_alerts(size=100)
    first = await client.list_alerts(size=15)
    assert first.has_next
    second = await client.next_page(first)
    assert second is not None
    assert (second.offset, second.size) == (15, 15)
    assert [a.id for a in second.alerts] == [a.id for a in everything.alerts[15:30]]
    third = await client.next_page(second)
    assert third is not None
    assert [a.id for a in third.alerts] == [a.id for a in everything.alerts[30:]]
    assert not third.has_next and not third.window_reached
    assert await client.next_page(third) is None


async def test_pages_visits_every_alert_once(client: JsmClient, api: httpx.Client) -> None:
    listings = [listing async for listing in client.pages(size=7)]
    ids = [a.id for listing in listings for a in listing.alerts]
    assert len(listings) == 6
    assert len(ids) == len(set(ids)) == 40
    assert set(ids) == {a["id"] for a in all_alerts(api)}
    assert [listing.offset for listing in listings] == [0, 7, 14, 21, 28, 35]
    assert not listings[-1].has_next and not listings[-1].window_reached


async def test_pages_keep_query_sort_and_order(client: JsmClient) -> None:
    query = 'status: open OR priority: "P2"'
    whole = await client.list_alerts(query, sort="priority", order="asc", size=100)
    assert 7 < whole.total < 40
    paged = [
        alert.id
        async for listing in client.pages(query, sort="priority", order="asc", size=3)
        for alert in listing.alerts
    ]
    assert paged == [a.id for a in whole.alerts]


# ----------------------------------------------------------------------------- single alerts


async def test_get_alert_reads_every_field(client: JsmClient, api: httpx.Client) -> None:
    raw = all_alerts(api)[0]
    alert = await client.get_alert(raw["id"])
    assert alert.id == raw["id"]
    assert alert.tiny_id == raw["tinyId"]
    assert alert.alias == raw["alias"]
    assert alert.message == raw["message"]
    assert alert.description == raw["description"]
    assert alert.status == raw["status"]
    assert alert.priority == raw["priority"]
    assert alert.count == raw["count"]
    assert alert.tags == raw["tags"]
    assert alert.actions == raw["actions"]
    assert [(r.id, r.type) for r in alert.responders] == [
        (r["id"], r["type"]) for r in raw["responders"]
    ]
    assert alert.extra_properties == raw["extraProperties"]
    assert alert.created_at == datetime.fromisoformat(raw["createdAt"].replace("Z", "+00:00"))
    assert alert.last_occurred_at is not None


async def test_get_alert_by_alias_finds_the_open_alert(
    client: JsmClient, api: httpx.Client
) -> None:
    raw = next(a for a in all_alerts(api) if a["status"] == "open")
    alert = await client.get_alert_by_alias(raw["alias"])
    assert alert.id == raw["id"]


async def test_an_alias_with_url_characters_round_trips(client: JsmClient) -> None:
    alias = "disk full?&x=1#frag /var/ünï 100%"
    receipt, sent = await ops(client).create_alert({"message": "odd alias", "alias": alias})
    assert sent == alias
    status = await settled(client, receipt.request_id)
    found = await client.get_alert_by_alias(alias)
    assert found.id == status.alert_id
    assert found.alias == alias


# ----------------------------------------------------------------------------- create


async def test_create_without_alias_sends_a_generated_one(
    client: JsmClient, api: httpx.Client
) -> None:
    receipt, alias = await ops(client).create_alert({"message": "Disk full on db-7"})
    assert receipt.result == "Request will be processed"
    assert alias.startswith("alert-console-")
    uuid.UUID(alias.removeprefix("alert-console-"))
    status = await settled(client, receipt.request_id)
    assert (status.action, status.is_success, status.status) == ("Create", True, "Created alert")
    assert status.alias == alias
    stored = get(api, status.alert_id or "")
    assert stored["alias"] == alias
    assert stored["message"] == "Disk full on db-7"
    _, other = await ops(client).create_alert({"message": "Disk full on db-7"})
    assert other != alias


async def test_create_keeps_the_given_alias_and_every_field(
    client: JsmClient, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    team = next(d for d in sim.simulator.store.directory.values() if d.type == "team")
    fields: dict[str, Any] = {
        "message": "Replication lag on pg-3",
        "alias": "replication-lag:pg-3",
        "description": "Lag above 30 s for 5 minutes",
        "entity": "pg-3",
        "source": "prometheus",
        "priority": "P2",
        "tags": ["db", "prod"],
        "actions": ["failover"],
        "responders": [{"id": team.id, "type": "team"}],
        "visibleTo": [{"id": team.id, "type": "team"}],
        "extraProperties": {"lag_s": 31.5, "replicas": 2, "paged": False, "region": "eu"},
        "note": "first seen by the canary",
    }
    receipt, alias = await ops(client).create_alert(fields)
    assert alias == "replication-lag:pg-3"
    status = await settled(client, receipt.request_id)
    stored = get(api, status.alert_id or "")
    for key in ("message", "alias", "description", "entity", "source", "priority"):
        assert stored[key] == fields[key], key
    assert stored["tags"] == ["db", "prod"]
    assert stored["actions"] == ["failover"]
    assert stored["responders"] == [{"id": team.id, "type": "team"}]
    assert stored["extraProperties"] == fields["extraProperties"]
    notes = await client.list_notes(stored["id"])
    assert [n.note for n in notes.values] == ["first seen by the canary"]


async def test_create_with_the_alias_of_an_open_alert_deduplicates(
    client: JsmClient, api: httpx.Client
) -> None:
    first, _ = await create_and_get(client, {"alias": "kafka-lag:orders"})
    receipt, _ = await ops(client).create_alert({"message": "again", "alias": "kafka-lag:orders"})
    status = await settled(client, receipt.request_id)
    assert status.is_success
    assert status.status == "Alert count incremented"
    assert status.alert_id == first.id
    stored = get(api, first.id)
    assert stored["count"] == 2
    assert sum(1 for a in all_alerts(api) if a["alias"] == "kafka-lag:orders") == 1


# ----------------------------------------------------------------------------- asynchronous writes


async def test_request_status_is_none_while_pending_then_the_record(
    client: JsmClient, sim: BackgroundSimulator
) -> None:
    alert, _ = await create_and_get(client)
    sim.set_processing(paused=True)
    receipt = await ops(client).acknowledge(alert.id)
    assert await client.request_status(receipt.request_id) is None
    assert await client.request_status(receipt.request_id) is None
    assert sim.stats()["pending"] == 1
    assert not (await client.get_alert(alert.id)).acknowledged
    sim.set_processing(paused=False)
    status = await settled(client, receipt.request_id)
    assert status.action == "Acknowledge"
    assert status.is_success
    assert status.status == "Acknowledged alert"
    assert status.alert_id == alert.id
    assert status.alias == alert.alias
    assert status.processed_at is not None and status.processed_at.tzinfo is not None


async def test_acknowledge_and_unacknowledge(client: JsmClient, api: httpx.Client) -> None:
    alert, _ = await create_and_get(client)
    status = await settled(client, (await ops(client).acknowledge(alert.id)).request_id)
    assert status.is_success and status.status == "Acknowledged alert"
    stored = get(api, alert.id)
    assert stored["acknowledged"] is True
    assert "ackTime" in stored
    status = await settled(client, (await ops(client).unacknowledge(alert.id)).request_id)
    assert (status.action, status.status) == ("UnAcknowledge", "Unacknowledged alert")
    assert get(api, alert.id)["acknowledged"] is False


async def test_close_then_acknowledge_fails_in_its_status(
    client: JsmClient, api: httpx.Client
) -> None:
    alert, _ = await create_and_get(client)
    status = await settled(client, (await ops(client).close(alert.id)).request_id)
    assert (status.action, status.is_success) == ("Close", True)
    assert get(api, alert.id)["status"] == "closed"
    late = await settled(client, (await ops(client).acknowledge(alert.id)).request_id)
    assert not late.is_success
    assert late.status == "Alert is already closed"


async def test_delete_alert(client: JsmClient, api: httpx.Client) -> None:
    alert, _ = await create_and_get(client)
    status = await settled(client, (await ops(client).delete_alert(alert.id)).request_id)
    assert (status.action, status.is_success) == ("Delete", True)
    assert status_code(api, f"/v1/alerts/{alert.id}") == 404


async def test_a_write_to_a_missing_alert_fails_in_its_status(client: JsmClient) -> None:
    receipt = await ops(client).acknowledge("no-such-alert")
    status = await settled(client, receipt.request_id)
    assert not status.is_success
    assert status.status == "Alert does not exist"


async def test_assign(client: JsmClient, sim: BackgroundSimulator, api: httpx.Client) -> None:
    user = next(d for d in sim.simulator.store.directory.values() if d.type == "user")
    alert, _ = await create_and_get(client)
    status = await settled(client, (await ops(client).assign(alert.id, user.id)).request_id)
    assert (status.action, status.is_success) == ("AssignOwnership", True)
    assert get(api, alert.id)["owner"] == user.name


async def test_add_responder(
    client: JsmClient, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    team = next(d for d in sim.simulator.store.directory.values() if d.type == "team")
    alert, _ = await create_and_get(client)
    receipt = await ops(client).add_responder(alert.id, "team", team.id)
    status = await settled(client, receipt.request_id)
    assert (status.action, status.is_success) == ("AddResponder", True)
    assert get(api, alert.id)["responders"] == [{"id": team.id, "type": "team"}]


async def test_escalate(client: JsmClient, sim: BackgroundSimulator, api: httpx.Client) -> None:
    escalation = next(d for d in sim.simulator.store.directory.values() if d.type == "escalation")
    alert, _ = await create_and_get(client)
    status = await settled(client, (await ops(client).escalate(alert.id, escalation.id)).request_id)
    assert (status.action, status.is_success, status.status) == (
        "Escalate",
        True,
        "Escalated alert",
    )
    assert {"id": escalation.id, "type": "escalation"} in get(api, alert.id)["responders"]
    unknown = await settled(client, (await ops(client).escalate(alert.id, "no-such")).request_id)
    assert not unknown.is_success and unknown.status == "Escalation does not exist"


async def test_snooze_with_a_time_zone_aware_end(client: JsmClient, api: httpx.Client) -> None:
    alert, _ = await create_and_get(client)
    plus_five = timezone(timedelta(hours=5, minutes=30))
    until = (datetime.now(UTC) + timedelta(hours=2)).astimezone(plus_five)
    status = await settled(client, (await ops(client).snooze(alert.id, until)).request_id)
    assert (status.action, status.is_success) == ("Snooze", True)
    stored = get(api, alert.id)
    assert stored["snoozed"] is True
    expected = until.astimezone(UTC).replace(microsecond=until.microsecond // 1000 * 1000)
    assert datetime.fromisoformat(stored["snoozedUntil"].replace("Z", "+00:00")) == expected


async def test_snooze_with_a_naive_time_is_refused_before_sending(
    client: JsmClient, sim: BackgroundSimulator
) -> None:
    with pytest.raises(InputError) as caught:
        await ops(client).snooze("any-alert", datetime.now() + timedelta(hours=1))
    assert caught.value.fields == ("endTime",)
    assert "time zone" in str(caught.value)
    assert requests_seen(sim).get("total", 0) == 0


async def test_execute_action(client: JsmClient) -> None:
    alert, _ = await create_and_get(client, {"actions": ["restart pod"]})
    status = await settled(
        client, (await ops(client).execute_action(alert.id, "restart pod")).request_id
    )
    assert (status.action, status.is_success) == ("restart pod", True)
    assert status.status == "Executed action [restart pod]"
    logs = await client.list_logs(alert.id, size=100)
    assert any(entry.log == "Executed custom action [restart pod]" for entry in logs.values)
    other = await settled(client, (await ops(client).execute_action(alert.id, "reboot")).request_id)
    assert not other.is_success
    assert other.status == "Action [reboot] is not available for this alert"


async def test_add_and_remove_tags(client: JsmClient, api: httpx.Client) -> None:
    alert, _ = await create_and_get(client, {"tags": ["keep", "drop-me"]})
    status = await settled(
        client, (await ops(client).add_tags(alert.id, ["new", "keep"])).request_id
    )
    assert (status.action, status.is_success) == ("AddTags", True)
    assert get(api, alert.id)["tags"] == ["keep", "drop-me", "new"]
    receipt = await ops(client).remove_tags(alert.id, ["drop-me", "absent"])
    status = await settled(client, receipt.request_id)
    assert (status.action, status.is_success) == ("RemoveTags", True)
    assert get(api, alert.id)["tags"] == ["keep", "new"]


async def test_add_extra_properties_of_every_scalar_type(
    client: JsmClient, api: httpx.Client
) -> None:
    alert, _ = await create_and_get(client, {"extraProperties": {"old": "x"}})
    properties = {"flag": True, "off": False, "count": 3, "ratio": 0.25, "text": "eu-west-1"}
    receipt = await ops(client).add_extra_properties(alert.id, properties)
    status = await settled(client, receipt.request_id)
    assert (status.action, status.is_success) == ("AddDetails", True)
    stored = get(api, alert.id)["extraProperties"]
    assert stored == {"old": "x", **properties}
    assert [type(v) for v in stored.values()] == [str, bool, bool, int, float, str]
    read = (await client.get_alert(alert.id)).extra_properties
    assert read == stored
    assert [type(v) for v in read.values()] == [str, bool, bool, int, float, str]


async def test_remove_extra_properties(client: JsmClient, api: httpx.Client) -> None:
    alert, _ = await create_and_get(client, {"extraProperties": {"a": 1, "b": 2, "c": 3}})
    receipt = await ops(client).remove_extra_properties(alert.id, ["a", "c", "absent"])
    status = await settled(client, receipt.request_id)
    assert (status.action, status.is_success) == ("RemoveDetails", True)
    assert get(api, alert.id)["extraProperties"] == {"b": 2}


async def test_update_message_description_and_priority(
    client: JsmClient, api: httpx.Client
) -> None:
    alert, _ = await create_and_get(client, {"description": "old", "priority": "P4"})
    receipts = [
        await ops(client).update_message(alert.id, "New message"),
        await ops(client).update_description(alert.id, "New description\nwith two lines"),
        await ops(client).update_priority(alert.id, "P1"),
    ]
    actions = [(await settled(client, r.request_id)).action for r in receipts]
    assert actions == ["UpdateMessage", "UpdateDescription", "UpdatePriority"]
    stored = get(api, alert.id)
    assert stored["message"] == "New message"
    assert stored["description"] == "New description\nwith two lines"
    assert stored["priority"] == "P1"
    await settled(client, (await ops(client).update_description(alert.id, "")).request_id)
    assert get(api, alert.id)["description"] == ""


# ----------------------------------------------------------------------------- notes and logs


async def test_notes_add_list_update_delete(client: JsmClient, api: httpx.Client) -> None:
    alert, _ = await create_and_get(client)
    assert (await client.list_notes(alert.id)).values == []
    first = await ops(client).add_note(alert.id, "checked the dashboards")
    second = await ops(client).add_note(alert.id, "paged the DBA")
    assert first.note == "checked the dashboards"
    assert first.owner == "demo@example.com"
    assert first.id != second.id
    raw = read(api, f"/v1/alerts/{alert.id}/notes")["values"]
    assert [(n["id"], n["note"]) for n in raw] == [
        (first.id, "checked the dashboards"),
        (second.id, "paged the DBA"),
    ]
    page = await client.list_notes(alert.id, size=1)
    assert [n.id for n in page.values] == [first.id]
    assert page.links.next
    rest = await client.list_notes(alert.id, after=first.id, size=1)
    assert [n.id for n in rest.values] == [second.id]
    updated = await client.update_note(alert.id, first.id, "dashboards are fine")
    assert (updated.id, updated.note) == (first.id, "dashboards are fine")
    assert read(api, f"/v1/alerts/{alert.id}/notes")["values"][0]["note"] == ("dashboards are fine")
    await client.delete_note(alert.id, second.id)
    remaining = await client.list_notes(alert.id)
    assert [n.id for n in remaining.values] == [first.id]


async def test_list_logs_pages_through_the_history(client: JsmClient) -> None:
    alert, _ = await create_and_get(client)
    await settled(client, (await ops(client).acknowledge(alert.id)).request_id)
    await settled(client, (await ops(client).close(alert.id)).request_id)
    logs = await client.list_logs(alert.id)
    texts = [entry.log for entry in logs.values]
    assert texts[0].startswith("Alert created via")
    assert texts[1:] == [
        "Alert acknowledged by demo@example.com",
        "Alert closed by demo@example.com",
    ]
    assert all(entry.log_time is not None for entry in logs.values)
    first = await client.list_logs(alert.id, size=2)
    assert [e.log for e in first.values] == texts[:2]
    assert first.links.next
    after = httpx.URL(first.links.next).params["after"]
    rest = await client.list_logs(alert.id, after=after, size=2)
    assert [e.log for e in rest.values] == texts[2:]


# ----------------------------------------------------------------------------- authentication


async def test_bearer_token_reads_and_writes(make_client: MakeClient, api: httpx.Client) -> None:
    client = make_client(credentials=BearerToken("demo-oauth-token"))
    listing = await client.list_alerts(size=5)
    assert listing.total == 40
    target = next(a for a in all_alerts(api) if a["status"] == "open" and not a["acknowledged"])
    status = await settled(client, (await ops(client).acknowledge(target["id"])).request_id)
    assert status.is_success
    assert get(api, target["id"])["acknowledged"] is True
