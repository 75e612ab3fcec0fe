"""What each write does to an alert once the processor gets to it.

Every function here takes the store, the target alert, the request body, the
acting user and the time, changes the alert, and returns ``(is_success, status)``:
the text GET /v1/alerts/requests/{id} reports. Failure texts follow Opsgenie's
wording where it is known ("Alert does not exist"), and are ours elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.simulator.model import Responder, StoredAlert, iso_ms, parse_iso_ms
from console.simulator.store import AlertStore
from console.simulator.validation import (
    EXTRA_PROPERTIES_MAX,
    TAGS_MAX,
    extra_properties_size,
)

Outcome = tuple[bool, str]
Apply = Callable[[AlertStore, StoredAlert, dict[str, Any], str, int], Outcome]

ALREADY_CLOSED: Outcome = (False, "Alert is already closed")


@dataclass(frozen=True, slots=True)
class CreateOutcome:
    is_success: bool
    status: str
    alert: StoredAlert


def create(
    store: AlertStore,
    body: dict[str, Any],
    user: str,
    client_ip: str,
    at: int,
    *,
    integration: tuple[str, str] | None = None,
) -> CreateOutcome:
    """A new alert, or one more occurrence of the open alert with the same alias.
    ``integration``: (name, type) of what raised it, when not the API (a heartbeat)."""
    alias = body.get("alias") or None
    if alias:
        existing = store.open_by_alias(alias)
        if existing is not None:
            existing.count += 1
            existing.last_occurred_at_ms = at
            store.record(
                existing, f"Alert count incremented to {existing.count}", user, at, "system"
            )
            return CreateOutcome(True, "Alert count incremented", existing)
    alert = store.new_alert(body["message"].strip(), alias, at)
    alert.description = body.get("description") or ""
    alert.entity = body.get("entity") or ""
    alert.source = body.get("source") or client_ip
    alert.priority = body.get("priority") or "P3"
    alert.tags = _unique(body.get("tags") or [])
    alert.actions = _unique(body.get("actions") or [])
    alert.responders = _responders(body.get("responders") or [])
    alert.visible_to = _responders(body.get("visibleTo") or [])
    alert.extra_properties = dict(body.get("extraProperties") or {})
    if integration is not None:
        alert.integration_name, alert.integration_type = integration
    created = f"Alert created via {alert.integration_name} with priority {alert.priority}"
    store.record(alert, created, user, at, "system")
    if body.get("note"):
        store.add_note(alert, body["note"], user)
    return CreateOutcome(True, "Created alert", alert)


def delete(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    store.remove(alert)
    return True, "Deleted alert"


def acknowledge(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    if not alert.is_open:
        return ALREADY_CLOSED
    if alert.acknowledged:
        return True, "Alert is already acknowledged"
    alert.acknowledged = True
    alert.ack_time_ms = at
    alert.acknowledged_by = user
    alert.seen = True
    store.record(alert, f"Alert acknowledged by {user}", user, at)
    return True, "Acknowledged alert"


def unacknowledge(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    if not alert.is_open:
        return ALREADY_CLOSED
    if not alert.acknowledged:
        return True, "Alert is not acknowledged"
    alert.acknowledged = False
    alert.acknowledged_by = ""
    store.record(alert, f"Alert unacknowledged by {user}", user, at)
    return True, "Unacknowledged alert"


def close(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    if not alert.is_open:
        # Opsgenie treats closing a closed alert as a success that changes nothing.
        return True, "Alert is already closed"
    alert.status = "closed"
    alert.close_time_ms = at
    alert.closed_by = user
    alert.snoozed = False
    store.record(alert, f"Alert closed by {user}", user, at)
    return True, "Closed alert"


def assign(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    if not alert.is_open:
        return ALREADY_CLOSED
    account = body["accountId"]
    alert.owner_account_id = account
    alert.owner = store.display_name(account)
    store.record(alert, f"Alert owner set to {alert.owner}", user, at)
    return True, "Assigned ownership"


def add_responder(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    if not alert.is_open:
        return ALREADY_CLOSED
    responder = Responder(body["id"], body["type"])
    if responder in alert.responders:
        return True, "Responder is already added"
    if len(alert.responders) >= 50:
        return False, "Alert can have at most 50 responders"
    alert.responders.append(responder)
    name = store.display_name(responder.id)
    store.record(alert, f"Added responder {name} ({responder.type})", user, at)
    return True, "Added responder"


def escalate(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    if not alert.is_open:
        return ALREADY_CLOSED
    escalation_id = body["escalationId"]
    entry = store.directory.get(escalation_id)
    if entry is None or entry.type != "escalation":
        return False, "Escalation does not exist"
    responder = Responder(escalation_id, "escalation")
    if responder not in alert.responders:
        alert.responders.append(responder)
    store.record(alert, f"Escalated to next level of {entry.name}", user, at)
    return True, "Escalated alert"


def snooze(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    if not alert.is_open:
        return ALREADY_CLOSED
    until = parse_iso_ms(body["endTime"])
    if until <= at:
        return False, "Snooze end time is in the past"
    alert.snoozed = True
    alert.snoozed_until_ms = until
    store.record(alert, f"Alert snoozed until {iso_ms(until)}", user, at)
    return True, "Snoozed alert"


def wake(store: AlertStore, alert: StoredAlert, at: int) -> None:
    """The end of a snooze: the alert returns to the state it had before."""
    alert.snoozed = False
    store.record(alert, "Snooze ended", "system", at, "system")


def custom_action(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    name = body["actionName"]
    if name not in alert.actions:
        return False, f"Action [{name}] is not available for this alert"
    store.record(alert, f"Executed custom action [{name}]", user, at)
    return True, f"Executed action [{name}]"


def add_tags(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    merged = _unique([*alert.tags, *body["tags"]])
    if len(merged) > TAGS_MAX:
        return False, f"Alert can have at most {TAGS_MAX} tags"
    added = [t for t in merged if t not in alert.tags]
    alert.tags = merged
    store.record(alert, f"Tags added: {', '.join(added) or '(none new)'}", user, at)
    return True, "Added tags"


def remove_tags(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    gone = set(body["tags"])
    alert.tags = [t for t in alert.tags if t not in gone]
    store.record(alert, f"Tags removed: {', '.join(body['tags'])}", user, at)
    return True, "Removed tags"


def add_extra_properties(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    merged = {**alert.extra_properties, **body["extraProperties"]}
    if extra_properties_size(merged) > EXTRA_PROPERTIES_MAX:
        return False, f"Extra properties may hold at most {EXTRA_PROPERTIES_MAX} characters"
    alert.extra_properties = merged
    store.record(alert, f"Extra properties added: {', '.join(body['extraProperties'])}", user, at)
    return True, "Added extra properties"


def remove_extra_properties(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    for key in body["keys"]:
        alert.extra_properties.pop(key, None)
    store.record(alert, f"Extra properties removed: {', '.join(body['keys'])}", user, at)
    return True, "Removed extra properties"


def update_message(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    alert.message = body["message"].strip()
    store.record(alert, "Message updated", user, at)
    return True, "Updated message"


def update_description(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    alert.description = body.get("description") or ""
    store.record(alert, "Description updated", user, at)
    return True, "Updated description"


def update_priority(
    store: AlertStore, alert: StoredAlert, body: dict[str, Any], user: str, at: int
) -> Outcome:
    old, alert.priority = alert.priority, body["priority"]
    store.record(alert, f"Priority changed from {old} to {alert.priority}", user, at)
    return True, "Updated priority"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _responders(items: list[dict[str, Any]]) -> list[Responder]:
    result: list[Responder] = []
    for item in items:
        responder = Responder(item["id"], item["type"])
        if responder not in result:
            result.append(responder)
    return result
