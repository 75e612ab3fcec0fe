"""The action journal: every action and every change of its state, one JSON line each.

It is the handover record of what this console did, and what lets the next start
follow up on actions that were still pending when the console stopped. It lives
in the state directory (``journal.jsonl``, mode 600), holds no credential, and
every text in it (labels, summaries, reasons from the service) went through the
sanitiser. It stays bounded while the console runs: past ``max_bytes`` it is cut
back to its newest half, keeping the last entry of every action still pending.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict

from console import paths
from console.actions.model import FINAL, Action, State
from console.sanitize import clean

log = logging.getLogger(__name__)

MAX_BYTES = 4_000_000


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

    @classmethod
    def of(cls, site: str, action: Action) -> JournalEntry:
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
        )


class Journal:
    def __init__(self, path: Path | None = None, *, max_bytes: int = MAX_BYTES) -> None:
        self.path = path or default_path()
        self.max_bytes = max_bytes
        paths.private_dir(self.path.parent)
        self._trim()
        self._open()

    def _open(self) -> None:
        # Line-buffered appends: each entry reaches the file as it happens.
        self._file = paths.open_private(self.path, "a", buffering=1)
        self._size = self.path.stat().st_size
        if self._ends_mid_line():
            # A crash cut the last entry short: start a new line, or ours would be lost too.
            self._file.write("\n")
            self._size += 1

    def record(self, site: str, action: Action) -> None:
        line = JournalEntry.of(site, action).model_dump_json() + "\n"
        try:
            self._file.write(line)
            self._size += len(line.encode())
            if self._size > self.max_bytes:
                self._file.close()
                self._trim()
                self._open()
        except (OSError, ValueError) as error:
            # A full disk, or a journal already closed, must not stop the action itself.
            log.warning("cannot write the action journal %s: %s", self.path, error)

    def entries(self) -> Iterator[JournalEntry]:
        """Every readable entry, oldest first; a damaged line is skipped, not fatal."""
        if not self.path.exists():
            return
        # errors="replace": a line cut inside a character is skipped like any damaged line.
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
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

    def close(self) -> None:
        self._file.close()

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

    def _trim(self) -> None:
        """Cut the file back to its newest half, keeping the last line of each action that is
        not final yet (the next start must still follow it)."""
        if not self.path.exists() or self.path.stat().st_size <= self.max_bytes:
            return
        lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
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
        paths.write_private(self.path, text)
        log.info("journal %s trimmed to %d bytes", self.path, len(text.encode()))


def _read(line: str) -> JournalEntry | None:
    if not line.strip():
        return None
    try:
        return JournalEntry.model_validate_json(line)
    except (pydantic.ValidationError, ValueError):
        return None
