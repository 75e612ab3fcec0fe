"""Helpers for the action tracker's tests: an event recorder, waiting, and simulator probes.

The probes are plain (sync) functions on purpose: the simulator runs on its own thread,
so a short blocking read from a test's coroutine only pauses the tracker, never the service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from console.actions import Action, ActionEvent, ActionTracker, BatchFinished, State, TrackerEvent
from console.actions.journal import JournalEntry
from console.simulator.server import BackgroundSimulator

SETTLE_S = 15.0  # the most any single wait in these tests may take

UNACKED = "status:open AND acknowledged:false"  # the alerts an ack will change


class Recorder:
    """A listener that keeps every event, in order, with the monotonic time it arrived."""

    def __init__(self) -> None:
        self.events: list[TrackerEvent] = []
        self.times: list[float] = []

    def __call__(self, event: TrackerEvent) -> None:
        self.events.append(event)
        self.times.append(time.monotonic())

    def action_events(self, action_id: str | None = None) -> list[ActionEvent]:
        return [
            e
            for e in self.events
            if isinstance(e, ActionEvent) and (action_id is None or e.action.id == action_id)
        ]

    def states(self, action_id: str) -> list[State]:
        return [e.state for e in self.action_events(action_id)]

    def texts(self) -> list[str]:
        out: list[str] = []
        for event in self.events:
            out.append(event.text if isinstance(event, ActionEvent) else event.summary)
        return out

    def finished(self, batch_id: str | None = None) -> list[BatchFinished]:
        return [
            e
            for e in self.events
            if isinstance(e, BatchFinished) and (batch_id is None or e.batch_id == batch_id)
        ]

    def times_of(self, state: State) -> list[float]:
        return [
            t
            for e, t in zip(self.events, self.times, strict=True)
            if isinstance(e, ActionEvent) and e.state is state
        ]


async def settled(tracker: ActionTracker, batch_id: str, within: float = SETTLE_S) -> list[Action]:
    """The batch once every action is settled (succeeded, failed or unknown)."""
    return await asyncio.wait_for(tracker.wait_batch(batch_id), within)


async def final(tracker: ActionTracker, batch_id: str, within: float = SETTLE_S) -> list[Action]:
    """The batch once every action succeeded or failed (or is no longer followed)."""
    return await asyncio.wait_for(tracker.wait_final(batch_id), within)


async def until(condition: Callable[[], bool], within: float = SETTLE_S) -> None:
    """Poll ``condition`` on the event loop until it holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.01)


async def close_tracker(tracker: ActionTracker, within: float = 5.0) -> None:
    """``tracker.aclose()``, bounded: a close that hangs fails the test that hit it.

    aclose() hanging for good would be a bug (see test_aclose_returns_even_right_after_a_send):
    then the follower is cancelled once more so that the test can end, and the test fails.
    """
    follower: asyncio.Task[None] | None = getattr(tracker, "_follower", None)
    closing = asyncio.ensure_future(tracker.aclose())
    done, _ = await asyncio.wait({closing}, timeout=within)
    if done:
        closing.result()
        return
    if follower is not None:
        follower.cancel()
    await asyncio.wait({closing}, timeout=within)
    raise AssertionError(f"the tracker did not close within {within} s: it hangs")


async def stop_console(tracker: ActionTracker) -> None:
    """The console that ran ``tracker`` stops: its tracker and its journal closed. What it left
    pending is then another start's to follow up (while it runs, it is its own)."""
    await close_tracker(tracker)
    if tracker.journal is not None:
        tracker.journal.close()


# ---------------------------------------------------------------------- the simulator


def requests(sim: BackgroundSimulator, kind: str = "writes") -> int:
    """How many API requests of ``kind`` the simulator served since its counters were zeroed."""
    counts: dict[str, int] = sim.stats()["requests"]
    return int(counts.get(kind, 0))


def zero_stats(sim: BackgroundSimulator) -> None:
    sim.admin("stats", method="DELETE")


def find(
    api: httpx.Client,
    query: str,
    count: int,
    where: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> list[dict[str, Any]]:
    """``count`` alerts matching ``query`` and ``where`` (fails if the site has fewer)."""
    response = api.get("/v1/alerts", params={"query": query, "size": 100})
    assert response.status_code == 200, response.text
    values = [a for a in response.json()["values"] if where(a)]
    assert len(values) >= count, f"only {len(values)} alerts match {query!r}"
    return values[:count]


def alert(api: httpx.Client, alert_id: str) -> dict[str, Any]:
    response = api.get(f"/v1/alerts/{alert_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def all_alerts(api: httpx.Client) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = api.get("/v1/alerts", params={"offset": offset, "size": 100}).json()
        values.extend(page["values"])
        offset += 100
        if offset >= page["count"]:
            return values


def targets(alerts: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(a["id"], f"#{a['tinyId']}") for a in alerts]


def journal_lines(path: Path) -> list[JournalEntry]:
    """Every entry of a journal file, read without the Journal class (which opens it to append)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [JournalEntry.model_validate_json(line) for line in text.splitlines() if line.strip()]


def journal_states(path: Path, action_id: str) -> list[State]:
    return [e.state for e in journal_lines(path) if e.action_id == action_id]


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()
