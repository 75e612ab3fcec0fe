"""The real console, against the real simulator over loopback HTTP, driven by Textual's Pilot."""

from __future__ import annotations

import io
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from console.actions import ActionTracker, Journal
from console.api import BasicCredentials, JsmClient, RetryPolicy
from console.simulator.server import BackgroundSimulator
from console.tui import textual_compat
from console.tui.app import AlertConsole, Settings
from console.tui.dialogs import FormDialog
from console.tui.picker import PickInput
from tests.conftest import ACCOUNT, FAST_RETRY

WIDE = (160, 48)
SMALL = (80, 24)


def no_hidden_bugs(app: AlertConsole, request: pytest.FixtureRequest) -> None:
    """The console reports a bug and carries on; a test must not pass over one unnoticed."""
    if request.node.get_closest_marker("bugs_expected") is None:
        reports = [f"{r.where}: {r.summary}" for r in app.crashes.reports.values()]
        assert not reports, f"the console caught bugs during the test: {reports}"


@pytest.fixture(params=["flags", "spec"])
async def console(
    sim: BackgroundSimulator, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[AlertConsole]:
    """The console on the test simulator: 40 alerts, pages of 20, refresh every 60 s; once
    with states told by flags (as live tools see them), once in the spec's status enum."""
    sim.reset(dialect=request.param)
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
        no_hidden_bugs(app, request)


ConsoleFactory = Callable[..., Awaitable[AlertConsole]]


@pytest.fixture
async def make_console(
    tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[ConsoleFactory]:
    """``await make_console(origin, retry=..., **settings)``: a console on any server (the
    simulator, or a hostile one), its client, tracker and journal closed after the test."""
    made: list[tuple[AlertConsole, JsmClient, ActionTracker]] = []

    async def make(
        origin: str, *, retry: RetryPolicy = FAST_RETRY, concurrency: int = 4, **settings: Any
    ) -> AlertConsole:
        client = JsmClient(
            origin=origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT), retry=retry
        )
        tracker = ActionTracker(
            client,
            journal=Journal(tmp_path / "journal.jsonl"),
            concurrency=concurrency,
            read_only=bool(settings.get("read_only")),
        )
        base = {"query": "", "refresh_s": 60, "page_size": 20, "site": "test", "user": ACCOUNT[0]}
        # Heartbeats at the test's own pace (a test of a silent monitor asks for refresh_s=1),
        # not once a minute as a console reads them: tests of the pace itself set it.
        base["heartbeats_s"] = settings.get("refresh_s", base["refresh_s"])
        app = AlertConsole(client, tracker, Settings(**{**base, **settings}))
        made.append((app, client, tracker))
        return app

    yield make
    for app, client, tracker in made:
        await tracker.aclose()
        if tracker.journal is not None:
            tracker.journal.close()
        await client.aclose()
        no_hidden_bugs(app, request)


def lists_asked(sim: BackgroundSimulator) -> int:
    """The alert list requests the simulator served (a query sent, a page asked for): not the
    other reads a console makes on its own timers (heartbeats, names, counts)."""
    return int(sim.stats()["requests"].get("alert_lists", 0))


def screen_text(app: App[None]) -> str:
    """The screen as a person reads it: the terminal stream without escape sequences."""
    return re.sub(r"\x1b\[[0-9;:?]*[A-Za-z]", "", terminal_stream(app))


def terminal_stream(app: App[None]) -> str:
    """What the console would write to a real terminal for the whole screen now (dialogs and
    toasts included): Textual's own escape sequences around the rendered cells."""
    return textual_compat.terminal_stream(app)


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


async def fill(pilot: Pilot[None], **values: str) -> None:
    """Type into the open form's fields (by name), then send it as a user would: Enter in a
    one-line field, Ctrl+S in a form with a multi-line field (where Enter is a new line)."""
    screen = pilot.app.screen
    assert isinstance(screen, FormDialog), screen
    for name, value in values.items():
        widget = screen.query_one(f"#field-{name}")
        if isinstance(widget, Select):
            widget.value = value
        elif isinstance(widget, TextArea):
            widget.text = value
        else:
            assert isinstance(widget, Input)
            widget.value = value
    await pilot.pause()
    if screen.query(TextArea):
        screen.query(TextArea).first().focus()
        await pilot.press("ctrl+s")
        return
    first = screen.query(Input).first()
    first.focus()
    await pilot.press("enter")
    if pilot.app.screen is screen and any(p.chosen_entry for p in screen.query(PickInput)):
        # Enter took the suggestion highlighted for what was typed (an id the directory
        # knows, say) and the form names who was chosen: Enter again sends.
        await pilot.press("enter")


async def select(pilot: Pilot[None], alert_id: str) -> None:
    app = pilot.app
    assert isinstance(app, AlertConsole)
    app.main.table.move_cursor(row=app.main.table.order.index(alert_id))
    await pilot.pause()


def shown(widget: Static) -> str:
    """What a Static shows, as plain text (rendered as a terminal would, 200 columns wide)."""
    console = Console(width=200, color_system=None, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def toasts(app: AlertConsole) -> list[str]:
    """The notifications on screen now: title and message."""
    return [f"{title}: {message}" for title, message in textual_compat.notifications_on_screen(app)]


def row_texts(app: AlertConsole) -> list[list[str]]:
    """Every row of the table as the user reads it: plain text of each cell, in screen order."""
    table = app.main.table
    return [
        [str(getattr(cell, "plain", cell)) for cell in table.get_row_at(i)]
        for i in range(table.row_count)
    ]


def column(app: AlertConsole, key: str) -> list[str]:
    index = [c.key for c in app.main.table._columns].index(key)
    return [row[index] for row in row_texts(app)]
