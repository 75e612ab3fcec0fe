"""Started by the server tests in place of a wall: waits for its size as
``console.cli.warm`` does, then speaks textual-serve's packets as a Textual app under the
web driver does, and records what reaches it.

    python fake_wall.py RECORD            a first screenful, then records every packet
    python fake_wall.py RECORD --fail     says why it cannot start, as the console does
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(record: Path, fail: bool) -> int:
    out = sys.stdout.buffer

    def packet(kind: bytes, payload: bytes) -> None:
        out.write(kind + len(payload).to_bytes(4, "big") + payload)
        out.flush()

    os.write(1, b"__LOADED__\n")
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            return 0  # let go before it started
        line += byte
    names = sorted(name for name in os.environ if name.startswith("ALERT_CONSOLE_"))
    size = json.loads(line)
    with record.open("a", encoding="utf-8") as log:
        log.write(json.dumps(["env", {"names": names, "size": size, "pid": os.getpid()}]) + "\n")
    if fail:
        print(
            "alert-console: no credentials: set ALERT_CONSOLE_EMAIL and sk-SECRET", file=sys.stderr
        )
        return 2
    out.write(b"__GANGLION__\n")
    packet(b"D", b"\x1b[?1049h" + b"wall " * 400)  # a first screenful
    packet(
        b"M",
        json.dumps({"type": "open_url", "url": "https://example.com/", "new_tab": True}).encode(),
    )
    packet(b"D", b"drawn")
    stdin = sys.stdin.buffer
    while kind := stdin.read(1):
        payload = stdin.read(int.from_bytes(stdin.read(4), "big"))
        with record.open("a", encoding="utf-8") as log:
            log.write(json.dumps([kind.decode(), payload.decode()]) + "\n")
        if kind == b"M" and json.loads(payload).get("type") == "quit":
            packet(b"M", b'{"type": "exit"}')
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]), "--fail" in sys.argv[2:]))
