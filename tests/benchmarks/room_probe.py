"""A room of screens through one ``alert-console serve`` (run.py's ``serve_room``).

- Requests per minute the service sees (the simulator's own count) with 1 page open, then 10,
  the same views: the server polls once for every page.
- Extra resident memory per open page: each wall process's RSS (from the server's /status).
- First rows of a new page with 9 already open: from opening the URL to the wall's first row
  painted, against the terminal wall as a user starts it (the installed command in a 160x48
  pseudo-terminal), alternating.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.benchmarks.browser_probe import ACCOUNT, FIRST_ROWS, _chromium, _served, _until


def _status(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(url.replace("/?key=", "/status?key="), timeout=10).json()
    return answer


def _reads(origin: str) -> int:
    stats = httpx.get(f"{origin}/_admin/stats", timeout=10).json()
    return int(stats["requests"].get("reads", 0))


def _per_minute(origin: str, seconds: float) -> float:
    before, started = _reads(origin), time.monotonic()
    time.sleep(seconds)
    return 60.0 * (_reads(origin) - before) / (time.monotonic() - started)


def room(origin: str, seconds: float, runs: int, refresh_s: float = 5.0) -> dict[str, Any]:
    from tests.benchmarks.pty_probe import terminal_env, time_to_text
    from tests.benchmarks.run import installed_command
    from tests.helpers import wall_first_message

    top = wall_first_message(f"{origin}/jsm/ops/api/demo", ACCOUNT)[:30]
    home = Path(tempfile.mkdtemp(prefix="room-probe-"))
    config = home / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("ALERT_CONSOLE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        ALERT_CONSOLE_EMAIL=ACCOUNT[0],
        ALERT_CONSOLE_API_TOKEN=ACCOUNT[1],
    )
    wall = [str(installed_command()), "--url", origin, "--cloud-id", "demo", "--wall"]
    wall += ["--config", str(config), "--refresh", f"{refresh_s:g}"]
    drivers: list[Any] = []
    result: dict[str, Any] = {}
    try:
        with _served(origin, env, config, spare=True, refresh=refresh_s, max_browsers=12) as served:

            def open_page() -> Any:
                driver = _chromium()
                drivers.append(driver)
                driver.get(served.url)
                driver.execute_async_script(FIRST_ROWS, [top])
                return driver

            open_page()
            time.sleep(refresh_s)
            result["per_minute_1"] = _per_minute(origin, seconds)
            for _ in range(9):
                open_page()
            _until(lambda: _status(served.url)["pages_open"] == 10, 60)
            time.sleep(refresh_s)
            result["per_minute_10"] = _per_minute(origin, seconds)
            status = _status(served.url)
            walls = [w["rss_mb"] for w in status["walls"] if w["rss_mb"] is not None]
            result["wall_rss_mb"] = walls
            result["server_rss_mb"] = status["server_rss_mb"]
            # A new page with nine open, against the terminal wall, alternating.
            drivers[0].get("about:blank")  # nine stay open
            newcomer = _chromium()
            drivers.append(newcomer)
            timings: dict[str, list[float]] = {"page": [], "terminal": []}
            for _ in range(runs):
                newcomer.get("about:blank")
                _until(lambda: _status(served.url)["pages_open"] == 9, 30)
                time.sleep(1.5)  # the next spare loaded, as it would be between pages
                newcomer.get(served.url)
                painted = newcomer.execute_async_script(FIRST_ROWS, [top])
                timings["page"].append(float(painted) / 1000)
                shutil.rmtree(home / "cache", ignore_errors=True)
                timings["terminal"].append(time_to_text(wall, terminal_env(env), top, home))
            result["new_page_s"] = timings["page"]
            result["terminal_s"] = timings["terminal"]
    finally:
        for driver in drivers:
            driver.quit()
        shutil.rmtree(home, ignore_errors=True)
    result["per_page_mb"] = statistics.median(result.get("wall_rss_mb") or [float("nan")])
    return result
