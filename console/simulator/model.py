"""The simulator's own record of an alert, and how it is shown to clients.

This is the server side of the contract: it knows nothing of ``console.api``.
Times are kept as integer epoch milliseconds and rendered as ISO-8601 UTC
strings with millisecond precision, as the service does.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

JsonScalar = str | int | float | bool | None
ResponderType = Literal["team", "user", "escalation", "schedule"]
RESPONDER_TYPES: tuple[str, ...] = ("team", "user", "escalation", "schedule")
VISIBLE_TO_TYPES: tuple[str, ...] = ("team", "user")
PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P5")


def iso_ms(ms: int) -> str:
    """Epoch milliseconds as the service writes them: ``2024-01-05T07:06:47.958Z``."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_iso_ms(text: str) -> int:
    """An ISO-8601 date-time (``Z`` or an offset; naive means UTC) as epoch milliseconds."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def new_alert_id(now_ms: int) -> str:
    """A full alert id shaped like the spec's example: a UUID, a dash, epoch ms."""
    return f"{uuid.uuid4()}-{now_ms}"


@dataclass(slots=True)
class Responder:
    id: str
    type: str

    def to_api(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type}


@dataclass(slots=True)
class DirectoryEntry:
    """A person, team, escalation or schedule the simulated site knows by name."""

    id: str
    type: str  # team | user | escalation | schedule
    name: str
    email: str = ""
    # Whether Jira hides this person's email (profile visibility); None: one in six, by id.
    hides_email: bool | None = None


@dataclass(slots=True)
class Note:
    id: str
    created_at_ms: int
    updated_at_ms: int
    note: str
    owner: str

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "createdAt": iso_ms(self.created_at_ms),
            "updatedAt": iso_ms(self.updated_at_ms),
            "note": self.note,
            "owner": self.owner,
        }


@dataclass(slots=True)
class LogEntry:
    offset: str  # the paging cursor: "<ms>_<sequence>", increasing
    log_time_ms: int
    log_type: str  # system | alertAction | note ...
    log: str
    owner: str

    def to_api(self) -> dict[str, Any]:
        return {
            "logTime": iso_ms(self.log_time_ms),
            "logType": self.log_type,
            "log": self.log,
            "owner": self.owner,
        }


@dataclass(slots=True)
class StoredAlert:
    id: str
    tiny_id: str
    alias: str
    message: str
    created_at_ms: int
    updated_at_ms: int
    last_occurred_at_ms: int
    description: str = ""
    entity: str = ""
    source: str = ""
    priority: str = "P3"
    status: str = "open"  # open | closed
    acknowledged: bool = False
    snoozed: bool = False
    snoozed_until_ms: int | None = None
    seen: bool = False
    owner: str = ""  # display name, as the service reports it
    owner_account_id: str = ""
    count: int = 1
    ack_time_ms: int | None = None
    close_time_ms: int | None = None
    acknowledged_by: str = ""
    closed_by: str = ""
    tags: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    responders: list[Responder] = field(default_factory=list)
    visible_to: list[Responder] = field(default_factory=list)
    extra_properties: dict[str, JsonScalar] = field(default_factory=dict)
    integration_type: str = "API"
    integration_name: str = "Default API"
    notes: list[Note] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def to_api(self, dialect: str = "flags") -> dict[str, Any]:
        """The alert as GET /v1/alerts/{id} and the list answer it.

        ``flags`` (what live tools observe): status open or closed, with the acknowledged and
        snoozed flags. ``spec``: the spec's status enum (open, acked, snoozed, closed) and no
        flags, so a client must read the status itself."""
        last = iso_ms(self.last_occurred_at_ms)
        body: dict[str, Any] = {
            "id": self.id,
            "tinyId": self.tiny_id,
            "alias": self.alias,
            "message": self.message,
            "status": self.status,
            "acknowledged": self.acknowledged,
            "seen": self.seen,
            "snoozed": self.snoozed,
            "priority": self.priority,
            "count": self.count,
            "createdAt": iso_ms(self.created_at_ms),
            "updatedAt": iso_ms(self.updated_at_ms),
            # The spec spells it lastOccuredAt; the seed page's example says
            # lastOccurredAt. Send both so either kind of client finds it.
            "lastOccuredAt": last,
            "lastOccurredAt": last,
            "entity": self.entity,
            "source": self.source,
            "description": self.description,
            "owner": self.owner,
            "tags": list(self.tags),
            "actions": list(self.actions),
            "responders": [r.to_api() for r in self.responders],
            "extraProperties": dict(self.extra_properties),
            "integrationType": self.integration_type,
            "integrationName": self.integration_name,
        }
        if dialect == "spec":
            del body["acknowledged"], body["snoozed"]
            if self.is_open:
                body["status"] = (
                    "snoozed" if self.snoozed else "acked" if self.acknowledged else "open"
                )
        if self.snoozed_until_ms is not None:
            body["snoozedUntil"] = iso_ms(self.snoozed_until_ms)
        if self.ack_time_ms is not None:
            body["ackTime"] = iso_ms(self.ack_time_ms)
        if self.close_time_ms is not None:
            body["closeTime"] = iso_ms(self.close_time_ms)
        return body

    def to_state(self) -> dict[str, Any]:
        """Everything, for the ``--state`` file."""
        return dataclasses.asdict(self)

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> StoredAlert:
        data = dict(data)
        data["responders"] = [Responder(**r) for r in data.get("responders", [])]
        data["visible_to"] = [Responder(**r) for r in data.get("visible_to", [])]
        data["notes"] = [Note(**n) for n in data.get("notes", [])]
        data["logs"] = [LogEntry(**entry) for entry in data.get("logs", [])]
        return cls(**data)
