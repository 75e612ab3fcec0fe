"""A console's action path in a process of its own, for the tests of a shared journal.

``python -m tests.actions.journal_writer ORIGIN CLOUD_ID JOURNAL MAX_BYTES ALERT_ID...`` runs the
real JsmClient, ActionTracker and Journal against a simulator: it adds a tag to one alert after
another, for ever (until it is killed), and says on stdout what the tracker did as it happens,
one line each, always after the journal was written:

    run <run id>
    queued <action id>
    sent <action id>
    trimmed
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from console.actions import ActionEvent, ActionTracker, Journal, State, TrackerEvent
from console.api import BasicCredentials, JsmClient, RetryPolicy

ACCOUNT = ("demo@example.com", "demo-token")


class TrimSeen(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if "trimmed" in record.getMessage():
            say("trimmed")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


MOVED = asyncio.Event()


def told(event: TrackerEvent) -> None:
    if isinstance(event, ActionEvent) and event.state in (State.QUEUED, State.SENT):
        say(f"{event.state.value} {event.action.id}")
    MOVED.set()


async def main(origin: str, cloud_id: str, path: Path, max_bytes: int, alerts: list[str]) -> None:
    journal_log = logging.getLogger("console.actions.journal")
    journal_log.setLevel(logging.INFO)
    journal_log.addHandler(TrimSeen())
    journal = Journal(path, max_bytes=max_bytes)
    say(f"run {journal.run}")
    async with JsmClient(
        origin=origin,
        cloud_id=cloud_id,
        credentials=BasicCredentials(*ACCOUNT),
        retry=RetryPolicy(attempts=6, base_s=0.01, cap_s=0.1, budget_s=10.0),
    ) as client:
        tracker = ActionTracker(client, journal=journal, deadline_s=600.0, first_poll_s=5.0)
        tracker.subscribe(told)
        turn = 0
        while True:
            alert_id = alerts[turn % len(alerts)]
            batch = tracker.submit("add_tags", [(alert_id, f"#{turn}")], {"tags": [f"t{turn}"]})
            action = next(a for a in tracker.actions.values() if a.batch_id == batch)
            while action.state is State.QUEUED:  # one at a time: sent before the next
                MOVED.clear()
                await MOVED.wait()
            turn += 1


if __name__ == "__main__":
    origin, cloud_id, path, max_bytes, *alerts = sys.argv[1:]
    asyncio.run(main(origin, cloud_id, Path(path), int(max_bytes), alerts))
