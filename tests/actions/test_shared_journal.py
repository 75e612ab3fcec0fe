"""Two consoles on one state directory: no journal line lost, every pending action followed up
once (issue 17, "Nothing lost").

The consoles are real processes (``tests/actions/journal_writer.py``: the real client, tracker and
journal) writing to one journal against one simulator, with a size cap small enough that both
trim it all the time; each is killed with SIGKILL while it writes. What a restart sees is then
checked against what each process said it had journaled.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import sys
import time
from pathlib import Path

import httpx
import pytest

from console.actions import Action, ActionTracker, Journal, State
from console.actions import journal as journal_module
from console.actions.journal import JournalEntry
from console.api import JsmClient
from console.simulator.server import BackgroundSimulator
from tests.actions.conftest import ClientFactory, TrackerFactory
from tests.actions.support import UNACKED, final, find, stop_console, targets, until

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 6_000  # a few entries: with the pending ones kept, every entry trims
WRITTEN_EACH = 20  # actions sent by each process before the kills


class Writer:
    """One journal_writer process, and the lines it said (each after its journal write)."""

    def __init__(self, process: asyncio.subprocess.Process, errors: Path) -> None:
        self.process = process
        self.errors = errors
        self.lines: list[str] = []
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(
        cls, sim: BackgroundSimulator, journal: Path, alerts: list[str], errors: Path
    ) -> Writer:
        with errors.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.actions.journal_writer",
                sim.origin,
                sim.config.cloud_id,
                str(journal),
                str(MAX_BYTES),
                *alerts,
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
            )
        return cls(process, errors)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            if raw.endswith(b"\n"):  # a line cut by the kill was not said
                self.lines.append(raw.decode().strip())

    def said(self, word: str) -> list[str]:
        return [line.split()[1] for line in self.lines if line.startswith(f"{word} ")]

    @property
    def run(self) -> str:
        (run,) = self.said("run")
        return run

    def trims(self) -> int:
        return self.lines.count("trimmed")

    async def kill(self) -> None:
        """SIGKILL, wherever it is (appending, trimming, or between the two)."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
        await self._reader

    def why(self) -> str:
        return self.errors.read_text(errors="replace")[-2000:]


def entries(journal: Journal) -> dict[str, JournalEntry]:
    return {entry.action_id: entry for entry in journal.entries()}


async def resumed(tracker: ActionTracker) -> set[str]:
    tracker.resume()
    return set(tracker.actions)


async def test_two_consoles_killed_while_trimming_lose_no_line_and_each_action_is_followed_once(
    sim: BackgroundSimulator,
    api: httpx.Client,
    client: JsmClient,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
    journal_path: Path,
    tmp_path: Path,
) -> None:
    alerts = [a["id"] for a in find(api, "status:open", 10)]
    sim.set_processing(paused=True)  # every write stays pending: every one must be followed up
    one = await Writer.start(sim, journal_path, alerts, tmp_path / "one.err")
    two = await Writer.start(sim, journal_path, alerts, tmp_path / "two.err")
    try:
        await until(
            lambda: (
                all(len(w.said("sent")) >= WRITTEN_EACH and w.trims() >= 3 for w in (one, two))
                or any(w.process.returncode is not None for w in (one, two))
            ),
            within=60,
        )
        assert one.process.returncode is None, one.why()
        assert two.process.returncode is None, two.why()
        await one.kill()  # in the middle of its writing: two goes on

        # The first restart, while two still runs.
        first = make_tracker(client)
        assert first.journal is not None
        journaled = entries(first.journal)
        lost = set(one.said("queued")) - set(journaled)
        assert not lost, f"{len(lost)} of one's {len(one.said('queued'))} actions lost"
        unsent = [a for a in one.said("sent") if journaled[a].state is not State.SENT]
        assert not unsent, f"the 'sent' entry of {len(unsent)} of one's actions lost"
        taken = await resumed(first)
        assert set(one.said("sent")) <= taken  # every one of one's sent actions followed up
        assert {journaled[a].run for a in taken} == {one.run}  # nothing but one's
        assert not taken & (set(two.said("queued")) | set(two.said("sent"))), (
            "a restart took over actions of a console still running"
        )
        for action_id in one.said("sent"):
            assert first.actions[action_id].state is State.SENT
            assert first.actions[action_id].request_id == journaled[action_id].request_id

        await two.kill()

        # The second restart, while the first still runs: two's actions, none of the first's.
        second = make_tracker(make_client())
        assert second.journal is not None
        journaled = entries(second.journal)
        lost = set(two.said("queued")) - set(journaled)
        assert not lost, f"{len(lost)} of two's {len(two.said('queued'))} actions lost"
        unsent = [a for a in two.said("sent") if journaled[a].state is not State.SENT]
        assert not unsent, f"the 'sent' entry of {len(unsent)} of two's actions lost"
        taken_again = await resumed(second)
        assert set(two.said("sent")) <= taken_again
        assert {journaled[a].run for a in taken_again} == {two.run}
        assert not taken_again & taken, "two restarts follow the same action"

        # Every action both said they sent reaches its outcome, in the one restart following it.
        sim.set_processing(paused=False)
        for tracker, sent in ((first, one.said("sent")), (second, two.said("sent"))):
            for batch in {tracker.actions[a].batch_id for a in sent}:
                await final(tracker, batch, within=30)
            assert {tracker.actions[a].state for a in sent} == {State.SUCCEEDED}
        # The runs' lock files: those of the two killed consoles were swept by the next start.
        assert sorted(p.name for p in journal_path.with_name("journal.jsonl.runs").iterdir()) == (
            sorted([first.journal.run, second.journal.run])
        )
    finally:
        await one.kill()
        await two.kill()


# ---------------------------------------------------------------------- the journal file itself


def _action(number: int, state: State = State.SENT) -> Action:
    return Action(
        id=f"action-{number}",
        batch_id=f"batch-{number}",
        op="acknowledge",
        alert_id=f"alert-{number}",
        label=f"#{number}",
        summary="",
        state=state,
        request_id=f"request-{number}",
    )


def test_a_line_another_console_left_cut_short_does_not_swallow_ours(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    try:
        journal.record("site", _action(1))
        # Another console, killed in the middle of writing its entry.
        with path.open("ab") as other:
            other.write(JournalEntry.of("site", _action(2)).model_dump_json().encode()[:40])
        journal.record("site", _action(3))
        assert list(journal.latest("site")) == ["action-1", "action-3"]
    finally:
        journal.close()


def test_a_trim_killed_before_its_rename_leaves_no_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    leftover = tmp_path / ".journal.jsonl.4242.tmp"  # a trim's new file, never renamed
    leftover.write_text("half a journal")
    journal = Journal(path, max_bytes=2_000)
    try:
        for number in range(20):  # well past the cap: trimmed
            journal.record("site", _action(number, State.SUCCEEDED))
        assert path.stat().st_size <= 2_000
        assert not leftover.exists()
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    finally:
        journal.close()


def test_a_journal_larger_than_any_we_write_is_read_only_at_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(journal_module, "READ_LIMIT", 20_000)
    path = tmp_path / "journal.jsonl"
    journal = Journal(path, max_bytes=4_000)
    try:
        with path.open("ab") as other:  # not written by us: 70 times what we let it grow to
            for number in range(1_000):
                line = JournalEntry.of("site", _action(number)).model_dump_json() + "\n"
                other.write(line.encode())
        assert path.stat().st_size > 70 * 4_000
        with caplog.at_level(logging.WARNING):
            kept = list(journal.latest("site"))
        assert kept[-1] == "action-999"  # the newest entries are read…
        assert "action-0" not in kept and len(kept) < 100  # …and only those
        assert f"{path} is {path.stat().st_size} bytes" in caplog.text
    finally:
        journal.close()


def test_a_console_stopped_while_holding_the_lock_delays_an_entry_by_a_second_at_most(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    try:
        with (tmp_path / "journal.jsonl.lock").open("a") as other:
            fcntl.flock(other.fileno(), fcntl.LOCK_EX)  # and it never lets go (Ctrl+Z)
            started = time.monotonic()
            with caplog.at_level(logging.WARNING):
                journal.record("site", _action(1))
            took = time.monotonic() - started
        assert 0.9 <= took < 1.5
        assert list(journal.latest("site")) == ["action-1"]  # written all the same
        assert "locked by another console" in caplog.text
    finally:
        journal.close()


async def test_a_console_still_running_keeps_its_actions_until_it_stops(
    sim: BackgroundSimulator,
    api: httpx.Client,
    client: JsmClient,
    make_client: ClientFactory,
    make_tracker: TrackerFactory,
) -> None:
    """Two consoles on one site: the one that starts second neither follows the first one's
    pending actions nor reports its queued ones as "outcome unknown"; once the first stops,
    the next start follows them up."""
    sim.set_processing(paused=True)
    running = make_tracker(client)
    batch = running.submit("acknowledge", targets(find(api, UNACKED, 2)))
    await until(lambda: all(a.state is State.SENT for a in running.actions.values()))

    other = make_tracker(make_client())
    assert other.resume() == []
    assert other.actions == {}

    await stop_console(running)
    after = make_tracker(make_client())
    assert after.resume() == [batch]
    sim.set_processing(paused=False)
    assert {a.state for a in await final(after, batch)} == {State.SUCCEEDED}
