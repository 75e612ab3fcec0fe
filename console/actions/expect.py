"""What an alert should look like once an action succeeds: for optimistic rows in the UI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from console.api.models import Alert


def expected(alert: Alert, op: str, data: Mapping[str, Any] | None) -> Alert | None:
    """The alert as ``op`` should leave it, or None when the change is not visible in a row."""
    data = data or {}
    update: dict[str, Any]
    if op == "acknowledge":
        update = {"acknowledged": True}
    elif op == "unacknowledge":
        update = {"acknowledged": False}
    elif op == "close":
        update = {"status": "closed"}
    elif op == "assign":
        update = {"owner": data.get("accountId", alert.owner)}
    elif op == "add_tags":
        update = {"tags": list(dict.fromkeys([*alert.tags, *data.get("tags", [])]))}
    elif op == "remove_tags":
        gone = set(data.get("tags", []))
        update = {"tags": [t for t in alert.tags if t not in gone]}
    elif op == "snooze":
        until = data.get("endTime")
        update = {"snoozed": True, "snoozed_until": until if isinstance(until, datetime) else None}
    elif op == "update_priority":
        update = {"priority": data.get("priority", alert.priority)}
    elif op == "update_message":
        update = {"message": data.get("message", alert.message)}
    elif op == "add_extra_properties":
        update = {"extra_properties": {**alert.extra_properties, **data.get("extraProperties", {})}}
    elif op == "remove_extra_properties":
        keys = set(data.get("keys", []))
        update = {
            "extra_properties": {k: v for k, v in alert.extra_properties.items() if k not in keys}
        }
    else:
        return None
    return alert.model_copy(update=update)
