"""No action lost or stranded: a service that restarts, answers a write with a body nobody can
read, rate limits for minutes, or a console closed with actions still queued."""

from __future__ import annotations

import asyncio
import json
import stat
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from console.actions import ActionTracker, Journal, State
from console.actions.journal import JournalEntry
from console.api import BasicCredentials, JsmClient
from console.simulator.server import BackgroundSimulator
from tests.actions.conftest import TrackerFactory
from tests.actions.support import (
    UNACKED,
    Recorder,
    alert,
    close_tracker,
    final,
    find,
    journal_lines,
    settled,
    targets,
    until,
)
from tests.conftest import ACCOUNT
from tests.hostile import HostileServer, Reply, Seen, json_reply

# ---------------------------------------------------------------------- the service restarts


async def test_a_service_down_for_14_s_during_a_bulk_ack_of_50_loses_none(
    sim: BackgroundSimulator, api: httpx.Client, make_tracker: TrackerFactory
) -> None:
    """With the client's default retry policy (30 s budget): refused connections are retried
    for the budget, not five times in three seconds; the simulator really stops and restarts
    on the same port, keeping its state."""
    sim.reset(alerts=120)
    chosen = find(api, UNACKED, 50)
    async with JsmClient(
        origin=sim.origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT)
    ) as client:
        tracker = make_tracker(client, deadline_s=60.0)
        batch = tracker.submit("acknowledge", targets(chosen))
        await until(lambda: any(a.state is State.SENT for a in tracker.actions.values()), 10)
        sim.stop()
        await asyncio.sleep(14)
        sim.start()
        actions = await final(tracker, batch, within=60)
    assert [a.state for a in actions] == [State.SUCCEEDED] * 50, {a.reason for a in actions}
    assert all(alert(api, a["id"])["acknowledged"] for a in chosen)


# ---------------------------------------------------------------------- bodies nobody can read


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=202, body=b"", content_type=None),
        Reply(status=202, body=b"<html>Accepted</html>", content_type="text/html"),
        Reply(status=202, body=b"{not json", content_type="application/json"),
        Reply(status=202, body=b"\x1f\x8b garbage", headers=[("Content-Encoding", "gzip")]),
        Reply(status=202, body=b'{"result": "ok"}'),  # no request id
    ],
    ids=["empty", "html", "broken-json", "broken-gzip", "no-request-id"],
)
async def test_an_accepted_write_with_an_unreadable_answer_is_unknown_never_failed(
    hostile: HostileServer, hostile_client: JsmClient, make_tracker: TrackerFactory, reply: Reply
) -> None:
    hostile.on("POST", "/v1/alerts/a1/close", reply)
    tracker = make_tracker(hostile_client)
    events = Recorder()
    tracker.subscribe(events)
    batch = tracker.submit("close", [("a1", "#1")])
    (action,) = await settled(tracker, batch, within=5)
    assert action.state is State.UNKNOWN
    assert action.reason is not None and "accepted it (202)" in action.reason
    assert State.FAILED not in events.states(action.id)
    assert len(hostile.seen("POST", "/v1/alerts/a1/close")) == 1  # close is safe, yet not resent


async def test_a_write_rate_limited_for_longer_than_the_client_waits_is_held_then_sent(
    hostile: HostileServer, hostile_client: JsmClient, make_tracker: TrackerFactory
) -> None:
    answers = iter(
        [json_reply({"message": "slow down"}, 429, headers=[("Retry-After", "2")])]
        + [json_reply({"result": "ok", "requestId": "r1"}, 202)] * 5
    )

    def acknowledge(_seen: Seen) -> Reply:
        return next(answers)

    hostile.on("POST", "/v1/alerts/a1/acknowledge", acknowledge)
    hostile.on("GET", "/v1/alerts/requests/r1", json_reply({"isSuccess": True, "status": "ok"}))
    tracker = make_tracker(hostile_client)
    events = Recorder()
    tracker.subscribe(events)
    started = time.monotonic()
    batch = tracker.submit("acknowledge", [("a1", "#1")])
    (action,) = await final(tracker, batch, within=10)
    assert action.state is State.SUCCEEDED
    held = [e for e in events.action_events(action.id) if e.held_s is not None]
    assert len(held) == 1 and held[0].held_s == 2.0
    assert "held" in held[0].text and "sending again in 2 s" in held[0].text
    assert time.monotonic() - started >= 2.0
    assert len(hostile.seen("POST", "/v1/alerts/a1/acknowledge")) == 2


async def test_a_write_held_past_the_hold_limit_fails_and_says_why(
    hostile: HostileServer, hostile_client: JsmClient, make_tracker: TrackerFactory
) -> None:
    hostile.on(
        "POST",
        "/v1/alerts/a1/acknowledge",
        json_reply({"message": "slow down"}, 429, headers=[("Retry-After", "inf")]),
    )
    tracker = make_tracker(hostile_client, max_hold_s=60)
    batch = tracker.submit("acknowledge", [("a1", "#1")])
    (action,) = await final(tracker, batch, within=10)
    assert action.state is State.FAILED
    assert action.reason is not None and "rate limited" in action.reason


# ---------------------------------------------------------------------- closing the console


async def test_closing_with_queued_actions_records_them_as_not_sent(
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    chosen = find(api, UNACKED, 6)
    sim.set_faults(latency_ms=400)
    tracker = make_tracker(concurrency=1)
    tracker.submit("acknowledge", targets(chosen))
    await until(lambda: any(a.sending for a in tracker.actions.values()), 5)
    assert len(tracker.pending) == 6
    unsent = tracker.unsent
    assert len(unsent) == 5  # one is on the wire
    assert tracker.abandon_unsent() == 5
    await close_tracker(tracker)
    assert tracker.journal is not None
    tracker.journal.close()
    sim.set_faults(latency_ms=0)
    states = {e.action_id: e.state for e in journal_lines(journal_path)}
    assert sorted(states[a.id] for a in unsent) == [State.NOT_SENT] * 5
    # The next start: not-sent actions are final, never reported as unknown.
    later = make_tracker()
    events = Recorder()
    later.subscribe(events)
    later.resume()
    reported = {e.action.id for e in events.action_events()}
    assert not reported & {a.id for a in unsent}
    # None of the five was ever sent.
    for alert_data in chosen:
        if alert_data["id"] in {a.alert_id for a in unsent}:
            assert not alert(api, alert_data["id"])["acknowledged"]


# ---------------------------------------------------------------------- ages survive restarts


def _entry(site: str, state: State, sent_ago_s: float, request_id: str | None) -> JournalEntry:
    sent = datetime.now(UTC) - timedelta(seconds=sent_ago_s)
    return JournalEntry(
        at=datetime.now(UTC),  # re-journaled just now: the age must not start again from here
        site=site,
        action_id=str(uuid.uuid4()),
        batch_id=str(uuid.uuid4()),
        op="acknowledge",
        alert_id="some-alert",
        label="#1",
        state=state,
        request_id=request_id,
        created_at=sent.timestamp(),
        sent_at=sent.timestamp(),
    )


async def test_a_restart_never_gives_an_action_a_new_follow_up_window(
    sim: BackgroundSimulator,
    client: JsmClient,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    expired = _entry(client.site, State.UNKNOWN, 20 * 60, "req-expired")
    recent = _entry(client.site, State.SENT, 10 * 60, "req-recent")
    journal_path.write_text(expired.model_dump_json() + "\n" + recent.model_dump_json() + "\n")
    tracker = make_tracker(follow_for_s=900.0)
    tracker.resume()
    # The unknown one's window (15 min) ended: reported then, not followed or counted again.
    assert [a.id for a in tracker.pending] == [recent.action_id]
    resumed = tracker.actions[recent.action_id]
    assert resumed.followed_since is not None
    assert time.monotonic() - resumed.followed_since == pytest.approx(600, abs=5)


# ---------------------------------------------------------------------- the journal


def test_the_journal_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "journal.jsonl"
    journal = Journal(path)
    journal.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_the_journal_stays_bounded_and_keeps_what_is_still_pending(
    sim: BackgroundSimulator, api: httpx.Client, client: JsmClient, tmp_path: Path
) -> None:
    path = tmp_path / "journal.jsonl"
    # A previous run left an action still waiting for its outcome, as the oldest line.
    pending = _entry(client.site, State.SENT, 60, "req-still-pending")
    path.write_text(pending.model_dump_json() + "\n")
    journal = Journal(path, max_bytes=40_000)
    tracker = ActionTracker(client, journal=journal, deadline_s=60)
    others = find(api, "status:open", 15)
    for _round in range(12):  # lots of other history, well past the bound
        batch = tracker.submit("add_tags", targets(others), {"tags": ["churn"]})
        await final(tracker, batch)
        assert path.stat().st_size <= 40_000 + 2_000
    await close_tracker(tracker)
    journal.close()
    entries = journal_lines(path)
    assert len(entries) < 12 * 15 * 3  # trimmed
    assert pending.action_id in {e.action_id for e in entries}  # kept through every trim
    reopened = Journal(path)
    assert reopened.latest(client.site)[pending.action_id].request_id == "req-still-pending"
    reopened.close()


def test_a_damaged_journal_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    good = _entry("site", State.SENT, 5, "r1")
    path.write_bytes(
        b"{ not json\n"
        + good.model_dump_json().encode()
        + b"\n\x00\x00\x00\n"
        + json.dumps({"at": "yesterday", "site": 3}).encode()
        + b"\n\xff\xfe broken utf-8\n"
        + b'{"at": "2026-11-27T10:00:00Z", "site": "site", "act'  # cut short by a crash
    )
    journal = Journal(path)
    assert list(journal.latest("site")) == [good.action_id]
    later = _entry("site", State.SENT, 1, "r2")
    journal._file.write(later.model_dump_json() + "\n")
    journal.close()
    reopened = Journal(path)
    assert list(reopened.latest("site")) == [good.action_id, later.action_id]
    reopened.close()
