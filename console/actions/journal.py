"""The action journal: every action and every change of its state, one JSON line each.

It is the handover record of what this console did, and what lets the next start
follow up on actions that were still pending when the console stopped. It lives
in the state directory (``journal.jsonl``, mode 600), holds no credential, and
every text in it (labels, summaries, reasons from the service) went through the
sanitiser. It stays bounded while the console runs: past ``max_bytes`` it is cut
back to its newest half, keeping the last entry of every action still pending.

Any number of consoles (two profiles in two terminals) may share one state directory:

* Every append and every trim happens under an exclusive ``flock`` on
  ``journal.jsonl.lock``, a file that is never replaced. A trim writes a new file and
  renames it over the journal; a console whose open file is no longer the one at the
  path (another console trimmed it) opens the path again before it appends. So no
  line is written into a file that is gone, and none is appended between a trim's
  read and its rename. The kernel releases the lock of a process that dies, ``kill -9``
  included; a line it left cut short is ended before the next one is written.
* Each console holds a lock on a file of its own, ``journal.jsonl.runs/<run>``, for as
  long as it runs, and writes its run id into each of its entries. A start takes over
  (follows up) only the pending actions of runs that no longer hold their lock: those
  of a console still running are that console's to follow.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from io import TextIOWrapper
from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict

from console.actions.model import FINAL, Action, State
from console.base import paths
from console.base.sanitize import clean

log = logging.getLogger(__name__)

MAX_BYTES = 4_000_000
READ_LIMIT = 16_000_000  # the most of a journal ever read: its newest bytes
LOCK_WAIT_S = 1.0  # another console holds the lock for microseconds; past this, write anyway
RUNS_SWEPT = 1_000  # lock files of stopped runs removed at most per start
RUN_ID = re.compile(r"[0-9a-f]{16}")


def default_path() -> Path:
    return paths.state_dir() / "journal.jsonl"


class JournalEntry(BaseModel):
    # Built on first use: the first write or the read at start, both after the first page.
    model_config = ConfigDict(extra="ignore", defer_build=True)

    at: datetime
    site: str
    action_id: str
    batch_id: str
    op: str
    alert_id: str | None = None
    label: str = ""
    summary: str = ""
    state: State
    request_id: str | None = None
    reason: str | None = None
    result_alert_id: str | None = None
    created_at: float | None = None  # epoch seconds: when the action was asked for
    sent_at: float | None = None  # epoch seconds: when the service accepted it
    run: str | None = None  # the console run that wrote it (None: a journal from before runs)

    @classmethod
    def of(cls, site: str, action: Action, run: str | None = None) -> JournalEntry:
        return cls(
            at=datetime.now(UTC),
            site=site,
            action_id=action.id,
            batch_id=action.batch_id,
            op=action.op,
            alert_id=None if action.alert_id is None else clean(action.alert_id),
            label=clean(action.label),
            summary=clean(action.summary),
            state=action.state,
            request_id=action.request_id,
            reason=None if action.reason is None else clean(action.reason),
            result_alert_id=None
            if action.result_alert_id is None
            else clean(action.result_alert_id),
            created_at=action.created_at or None,
            sent_at=action.sent_wall,
            run=run,
        )


class Journal:
    def __init__(self, path: Path | None = None, *, max_bytes: int = MAX_BYTES) -> None:
        self.path = path or default_path()
        self.max_bytes = max_bytes
        self.run = os.urandom(8).hex()  # this console's run: unique, and no uuid import at start
        self._file: TextIOWrapper | None = None
        self._size = 0  # where our last entry ended
        self._depth = 0  # locked() is re-entrant
        self._held = False
        paths.private_dir(self.path.parent)
        self._lock = paths.open_private(self.path.with_name(f"{self.path.name}.lock"), "a")
        self._runs = self.path.with_name(f"{self.path.name}.runs")
        self._run_file: TextIOWrapper | None = None
        with self.locked():
            paths.private_dir(self._runs)
            self._sweep_runs()
            self._run_file = paths.open_private(self._runs / self.run, "w")
            fcntl.flock(self._run_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._trim()
            self._open()

    # ------------------------------------------------------------------ the lock

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """No other console appends to or trims the journal meanwhile (re-entrant). Hold it
        around reading the journal and writing what follows from it (taking actions over)."""
        if self._depth == 0:
            self._held = self._acquire()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._held:
                self._held = False
                fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)

    def _acquire(self) -> bool:
        descriptor = self._lock.fileno()
        deadline = time.monotonic() + LOCK_WAIT_S
        pause = 0.001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    # A console stopped (Ctrl+Z, a debugger) while it held the lock: losing
                    # our entry would be worse than the small chance of a trim racing it.
                    log.warning(
                        "the journal %s has been locked by another console for %g s; "
                        "writing without the lock",
                        self.path,
                        LOCK_WAIT_S,
                    )
                    return False
                time.sleep(pause)  # microseconds are the norm: a short, bounded wait
                pause = min(pause * 2, 0.05)

    # ------------------------------------------------------------------ writing

    def record(self, site: str, action: Action) -> None:
        line = (JournalEntry.of(site, action, self.run).model_dump_json() + "\n").encode()
        try:
            with self.locked():
                self._append(line)
                if self._size > self.max_bytes and self._trim():
                    self._open()
        except (OSError, ValueError) as error:
            # A full disk, or a journal already closed, must not stop the action itself.
            log.warning("cannot write the action journal %s: %s", self.path, error)

    def _append(self, data: bytes) -> None:
        """One entry at the end of the journal as it is now: another console may have replaced
        the file (a trim) or written to it since our last entry."""
        if self._file is None or self._replaced():
            self._open()
        assert self._file is not None
        descriptor = self._file.fileno()
        size = os.fstat(descriptor).st_size
        if size != self._size and self._ends_mid_line():
            data = b"\n" + data  # a console killed while writing left its last line cut short
        view = memoryview(data)
        while view:  # O_APPEND: every piece lands at the end, after anything written since
            view = view[os.write(descriptor, view) :]
        self._size = size + len(data)

    def _replaced(self) -> bool:
        assert self._file is not None
        try:
            on_disk = self.path.lstat()
        except FileNotFoundError:
            return True
        ours = os.fstat(self._file.fileno())
        return (on_disk.st_dev, on_disk.st_ino) != (ours.st_dev, ours.st_ino)

    def _open(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = paths.open_private(self.path, "a")
        self._size = os.fstat(self._file.fileno()).st_size
        if self._ends_mid_line():
            # A crash cut the last entry short: start a new line, or ours would be lost too.
            self._file.write("\n")
            self._file.flush()
            self._size += 1

    def _ends_mid_line(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                handle.seek(0, 2)
                if handle.tell() == 0:
                    return False
                handle.seek(-1, 2)
                return handle.read(1) != b"\n"
        except OSError:
            return False

    # ------------------------------------------------------------------ reading

    def entries(self) -> Iterator[JournalEntry]:
        """Every readable entry, oldest first; a damaged line is skipped, not fatal."""
        with self.locked():
            lines = _lines(self._text())
        for number, line in enumerate(lines, 1):
            entry = _read(line)
            if entry is None and line.strip():
                log.warning("%s:%d is not a journal entry; skipped", self.path, number)
            elif entry is not None:
                yield entry

    def latest(self, site: str) -> dict[str, JournalEntry]:
        """The last known state of every action this site's journal holds (with the time it
        was first asked for, from older journals that did not write it down)."""
        latest: dict[str, JournalEntry] = {}
        for entry in self.entries():
            if entry.site != site:
                continue
            first = latest.get(entry.action_id)
            if entry.created_at is None:
                entry.created_at = first.created_at if first is not None else entry.at.timestamp()
            if entry.sent_at is None and first is not None:
                entry.sent_at = first.sent_at
            latest[entry.action_id] = entry
        return latest

    def orphans(self, site: str) -> dict[str, JournalEntry]:
        """``latest(site)`` without the actions of consoles still running (this one's too):
        what a start may take over. Call it within ``locked()``, and journal what is taken
        over before leaving it, so that two consoles starting together never both take one."""
        alive: dict[str, bool] = {}
        orphans: dict[str, JournalEntry] = {}
        for action_id, entry in self.latest(site).items():
            run = entry.run
            if run is not None and run not in alive:
                alive[run] = self._alive(run)
            if run is None or not alive[run]:
                orphans[action_id] = entry
        return orphans

    def _text(self) -> str:
        """The journal's text; of a journal larger than any we write, only the newest part."""
        try:
            with self.path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                limit = max(READ_LIMIT, 4 * self.max_bytes)
                if size > limit:
                    handle.seek(size - limit)
                    handle.readline()  # the line the cut fell in
                    log.warning(
                        "%s is %d bytes, more than a journal grows to: only its newest %d "
                        "bytes are read",
                        self.path,
                        size,
                        limit,
                    )
                data = handle.read(limit)
        except FileNotFoundError:
            return ""
        # errors="replace": a line cut inside a character is skipped like any damaged line.
        return data.decode("utf-8", errors="replace")

    # ------------------------------------------------------------------ runs

    def _alive(self, run: str) -> bool:
        """Whether the console run ``run`` still holds its lock (is still running)."""
        if run == self.run:
            return True
        if not RUN_ID.fullmatch(run):
            return False  # not a name we write: nobody's lock
        try:
            descriptor = os.open(self._runs / run, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return False  # closed cleanly (its file removed), or swept after a crash
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(descriptor)  # releases the shared lock we may have taken
        return False

    def _sweep_runs(self) -> None:
        """Remove the lock files of runs that stopped without closing (a crash, kill -9)."""
        with os.scandir(self._runs) as listing:
            for seen, item in enumerate(listing):
                if seen >= RUNS_SWEPT:
                    break
                if not self._alive(item.name):
                    with contextlib.suppress(OSError):
                        Path(item.path).unlink()

    # ------------------------------------------------------------------ trimming and closing

    def _trim(self) -> bool:
        """Cut the file back to its newest half, keeping the last line of each action that is
        not final yet (the next start must still follow it). Only under the lock: another
        console's entry appended between our read and our rename would be lost."""
        try:
            if not self._held or self.path.stat().st_size <= self.max_bytes:
                return False
        except FileNotFoundError:
            return False
        lines = _lines(self._text())
        budget, start = self.max_bytes // 2, len(lines)
        while start > 0 and budget - len(lines[start - 1].encode()) >= 0:
            start -= 1
            budget -= len(lines[start].encode())
        kept_ids = {e.action_id for line in lines[start:] if (e := _read(line)) is not None}
        unfinished: dict[str, str] = {}
        for line in lines[:start]:
            entry = _read(line)
            if entry is not None and entry.action_id not in kept_ids:
                if entry.state in FINAL:
                    unfinished.pop(entry.action_id, None)
                else:
                    unfinished[entry.action_id] = line
        text = "".join([*unfinished.values(), *lines[start:]])
        if text and not text.endswith("\n"):
            text += "\n"  # a last line cut short ends here, not inside the next entry
        # A trim killed before its rename left its temporary file: only trims (under this
        # lock) write them, so any there now is such a leftover.
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        paths.write_private(self.path, text)
        log.info("journal %s trimmed to %d bytes", self.path, len(text.encode()))
        return True

    def close(self) -> None:
        """Close the journal (again: nothing happens). What this console left pending becomes
        another start's to follow up."""
        if self._file is not None:
            self._file.close()
        if self._run_file is not None and not self._run_file.closed:
            with contextlib.suppress(OSError):
                (self._runs / self.run).unlink()
            self._run_file.close()  # releases its lock
        self._lock.close()


def _lines(text: str) -> list[str]:
    """The lines of ``text``, each with its newline (the last one may have none): split on
    newlines only, as they are written, never on other line breaks inside an entry."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


def _read(line: str) -> JournalEntry | None:
    if not line.strip():
        return None
    try:
        return JournalEntry.model_validate_json(line)
    except (pydantic.ValidationError, ValueError):
        return None
