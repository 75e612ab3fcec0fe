"""The action journal: every action and every change of its state, one JSON line each.

It is the handover record of what this console did, and what lets the next start
follow up on actions that were still pending when the console stopped. It lives
in the platformdirs state directory (``journal.jsonl``) and holds no credential.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
import pydantic
from pydantic import BaseModel, ConfigDict

from console.actions.model import Action, State

log = logging.getLogger(__name__)

KEEP_LINES = 20_000  # on open, a longer journal is cut back to its newest lines


def default_path() -> Path:
    return Path(platformdirs.user_state_dir("alert-console", appauthor=False)) / "journal.jsonl"


class JournalEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

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

    @classmethod
    def of(cls, site: str, action: Action) -> JournalEntry:
        return cls(
            at=datetime.now(UTC),
            site=site,
            action_id=action.id,
            batch_id=action.batch_id,
            op=action.op,
            alert_id=action.alert_id,
            label=action.label,
            summary=action.summary,
            state=action.state,
            request_id=action.request_id,
            reason=action.reason,
            result_alert_id=action.result_alert_id,
        )


class Journal:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._trim()
        # Line-buffered appends: each entry reaches the file as it happens.
        self._file = self.path.open("a", encoding="utf-8", buffering=1)
        if self._ends_mid_line():
            # A crash cut the last entry short: start a new line, or ours would be lost too.
            self._file.write("\n")

    def record(self, site: str, action: Action) -> None:
        entry = JournalEntry.of(site, action)
        try:
            self._file.write(entry.model_dump_json() + "\n")
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
                if not line.strip():
                    continue
                try:
                    yield JournalEntry.model_validate_json(line)
                except pydantic.ValidationError:
                    log.warning("%s:%d is not a journal entry; skipped", self.path, number)

    def latest(self, site: str) -> dict[str, JournalEntry]:
        """The last known state of every action this site's journal holds."""
        return {e.action_id: e for e in self.entries() if e.site == site}

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
        if not self.path.exists() or self.path.stat().st_size < 4_000_000:
            return
        text = self.path.read_text(encoding="utf-8", errors="replace")
        lines = text.splitlines(keepends=True)[-KEEP_LINES:]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        tmp.replace(self.path)
