"""Signals (issue 17, "Nothing lost"): the real console, ``python -m console`` in a pseudo-terminal
against the test's simulator, is sent SIGTERM, SIGINT or SIGHUP with actions pending.

What is checked is what a person would find: how fast it exits and with what status, the modes
the terminal is left in (from every DEC private mode sequence the console wrote, and the
terminal's own settings), and what the journal says, then what the next start follows up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from console.actions import ActionTracker, Journal, State
from console.actions.journal import JournalEntry
from console.api import BasicCredentials, JsmClient
from console.simulator.server import BackgroundSimulator
from tests.actions.support import final, journal_lines, requests, zero_stats
from tests.conftest import ACCOUNT, FAST_RETRY

ROOT = Path(__file__).resolve().parents[1]
START_S = 30.0  # the console's start on a busy machine, at most
EXIT_S = 2.0  # the bound, from the signal to the process gone


class Terminal:
    """A console process in a pseudo-terminal, and every byte it wrote to it."""

    def __init__(self, sim: BackgroundSimulator) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        self.modes_before = termios.tcgetattr(self.slave)
        env = dict(
            os.environ,
            TERM="xterm-256color",
            ALERT_CONSOLE_EMAIL=ACCOUNT[0],
            ALERT_CONSOLE_API_TOKEN=ACCOUNT[1],
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "console", "--url", sim.origin, "--cloud-id", "demo"],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            start_new_session=True,
            env=env,
            cwd=ROOT,
        )
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if ready:
                    data = os.read(self.master, 65536)
                    if not data:
                        return
                    with self._lock:
                        self._output += data
                elif self.process.poll() is not None:
                    return  # gone, and nothing more to read
            except (OSError, ValueError):
                return  # the test closed the terminal

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def wait_for(self, condition: Callable[[], bool], what: str, within: float) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"the console ended ({self.process.returncode}): {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {within} s: {what}")
            time.sleep(0.01)

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def exit_status(self, within: float) -> int:
        status = self.process.wait(within)
        self._reader.join(5)
        return status

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._reader.join(5)
        for descriptor in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(descriptor)


@pytest.fixture
def terminal(sim: BackgroundSimulator) -> Iterator[Callable[[], Terminal]]:
    made: list[Terminal] = []

    def start() -> Terminal:
        made.append(Terminal(sim))
        return made[-1]

    yield start
    for each in made:
        each.close()


def final_modes(output: bytes) -> dict[int, bool]:
    """Each DEC private mode the output set or reset, as it was left by the last one."""
    modes: dict[int, bool] = {}
    for match in re.finditer(rb"\x1b\[\?([0-9;]+)([hl])", output):
        for number in match.group(1).split(b";"):
            modes[int(number)] = match.group(2) == b"h"
    return modes


ALTERNATE_SCREEN, CURSOR_SHOWN, BRACKETED_PASTE = 1049, 25, 2004
MOUSE = (1000, 1003, 1006, 1015)


def assert_terminal_given_back(console: Terminal, after: int) -> None:
    output = console.output
    modes = final_modes(output)
    assert modes[ALTERNATE_SCREEN] is False, "left in the alternate screen"
    assert modes[CURSOR_SHOWN] is True, "the cursor left hidden"
    assert [modes[m] for m in MOUSE] == [False] * len(MOUSE), "mouse tracking left on"
    assert modes[BRACKETED_PASTE] is False
    # Given back after the signal (not only on some earlier occasion).
    assert b"\x1b[?1049l" in output[after:] and b"\x1b[?25h" in output[after:]
    left = termios.tcgetattr(console.slave)
    assert left[3] & (termios.ECHO | termios.ICANON) == termios.ECHO | termios.ICANON
    assert left == console.modes_before, "the terminal's settings were not put back"


def journal_path() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "alert-console" / "journal.jsonl"


def latest(entries: list[JournalEntry]) -> dict[str, JournalEntry]:
    return {entry.action_id: entry for entry in entries}


def count_queued() -> int:
    path = journal_path()
    if not path.exists():
        return 0
    return path.read_bytes().count(b'"state":"queued"')


def start_with_a_bulk_acknowledge(
    terminal: Callable[[], Terminal],
    sim: BackgroundSimulator,
    api: httpx.Client,
    latency_ms: int = 600,
) -> Terminal:
    """The console up on the page of open alerts; then every row of it marked and acknowledged
    while writes take ``latency_ms`` to be answered and are never processed: four are on the
    wire, the rest wait for a slot (the tracker sends four at a time)."""
    shown = [a["entity"][:12] for a in api.get("/v1/alerts", params={"size": 20}).json()["values"]]
    sim.set_processing(paused=True)
    console = terminal()
    console.wait_for(
        lambda: any(entity.encode() in console.output for entity in shown if entity),
        "the first page shown",
        START_S,
    )
    sim.set_faults(latency_ms=latency_ms)
    zero_stats(sim)
    console.press("*a")
    console.wait_for(lambda: count_queued() >= 8, "the actions queued", 10)
    return console


async def follow_up(sim: BackgroundSimulator) -> ActionTracker:
    """The next start's tracker on the console's journal, with processing back on; it has
    followed up what it resumed to its outcome when this returns."""
    sim.set_faults(latency_ms=0)
    sim.set_processing(paused=False)
    client = JsmClient(
        origin=sim.origin,
        cloud_id=sim.config.cloud_id,
        credentials=BasicCredentials(*ACCOUNT),
        retry=FAST_RETRY,
    )
    tracker = ActionTracker(client, journal=Journal(journal_path()))
    for batch in tracker.resume():
        await final(tracker, batch, within=20)
    await tracker.aclose()
    await client.aclose()
    assert tracker.journal is not None
    tracker.journal.close()
    return tracker


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
async def test_a_signal_with_actions_pending_restores_the_terminal_and_records_them(
    terminal: Callable[[], Terminal],
    sim: BackgroundSimulator,
    api: httpx.Client,
    signum: signal.Signals,
) -> None:
    console = start_with_a_bulk_acknowledge(terminal, sim, api)
    mark = len(console.output)
    sent_at = time.monotonic()
    console.process.send_signal(signum)
    status = console.exit_status(within=10)
    took = time.monotonic() - sent_at

    assert status == 128 + signum
    assert took < EXIT_S, f"exited {took:.2f} s after the signal"
    assert_terminal_given_back(console, mark)
    # Every action is either not sent (and says so) or sent with its request id: none is left
    # "queued", which the next start would have to report as "outcome unknown".
    states = latest(journal_lines(journal_path()))
    assert {e.state for e in states.values()} == {State.NOT_SENT, State.SENT}
    not_sent = [e for e in states.values() if e.state is State.NOT_SENT]
    sent = [e for e in states.values() if e.state is State.SENT]
    assert all(e.request_id for e in sent)
    assert len(sent) >= 4  # those on the wire got their receipt before the exit
    assert all("closed before sending" in (e.reason or "") for e in not_sent)

    assert requests(sim, "writes") == len(sent)  # the unsent never reached the service

    # The next start follows up the sent ones, and only those.
    tracker = await follow_up(sim)
    assert {a.id for a in tracker.actions.values()} == {e.action_id for e in sent}
    assert {a.state for a in tracker.actions.values()} == {State.SUCCEEDED}


async def test_a_second_signal_exits_at_once_and_still_restores_the_terminal(
    terminal: Callable[[], Terminal], sim: BackgroundSimulator, api: httpx.Client
) -> None:
    # The writes on the wire stay there through the orderly stop (which would wait 0.8 s).
    console = start_with_a_bulk_acknowledge(terminal, sim, api, latency_ms=5000)
    mark = len(console.output)
    console.process.send_signal(signal.SIGTERM)
    # The orderly stop has begun: it records the unsent actions first.
    console.wait_for(
        lambda: journal_path().read_bytes().count(b'"state":"not sent"') > 0, "not sent", 5
    )
    again = time.monotonic()
    console.process.send_signal(signal.SIGHUP)
    status = console.exit_status(within=10)
    took = time.monotonic() - again

    assert status == 128 + signal.SIGHUP  # the second signal's: the orderly stop never ended
    assert took < 0.5, f"exited {took:.2f} s after the second signal"
    assert_terminal_given_back(console, mark)


async def test_sighup_from_a_closed_terminal_exits_within_two_seconds(
    terminal: Callable[[], Terminal], sim: BackgroundSimulator, api: httpx.Client
) -> None:
    console = start_with_a_bulk_acknowledge(terminal, sim, api)
    os.close(console.master)  # the window is closed: nothing it writes can be shown now
    sent_at = time.monotonic()
    console.process.send_signal(signal.SIGHUP)
    status = console.exit_status(within=10)
    took = time.monotonic() - sent_at

    assert status == 128 + signal.SIGHUP
    assert took < EXIT_S, f"exited {took:.2f} s after the signal"
    states = latest(journal_lines(journal_path()))
    assert State.NOT_SENT in {e.state for e in states.values()}
    assert all(e.request_id for e in states.values() if e.state is State.SENT)
