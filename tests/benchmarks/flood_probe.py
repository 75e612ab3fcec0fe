"""The wall in headless Chromium while another process holds 1,000 half-open requests
against ``alert-console serve`` (run.py's ``browser_under_flood``).

``alert-console serve --demo`` runs with an open-file limit of 1,024, soft and hard (the
usual default soft limit, and no room to raise it: the caps alone must keep it in bounds).
``tests/serve/half_open.py`` opens 1,000 connections that each send ``GET /?key=x
HTTP/1.1`` and never the rest; two seconds later Chromium opens the page. Timed: from the
page's navigation start to the newest alert's row painted in its terminal (the page, its
scripts, the websocket, a wall process of its own, its first page and frame). Counted: the
server's stderr over the whole run, and what became of the half-open connections.

Three floods, after the same page with none: held from the browser's own address
(127.0.0.1; every one the server closes stays closed), held and reopened as fast as the
server closes them from that address, and the same from another address (127.0.0.2), as
from another machine.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from selenium.common.exceptions import TimeoutException  # noqa: E402

from tests.benchmarks.browser_probe import FIRST_ROWS, _chromium  # noqa: E402
from tests.helpers import own_home  # noqa: E402
from tests.serve.support import DEMO_ACCOUNT, Served, screen  # noqa: E402

KEY = "benchmark-key-0123456789"
HALF_OPEN = ROOT / "tests" / "serve" / "half_open.py"
OPEN_FILES = (1024, 1024)
PAINT_TIMEOUT_S = 30

FLOODS = {
    "none": ("127.0.0.1", False),  # the comparison: the same page with no flood
    "held": ("127.0.0.1", False),
    "reopened": ("127.0.0.1", True),
    "reopened_from_another_address": ("127.0.0.2", True),
}


@contextlib.contextmanager
def _served(home: Path) -> Iterator[Served]:
    env = own_home(home)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte-compiled once
    served = Served(["--demo", "--key", KEY], env, open_files=OPEN_FILES)
    try:
        yield served.start()
    finally:
        served.stop()


def _newest_open(served: Served, count: int = 20) -> list[str]:
    """The first 30 characters of the messages of the wall's first rows."""
    from tests.helpers import wall_top_messages

    top = wall_top_messages(f"{served.simulator}/jsm/ops/api/demo", DEMO_ACCOUNT, count)
    return [message[:30] for message in top]


def _descriptors(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


@contextlib.contextmanager
def _flood(port: int, count: int, source: str, reopen: bool) -> Iterator[list[dict[str, Any]]]:
    """``count`` half-open requests held from another process for as long as the block
    lasts (and a few seconds more); what became of them once it is over."""
    found: list[dict[str, Any]] = []
    if not count:
        yield found
        return
    flood = [sys.executable, str(HALF_OPEN), str(port), str(count), "--source", source]
    flood += ["--seconds", "15", *(["--reconnect"] if reopen else [])]
    holder = subprocess.Popen(flood, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None
        opened = holder.stdout.readline()
        if not opened.startswith("opened "):
            raise RuntimeError(f"the flood did not start: {opened!r}")
        yield found
        found.append(json.loads(holder.stdout.readline()))
    finally:
        holder.kill()
        holder.wait()


def flooded(driver: Any, home: Path, source: str, reopen: bool, count: int) -> dict[str, Any]:
    """One run: a server, ``count`` half-open requests from ``source``, the page opened."""
    with _served(home) as served:
        served.at_rest()  # the spare wall loaded: as a server that has been up a while
        with _flood(served.port, count, source, reopen) as half_open:
            time.sleep(2.0 if count else 0.0)  # the flood established, two seconds old
            files_before = _descriptors(served.pid)
            driver.get("about:blank")
            needles = _newest_open(served)
            started = time.perf_counter()
            driver.get(served.url)
            failure = None
            try:
                painted_s: float | None = driver.execute_async_script(FIRST_ROWS, needles) / 1000
            except TimeoutException:
                painted_s, failure = None, screen(driver)
            wall_clock = time.perf_counter() - started
            files_during = _descriptors(served.pid)
    said = "".join(served.stderr)
    return {
        "flood": count,
        "source": source,
        "reopened": reopen,
        "first_rows_s": None if painted_s is None else round(painted_s, 3),
        "not_drawn": failure,
        "wall_clock_s": round(wall_clock, 3),
        "stderr_bytes": len(said.encode()),
        "stderr_lines": len(said.splitlines()),
        "tracebacks": said.count("Traceback"),
        "server_descriptors": [files_before, files_during],
        "limits": next((x.strip() for x in served.stdout if "limits:" in x), ""),
        "half_open": half_open[0] if half_open else None,
        "stderr": said[-2000:],
    }


def measure(count: int = 1000, floods: tuple[str, ...] = tuple(FLOODS)) -> list[dict[str, Any]]:
    home = Path(tempfile.mkdtemp(prefix="flood-probe-"))
    driver = _chromium()
    driver.set_script_timeout(PAINT_TIMEOUT_S)
    try:
        return [
            flooded(driver, home, *FLOODS[name], 0 if name == "none" else count) | {"name": name}
            for name in floods
        ]
    finally:
        driver.quit()


if __name__ == "__main__":
    for result in measure(int(sys.argv[1]) if sys.argv[1:] else 1000):
        print(json.dumps(result), flush=True)
