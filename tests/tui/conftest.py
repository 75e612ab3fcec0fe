"""The real console, against the real simulator over loopback HTTP, driven by Textual's Pilot."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from console.actions import ActionTracker, Journal
from console.api import BasicCredentials, JsmClient
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole, Settings
from tests.conftest import ACCOUNT, FAST_RETRY

WIDE = (160, 48)
SMALL = (80, 24)


@pytest.fixture
async def console(sim: BackgroundSimulator, tmp_path: Path) -> AsyncIterator[AlertConsole]:
    """The console on the test simulator: 40 alerts, pages of 20, refresh every 60 s."""
    async with JsmClient(
        origin=sim.origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT), retry=FAST_RETRY
    ) as client:
        tracker = ActionTracker(client, journal=Journal(tmp_path / "journal.jsonl"))
        app = AlertConsole(
            client,
            tracker,
            Settings(query="", refresh_s=60, page_size=20, site="test", user=ACCOUNT[0]),
        )
        yield app
        await tracker.aclose()
        tracker.journal.close()  # type: ignore[union-attr]


async def until(pilot: Pilot[None], condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the console did not get there in time")
        await pilot.pause(0.02)


async def loaded(pilot: Pilot[None]) -> AlertConsole:
    app = pilot.app
    assert isinstance(app, AlertConsole)
    await until(pilot, lambda: app.feed.last is not None and not app.feed.busy)
    await pilot.pause()
    return app


def shown(widget: Static) -> str:
    """What a Static shows, as plain text (rendered as a terminal would, 200 columns wide)."""
    console = Console(width=200, color_system=None, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def toasts(app: AlertConsole) -> list[str]:
    """The notifications on screen now: title and message."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


def row_texts(app: AlertConsole) -> list[list[str]]:
    """Every row of the table as the user reads it: plain text of each cell, in screen order."""
    table = app.table
    return [
        [str(getattr(cell, "plain", cell)) for cell in table.get_row_at(i)]
        for i in range(table.row_count)
    ]


def column(app: AlertConsole, key: str) -> list[str]:
    index = [c.key for c in app.table._columns].index(key)
    return [row[index] for row in row_texts(app)]
