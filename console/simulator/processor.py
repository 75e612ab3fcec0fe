"""The background processor: writes are applied a while after their receipt.

A write returns its receipt at once (``requestId``); the processor applies it
after the configured delay plus jitter. Writes to the same alert (or the same
alias, for creates) are applied in the order they arrived. Until a write is
applied its request id is *pending*; afterwards it has a :class:`RequestRecord`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from console.simulator import lifecycle
from console.simulator.demo_live import AckEvent, CloseEvent, CreateEvent, LiveScenario
from console.simulator.store import AlertStore, RequestRecord, write_state
from console.simulator.validation import FieldError, check_create

log = logging.getLogger(__name__)

PENDING: Literal["pending"] = "pending"


@dataclass(order=True, slots=True)
class _Pending:
    due: float
    seq: int
    request_id: str = field(compare=False)
    action: str = field(compare=False)
    alert_id: str | None = field(compare=False)  # None for a create
    body: dict[str, Any] = field(compare=False)
    user: str = field(compare=False)
    client_ip: str = field(compare=False)
    apply: lifecycle.Apply | None = field(compare=False)


class Processor:
    def __init__(
        self,
        store: AlertStore,
        *,
        delay_ms: int,
        jitter_ms: int,
        retention: int,
        retention_s: float,
        rng: random.Random,
    ) -> None:
        self.store = store
        self.delay_ms = delay_ms
        self.jitter_ms = jitter_ms
        self.retention = retention
        self.retention_s = retention_s
        self.rng = rng
        self.paused = False
        self.records: dict[str, RequestRecord] = {}
        self._pending: dict[str, _Pending] = {}
        self._heap: list[_Pending] = []
        self._last_due: dict[str, float] = {}
        self._seq = 0
        self._snoozes: list[tuple[int, str]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # ----------------------------------------------------------------- intake

    def submit(
        self,
        action: str,
        alert_id: str | None,
        body: dict[str, Any],
        user: str,
        client_ip: str,
        apply: lifecycle.Apply | None,
    ) -> str:
        """Queue a write; its request id is returned at once."""
        # From the seeded generator: a seeded site gives the same ids to the same writes.
        request_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        loop_now = asyncio.get_running_loop().time()
        jitter = self.rng.uniform(-self.jitter_ms, self.jitter_ms) if self.jitter_ms else 0.0
        due = loop_now + max(0.0, self.delay_ms + jitter) / 1000
        # Writes to one alert are applied in arrival order, whatever the jitter says.
        key = alert_id if alert_id is not None else f"alias:{body.get('alias') or request_id}"
        due = max(due, self._last_due.get(key, 0.0) + 1e-6)
        self._last_due[key] = due
        self._seq += 1
        item = _Pending(due, self._seq, request_id, action, alert_id, body, user, client_ip, apply)
        self._pending[request_id] = item
        heapq.heappush(self._heap, item)
        self._wake.set()
        return request_id

    def lookup(self, request_id: str) -> RequestRecord | Literal["pending"] | None:
        if request_id in self._pending:
            return PENDING
        return self.records.get(request_id)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def clear(self) -> None:
        self.records.clear()
        self._pending.clear()
        self._heap.clear()
        self._last_due.clear()
        self._snoozes.clear()

    # ----------------------------------------------------------------- applying

    def _apply(self, item: _Pending) -> None:
        store = self.store
        at = store.clock()
        if item.apply is None:
            outcome = lifecycle.create(store, item.body, item.user, item.client_ip, at)
            record = RequestRecord(
                item.action,
                at,
                outcome.is_success,
                outcome.status,
                outcome.alert.id,
                outcome.alert.alias,
            )
        else:
            alert = store.get(item.alert_id or "")
            if alert is None:
                record = RequestRecord(item.action, at, False, "Alert does not exist", "", "")
            else:
                ok, status = item.apply(store, alert, item.body, item.user, at)
                record = RequestRecord(item.action, at, ok, status, alert.id, alert.alias)
                if ok and alert.snoozed and alert.snoozed_until_ms is not None:
                    heapq.heappush(self._snoozes, (alert.snoozed_until_ms, alert.id))
        self._remember(item.request_id, record)

    def _remember(self, request_id: str, record: RequestRecord) -> None:
        records = self.records
        records[request_id] = record
        oldest_allowed = record.processed_at_ms - int(self.retention_s * 1000)
        while records:
            first = next(iter(records))
            if len(records) <= self.retention and records[first].processed_at_ms >= oldest_allowed:
                break
            del records[first]

    def watch_snoozes(self) -> None:
        """Take note of every snoozed alert (after loading data)."""
        self._snoozes = [
            (a.snoozed_until_ms, a.id)
            for a in self.store.alerts.values()
            if a.snoozed and a.snoozed_until_ms is not None
        ]
        heapq.heapify(self._snoozes)

    def _expire_snoozes(self) -> None:
        now = self.store.clock()
        while self._snoozes and self._snoozes[0][0] <= now:
            until, alert_id = heapq.heappop(self._snoozes)
            alert = self.store.get(alert_id)
            # A later snooze or a close may have replaced this one.
            if alert is not None and alert.snoozed and alert.snoozed_until_ms == until:
                lifecycle.wake(self.store, alert, now)

    # ----------------------------------------------------------------- tasks

    def start(
        self,
        *,
        live: LiveScenario | None,
        live_interval_s: float,
        state_file: Path | None,
        every_half_second: Callable[[], None] | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._tasks = [loop.create_task(self._run_writes()), loop.create_task(self._run_snoozes())]
        if every_half_second is not None:
            self._tasks.append(loop.create_task(self._run_every(every_half_second, 0.5)))
        if live is not None:
            self._tasks.append(loop.create_task(self._run_live(live, live_interval_s)))
        if state_file is not None:
            self._tasks.append(loop.create_task(self._run_saves(state_file)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run_writes(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            if not self._heap or self.paused:
                await self._wake.wait()
                continue
            delay = self._heap[0].due - loop.time()
            if delay > 0:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                continue
            while self._heap and self._heap[0].due <= loop.time() and not self.paused:
                item = heapq.heappop(self._heap)
                if self._pending.pop(item.request_id, None) is None:
                    continue  # cleared by a reset
                try:
                    self._apply(item)
                except Exception:  # a bug here must not stop every later write
                    log.exception("applying %s failed", item.action)
                    self._remember(
                        item.request_id,
                        RequestRecord(
                            item.action, self.store.clock(), False, "Internal error", "", ""
                        ),
                    )
            if self._last_due and not self._heap:
                self._last_due.clear()

    def resume(self) -> None:
        self.paused = False
        self._wake.set()

    async def _run_snoozes(self) -> None:
        while True:
            self._expire_snoozes()
            await asyncio.sleep(0.2)

    async def _run_every(self, work: Callable[[], None], seconds: float) -> None:
        """``work`` on the loop every ``seconds`` (heartbeats: a silence needs no request)."""
        while True:
            await asyncio.sleep(seconds)
            try:
                work()
            except Exception:  # a bug here must not stop the next round
                log.exception("periodic work failed")

    async def _run_live(self, scenario: LiveScenario, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s * self.rng.uniform(0.6, 1.4))
            try:
                self._live_tick(scenario)
            except Exception:
                log.exception("live demo tick failed")

    def _live_tick(self, scenario: LiveScenario) -> None:
        store = self.store
        open_alerts = [a for a in store.alerts.values() if a.is_open]
        now = store.clock()
        for event in scenario.next_events(open_alerts, now):
            if isinstance(event, CreateEvent):
                errors: list[FieldError] = []
                check_create(event.payload, errors)
                if errors:
                    log.warning("live demo produced an invalid alert: %s", errors[0].title)
                    continue
                lifecycle.create(store, event.payload, "Live demo", "10.0.0.1", now)
            else:
                alert = store.get(event.alert_id)
                if alert is None:
                    continue
                if isinstance(event, AckEvent):
                    lifecycle.acknowledge(store, alert, {}, event.user, now)
                elif isinstance(event, CloseEvent):
                    lifecycle.close(store, alert, {}, event.user, now)

    async def _run_saves(self, path: Path) -> None:
        saved = self.store.version
        while True:
            await asyncio.sleep(2.0)
            if self.store.version != saved:
                saved = self.store.version
                # Serialise on the loop (the store is not thread-safe), write off it.
                await asyncio.to_thread(write_state, path, self.store.state_json())
