"""The log of ``alert-console serve``: a flood of hostile clients costs a few lines, not
megabytes.

Every warning names its cause in its message ("refused a connection from %s: ..."); the
handler writes each cause once a minute and counts the rest, and a client's malformed
request, which aiohttp logs with a traceback, is one line. Every line is cleaned by the
formatter the server gives it (:class:`console.base.sanitize.SafeFormatter`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError

LOG_WINDOW_S = 60.0


@dataclass
class _Window:
    start: float
    count: int = 0  # held back since start
    last: logging.LogRecord | None = None


class ThrottledHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes a warning (or worse) once per cause per ``window``
    seconds: the cause is the logger and the message before its arguments ("refused a
    connection from %s: ..."), so one address or a thousand cost the same. The rest are
    counted, and said in one line (the last of them, "and N more like it") when the window
    ends: at the next warning of that cause, or at :meth:`tick`, which the server calls each
    second and once more at its end. Info lines pass as they are."""

    def __init__(
        self, stream: Any, window: float = LOG_WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(stream)
        self.window = window
        self.clock = clock
        self.windows: dict[tuple[str, str], _Window] = {}
        self.counting = threading.Lock()  # the demo simulator logs from a thread of its own

    def handle(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return super().handle(record)
        _one_line(record)
        key = (record.name, str(record.msg))
        with self.counting:
            now = self.clock()
            window = self.windows.get(key)
            if window is not None and now - window.start < self.window:
                window.count += 1
                window.last = record
                return False
            self.windows[key] = _Window(start=now)
        if window is not None:
            self._say(window, now)
        return super().handle(record)

    def tick(self, *, final: bool = False) -> None:
        """Say the counts of the windows that have ended (``final``: of them all)."""
        with self.counting:
            now = self.clock()
            ended = [k for k, w in self.windows.items() if final or now - w.start >= self.window]
            windows = [self.windows.pop(k) for k in ended]
        for window in windows:
            self._say(window, now)

    def _say(self, window: _Window, now: float) -> None:
        last = window.last
        if last is None:
            return
        message = last.getMessage()
        if window.count > 1:
            seconds = min(now - window.start, self.window)
            message += f" (and {window.count - 1} more like it in {seconds:.0f} s)"
        summary = logging.makeLogRecord(
            {"name": last.name, "levelno": last.levelno, "levelname": last.levelname}
        )
        summary.msg = message
        super().handle(summary)


def _one_line(record: logging.LogRecord) -> None:
    """aiohttp logs a client's malformed request with a traceback: one line is enough (the
    client's words are cleaned by the formatter, as every line is)."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError):
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        reason = (error.message or type(error).__name__).strip().splitlines()[0][:120]
        record.msg = "refused a malformed request from %s: %s"
        record.args = (remote, reason)
        record.exc_info = None
        record.exc_text = None
