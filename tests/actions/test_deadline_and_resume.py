"""Deadlines, late outcomes, and picking up pending actions from the journal after a restart."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from console.actions import ActionEvent, ActionTracker, State, TrackerEvent
from console.actions.journal import Journal, JournalEntry
from console.api import JsmClient
from console.simulator.server import BackgroundSimulator
from tests.actions.conftest import ClientFactory, TrackerFactory
from tests.actions.support import (
    UNACKED,
    Recorder,
    alert,
    file_bytes,
    final,
    find,
    journal_lines,
    journal_states,
    requests,
    settled,
    stop_console,
    targets,
    until,
    zero_stats,
)

STOPPED = "the console stopped before the service confirmed it; check the alert"


def _append(path: Path, *lines: str | bytes) -> None:
    """Add raw lines to a journal file, as a previous run (or a crash) left them."""
    with path.open("ab") as handle:
        for line in lines:
            handle.write(line if isinstance(line, bytes) else line.encode())


def _queued_entry(site: str, alert_id: str, label: str = "#1") -> JournalEntry:
    return JournalEntry(
        at=datetime.now(UTC),
        site=site,
        action_id=str(uuid.uuid4()),
        batch_id=str(uuid.uuid4()),
        op="acknowledge",
        alert_id=alert_id,
        label=label,
        state=State.QUEUED,
    )


# ---------------------------------------------------------------------- deadline


async def test_past_the_deadline_an_action_is_unknown_then_succeeds_late(
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    target = find(api, UNACKED, 1)[0]
    tracker = make_tracker(deadline_s=0.3, max_poll_s=0.2, slow_poll_s=0.3)
    events = Recorder()
    tracker.subscribe(events)
    sim.set_processing(paused=True)
    zero_stats(sim)
    batch = tracker.submit("acknowledge", targets([target]))

    (action,) = await settled(tracker, batch)

    assert action.state is State.UNKNOWN
    assert action.reason is not None and "still pending" in action.reason
    (finished,) = events.finished(batch)
    assert finished.summary == f"1 outcome not known: {action.reason}"
    assert finished.summary.endswith("; still pending")
    assert finished.counts == {State.UNKNOWN: 1}
    assert "still pending" in events.action_events(action.id)[-1].text
    assert alert(api, target["id"])["acknowledged"] is False
    writes = requests(sim, "writes")
    assert writes == 1

    sim.set_processing(paused=False)
    await final(tracker, batch)

    assert action.state is State.SUCCEEDED
    assert action.reason is None
    assert events.states(action.id) == [State.QUEUED, State.SENT, State.UNKNOWN, State.SUCCEEDED]
    assert "(late)" in events.action_events(action.id)[-1].text
    assert len(events.finished()) == 1  # the batch was summarised once
    assert requests(sim, "writes") == writes  # followed, never re-sent
    assert alert(api, target["id"])["acknowledged"] is True
    assert journal_states(journal_path, action.id) == [
        State.QUEUED,
        State.SENT,
        State.UNKNOWN,
        State.SUCCEEDED,
    ]


async def test_an_outcome_never_reported_is_given_up_after_follow_for(
    sim: BackgroundSimulator, api: httpx.Client, make_tracker: TrackerFactory
) -> None:
    target = find(api, UNACKED, 1)[0]
    tracker = make_tracker(deadline_s=0.2, follow_for_s=0.6, max_poll_s=0.1, slow_poll_s=0.1)
    sim.set_processing(paused=True)
    batch = tracker.submit("acknowledge", targets([target]))
    (action,) = await final(tracker, batch)
    assert action.state is State.UNKNOWN
    assert action.reason is not None and "no longer followed" in action.reason
    # Its follow-up window is over: it no longer counts as pending.
    assert tracker.pending == []


# ---------------------------------------------------------------------- resume


async def test_a_restart_in_mid_flight_resumes_without_resending(
    sim: BackgroundSimulator,
    api: httpx.Client,
    client: JsmClient,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    alerts = find(api, UNACKED, 5)
    first = make_tracker(client, deadline_s=30.0)
    sim.set_processing(paused=True)
    zero_stats(sim)
    batch = first.submit("acknowledge", targets(alerts))
    await until(lambda: all(a.state is State.SENT for a in first.actions.values()))
    # Once they are being followed (the oldest asked about once; the newer ones wait for it),
    # the console "crashes": nothing more is sent or followed. (Bounded: see
    # test_aclose_returns_even_right_after_a_send.)
    await until(lambda: min(first.actions.values(), key=lambda a: a.seq).polls >= 1)
    await stop_console(first)
    writes = requests(sim, "writes")
    assert writes == 5

    # The next start: a new client and tracker on the same journal.
    second = make_tracker(make_client(), deadline_s=30.0)
    events = Recorder()
    second.subscribe(events)
    sim.set_processing(paused=False)
    assert second.resume() == [batch]

    actions = await settled(second, batch)

    assert sorted(a.alert_id or "" for a in actions) == sorted(a["id"] for a in alerts)
    assert [a.state for a in actions] == [State.SUCCEEDED] * 5
    for action in actions:
        assert events.states(action.id) == [State.SENT, State.SUCCEEDED]
        assert "after a restart" in events.action_events(action.id)[0].text
        # The second start journals what it took over (as its own), then the outcome.
        assert journal_states(journal_path, action.id) == [
            State.QUEUED,
            State.SENT,
            State.SENT,
            State.SUCCEEDED,
        ]
        runs = [e.run for e in journal_lines(journal_path) if e.action_id == action.id]
        assert second.journal is not None and first.journal is not None
        assert runs == [first.journal.run] * 2 + [second.journal.run] * 2
    (finished,) = events.finished()
    assert finished.batch_id == batch
    assert finished.summary == "5 acknowledged"
    assert requests(sim, "writes") == writes  # nothing re-sent
    for a in alerts:
        assert alert(api, a["id"])["acknowledged"] is True

    third = make_tracker(make_client())
    later = Recorder()
    third.subscribe(later)
    assert third.resume() == []
    assert later.events == []


async def test_a_restart_after_the_deadline_still_finishes_the_batch(
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
) -> None:
    # Fixed: console/actions/tracker.py:399 and 325. resume() rebuilds an action journaled as
    # UNKNOWN (with a request id) in state UNKNOWN, which already counts as settled; when its
    # outcome arrives, _move() sees was_settled=True and never calls _maybe_finish_batch. A
    # resumed batch whose actions were all UNKNOWN therefore never gets its BatchFinished and
    # wait_batch() never returns, though resume() promises "each ends with its own
    # BatchFinished summary".
    target = find(api, UNACKED, 1)[0]
    first = make_tracker(deadline_s=0.2)
    sim.set_processing(paused=True)
    batch = first.submit("acknowledge", targets([target]))
    (action,) = await settled(first, batch)
    assert action.state is State.UNKNOWN
    await stop_console(first)

    second = make_tracker(make_client(), deadline_s=30.0, max_poll_s=0.2, slow_poll_s=0.2)
    events = Recorder()
    second.subscribe(events)
    sim.set_processing(paused=False)
    assert second.resume() == [batch]
    (resumed,) = await final(second, batch)
    assert resumed.state is State.SUCCEEDED

    assert [f.summary for f in events.finished(batch)] == ["1 acknowledged"]
    await settled(second, batch, within=2)  # wait_batch() returns too


async def test_a_stop_before_the_receipt_leaves_the_action_for_the_next_start(
    sim: BackgroundSimulator,
    api: httpx.Client,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    target = find(api, UNACKED, 1)[0]
    first = make_tracker()
    sim.set_faults(latency_ms=500)  # the receipt cannot come before the console stops
    batch = first.submit("acknowledge", targets([target]))
    await stop_console(first)
    (action,) = first.actions.values()
    assert action.state is State.QUEUED
    assert journal_states(journal_path, action.id) == [State.QUEUED]
    sim.set_faults(latency_ms=0)

    second = make_tracker(make_client())
    events = Recorder()
    second.subscribe(events)
    assert second.resume() == [batch]
    (resumed,) = await settled(second, batch)
    assert resumed.state is State.UNKNOWN
    assert resumed.reason == STOPPED
    assert [f.summary for f in events.finished()] == [f"1 outcome not known: {STOPPED}"]


async def test_an_action_journaled_only_as_queued_resumes_as_unknown_once(
    sim: BackgroundSimulator,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
    client: JsmClient,
    journal_path: Path,
) -> None:
    entry = _queued_entry(client.site, "some-alert", "#7")
    _append(journal_path, entry.model_dump_json() + "\n")
    zero_stats(sim)
    tracker = make_tracker()
    events = Recorder()
    tracker.subscribe(events)

    assert tracker.resume() == [entry.batch_id]
    (action,) = await settled(tracker, entry.batch_id)

    assert action.id == entry.action_id
    assert action.state is State.UNKNOWN
    assert action.reason == STOPPED
    assert events.states(action.id) == [State.UNKNOWN]
    assert STOPPED in events.action_events(action.id)[0].text
    assert "#7" in events.action_events(action.id)[0].text
    assert [f.summary for f in events.finished()] == [f"1 outcome not known: {STOPPED}"]
    assert journal_states(journal_path, action.id) == [State.QUEUED, State.UNKNOWN]
    assert requests(sim, "total") == 0  # nothing to ask, nothing sent

    again = make_tracker(make_client())
    later = Recorder()
    again.subscribe(later)
    assert again.resume() == []
    assert later.events == []


async def test_another_sites_journal_is_ignored(
    sim: BackgroundSimulator, client: JsmClient, make_tracker: TrackerFactory, journal_path: Path
) -> None:
    elsewhere = _queued_entry("https://api.atlassian.com/another-cloud", "x")
    sent = elsewhere.model_copy(update={"state": State.SENT, "request_id": str(uuid.uuid4())})
    _append(journal_path, elsewhere.model_dump_json() + "\n", sent.model_dump_json() + "\n")
    zero_stats(sim)
    tracker = make_tracker()
    events = Recorder()
    tracker.subscribe(events)
    assert tracker.resume() == []
    assert events.events == []
    assert tracker.pending == []
    assert requests(sim, "total") == 0


async def test_a_damaged_journal_line_is_skipped(
    client: JsmClient, make_tracker: TrackerFactory, journal_path: Path
) -> None:
    good = _queued_entry(client.site, "a1")
    _append(
        journal_path,
        "this is not json\n",
        '{"at": "yesterday", "site": 3}\n',
        "[1, 2, 3]\n",
        "\n",
        good.model_dump_json() + "\n",
        '{"truncated": tr',
    )
    tracker = make_tracker()
    assert tracker.resume() == [good.batch_id]
    (action,) = await settled(tracker, good.batch_id)
    assert action.state is State.UNKNOWN and action.reason == STOPPED


async def test_a_journal_line_with_broken_bytes_is_skipped(
    client: JsmClient, make_tracker: TrackerFactory, journal_path: Path
) -> None:
    # Fixed: console/actions/journal.py:82-90 (Journal.entries). The file is read as UTF-8 text
    # and only pydantic.ValidationError is caught, so one line that is not valid UTF-8 (a
    # write cut inside a multi-byte character: labels are alert messages, and model_dump_json
    # writes them unescaped) raises UnicodeDecodeError out of resume(): every pending action
    # of the journal is lost, not just the damaged line. It should be skipped like any other.
    before = _queued_entry(client.site, "a1", "#1 café")
    after = _queued_entry(client.site, "a2", "#2")
    raw = before.model_dump_json().encode()
    cut = raw[: raw.index("é".encode()) + 1]  # the first of the two bytes of "é"
    _append(journal_path, raw + b"\n", cut + b"\n", after.model_dump_json() + "\n")
    tracker = make_tracker()
    assert sorted(tracker.resume()) == sorted([before.batch_id, after.batch_id])


async def test_an_unfinished_last_line_does_not_swallow_the_next_entry(
    client: JsmClient, make_tracker: TrackerFactory, journal_path: Path
) -> None:
    # Fixed: console/actions/journal.py:66-75. A crash mid-write leaves a last line without its
    # newline; the next run opens the journal in append mode and writes its first entry onto
    # that same line, so the new entry is unreadable too. Here that entry is the UNKNOWN that
    # resume() records for a QUEUED action, so the run after that reports the action AGAIN
    # (resume() promises it "is not reported again"). Journal should start a new line first.
    entry = _queued_entry(client.site, "a1")
    _append(journal_path, entry.model_dump_json() + "\n", entry.model_dump_json()[:30])
    second = make_tracker()
    assert second.resume() == [entry.batch_id]
    await settled(second, entry.batch_id)
    assert second.journal is not None
    second.journal.close()

    third = make_tracker()
    assert third.resume() == [], "the action is reported as unknown a second time"


async def test_a_journal_holds_no_credential(
    sim: BackgroundSimulator, api: httpx.Client, tracker: ActionTracker, journal_path: Path
) -> None:
    target = find(api, UNACKED, 1)[0]
    batch = tracker.submit("add_note", targets([target]), {"note": "hello"})
    await settled(tracker, batch)
    assert b"demo-token" not in file_bytes(journal_path)
    entries = journal_lines(journal_path)
    assert entries and {e.site for e in entries} == {f"{sim.origin}/{sim.config.cloud_id}"}
    reread = Journal(journal_path)
    try:
        assert [e.state for e in reread.latest(tracker.client.site).values()] == [State.SUCCEEDED]
        assert reread.latest("https://elsewhere/x") == {}
    finally:
        reread.close()


async def test_a_request_stuck_pending_does_not_hold_back_newer_actions(
    sim: BackgroundSimulator,
    api: httpx.Client,
    client: JsmClient,
    make_tracker: TrackerFactory,
    journal_path: Path,
) -> None:
    # Fixed: console/actions/tracker.py:241-253 (_run_follower). When the oldest action of a
    # polled chunk is still pending, every newer action is held until that one's next poll
    # and the rest of the due list is skipped (break). An old action that stays pending
    # (here: resumed UNKNOWN with a request id the service does not know, so its polls back
    # off towards slow_poll_s = 15 s) thus lets only concurrency - 1 newer actions be asked
    # about per poll of the old one, whose polls are ever further apart: a bulk ack of 20,
    # reported in under 1 s otherwise, takes ~25 s (3 per round at 0.3, 0.7, 1.5, 3.1, 6.3,
    # 12.7, 25.5 s). An action past its deadline should not hold back the others.
    sim.reset(alerts=60)
    alerts = find(api, UNACKED, 20)
    stuck = _queued_entry(client.site, "old-alert").model_copy(
        update={"state": State.UNKNOWN, "request_id": str(uuid.uuid4())}
    )
    _append(journal_path, stuck.model_dump_json() + "\n")
    sim.set_processing(delay_ms=300, jitter_ms=150)
    tracker = make_tracker(deadline_s=30.0)
    assert tracker.resume() == [stuck.batch_id]
    batch = tracker.submit("acknowledge", targets(alerts))

    actions = await settled(tracker, batch, within=3.0)

    assert [a.state for a in actions] == [State.SUCCEEDED] * 20


async def test_aclose_returns_even_right_after_a_send(
    api: httpx.Client, make_tracker: TrackerFactory
) -> None:
    # Fixed: console/actions/tracker.py, _run_follower (the asyncio.wait_for around
    # self._wake.wait()) and aclose(). On Python 3.11 (this project's floor, and this venv)
    # asyncio.wait_for swallows a cancellation that arrives in the same loop iteration as
    # the awaited event: here, aclose() lands just as a new action is SENT (_follow() sets
    # _wake). The follower ignores the cancel and keeps running, and aclose(), which awaits
    # it, never returns: quitting the console hangs (and the "closed" tracker keeps
    # polling). In the suite's restart test an unguarded aclose() right after the last SENT
    # hung in about 1 run in 7. Use asyncio.timeout() (or re-check cancelling()) instead.
    first, second = find(api, UNACKED, 2)
    tracker = make_tracker(deadline_s=30.0, first_poll_s=5.0)
    tracker.submit("acknowledge", targets([first]))
    await until(lambda: all(a.state is State.SENT for a in tracker.actions.values()))
    # The follower is now waiting for the first poll, 5 s away. Close as the next one is sent.
    closing: list[asyncio.Task[None]] = []

    def close_when_sent(event: TrackerEvent) -> None:
        if isinstance(event, ActionEvent) and event.state is State.SENT and not closing:
            closing.append(asyncio.get_running_loop().create_task(tracker.aclose()))

    tracker.subscribe(close_when_sent)
    tracker.submit("acknowledge", targets([second]))
    await until(lambda: bool(closing))
    done, _ = await asyncio.wait(closing, timeout=2.0)
    assert done, "aclose() did not return: the follower swallowed its cancellation"
