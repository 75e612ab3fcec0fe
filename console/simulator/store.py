"""Where the simulated site keeps its alerts: records, indexes and listing.

The store is touched only from the simulator's event loop, so it needs no locks.
Every change goes through :meth:`AlertStore.changed`, which refreshes the alert's
query document and invalidates the sorted views that listing reuses.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.query import Predicate
from console.simulator.model import DirectoryEntry, LogEntry, Note, StoredAlert, new_alert_id

PRIORITY_RANK = {"P1": 5, "P2": 4, "P3": 3, "P4": 2, "P5": 1}

SortKey = Callable[[StoredAlert], Any]


def _ms_or_zero(value: int | None) -> int:
    return value if value is not None else 0


# The list operation's sort fields: the spec's four, plus the Opsgenie set that
# older clients send (API-NOTES §5). Priority sorts by urgency: desc puts P1 first.
SORT_KEYS: dict[str, SortKey] = {
    "createdAt": lambda a: a.created_at_ms,
    "insertedAt": lambda a: a.created_at_ms,
    "lastOccurredAt": lambda a: a.last_occurred_at_ms,
    "priority": lambda a: PRIORITY_RANK.get(a.priority, 0),
    "updatedAt": lambda a: a.updated_at_ms,
    "tinyId": lambda a: int(a.tiny_id) if a.tiny_id.isdigit() else 0,
    "alias": lambda a: a.alias.casefold(),
    "message": lambda a: a.message.casefold(),
    "status": lambda a: a.status,
    "acknowledged": lambda a: a.acknowledged,
    "isSeen": lambda a: a.seen,
    "seen": lambda a: a.seen,
    "snoozed": lambda a: a.snoozed,
    "snoozedUntil": lambda a: _ms_or_zero(a.snoozed_until_ms),
    "count": lambda a: a.count,
    "source": lambda a: a.source.casefold(),
    "owner": lambda a: a.owner.casefold(),
    "integration.name": lambda a: a.integration_name.casefold(),
    "integration.type": lambda a: a.integration_type.casefold(),
    "report.ackTime": lambda a: _ms_or_zero(a.ack_time_ms),
    "report.closeTime": lambda a: _ms_or_zero(a.close_time_ms),
    "report.acknowledgedBy": lambda a: a.acknowledged_by.casefold(),
    "report.closedBy": lambda a: a.closed_by.casefold(),
}
# Misspelling used by the Opsgenie Go SDK's constant.
SORT_KEYS["lastOccuredAt"] = SORT_KEYS["lastOccurredAt"]

LIST_WINDOW = 20_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class SiteClock:
    """The site's time in epoch milliseconds: the wall clock, or one standing still at
    ``frozen_at_ms`` (screenshots, exact tests), either moved on by ``offset_ms``. Tests move
    it through ``/_admin/clock``; everything on the site (alerts, snoozes, on-call,
    heartbeats) reads it."""

    def __init__(self, frozen_at_ms: int | None = None) -> None:
        self.frozen_at_ms = frozen_at_ms
        self.offset_ms = 0

    def __call__(self) -> int:
        base = self.frozen_at_ms if self.frozen_at_ms is not None else now_ms()
        return base + self.offset_ms

    def advance(self, ms: int) -> None:
        if self.frozen_at_ms is not None:
            self.frozen_at_ms += ms
        else:
            self.offset_ms += ms


@dataclass(slots=True)
class RequestRecord:
    """What GET /v1/alerts/requests/{id} reports once a write has been processed."""

    action: str
    processed_at_ms: int
    is_success: bool
    status: str
    alert_id: str
    alias: str
    integration_id: str = ""


@dataclass(slots=True)
class Page:
    values: list[StoredAlert]
    total: int


class AlertStore:
    def __init__(self, clock: Callable[[], int] = now_ms) -> None:
        self.clock = clock
        self.alerts: dict[str, StoredAlert] = {}
        self.directory: dict[str, DirectoryEntry] = {}
        self._docs: dict[str, dict[str, Any]] = {}
        self._open_by_alias: dict[str, str] = {}
        self._next_tiny = 1
        self._seq = 0
        self.version = 0
        self._sorted: dict[str, tuple[int, list[tuple[StoredAlert, dict[str, Any]]]]] = {}

    # ------------------------------------------------------------------ loading

    def load(self, alerts: Iterable[StoredAlert], directory: Iterable[DirectoryEntry]) -> None:
        """Replace everything with these alerts and this directory."""
        self.alerts = {}
        self._docs = {}
        self._open_by_alias = {}
        self.directory = {d.id: d for d in directory}
        highest = 0
        for alert in alerts:
            self.alerts[alert.id] = alert
            if alert.tiny_id.isdigit():
                highest = max(highest, int(alert.tiny_id))
            if alert.is_open:
                self._open_by_alias[alert.alias] = alert.id
            self._docs[alert.id] = self._document(alert)
        self._next_tiny = highest + 1
        self.version += 1
        self._sorted.clear()

    # ------------------------------------------------------------------ reading

    def get(self, alert_id: str) -> StoredAlert | None:
        return self.alerts.get(alert_id)

    def open_by_alias(self, alias: str) -> StoredAlert | None:
        alert_id = self._open_by_alias.get(alias)
        return self.alerts.get(alert_id) if alert_id else None

    def select(
        self,
        predicate: Predicate | None,
        sort: str,
        order: str,
        offset: int,
        size: int,
        from_ms: int | None = None,
        to_ms: int | None = None,
    ) -> Page:
        """One page of the alerts that match, and how many match in all."""
        ordered = self._ordered(sort)
        pairs: Iterable[tuple[StoredAlert, dict[str, Any]]] = (
            ordered if order == "asc" else reversed(ordered)
        )
        if from_ms is not None or to_ms is not None:
            low = from_ms if from_ms is not None else -(2**63)
            high = to_ms if to_ms is not None else 2**63
            pairs = [(a, d) for a, d in pairs if low <= a.created_at_ms < high]
        if predicate is None:
            matches = [a for a, _ in pairs]
        else:
            matches = [a for a, d in pairs if predicate(d)]
        return Page(matches[offset : offset + size], len(matches))

    def _ordered(self, sort: str) -> list[tuple[StoredAlert, dict[str, Any]]]:
        """Every alert and its query document, ascending by ``sort``; kept until a change."""
        cached = self._sorted.get(sort)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        key = SORT_KEYS[sort]
        tiny = SORT_KEYS["tinyId"]
        # Ties fall back to creation order, then the tiny id, so pages never overlap.
        ordered = sorted(
            self.alerts.values(),
            key=lambda a: (key(a), a.created_at_ms, tiny(a), a.id),
        )
        docs = self._docs
        pairs = [(a, docs[a.id]) for a in ordered]
        self._sorted[sort] = (self.version, pairs)
        return pairs

    # ------------------------------------------------------------------ writing

    def new_alert(self, message: str, alias: str | None, at_ms: int) -> StoredAlert:
        alert_id = new_alert_id(at_ms)
        alert = StoredAlert(
            id=alert_id,
            tiny_id=str(self._next_tiny),
            alias=alias or alert_id,
            message=message,
            created_at_ms=at_ms,
            updated_at_ms=at_ms,
            last_occurred_at_ms=at_ms,
        )
        self._next_tiny += 1
        self.alerts[alert.id] = alert
        return alert

    def remove(self, alert: StoredAlert) -> None:
        self.alerts.pop(alert.id, None)
        self._docs.pop(alert.id, None)
        if self._open_by_alias.get(alert.alias) == alert.id:
            del self._open_by_alias[alert.alias]
        self.version += 1

    def changed(self, alert: StoredAlert, at_ms: int | None = None) -> None:
        """Record that ``alert`` changed: move updatedAt, refresh its indexes."""
        if at_ms is not None:
            alert.updated_at_ms = max(alert.updated_at_ms, at_ms)
        if alert.is_open:
            self._open_by_alias[alert.alias] = alert.id
        elif self._open_by_alias.get(alert.alias) == alert.id:
            del self._open_by_alias[alert.alias]
        self._docs[alert.id] = self._document(alert)
        self.version += 1

    def record(
        self, alert: StoredAlert, text: str, owner: str, at: int, log_type: str = "alertAction"
    ) -> None:
        """One change of ``alert``: a line in its log, and updatedAt moved."""
        self.log(alert, text, owner, log_type)
        self.changed(alert, at)

    def log(self, alert: StoredAlert, text: str, owner: str, log_type: str = "alertAction") -> None:
        at = self.clock()
        self._seq += 1
        alert.logs.append(LogEntry(f"{at}_{self._seq:019d}", at, log_type, text, owner))

    def add_note(self, alert: StoredAlert, text: str, owner: str) -> Note:
        at = self.clock()
        self._seq += 1
        note = Note(str(at * 1_000_000 + self._seq % 1_000_000), at, at, text, owner)
        alert.notes.append(note)
        self.record(alert, f"Note added: {_clip(text)}", owner, at, "note")
        return note

    # ------------------------------------------------------------------ names

    def display_name(self, account_or_email: str) -> str:
        """The directory's name for a user id or email; the input itself if unknown."""
        entry = self.directory.get(account_or_email)
        if entry is not None:
            return entry.name
        for candidate in self.directory.values():
            if candidate.email and candidate.email == account_or_email:
                return candidate.name
        return account_or_email

    def _names(self, ident: str) -> list[str]:
        entry = self.directory.get(ident)
        return [ident, entry.name] if entry is not None else [ident]

    def _document(self, a: StoredAlert) -> dict[str, Any]:
        """The alert as the query evaluator sees it (see console.query.evaluate)."""
        owner: list[str] = []
        if a.owner:
            owner.append(a.owner)
        if a.owner_account_id:
            owner.extend(self._names(a.owner_account_id))
            entry = self.directory.get(a.owner_account_id)
            if entry is not None and entry.email:
                owner.append(entry.email)
        responders: list[str] = []
        teams: list[str] = []
        for r in a.responders:
            names = self._names(r.id)
            responders.extend(names)
            if r.type == "team":
                teams.extend(names)
        visible: list[str] = []
        for v in a.visible_to:
            visible.extend(self._names(v.id))
        return {
            "id": a.id,
            "tinyId": a.tiny_id,
            "alias": a.alias,
            "message": a.message,
            "description": a.description,
            "entity": a.entity,
            "source": a.source,
            "owner": owner,
            "status": a.status,
            "acknowledged": a.acknowledged,
            "snoozed": a.snoozed,
            "seen": a.seen,
            "priority": a.priority,
            "count": a.count,
            "createdAt": a.created_at_ms,
            "updatedAt": a.updated_at_ms,
            "lastOccurredAt": a.last_occurred_at_ms,
            "snoozedUntil": a.snoozed_until_ms,
            "ackTime": a.ack_time_ms,
            "closeTime": a.close_time_ms,
            "tags": a.tags,
            "actions": a.actions,
            "responders": responders,
            "teams": teams,
            "visibleTo": visible,
            "extraProperties": a.extra_properties,
            "integration.name": a.integration_name,
            "integration.type": a.integration_type,
            "acknowledgedBy": [a.acknowledged_by] if a.acknowledged_by else [],
            "closedBy": [a.closed_by] if a.closed_by else [],
        }

    # ------------------------------------------------------------------ state file

    def state_json(self) -> str:
        """What the ``--state`` file holds. Runs on the loop: the store cannot move under it."""
        state = {
            "format": 1,
            "alerts": [a.to_state() for a in self.alerts.values()],
            "directory": [
                {"id": d.id, "type": d.type, "name": d.name, "email": d.email}
                for d in self.directory.values()
            ],
            "next_tiny": self._next_tiny,
        }
        return json.dumps(state, separators=(",", ":"))

    def save(self, path: Path) -> None:
        write_state(path, self.state_json())

    def restore(self, path: Path) -> None:
        """The alerts of a ``--state`` file, read bounded (FileProblem names the file)."""
        from console.base.bounded import FileProblem, read_json

        state = read_json(path, STATE_CAP)
        if not isinstance(state, dict) or state.get("format") != 1:
            raise FileProblem(path, "is not a simulator state file of format 1", kind="format")
        try:
            alerts = [StoredAlert.from_state(a) for a in state["alerts"]]
            entries = [DirectoryEntry(**d) for d in state["directory"]]
            next_tiny = int(state.get("next_tiny", 1))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            reason = f"is not a simulator state file of format 1 ({type(error).__name__})"
            raise FileProblem(path, reason, kind="format") from None
        self.load(iter(alerts), iter(entries))
        self._next_tiny = max(self._next_tiny, next_tiny)


STATE_CAP = 256 * 1024 * 1024  # ~100,000 alerts with notes and logs


def write_state(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
