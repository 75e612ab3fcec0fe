"""The start: the first rows come first, and what can follow them does (issue 8's "start
near the floor"). What the start leaves out must still be there a moment later."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from console.cli.main import collector_off_for_the_start
from console.simulator.server import BackgroundSimulator
from console.tui.app import COLLECTOR_BACK_S, AlertConsole
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
