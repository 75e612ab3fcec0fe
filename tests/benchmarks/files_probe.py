"""Issue 17's figures, on the real command: the start's time and memory with the crafted
files (a theme linked to /dev/zero, a 22 MB theme), and what a token_command printing
1.5 GB, a 500 KB line, or a token and a child left holding the pipe costs.

    python tests/benchmarks/files_probe.py [--runs N]

One JSON object per line; figures are printed, never asserted. Each start runs in a
pseudo-terminal (tests/terminal.py) against a simulator of 200 alerts, with its own XDG
directories, until its first rows are drawn; memory is the process's VmHWM then.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from console.simulator.config import SimulatorConfig
from console.simulator.server import BackgroundSimulator
from tests import corpus
from tests.helpers import own_home
from tests.terminal import command, run_in_terminal

FIRST_ROWS = re.compile(r"1–\d+ of \d+")


ROOTS: list[Path] = []


def home(prepare: Callable[[Path], None]) -> dict[str, str]:
    """An environment with XDG directories of its own, prepared by ``prepare(config_dir)``."""
    root = Path(tempfile.mkdtemp(prefix="files-probe-"))
    ROOTS.append(root)
    env = own_home(root)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte-compiled once
    prepare(root / "config" / "alert-console")
    return env


def no_files(_config: Path) -> None:
    pass


def zero_theme(config: Path) -> None:
    (config / "themes").mkdir(parents=True)
    (config / "themes" / "zero.toml").symlink_to("/dev/zero")


def huge_theme(config: Path) -> None:
    (config / "themes").mkdir(parents=True)
    with (config / "themes" / "huge.toml").open("wb") as handle:
        handle.truncate(corpus.BIG_THEME_BYTES)


def starts(
    sim: BackgroundSimulator, cases: dict[str, tuple[Callable[[Path], None], list[str]]], runs: int
) -> list[dict[str, Any]]:
    """Each case's start, alternating (so the machine's drift falls on all alike)."""
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    peaks: dict[str, list[int]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (prepare, extra) in cases.items():
            env = home(prepare)
            env.update(ALERT_CONSOLE_EMAIL="demo@example.com", ALERT_CONSOLE_API_TOKEN="demo-token")
            session = run_in_terminal(
                ["--url", sim.origin, "--cloud-id", sim.config.cloud_id, *extra],
                env,
                lambda screen: FIRST_ROWS.search(screen) is not None,
            )
            assert session.status == 0 and session.seconds_to_ready > 0, session.screen[-2000:]
            seconds[name].append(session.seconds_to_ready)
            peaks[name].append(session.peak_rss_kb)
    return [
        {
            "name": f"start_{name}",
            "first_rows_seconds": round(statistics.median(seconds[name]), 3),
            "peak_rss_mb": round(statistics.median(peaks[name]) / 1024, 1),
            "runs": runs,
            "range_seconds": [round(min(seconds[name]), 3), round(max(seconds[name]), 3)],
        }
        for name in cases
    ]


def token(name: str, argv: list[str], runs: int, *, check: bool = False) -> dict[str, Any]:
    """The console started (or ``config check`` run) on a profile whose token comes from
    ``argv``: seconds to its end, its exit status, and its own peak memory (wait4)."""
    seconds: list[float] = []
    peaks: list[int] = []
    statuses: set[int] = set()
    said = ""
    for _ in range(runs):
        env = home(no_files)
        path = Path(env["XDG_CONFIG_HOME"]) / "c.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"[profiles.p]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken_command = {json.dumps(argv)}\n"
        )
        path.chmod(0o600)
        args = (
            ["config", "check", "--config", str(path)]
            if check
            else ["--config", str(path), "--profile", "p"]
        )
        started = time.monotonic()
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                [*command(), *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)  # reaped here
            seconds.append(time.monotonic() - started)
            errors.seek(0)
            said = errors.read(300).decode(errors="replace").strip()
        statuses.add(os.waitstatus_to_exitcode(status))
        peaks.append(usage.ru_maxrss)
    return {
        "name": f"token_command_{name}",
        "seconds": round(statistics.median(seconds), 3),
        "peak_rss_mb": round(statistics.median(peaks) / 1024, 1),
        "exit_status": sorted(statuses),
        "said": said,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with BackgroundSimulator(SimulatorConfig(port=0, alerts=200, seed=1)) as sim:
        cases = {
            "no_theme_files": (no_files, []),
            "theme_linked_to_dev_zero": (zero_theme, ["--theme", "zero"]),
            "theme_of_22_mb": (huge_theme, []),
        }
        for figure in starts(sim, cases, runs):
            print(json.dumps(figure), flush=True)
    pid_file = Path(tempfile.mkdtemp(prefix="files-probe-"))
    ROOTS.append(pid_file)
    pid_file = pid_file / "child.pid"
    for figure in (
        token("printing_1_5_gb", corpus.flood_command(1.5), runs),
        token("first_line_500_kb", corpus.long_line_command(500_000), runs),
    ):
        print(json.dumps(figure), flush=True)
    background = token(
        "token_then_child_holding_the_pipe",
        corpus.token_then_background("tok", pid_file, seconds=30),
        1,
        check=True,
    )
    if pid_file.exists():
        os.kill(int(pid_file.read_text()), 15)
    print(json.dumps(background), flush=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        for root in ROOTS:
            shutil.rmtree(root, ignore_errors=True)
