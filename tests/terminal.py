"""The real ``alert-console`` command in a terminal of its own (a pseudo-terminal): for the
tests whose defect lives in the start, with its exit status, what it drew and its memory."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_CSI = re.compile(rb"\x1b\[[0-9;:?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
MAX_OUTPUT = 8 << 20  # what a test keeps of the screen's bytes


def command() -> list[str]:
    """The installed command beside this Python (the console's own entry point)."""
    found = shutil.which("alert-console", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "console"]


@dataclass
class Session:
    status: int | None  # None: it had to be killed
    screen: str  # everything it wrote, escape sequences removed
    peak_rss_kb: int  # VmHWM before it was asked to quit
    seconds_to_ready: float  # from the start to the first sight of what was waited for


def run_in_terminal(
    args: Sequence[str],
    env: Mapping[str, str],
    ready: Callable[[str], bool],
    *,
    size: tuple[int, int] = (160, 48),
    within: float = 60.0,
) -> Session:
    """Start ``alert-console ARGS`` in a terminal, wait until ``ready(screen)``, read its peak
    memory, press q, and wait for it to end (it is killed past ``within`` seconds)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    started = time.monotonic()
    process = subprocess.Popen(
        [*command(), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])},
        start_new_session=True,
    )
    os.close(slave)
    raw = bytearray()
    deadline = started + within
    peak = 0
    ready_after = -1.0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            readable, _, _ = select.select([master], [], [], 0.2)
            if readable:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the process ended
                    break
                raw += chunk
                del raw[:-MAX_OUTPUT]
            if ready_after < 0 and ready(_text(raw)):
                ready_after = time.monotonic() - started
                peak = _peak_rss_kb(process.pid)
                os.write(master, b"q")
        while process.poll() is None and time.monotonic() < deadline:
            readable, _, _ = select.select([master], [], [], 0.2)
            if readable:
                try:
                    raw += os.read(master, 65536)
                except OSError:
                    break
        status = process.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        status = None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(master)
    return Session(status, _text(raw), peak, ready_after)


def _text(raw: bytes | bytearray) -> str:
    return _CSI.sub(b"", bytes(raw)).decode("utf-8", "replace")


def _peak_rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found[1]) if found else 0
