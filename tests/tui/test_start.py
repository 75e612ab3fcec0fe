"""The start: the first rows come first, and what can follow them does (issue 8's "start
near the floor"). What the start leaves out must still be there a moment later."""

from __future__ import annotations

import gc
import json
import os
import queue
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyte

from console.cli.lean import collector_off_for_the_start
from console.settings.secrets import ENV_EMAIL, ENV_TOKEN
from console.simulator.server import BackgroundSimulator
from console.tui.app import COLLECTOR_BACK_S, AlertConsole
from tests.benchmarks.pty_probe import ANSWERS, COLUMNS, LINES, terminal, terminal_env
from tests.conftest import ACCOUNT
from tests.tui.conftest import WIDE, ConsoleFactory, loaded, shown, until

PROBE = Path(__file__).parents[1] / "benchmarks" / "first_rows_probe.py"

# Loaded by the first action, the first form or the directory's first read: never needed to
# draw the first page.
LATER = (
    "console.tui.dialogs",
    "console.tui.flow",
    "console.tui.picker",
    "console.tui.help",
    "console.api.directory",
    "textual.widgets._text_area",
    "logging.handlers",
    # pydantic's plugin loader imports it to find no plugin (console.cli.lean.lean_start).
    "importlib.metadata",
)


def test_the_first_rows_are_drawn_without_dialogs_forms_or_the_directorys_reads(
    sim: BackgroundSimulator,
) -> None:
    """The benchmark's own probe, started as alert-console starts, lists what it loaded."""
    result = subprocess.run(
        [sys.executable, str(PROBE), sim.origin, "--modules"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert "drawn" in result.stdout, result.stderr[-2000:]
    loaded_modules = set(json.loads(result.stdout.splitlines()[-1]))
    assert "console.tui.main_screen" in loaded_modules  # the probe did draw the console
    assert [name for name in LATER if name in loaded_modules] == []


# Textual brackets each frame with these once the terminal says it can hold one back until it
# is whole (DECRQM mode 2026): what is between a pair is one frame.
SYNCHRONIZED = re.compile(rb"(\x1b\[\?2026[hl])")
SYNCHRONIZING = {**ANSWERS, b"\x1b[?2026$p": b"\x1b[?2026;2$y"}


def test_in_a_terminal_the_first_frame_shows_the_rows_and_what_follows_them_comes_after(
    sim: BackgroundSimulator, tmp_path: Path
) -> None:
    """As a user starts it: the command in a terminal. Its first frame with the first rows
    holds neither the detail nor the query's warning: both come after the rows, as the start
    intends. A frame that Textual draws while the app itself is still starting is never sent,
    so a first screen built there had its rows drawn for nothing, and the terminal got them
    only after the query's lint had run (and ~140 ms later)."""
    query = "status: open OR -zzz"  # rows, and a warning: '-zzz' searches for the text
    newest = httpx.get(
        f"{sim.base_url}/v1/alerts",
        params={"query": query, "size": 1},
        auth=ACCOUNT,
        timeout=10,
    ).json()["values"][0]
    needles = {
        "rows": newest["message"][:30],
        "detail": newest["id"],
        "warning": "searches for the text",
    }
    argv = [sys.executable, "-m", "console", "--url", sim.origin, "--cloud-id", "demo"]
    env = terminal_env(os.environ, **{ENV_EMAIL: ACCOUNT[0], ENV_TOKEN: ACCOUNT[1]})
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    first: dict[str, int] = {}  # after which piece of output each was first on the screen
    pieces = 0
    with terminal([*argv, "--query", query], env, tmp_path, answers=SYNCHRONIZING) as term:
        deadline = time.monotonic() + 30
        while len(first) < len(needles) and time.monotonic() < deadline:
            try:
                _moment, data = term.chunks.get(timeout=0.1)
            except queue.Empty:
                continue
            # Each read, and each frame within a read, is one look at the screen.
            for piece in SYNCHRONIZED.split(data):
                stream.feed(piece)
                pieces += 1
                text = "\n".join(screen.display)
                for name, needle in needles.items():
                    if needle in text:
                        first.setdefault(name, pieces)
    assert len(first) == len(needles), (first, "\n".join(screen.display))
    assert first["rows"] < first["detail"]
    assert first["rows"] < first["warning"]


async def test_the_detail_and_the_first_querys_warning_follow_the_first_rows(
    sim: BackgroundSimulator, make_console: ConsoleFactory
) -> None:
    # "-disk" is valid (so the start lets it through) but searches for the text "-disk".
    app = await make_console(sim.origin, query="-disk")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        problem = app.main.query_bar.problem
        await until(pilot, lambda: "searches for the text" in shown(problem))
        assert "NOT disk" in shown(problem)
        selected = app.main.table.selected
        assert selected is not None
        await until(pilot, lambda: app.main.detail.alert == selected)
        assert selected.id in shown(app.main.detail.query_one("#detail-fields"))


async def test_actions_and_help_still_open_though_they_load_on_first_use(
    console: AlertConsole,
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: "Keys" in str(app.screen.query_one("#info-title").content))
        await pilot.press("escape")
        await pilot.press("c")  # close: a confirmation, No by default
        await until(pilot, lambda: app.screen is not app.main)
        await pilot.press("n")
        await until(pilot, lambda: app.screen is app.main)


async def test_the_collector_off_for_the_start_comes_back_on(console: AlertConsole) -> None:
    collector_off_for_the_start()  # as alert-console's start does
    try:
        async with console.run_test(size=WIDE) as pilot:
            await loaded(pilot)
            await until(pilot, gc.isenabled, timeout=COLLECTOR_BACK_S + 5)
            assert gc.get_freeze_count() > 0  # the start's objects are out of later scans
    finally:
        gc.enable()
        gc.unfreeze()
