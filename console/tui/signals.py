"""What a signal does to a running console: SIGTERM, SIGHUP (its terminal window closed) and
SIGINT end it in order, within two seconds, and never leave the terminal unusable.

The first signal is handled on Textual's event loop (``loop.add_signal_handler``): the app
records what was not sent yet as "not sent", gives what is on the wire a moment to get its
receipt (so that the next start follows it up), and exits; Textual's driver then gives the
terminal back (alternate screen off, mouse tracking off, cursor shown, the terminal's modes as
they were). The exit status is 128 + the signal's number.

From then on a second signal exits at once, and so does a watchdog if the orderly stop is not
done within ``GRACE_S``: both write the sequences that restore the terminal themselves (from a
thread that may not block the exit for long: a closed terminal cannot hang it) and put back the
terminal modes saved before the app started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any, Protocol

SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
GRACE_S = 1.6  # the orderly stop, all of it; past this the process exits anyway
WRITE_S = 0.25  # the most an exit at once waits for a terminal to take the restore sequences

# What Textual's driver turns on, turned off again: CAN ends any sequence a frame was cut in,
# then the colours, mouse tracking (every mode the driver enables), bracketed paste, focus
# events, in-band resize, the kitty keyboard protocol, line wrap back on, the alternate screen
# left, the cursor shown.
RESTORE = (
    b"\x18\x1b[0m"
    b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"
    b"\x1b[?2004l\x1b[?1004l\x1b[?2048l\x1b[<u\x1b[?7h"
    b"\x1b[?1049l\x1b[?25h"
)


class Stoppable(Protocol):
    """The app, as the signal handling sees it."""

    def stop_for_signal(self, signum: int) -> None: ...


class SignalExit:
    """Installed around ``app.run_async()``; ``status`` is the exit status a signal asks for."""

    def __init__(self, app: Stoppable) -> None:
        self.app = app
        self.status: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[int, Any] = {}
        self._terminal_back = False  # the app gave the terminal back: nothing to restore
        self._output = _tty(sys.__stderr__)  # where Textual's driver writes
        self._input = _tty(sys.__stdin__)
        self._modes: list[Any] | None = None

    def install(self) -> None:
        """Before the app takes the terminal: its modes saved, the handlers on the loop."""
        if self._input is not None:
            import termios

            with contextlib.suppress(termios.error, OSError):
                self._modes = termios.tcgetattr(self._input)
        self._loop = asyncio.get_running_loop()
        for signum in SIGNALS:
            self._previous[signum] = signal.getsignal(signum)
            self._loop.add_signal_handler(signum, self._first, signum)

    def terminal_back(self) -> None:
        """The app has ended and its driver restored the terminal."""
        self._terminal_back = True

    def uninstall(self) -> None:
        assert self._loop is not None
        for signum, previous in self._previous.items():
            self._loop.remove_signal_handler(signum)
            if previous is not None:
                signal.signal(signum, previous)

    def _first(self, signum: int) -> None:
        if self.status is not None:
            self._at_once(signum, None)
            return
        self.status = 128 + signum
        # From now on a signal exits at once, even while the loop is busy: a plain handler
        # runs between two bytecodes of the main thread.
        for other in SIGNALS:
            signal.signal(other, self._at_once)
        watchdog = threading.Timer(GRACE_S, self._exit_now, (self.status,))
        watchdog.daemon = True
        watchdog.start()
        if not self._terminal_back:  # else the app has ended already: only the status to give
            self.app.stop_for_signal(signum)

    def _at_once(self, signum: int, _frame: FrameType | None) -> None:
        self._exit_now(128 + signum)

    def _exit_now(self, status: int) -> None:
        if not self._terminal_back:
            writer = threading.Thread(target=self._restore_terminal, daemon=True)
            writer.start()
            writer.join(WRITE_S)
        os._exit(status)

    def _restore_terminal(self) -> None:
        if self._output is not None:
            with contextlib.suppress(OSError):
                os.write(self._output, RESTORE)
        if self._input is not None and self._modes is not None:
            import termios

            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._input, termios.TCSANOW, self._modes)


def _tty(stream: Any) -> int | None:
    """The stream's descriptor when it is a terminal (a pipe gets no escape sequences)."""
    try:
        descriptor: int = stream.fileno()
        return descriptor if os.isatty(descriptor) else None
    except (AttributeError, OSError, ValueError):
        return None
