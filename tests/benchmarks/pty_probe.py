"""A command started as a user starts it, in a terminal of 160x48, timed to a text on its screen.

A pseudo-terminal stands in for the terminal: the command gets the slave side as its stdin,
stdout and stderr (``TERM=xterm-256color``), and its output is read from the master side as it
comes, by a thread that does nothing else, each chunk with the moment it was read. The chunks are
fed to pyte, a terminal emulator, so what is checked is the SCREEN's text: Textual draws cells
with escape sequences between them, so the raw byte stream says little about what is on screen.

The figure is from just before ``Popen`` to the moment the chunk that put the text on the screen
was read. The emulator's own work is done while the command is quiet (no output for a moment),
so that the probe's parsing does not take the CPU from the start it measures; the moments were
taken when the bytes arrived, so the figure does not include it.

The terminal's answers: at start Textual's driver (textual/drivers/linux_driver.py) asks two
questions with DECRQM, synchronized output (``CSI ? 2026 $ p``) and in-band resize
(``CSI ? 2048 $ p``), and waits for neither (it carries on and adapts when an answer comes). The
probe answers both as xterm answers a mode it does not know ("not recognized", ``;0$y``), at once
from the reader thread. Nothing else that Textual writes at start asks for an answer (the kitty
keyboard push ``CSI > Pn u`` and the focus and mouse modes do not).

    python pty_probe.py TEXT -- COMMAND...    prints the seconds to TEXT on screen
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import queue
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyte

COLUMNS, LINES = 160, 48
# Textual's start-up questions, and xterm's answer to a mode it does not know.
ANSWERS = {
    b"\x1b[?2026$p": b"\x1b[?2026;0$y",
    b"\x1b[?2048$p": b"\x1b[?2048;0$y",
}
QUIET_S = 0.15  # no output for this long: the emulator catches up


class NotShown(RuntimeError):
    """The text was not on the screen in time: what the screen showed instead."""

    def __init__(self, message: str, shown: list[str]) -> None:
        super().__init__(message)
        self.shown = shown  # the screen's lines that were not blank


def terminal_env(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The environment of a command started in this terminal: the caller's, less what would
    tell Textual another size or mode, with the terminal's type."""
    env = {
        k: v
        for k, v in base.items()
        if k not in ("COLUMNS", "LINES", "NO_COLOR", "TERM_PROGRAM") and not k.startswith("TEXTUAL")
    }
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


class Terminal:
    """One command in a 160x48 pseudo-terminal; its screen through pyte."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path | None = None,
        size: tuple[int, int] = (COLUMNS, LINES),
        answers: Mapping[bytes, bytes] = ANSWERS,
    ) -> None:
        self.argv = list(argv)
        self.answers = dict(answers)  # question -> answer, each given at once
        self.env = dict(env)
        self.cwd = cwd
        self.columns, self.lines = size
        self.screen = pyte.Screen(self.columns, self.lines)
        self.stream = pyte.ByteStream(self.screen)
        self.chunks: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()
        self.last_read = 0.0
        self.read_bytes = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self._master = -1
        self._reader: threading.Thread | None = None
        self._closed = threading.Event()
        self._watching = True  # chunks go to the emulator; once False, they are dropped

    # ------------------------------------------------------------------ the process

    def start(self) -> None:
        master, slave = pty.openpty()
        size = struct.pack("HHHH", self.lines, self.columns, 0, 0)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
        self._master = master
        self.started = time.perf_counter()
        try:
            self.process = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # its own session, as in a new terminal window
            )
        finally:
            os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Reads the master side as fast as it comes and answers the terminal's questions."""
        tail = b""
        longest = max((len(q) for q in self.answers), default=1)
        while not self._closed.is_set():
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: every slave descriptor is closed (the command ended)
                break
            if not data:
                break
            now = time.perf_counter()
            self.last_read = now
            self.read_bytes += len(data)
            if self._watching:
                self.chunks.put((now, data))
            window = tail + data
            for question, answer in self.answers.items():
                # A question split across two reads is seen once: at most its length - 1
                # bytes of it can sit in the tail, so it is found in the read that completes it.
                if question in window and question not in tail:
                    with contextlib.suppress(OSError):
                        os.write(self._master, answer)
            tail = window[-(longest - 1) :] if longest > 1 else b""

    def stop(self) -> None:
        """SIGTERM to its session (as a closing terminal sends SIGHUP and the like), SIGKILL
        after 5 s; then the terminal goes."""
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self._closed.set()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1

    # ------------------------------------------------------------------ the screen

    def text(self) -> list[str]:
        """The screen's lines as they are now (what has been fed to the emulator)."""
        return list(self.screen.display)

    def _fed_until(self, needle: str) -> float | None:
        """Feeds what has been read so far; the moment of the chunk that put NEEDLE on the
        screen, or None."""
        buffer = self.screen.buffer
        columns = range(self.columns)
        while True:
            try:
                moment, data = self.chunks.get_nowait()
            except queue.Empty:
                return None
            self.stream.feed(data)
            dirty = sorted(self.screen.dirty)
            self.screen.dirty.clear()
            for y in dirty:
                line = buffer[y]
                if needle in "".join(line[x].data for x in columns):
                    return moment

    def wait_for(self, needle: str, timeout: float = 30.0) -> float:
        """Seconds from just before Popen to NEEDLE on the screen."""
        assert self.process is not None, "start() first"
        deadline = time.perf_counter() + timeout
        while True:
            now = time.perf_counter()
            quiet = now - self.last_read >= QUIET_S
            ended = self.process.poll() is not None
            if quiet or ended or now > deadline:
                moment = self._fed_until(needle)
                if moment is not None:
                    return moment - self.started
                if ended and self.chunks.empty():
                    raise self._not_shown(f"it ended ({self.process.returncode})")
                if now > deadline:
                    raise self._not_shown(f"not within {timeout:.0f} s")
            time.sleep(0.02)

    def _not_shown(self, why: str) -> NotShown:
        lines = [x.rstrip() for x in self.text() if x.strip()]
        shown = "\n".join(lines[:12]) or "(nothing)"
        return NotShown(f"{' '.join(self.argv[:3])}: {why}; the screen showed:\n{shown}", lines)

    def stop_watching(self) -> None:
        """From now on nothing is fed to the emulator: what is read is dropped (the reader
        keeps reading, so the command never blocks on a full terminal)."""
        self._watching = False
        while True:
            try:
                self.chunks.get_nowait()
            except queue.Empty:
                return


@contextlib.contextmanager
def terminal(
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: Path | None = None,
    answers: Mapping[bytes, bytes] = ANSWERS,
) -> Iterator[Terminal]:
    """The command started in a terminal of its own; stopped when the block ends."""
    term = Terminal(argv, env, cwd, answers=answers)
    term.start()
    try:
        yield term
    finally:
        term.stop()


def time_to_text(
    argv: Sequence[str],
    env: Mapping[str, str],
    needle: str,
    cwd: Path | None = None,
    timeout: float = 30.0,
) -> float:
    """One start of the command: seconds from just before Popen to NEEDLE on its screen."""
    with terminal(argv, env, cwd) as term:
        return term.wait_for(needle, timeout)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process, of the children it has waited for, and of
    those still running under it, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for one in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), 12-15 after the name.
        total += sum(int(x) for x in fields[11:15]) / ticks
    return total


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found.extend(children)
        todo.extend(children)
    return found


if __name__ == "__main__":
    if "--" not in sys.argv[2:]:
        raise SystemExit(__doc__)
    command = sys.argv[sys.argv.index("--") + 1 :]
    print(f"{time_to_text(command, terminal_env(os.environ), sys.argv[1]):.3f}")
