"""The start benchmark's terminal (tests/benchmarks/pty_probe.py) measures what a user would see:
the text on the screen, not in the byte stream; the moment the text arrived, not the moment
the probe got round to reading it; the answers a real terminal gives to Textual's questions."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.pty_probe import NotShown, cpu_seconds, terminal, terminal_env

PROBE_DIR = Path(__file__).parent / "benchmarks"


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_the_text_is_found_on_the_screen_though_the_bytes_never_hold_it_whole() -> None:
    # "Disk full on db-1" drawn right half first, each half styled: as Textual draws cells.
    code = (
        "import sys, time\n"
        "sys.stdout.write('\\x1b[5;15H\\x1b[1mfull on db-1\\x1b[0m')\n"
        "sys.stdout.flush(); time.sleep(0.05)\n"
        "sys.stdout.write('\\x1b[5;10H\\x1b[38;2;255;0;0mDisk \\x1b[0m')\n"
        "sys.stdout.flush(); time.sleep(5)\n"
    )
    with terminal(python(code), terminal_env(os.environ)) as term:
        seconds = term.wait_for("Disk full on db-1", timeout=10)
        assert 0 < seconds < 5
        assert term.text()[4][9:26] == "Disk full on db-1"


def test_the_moment_is_when_the_text_arrived_though_the_output_went_on(tmp_path: Path) -> None:
    """The probe reads the screen only when the output pauses; the figure is still the moment
    the chunk that completed the text was read (CLOCK_MONOTONIC is one clock for both)."""
    written = tmp_path / "written"
    code = (
        "import sys, time\n"
        "sys.stdout.write('\\x1b[2;1Hthe first rows'); sys.stdout.flush()\n"
        f"open({str(written)!r}, 'w').write(repr(time.perf_counter()))\n"
        "end = time.perf_counter() + 1.0\n"
        "while time.perf_counter() < end:\n"
        "    sys.stdout.write('\\x1b[10;1Hbusy ' + repr(time.perf_counter())); sys.stdout.flush()\n"
        "    time.sleep(0.02)\n"
        "time.sleep(5)\n"
    )
    with terminal(python(code), terminal_env(os.environ)) as term:
        seconds = term.wait_for("the first rows", timeout=10)
        returned = time.perf_counter()
        arrived = term.started + seconds
    at = float(written.read_text())
    assert returned - at >= 0.9, "the output never paused before a second: read only then"
    assert abs(arrived - at) < 0.05, (arrived - at, "between the write and the figure")


def test_textuals_start_questions_get_xterms_answers() -> None:
    """DECRQM for synchronized output and in-band resize: "not recognized", as xterm answers
    a mode it does not know. The child shows on its screen what came back."""
    code = (
        "import os, sys, termios, tty, select\n"
        "tty.setraw(0)\n"
        "os.write(1, b'\\x1b[?2026$p\\x1b[?20'); os.write(1, b'48$p')\n"
        "got = b''\n"
        "while got.count(b'$y') < 2 and select.select([0], [], [], 5)[0]:\n"
        "    got += os.read(0, 100)\n"
        "os.write(1, b'\\x1b[3;1Hgot ' + got.replace(b'\\x1b', b'ESC'))\n"
        "select.select([], [], [], 5)\n"
    )
    with terminal(python(code), terminal_env(os.environ)) as term:
        term.wait_for("got ESC[?2026;0$yESC[?2048;0$y", timeout=10)


def test_a_text_never_shown_says_what_the_screen_showed() -> None:
    code = "import sys, time; sys.stdout.write('something else'); sys.stdout.flush(); time.sleep(5)"
    with terminal(python(code), terminal_env(os.environ)) as term, pytest.raises(NotShown) as no:
        term.wait_for("the first rows", timeout=1)
    assert no.value.shown == ["something else"]
    assert "not within 1 s" in str(no.value)


def test_a_textual_app_is_timed_to_its_text_in_the_terminal() -> None:
    """The benchmark's floor: a bare Textual DataTable app, started in the 160x48 terminal."""
    message = "Disk full on db-7: the floor's first row"
    argv = [sys.executable, str(PROBE_DIR / "first_rows_probe.py"), "--bare", message]
    env = terminal_env({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    with terminal(argv, env) as term:
        seconds = term.wait_for(message[:30], timeout=30)
        assert 0 < seconds < 30
        screen = term.text()
    assert len(screen) == 48 and len(screen[0]) == 160
    assert any(message in line for line in screen)


def test_cpu_time_is_read_for_the_process_and_its_children(tmp_path: Path) -> None:
    child = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    code = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {child!r}])\n"  # a child that has ended
        f"subprocess.Popen([sys.executable, '-c', {child!r} + 'time.sleep(5)'])\n"  # and one not
        "time.sleep(5)\n"
    )
    with terminal(python(code), terminal_env(os.environ)) as term:
        assert term.process is not None
        deadline = time.monotonic() + 10
        while cpu_seconds(term.process.pid) < 0.55 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(term.process.pid) >= 0.55
