"""What people see, as pictures: each screen exported as SVG and compared with the committed one.

The simulator's clock stands still (``frozen_at_ms``) and so does the console's, the demo
data is seeded and local time is UTC, so every picture is the same on every run. A change
to what the console shows fails here until the pictures are regenerated on purpose and
looked at:

    python -m pytest tests/tui/test_snapshots.py --snapshot-update

A mismatch leaves the new picture beside the old as ``<name>.new.svg`` (not committed).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from console.actions import ActionTracker, Journal
from console.api import BasicCredentials, JsmClient
from console.simulator.config import SimulatorConfig
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole, Settings
from console.tui.dialogs import ConfirmDialog, FormDialog, InfoScreen
from tests.conftest import ACCOUNT, FAST_RETRY
from tests.tui.conftest import SMALL, WIDE, fill, loaded, until

SNAPSHOTS = Path(__file__).parent / "snapshots"
FROZEN = datetime(2026, 11, 20, 14, 2, 11, tzinfo=UTC)


@pytest.fixture(scope="module")
def still_site() -> Iterator[BackgroundSimulator]:
    """A simulator whose clock stands still: the same alerts, ages and times on every run."""
    config = SimulatorConfig(
        port=0, alerts=60, seed=11, frozen_at_ms=int(FROZEN.timestamp() * 1000)
    )
    with BackgroundSimulator(config) as server:
        yield server


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
async def make_still_console(
    still_site: BackgroundSimulator, tmp_path: Path, utc: None
) -> AsyncIterator[Any]:
    made: list[tuple[JsmClient, ActionTracker]] = []

    async def make(**settings: Any) -> AlertConsole:
        client = JsmClient(
            origin=still_site.origin,
            cloud_id="demo",
            credentials=BasicCredentials(*ACCOUNT),
            retry=FAST_RETRY,
        )
        tracker = ActionTracker(client, journal=Journal(tmp_path / "journal.jsonl"))
        made.append((client, tracker))
        base: dict[str, Any] = {
            "query": "status: open",
            "refresh_s": 3600,
            "page_size": 50,
            "demo": True,
            "site": "built-in simulator",
            "user": ACCOUNT[0],
            "clock": lambda: FROZEN,
        }
        return AlertConsole(client, tracker, Settings(**{**base, **settings}))

    yield make
    for client, tracker in made:
        await tracker.aclose()
        if tracker.journal is not None:
            tracker.journal.close()
        await client.aclose()


def assert_snapshot(app: AlertConsole, name: str, update: bool) -> None:
    for field in app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor would differ from run to run
    picture = app.export_screenshot(title="alert-console")
    committed = SNAPSHOTS / f"{name}.svg"
    fresh = SNAPSHOTS / f"{name}.new.svg"
    if update:
        SNAPSHOTS.mkdir(exist_ok=True)
        committed.write_text(picture, encoding="utf-8")
        fresh.unlink(missing_ok=True)
        return
    if not committed.exists() or committed.read_text(encoding="utf-8") != picture:
        fresh.write_text(picture, encoding="utf-8")
        pytest.fail(
            f"{name}: the screen differs from {committed.name} (new picture: {fresh}). "
            "If the change is meant, look at both, then run with --snapshot-update."
        )
    fresh.unlink(missing_ok=True)


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--snapshot-update"))


@pytest.mark.parametrize(("size", "name"), [(WIDE, "main_160x48"), (SMALL, "main_80x24")])
async def test_the_main_screen(
    make_still_console: Any, update: bool, size: tuple[int, int], name: str
) -> None:
    app = await make_still_console()
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert_snapshot(app, name, update)


async def test_a_light_theme(make_still_console: Any, update: bool) -> None:
    app = await make_still_console(theme="textual-light")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert_snapshot(app, "main_light", update)


async def test_help(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, InfoScreen))
        await pilot.pause()
        assert_snapshot(app, "help", update)


async def test_a_confirmation(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.pause()
        assert_snapshot(app, "confirm_close", update)


async def test_the_create_form_with_an_error(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("N")
        await fill(pilot, message="Disk full on db-7", responders="the on-call team")
        await until(pilot, lambda: "shown" in app.screen.query_one("#problem-responders").classes)
        assert isinstance(app.screen, FormDialog)
        await pilot.pause()
        assert_snapshot(app, "create_form_error", update)
