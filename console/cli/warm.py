"""A wall process made ready before its browser comes: ``python -m console.cli.warm ARGS``.

Most of a wall's start is Python loading its modules (the command line, the TUI, Textual,
httpx, pydantic). ``alert-console serve`` keeps one such process loaded and waiting, so that
a page opened on a TV is drawn about as soon as a terminal would draw it. Once loaded it
says ``__LOADED__`` on stdout and waits for one line on stdin, ``{"width": W, "height": H}``
(the browser's terminal size), then runs ``alert-console ARGS`` at that size, as if started
then. Given end-of-file instead, it exits without having started anything; and once
started, it quits if its server goes away without stopping it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

LINE_MAX = 200
LOADED = b"__LOADED__\n"  # before the driver's own first line, which serve_app waits for


def _size() -> tuple[int, int] | None:
    """The size line, read a byte at a time: what follows it is the wall's input, read by
    Textual's driver from the same file descriptor."""
    line = b""
    while not line.endswith(b"\n") and len(line) < LINE_MAX:
        byte = os.read(0, 1)
        if not byte:
            return None
        line += byte
    try:
        size = json.loads(line)
        return int(size["width"]), int(size["height"])
    except (ValueError, TypeError, KeyError):
        return None


def _leave_with_the_server() -> None:
    """A wall whose server is gone (killed, crashed) has nobody to draw for: it quits
    (Textual's web driver takes SIGTERM as quit), rather than poll the service for ever."""
    server = os.getppid()

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10.0)
        os._exit(1)  # it did not quit in time

    threading.Thread(target=watch, name="leave-with-the-server", daemon=True).start()


def main() -> int:
    # What a wall's start loads, loaded now, while no browser is waiting; first what it keeps
    # out (lean_start: httpcore would import trio, which a wall never runs).
    from console.cli.lean import lean_start

    lean_start()
    import textual.drivers.web_driver  # noqa: F401

    import console.actions
    import console.api.client
    import console.cli.main
    import console.query
    import console.settings.config
    import console.settings.secrets
    import console.settings.start
    import console.settings.target
    import console.tui.app
    import console.tui.themes
    import console.tui.wall_screen  # the screen it will show, and its widgets

    os.write(1, LOADED)
    size = _size()
    if size is None:
        return 0
    os.environ["COLUMNS"], os.environ["ROWS"] = str(size[0]), str(size[1])
    _leave_with_the_server()
    return console.cli.main.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
