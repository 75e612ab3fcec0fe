"""A hostile client of ``alert-console serve``, in a process of its own: ``COUNT``
connections that each send the head of a request, ``GET /?key=x HTTP/1.1``, and never the
rest. The server cannot tell it from a slow client until its deadline.

    python half_open.py PORT COUNT [--source ADDRESS] [--seconds S] [--reconnect]

Prints ``opened N`` once they are open; then watches them for ``--seconds`` (or until the
server has closed every one) and prints one JSON line: how many it opened, how many the
server closed and after how long. ``--reconnect`` opens a new one for each one closed, so
that COUNT are always held or being opened (its ``reconnects`` say how many).
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.corpus import HALF_OPEN_HEAD


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--source", default="127.0.0.1")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reconnect", action="store_true")
    args = parser.parse_args()
    watching = selectors.DefaultSelector()
    opened_at: dict[socket.socket, float] = {}
    failed = 0

    def open_one() -> None:
        nonlocal failed
        sock = socket.socket()
        sock.settimeout(5)
        try:
            sock.bind((args.source, 0))
            sock.connect(("127.0.0.1", args.port))
            sock.sendall(HALF_OPEN_HEAD)
        except OSError:
            failed += 1
            sock.close()
            return
        sock.setblocking(False)
        opened_at[sock] = time.monotonic()
        watching.register(sock, selectors.EVENT_READ)

    for _ in range(args.count):
        open_one()
    print(f"opened {len(opened_at)}", flush=True)
    closed_after: list[float] = []
    reconnects = 0
    end = time.monotonic() + args.seconds
    while opened_at and (now := time.monotonic()) < end:
        for key, _events in watching.select(timeout=min(0.1, end - now)):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                if sock.recv(4096):
                    continue  # an answer (none is expected): still open
            except BlockingIOError:
                continue
            except OSError:
                pass
            closed_after.append(time.monotonic() - opened_at.pop(sock))
            watching.unregister(sock)
            sock.close()
            if args.reconnect:
                reconnects += 1
                open_one()
    result = {
        "opened": args.count - failed + reconnects,
        "failed": failed,
        "closed": len(closed_after),
        "still_open": len(opened_at),
        "reconnects": reconnects,
        "closed_after_s": [
            round(min(closed_after, default=0), 3),
            round(statistics.median(closed_after) if closed_after else 0, 3),
            round(max(closed_after, default=0), 3),
        ],
    }
    print(json.dumps(result), flush=True)
    for sock in opened_at:
        sock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
