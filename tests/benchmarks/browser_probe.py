"""The wall's first rows in headless Chromium through ``alert-console serve``, against the
terminal wall's first rows, alternating, in one run (run.py's ``browser_first_rows``).

Browser: from opening the URL (the page's navigation start) to the newest alert's row in
the terminal of the page, painted: the page, its scripts, the websocket, a wall process of
its own starting, its first page and its first frame. Terminal: the installed
``alert-console --wall`` in a 160x48 pseudo-terminal, from process start to the same row's text
on its screen (pty_probe.py). Both on the same simulator, both with an empty cache (no last page
on disk to show first).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

KEY = "benchmark-key-0123456789"
ACCOUNT = ("demo@example.com", "demo-token")

# Polls the page's terminal every 5 ms; answers, at the frame that paints a row holding any
# of the needles, with the milliseconds since the page's navigation started.
FIRST_ROWS = """
const [needles, done] = arguments;
function look() {
  const wall = window.alertConsoleWall;
  if (wall && wall.terminal) {
    const buffer = wall.terminal.buffer.active;
    for (let y = 0; y < wall.terminal.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      const text = line ? line.translateToString(true) : "";
      if (needles.some((needle) => text.includes(needle))) {
        requestAnimationFrame(() => done(performance.now()));
        return;
      }
    }
  }
  setTimeout(look, 5);
}
look();
"""


def _until(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {timeout} s")
        time.sleep(0.02)


class _Served:
    """``alert-console serve`` on the simulator, and what it logs."""

    def __init__(self, url: str, spare: bool) -> None:
        self.url = url
        self.spare = spare
        self.log: list[str] = []

    def at_rest(self) -> None:
        """No browser's wall running and, unless --no-spare, a spare loaded since the last."""

        def resting() -> bool:
            lines = list(self.log)
            counts = [x for x in lines if "open)" in x]
            if counts and "(0 open)" not in counts[-1]:
                return False
            if not self.spare:
                return True
            last = max((i for i, x in enumerate(lines) if " started " in x), default=-1)
            return any("for the next browser" in x for x in lines[last + 1 :])

        _until(resting)


def _read(stream: Any, into: list[str]) -> None:
    for line in stream:
        into.append(line)


@contextlib.contextmanager
def _served(
    origin: str,
    env: dict[str, str],
    config: Path,
    spare: bool,
    *,
    refresh: float = 60.0,
    max_browsers: int = 8,
) -> Iterator[_Served]:
    options = [] if spare else ["--no-spare"]
    options += ["--max-browsers", str(max_browsers)]
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "console", "serve", "--url", origin, "--cloud-id", "demo"),
            *("--config", str(config), "--refresh", f"{refresh:g}", "--port", "0", "--key", KEY),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        found = re.search(r"the wall on (http://\S+)", first)
        if found is None:
            raise RuntimeError(f"serve did not start: {first!r}")
        served = _Served(found.group(1), spare)
        threading.Thread(target=_read, args=(process.stderr, served.log), daemon=True).start()
        yield served
    finally:
        process.terminate()
        process.wait(timeout=15)


def _chromium() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.serve.support import chromium

    found = chromium()
    if found is None:
        raise RuntimeError("Debian's chromium and chromium-driver are needed")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    # The wall's own size in the terminal probe: 160×48 cells of 16 px Roboto Mono.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1560, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.set_script_timeout(60)
    return driver


def compare(origin: str, runs: int) -> dict[str, Any]:
    """Seconds to the first rows, alternating: ``{"browser": [...], "cold": [...],
    "terminal": [...]}``; ``cold`` is a server with ``--no-spare`` (no wall loaded ahead)."""

    from tests.benchmarks.pty_probe import terminal_env, time_to_text
    from tests.benchmarks.run import installed_command
    from tests.helpers import wall_first_message

    newest = wall_first_message(f"{origin}/jsm/ops/api/demo", ACCOUNT)[:30]
    home = Path(tempfile.mkdtemp(prefix="browser-probe-"))
    cache = home / "cache"
    config = home / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    # The terminal wall as a user starts it: the installed command in a 160x48 terminal, with
    # the options and environment the served walls get.
    wall = [str(installed_command()), "--url", origin, "--cloud-id", "demo", "--wall"]
    wall += ["--config", str(config), "--refresh", "60"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        XDG_CACHE_HOME=str(cache),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        ALERT_CONSOLE_EMAIL=ACCOUNT[0],
        ALERT_CONSOLE_API_TOKEN=ACCOUNT[1],
    )
    env.pop("ALERT_CONSOLE_ACCESS_TOKEN", None)
    timings: dict[str, list[float]] = {"browser": [], "cold": [], "terminal": []}
    driver = _chromium()
    try:
        with (
            _served(origin, env, config, spare=True) as warm,
            _served(origin, env, config, spare=False) as cold,
        ):

            def in_the_browser(served: _Served) -> float:
                driver.get("about:blank")
                for each in (warm, cold):
                    each.at_rest()
                shutil.rmtree(cache, ignore_errors=True)
                driver.get(served.url)
                return float(driver.execute_async_script(FIRST_ROWS, [newest])) / 1000

            def in_the_terminal() -> float:
                shutil.rmtree(cache, ignore_errors=True)
                return time_to_text(wall, terminal_env(env), newest, home)

            # Warm the file cache for all three.
            in_the_terminal(), in_the_browser(warm), in_the_browser(cold)
            for _ in range(runs):
                timings["terminal"].append(in_the_terminal())
                timings["browser"].append(in_the_browser(warm))
                timings["cold"].append(in_the_browser(cold))
    finally:
        driver.quit()
        shutil.rmtree(home, ignore_errors=True)
    return timings


def summary(timings: dict[str, list[float]]) -> dict[str, float]:
    terminal = statistics.median(timings["terminal"])
    return {
        "browser": statistics.median(timings["browser"]),
        "cold": statistics.median(timings["cold"]),
        "terminal": terminal,
        "ratio": statistics.median(timings["browser"]) / terminal,
        "cold_ratio": statistics.median(timings["cold"]) / terminal,
        "paired": statistics.median(
            b / t for b, t in zip(timings["browser"], timings["terminal"], strict=True)
        ),
    }
