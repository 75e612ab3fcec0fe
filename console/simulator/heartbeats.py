"""Heartbeats: jobs that say "still alive" every so often, and the alert when one stops.

A heartbeat belongs to a team and is known by its name (the spec gives it no id). Its
status is computed from the site's clock whenever it is asked for: ``Off`` when disabled,
``Pending`` until its first ping, ``Responsive`` until one interval has passed since the last
ping (or since it was enabled, if later), then ``Unresponsive``. A silence raises the
heartbeat's alert once (its ``alertMessage``, ``alertTags`` and ``alertPriority``, the team
as responder, an alias per heartbeat so that it deduplicates); the next ping closes it, as
Opsgenie did. :meth:`HeartbeatBook.expire` runs on the processor's loop every half second
and before every heartbeat request, so the status a request reads and the alert agree.

The demo's heartbeats are the estates' own jobs (:data:`DEMO`): the simulator pings them
itself; with ``--live`` one of them (``ledger-reconciliation``) stops a few minutes after
the start, goes Unresponsive two minutes later, and comes back when pinged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from console.simulator import lifecycle
from console.simulator.model import DirectoryEntry, iso_ms
from console.simulator.store import AlertStore
from console.simulator.validation import ALIAS_MAX, FieldError, check_create

log = logging.getLogger(__name__)

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
UNIT_MS = {"minutes": MINUTE_MS, "hours": HOUR_MS, "days": DAY_MS}
PER_TEAM_MAX = 1_000  # heartbeats one team may have (the spec sets none; nothing grows unbounded)
CLOSER = "Heartbeat"  # who closes a heartbeat's alert at the next ping (its log says so)
INTEGRATION = ("Heartbeat", "Heartbeat")  # the alert's integration name and type


@dataclass(slots=True)
class Heartbeat:
    team_id: str
    name: str
    interval: int
    unit: str  # minutes | hours | days (the request's spelling)
    description: str = ""
    enabled: bool = False
    alert_message: str = ""
    alert_tags: list[str] = field(default_factory=list)
    alert_priority: str = "P3"
    last_ping_ms: int | None = None
    watched_from_ms: int = 0  # when it was last enabled: no silence before this + interval
    alerted: bool = False  # the alert of the present silence has been raised

    @property
    def interval_ms(self) -> int:
        return self.interval * UNIT_MS[self.unit]

    @property
    def due_ms(self) -> int | None:
        """When it turns Unresponsive without a ping (None: it cannot, Off or Pending)."""
        if not self.enabled or self.last_ping_ms is None:
            return None
        return max(self.last_ping_ms, self.watched_from_ms) + self.interval_ms

    def status(self, now_ms: int) -> str:
        if not self.enabled:
            return "Off"
        due = self.due_ms
        if due is None:
            return "Pending"
        return "Unresponsive" if now_ms >= due else "Responsive"

    @property
    def alias(self) -> str:
        alias = f"heartbeat:{self.team_id}:{self.name}"
        if len(alias) <= ALIAS_MAX:
            return alias
        return "heartbeat:" + hashlib.sha256(alias.encode()).hexdigest()

    def to_api(self, now_ms: int) -> dict[str, Any]:
        """``Heartbeat`` as the spec lays it out (the unit capitalised, as its answers have it)."""
        return {
            "name": self.name,
            "description": self.description,
            "interval": self.interval,
            "intervalUnit": self.unit.capitalize(),
            "enabled": self.enabled,
            "status": self.status(now_ms),
            "ownerTeamId": self.team_id,
            "alertMessage": self.alert_message,
            "alertTags": list(self.alert_tags),
            "alertPriority": self.alert_priority,
        }

    def change(self, body: dict[str, Any], now_ms: int) -> None:
        """Apply a checked create or update body (only the fields it has)."""
        if "description" in body and body["description"] is not None:
            self.description = body["description"]
        if body.get("interval") is not None:
            self.interval = body["interval"]
        if body.get("intervalUnit") is not None:
            self.unit = body["intervalUnit"]
        if body.get("alertMessage") is not None:
            self.alert_message = body["alertMessage"].strip()
        if body.get("alertTags") is not None:
            self.alert_tags = list(dict.fromkeys(body["alertTags"]))
        if body.get("alertPriority") is not None:
            self.alert_priority = body["alertPriority"]
        if body.get("enabled") is not None:
            if body["enabled"] and not self.enabled:
                # Switched on again (after a maintenance, say): its silence is counted from now.
                self.watched_from_ms = now_ms
                self.alerted = False
            self.enabled = body["enabled"]


class HeartbeatBook:
    """Every heartbeat of the site, by (team id, name), in the order they were created."""

    def __init__(self, store: AlertStore) -> None:
        self.store = store
        self.beats: dict[tuple[str, str], Heartbeat] = {}
        self.alerts_raised = 0
        self.pings_unmatched = 0  # pings for a name no heartbeat has (the spec answers 202)

    def clear(self) -> None:
        self.beats = {}
        self.alerts_raised = 0
        self.pings_unmatched = 0

    def of_team(self, team_id: str) -> list[Heartbeat]:
        return [b for (team, _), b in self.beats.items() if team == team_id]

    def get(self, team_id: str, name: str) -> Heartbeat | None:
        return self.beats.get((team_id, name))

    def add(self, beat: Heartbeat) -> None:
        self.beats[(beat.team_id, beat.name)] = beat

    def remove(self, beat: Heartbeat) -> None:
        self.beats.pop((beat.team_id, beat.name), None)

    def ping(
        self, team_id: str, name: str, now_ms: int, *, silences_first: bool = True
    ) -> Heartbeat | None:
        """A ping: the heartbeat is alive (and its silence, if any, is over: the alert closes).
        A silence that came before it is raised first, unless the caller (the demo's jobs,
        catching up after the clock moved) pings several at one instant and looks after."""
        if silences_first:
            self.expire(now_ms)
        beat = self.beats.get((team_id, name))
        if beat is None:
            self.pings_unmatched += 1
            return None
        beat.last_ping_ms = now_ms
        if beat.alerted:
            beat.alerted = False
            alert = self.store.open_by_alias(beat.alias)
            if alert is not None:
                lifecycle.close(self.store, alert, {}, CLOSER, now_ms)
        return beat

    def expire(self, now_ms: int) -> list[Heartbeat]:
        """Raise the alert of every heartbeat that has gone silent since it was last looked at;
        the ones that did."""
        silent = []
        for beat in self.beats.values():
            due = beat.due_ms
            if due is not None and not beat.alerted and now_ms >= due:
                beat.alerted = True
                if self._raise(beat, now_ms):
                    silent.append(beat)
        return silent

    def _raise(self, beat: Heartbeat, now_ms: int) -> bool:
        team = self.store.directory.get(beat.team_id)
        team_name = team.name if team is not None else beat.team_id
        every = f"{beat.interval} {beat.unit if beat.interval != 1 else beat.unit[:-1]}"
        last = iso_ms(beat.last_ping_ms) if beat.last_ping_ms is not None else "never"
        body: dict[str, Any] = {
            "message": beat.alert_message or f"{beat.name} is expired",
            "alias": beat.alias,
            "description": (
                f"Heartbeat {beat.name} of {team_name} expects a ping every {every}; "
                f"the last one came at {last}. It turns Responsive again at the next ping, "
                "which also closes this alert."
            ),
            "responders": [{"id": beat.team_id, "type": "team"}],
            "tags": list(beat.alert_tags),
            "entity": beat.name,
            "source": CLOSER,
            "priority": beat.alert_priority,
            "extraProperties": {"heartbeat": beat.name, "interval": every, "lastPing": last},
        }
        errors: list[FieldError] = []
        check_create(body, errors)
        if errors:  # cannot happen: the heartbeat's fields were held to the alert's limits
            log.warning("heartbeat %r: its alert is not valid: %s", beat.name, errors[0].title)
            return False
        lifecycle.create(self.store, body, CLOSER, "127.0.0.1", now_ms, integration=INTEGRATION)
        self.alerts_raised += 1
        return True


# --------------------------------------------------------------------------- the demo's


@dataclass(frozen=True, slots=True)
class DemoHeartbeat:
    """One of the demo's heartbeats and the job that pings it (``every_ms``; None: no job)."""

    team: str
    name: str
    description: str
    interval: int
    unit: str
    enabled: bool
    alert_message: str
    alert_tags: tuple[str, ...]
    alert_priority: str
    every_ms: int | None
    last_ping_ago_ms: int | None
    dies: bool = False  # with --live, the job stops after heartbeat_silent_after_s


DEMO: tuple[DemoHeartbeat, ...] = (
    DemoHeartbeat(
        "Payments", "ledger-reconciliation",
        "Matches the ledger against the card processor's settlement file, every 30 seconds.",
        2, "minutes", True, "Ledger reconciliation stopped reporting",
        ("heartbeat", "payments", "cron"), "P2", 30_000, 20_000, dies=True,
    ),
    DemoHeartbeat(
        "Payments", "payouts-nightly", "The nightly payout batch to merchants.",
        26, "hours", True, "Nightly payouts did not run", ("heartbeat", "payments", "batch"),
        "P1", DAY_MS, 6 * HOUR_MS,
    ),
    DemoHeartbeat(
        "Observability", "alertmanager-deadman",
        "Alertmanager's always-firing Watchdog, routed here: when it stops, alerting is down.",
        1, "minutes", True, "Alertmanager watchdog silent: alerting may be down",
        ("heartbeat", "alertmanager", "deadman"), "P1", 20_000, 10_000,
    ),
    DemoHeartbeat(
        "Observability", "blackbox-exporter",
        "Probes of the public endpoints. Off while the exporter moves to the new cluster.",
        5, "minutes", False, "Blackbox exporter stopped probing", ("heartbeat", "probes"),
        "P3", None, 3 * HOUR_MS,
    ),
    DemoHeartbeat(
        "Data Pipeline", "hourly-etl", "The hourly load of the clickstream into the warehouse.",
        75, "minutes", True, "Hourly ETL missed its run", ("heartbeat", "etl"),
        "P3", HOUR_MS, 20 * MINUTE_MS,
    ),
    DemoHeartbeat(
        "Data Pipeline", "dbt-nightly",
        "dbt models rebuilt every night; the job is new and has not run yet.",
        1, "days", True, "dbt nightly build did not report", ("heartbeat", "dbt"),
        "P4", None, None,
    ),
)  # fmt: skip


class DemoJobs:
    """The jobs behind the demo's heartbeats: each pings its heartbeat every so often, on the
    site's clock; with ``live``, the one that dies stops ``silent_after_ms`` after the start."""

    def __init__(self, book: HeartbeatBook, live: bool, silent_after_ms: int) -> None:
        self.book = book
        self.live = live
        self.silent_after_ms = silent_after_ms
        self.anchor_ms = 0
        self.jobs: list[tuple[DemoHeartbeat, str, int]] = []  # (demo, team id, next ping)

    def populate(self, teams: Iterable[DirectoryEntry], now_ms: int) -> None:
        """The demo's heartbeats, as they stand at ``now_ms``, for the teams the site has."""
        by_name = {t.name: t.id for t in teams if t.type == "team"}
        self.book.clear()
        self.anchor_ms = now_ms
        self.jobs = []
        for demo in DEMO:
            team_id = by_name.get(demo.team)
            if team_id is None:
                continue
            beat = Heartbeat(
                team_id,
                demo.name,
                demo.interval,
                demo.unit,
                demo.description,
                demo.enabled,
                demo.alert_message,
                list(demo.alert_tags),
                demo.alert_priority,
            )
            if demo.last_ping_ago_ms is not None:
                beat.last_ping_ms = now_ms - demo.last_ping_ago_ms
            self.book.add(beat)
            if demo.every_ms is not None and demo.last_ping_ago_ms is not None:
                last = now_ms - demo.last_ping_ago_ms
                self.jobs.append((demo, team_id, last + demo.every_ms))

    def dying(self) -> tuple[str, str] | None:
        """(team id, name) of the heartbeat whose job dies with ``--live``, if the site has it."""
        return next(((team, d.name) for d, team, _ in self.jobs if d.dies), None)

    def tick(self, now_ms: int) -> None:
        """Each job whose time has come pings (once, however long since its last: a clock moved
        by hours does not replay them); then every silence is looked for."""
        for i, (demo, team_id, next_ms) in enumerate(self.jobs):
            if now_ms < next_ms:
                continue
            if demo.dies and self.live and now_ms >= self.anchor_ms + self.silent_after_ms:
                continue
            self.book.ping(team_id, demo.name, now_ms, silences_first=False)
            assert demo.every_ms is not None
            self.jobs[i] = (demo, team_id, now_ms + demo.every_ms)
        self.book.expire(now_ms)
