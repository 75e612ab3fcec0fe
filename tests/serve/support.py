"""For the browser tests: ``alert-console serve`` as a process, headless Chromium, and what
the page's terminal shows."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from console.serve.wall import WallCommand
from tests.helpers import wall_first_message

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-key-0123456789abcdef"
DEMO_ACCOUNT = ("demo@example.com", "demo-token")

T = TypeVar("T")
FAKE = Path(__file__).with_name("fake_wall.py")
SECRET = "sk-SECRET"


def fake(record: Path, *extra: str) -> WallCommand:
    """A stand-in wall (``fake_wall.py``) that records what reaches it in ``record``."""
    return WallCommand(
        (sys.executable, str(FAKE), str(record), *extra),
        env={"ALERT_CONSOLE_API_TOKEN": SECRET},
        unset=frozenset({"ALERT_CONSOLE_SERVE_KEY"}),
        secrets=(SECRET,),
    )


def recorded(record: Path) -> list[list[Any]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def until(condition: Callable[[], T | None], timeout: float = 20.0, every: float = 0.05) -> T:
    """Poll ``condition`` until it gives something truthy; that something, or a failure."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {getattr(condition, '__doc__', '') or condition}")
        time.sleep(every)


async def until_async(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll ``condition`` on the running loop until it is truthy, or fail."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not within {timeout} s: {getattr(condition, '__doc__', '') or condition}")
        await asyncio.sleep(0.02)


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Served:
    """``alert-console serve`` in a process of its own, as users run it."""

    def __init__(
        self,
        options: list[str],
        env: Mapping[str, str],
        port: int = 0,
        open_files: tuple[int, int] | None = None,  # its RLIMIT_NOFILE: (soft, hard)
    ) -> None:
        self.options = options
        self.env = dict(env)
        self.port = port
        self.open_files = open_files
        self.url = ""
        self.origin = ""
        self.simulator = ""  # the demo simulator's origin, when --demo
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 60.0) -> Served:
        process = subprocess.Popen(
            [sys.executable, "-m", "console", "serve", "--port", str(self.port), *self.options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=self.env,
            preexec_fn=None if self.open_files is None else self._limit_open_files,
        )
        self.process = process
        self.stdout, self.stderr = [], []
        assert process.stdout is not None and process.stderr is not None
        threading.Thread(target=_drain, args=(process.stdout, self.stdout), daemon=True).start()
        threading.Thread(target=_drain, args=(process.stderr, self.stderr), daemon=True).start()

        def announced() -> bool:
            if process.poll() is not None:
                pytest.fail(f"serve ended ({process.returncode}): {''.join(self.stderr)}")
            return any("Ctrl+C stops" in line for line in self.stdout)

        until(announced, timeout)
        said = "".join(self.stdout)
        found = re.search(r"the wall on (http://\S+)", said)
        assert found is not None, said
        self.url = found.group(1)
        self.origin = self.url.split("/?", 1)[0]
        self.port = int(self.origin.rsplit(":", 1)[1])
        demo = re.search(r"simulator on (http://\S+)", said)
        self.simulator = demo.group(1) if demo else ""
        return self

    def _limit_open_files(self) -> None:
        assert self.open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, self.open_files)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def walls(self) -> list[int]:
        """The wall processes now: the browsers' and the spare loaded for the next one.

        A child caught between its fork and its exec still wears the server's own command
        line and environment; it is not a wall yet, so wait until every child has become one.
        """
        own = Path(f"/proc/{self.pid}/cmdline").read_bytes()

        def started() -> list[int] | None:
            children = child_pids(self.pid)
            try:
                if any(Path(f"/proc/{c}/cmdline").read_bytes() == own for c in children):
                    return None
            except OSError:  # one ended while we looked
                return None
            return children or None

        started.__doc__ = "every child of the server started as a wall"
        return until(started, timeout=15)

    def at_rest(self) -> None:
        """Wait until no browser's wall runs and the spare for the next one is loaded."""

        def resting() -> bool:
            lines = [x for x in self.stderr if "open)" in x or "for the next browser" in x]
            counts = [x for x in lines if "open)" in x]
            if counts and "(0 open)" not in counts[-1]:
                return False
            last_start = max((i for i, x in enumerate(lines) if " started " in x), default=-1)
            return any("for the next browser" in x for x in lines[last_start + 1 :])

        resting.__doc__ = "the server at rest, a spare wall loaded"
        until(resting)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def newest_open_message(self) -> str:
        """The message of the wall's first row, asked of the demo simulator."""
        return wall_first_message(f"{self.simulator}/jsm/ops/api/demo", DEMO_ACCOUNT)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = httpx.get(f"{self.simulator}/_admin/stats", timeout=10).json()
        return result

    def reset_stats(self) -> None:
        httpx.delete(f"{self.simulator}/_admin/stats", timeout=10).raise_for_status()


def _drain(stream: Any, into: list[str]) -> None:
    for line in stream:
        into.append(line)


# ---------------------------------------------------------------------- the browser


def chromium() -> tuple[str, str] | None:
    """Debian's chromium and its driver, if both are here."""
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if Path(browser).exists() and Path(driver).exists():
        return browser, driver
    return None


def start_chromium(width: int = 1600, height: int = 900) -> Any:
    """Headless Chromium with the performance log on (websocket frames); skipped with the
    reason when it is not installed, except in CI (which installs it)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing = "selenium is not installed (pip install -e '.[test]')"
    else:
        found = chromium()
        if found is not None:
            options = webdriver.ChromeOptions()
            options.binary_location = found[0]
            for argument in (
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                f"--window-size={width},{height}",
            ):
                options.add_argument(argument)
            options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
            return webdriver.Chrome(service=Service(found[1]), options=options)
        missing = "Debian's chromium and chromium-driver are not installed (apt-get install)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {missing}")
    pytest.skip(missing)


SCREEN = """
const wall = window.alertConsoleWall;
if (!wall || !wall.terminal) { return null; }
const terminal = wall.terminal, buffer = terminal.buffer.active, lines = [];
for (let y = 0; y < terminal.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  lines.push(line ? line.translateToString(true) : "");
}
const overlay = document.getElementById("overlay");
return {
  state: wall.state,
  connects: wall.connects,
  overlay: getComputedStyle(overlay).display !== "none",
  notice: overlay.innerText,
  text: lines.join("\\n"),
  cols: terminal.cols,
  rows: terminal.rows,
};
"""


def screen(driver: Any) -> dict[str, Any]:
    """What the page shows: the terminal's text, and whether the notice covers it."""
    shown: dict[str, Any] | None = driver.execute_script(SCREEN)
    return shown or {"state": "loading", "overlay": True, "text": "", "notice": "", "connects": 0}


def drawn(driver: Any, served: Served, timeout: float = 30.0) -> dict[str, Any]:
    """Wait for the wall, connected, to show the newest open alert's message."""

    def newest_shown() -> dict[str, Any] | None:
        shown = screen(driver)
        if shown["state"] != "connected" or shown["overlay"]:
            return None
        # The table cuts a long message with "…": its first 30 characters are always there.
        return shown if served.newest_open_message()[:30] in shown["text"] else None

    newest_shown.__doc__ = "the newest open alert's message drawn in the page"
    return until(newest_shown, timeout, every=0.1)


FRAME_EVENTS = {"Network.webSocketFrameSent": "sent", "Network.webSocketFrameReceived": "received"}


def frames(driver: Any) -> list[tuple[str, bytes]]:
    """The websocket frames sent and received since the last call, binary ones decoded:
    ``("sent", b'["stdin","a"]')``."""
    found = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        direction = FRAME_EVENTS.get(message["method"])
        if direction is None:
            continue
        response = message["params"]["response"]
        data = response["payloadData"]
        payload = base64.b64decode(data) if response["opcode"] == 2 else data.encode()
        found.append((direction, payload))
    return found
