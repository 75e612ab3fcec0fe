"""Bugs caught at run time: written down once, reported once, never fatal.

The console must keep running at 3 a.m. even when a bug of ours fires. The TUI
hands every unexpected exception to :class:`CrashReporter`, which writes the
traceback to a crash file in the state directory (mode 600, through the
sanitiser, with secrets masked), logs it, and says whether it is worth telling
the user now: the first time a bug is seen, and again only after a quiet
period, so a bug on a timer does not toast every second.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from console.base import paths
from console.base.sanitize import clean

log = logging.getLogger(__name__)

KEEP_FILES = 20  # older crash files are removed


@dataclass
class BugReport:
    """One bug as the user is told of it: where, what, its signature and how often."""

    where: str  # what was running: "refresh", "key a", "timer"
    kind: str  # the exception's type
    message: str  # sanitised, secrets masked
    signature: str  # type and innermost frame of ours: the same bug has the same signature
    count: int = 1
    told_at: float = 0.0  # monotonic, when the user was last told
    path: Path | None = None  # the crash file, if it could be written

    @property
    def summary(self) -> str:
        return f"{self.kind}: {self.message}" if self.message else self.kind


class CrashReporter:
    def __init__(
        self,
        directory: Path | None = None,
        *,
        secrets: Sequence[str] = (),
        quiet_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        self.quiet_s = quiet_s
        self._secrets = [s for s in secrets if s]
        self._clock = clock
        self.reports: dict[str, BugReport] = {}

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def report(self, where: str, error: BaseException) -> BugReport | None:
        """Record ``error``; returns the report when the user should be told now, else None."""
        signature = _signature(error)
        now = self._clock()
        known = self.reports.get(signature)
        if known is not None:
            known.count += 1
            if now - known.told_at < self.quiet_s:
                return None
            known.told_at = now
            return known
        report = BugReport(
            where=clean(where),
            kind=type(error).__name__,
            message=clean(self.mask(str(error)))[:300],
            signature=signature,
            told_at=now,
        )
        self.reports[signature] = report
        text = self.mask("".join(traceback.format_exception(error)))
        log.error("bug in %s: %s\n%s", report.where, report.summary, text)
        report.path = self._write(report, text)
        return report

    def _write(self, report: BugReport, text: str) -> Path | None:
        directory = self.directory or paths.state_dir() / "crashes"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = directory / f"crash-{stamp}-{len(self.reports)}.txt"
        try:
            with paths.open_private(path, "w") as handle:
                handle.write(
                    clean(
                        f"alert-console bug in {report.where}\n"
                        f"at {datetime.now().isoformat(timespec='seconds')}\n\n{text}",
                        multiline=True,
                    )
                )
            for old in sorted(directory.glob("crash-*.txt"))[:-KEEP_FILES]:
                old.unlink(missing_ok=True)
        except OSError as error:
            log.warning("cannot write a crash file in %s: %s", directory, error)
            return None
        return path


def _signature(error: BaseException) -> str:
    """The exception's type and the innermost frame in our own code."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/console/" in f.filename.replace("\\", "/")]
    chosen = ours or frames
    where = f"{Path(chosen[-1].filename).name}:{chosen[-1].lineno}" if chosen else ""
    return f"{type(error).__name__}@{where}"
