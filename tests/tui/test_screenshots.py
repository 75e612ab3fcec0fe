"""Every picture in ``screenshots/``, made from the code and compared with the committed file.

The simulator's clock stands still (``frozen_at_ms``) and so does the console's, the demo
data and the request ids are seeded, and local time is UTC: every picture is the same on
every run. A change to what the console shows fails here until the pictures are made
again on purpose and looked at. The one command that regenerates them all:

    python -m pytest tests/tui/test_screenshots.py --snapshot-update

A mismatch leaves the new picture beside the old one as ``<name>.new.svg`` (not committed).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from console.actions import ActionTracker, Journal
from console.api import BasicCredentials, JsmClient
from console.api.models import PRIORITIES
from console.base import paths
from console.simulator.config import SimulatorConfig
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole, Settings
from console.tui.dialogs import ConfirmDialog, FormDialog, InfoScreen
from tests.conftest import ACCOUNT, FAST_RETRY
from tests.helpers import site_client, site_config
from tests.tui.conftest import SMALL, WIDE, fill, loaded, screen_text, shown, toasts, until

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
FROZEN = datetime(2026, 11, 20, 14, 2, 11, tzinfo=UTC)
THEMES = ("alert-light", "wall-contrast", "okabe-ito")


@pytest.fixture(scope="module")
def still_server() -> Iterator[BackgroundSimulator]:
    """A simulator whose clock stands still: the same alerts, ages and times on every run."""
    config = SimulatorConfig(
        port=0,
        alerts=60,
        seed=11,
        frozen_at_ms=int(FROZEN.timestamp() * 1000),
        processing_delay_ms=20,
        processing_jitter_ms=0,
    )
    with BackgroundSimulator(config) as server:
        yield server


@pytest.fixture
def still_site(still_server: BackgroundSimulator) -> BackgroundSimulator:
    still_server.reset()  # the same data and the same request ids for every picture
    return still_server


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
            "keep_pages": False,
        }
        app = AlertConsole(client, tracker, Settings(**{**base, **settings}))
        app.feed.rng = random.Random(1)  # the same backoff, so the same retry countdown
        return app

    yield make
    for client, tracker in made:
        await tracker.aclose()
        if tracker.journal is not None:
            tracker.journal.close()
        await client.aclose()


def assert_picture(app: AlertConsole, name: str, update: bool) -> None:
    for field in app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor would differ from run to run
    picture = app.export_screenshot(title="alert-console")
    committed = SCREENSHOTS / f"{name}.svg"
    fresh = SCREENSHOTS / f"{name}.new.svg"
    if update:
        SCREENSHOTS.mkdir(exist_ok=True)
        committed.write_text(picture, encoding="utf-8")
        fresh.unlink(missing_ok=True)
        return
    if not committed.exists() or committed.read_text(encoding="utf-8") != picture:
        fresh.write_text(picture, encoding="utf-8")
        pytest.fail(
            f"{name}: the screen differs from screenshots/{committed.name} (new picture: "
            f"{fresh}). If the change is meant, look at both, then run with --snapshot-update."
        )
    fresh.unlink(missing_ok=True)


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--snapshot-update"))


async def settle(app: AlertConsole, pilot: Any) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


# ---------------------------------------------------------------------- the console


@pytest.mark.parametrize(("size", "name"), [(WIDE, "main"), (SMALL, "main_80x24")])
async def test_the_main_view(
    make_still_console: Any, update: bool, size: tuple[int, int], name: str
) -> None:
    app = await make_still_console()
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        await settle(app, pilot)
        assert_picture(app, name, update)


@pytest.mark.parametrize("theme", THEMES)
async def test_the_main_view_in_each_theme(
    make_still_console: Any, update: bool, theme: str
) -> None:
    app = await make_still_console(theme=theme)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await settle(app, pilot)
        assert app.theme == theme
        assert_picture(app, f"theme_{theme}", update)


async def test_the_detail(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InfoScreen))
        pane = app.screen.query_one("#full-detail")
        await until(pilot, lambda: "Activity" in shown(pane._history))  # type: ignore[attr-defined]
        await pilot.pause()
        assert_picture(app, "detail", update)


async def test_an_action_pending_then_its_outcome(
    make_still_console: Any, still_site: BackgroundSimulator, update: bool
) -> None:
    app = await make_still_console()
    still_site.set_processing(paused=True)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await until(pilot, lambda: any("sent" in t for t in toasts(app)))
        await pilot.pause()
        assert_picture(app, "action_pending", update)
        still_site.set_processing(paused=False)
        await until(pilot, lambda: any("done" in t for t in toasts(app)))
        await pilot.pause()
        assert_picture(app, "action_outcome", update)


async def test_a_bulk_summary(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "space", "a")
        await until(pilot, lambda: any("Acknowledge on 3 alerts" in t for t in toasts(app)))
        await pilot.pause()
        assert_picture(app, "bulk_summary", update)


async def test_the_query_bar_with_a_lint_error(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        app.main.query_bar.input.value = "status: open AND (priority: P1"
        await until(pilot, lambda: "Unclosed" in shown(app.main.query_bar.problem))
        await pilot.pause()
        assert_picture(app, "query_lint_error", update)


async def test_help(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, InfoScreen))
        await pilot.pause()
        assert_picture(app, "help", update)


async def test_a_confirmation(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.pause()
        assert_picture(app, "confirm_close", update)


async def test_the_create_form_with_an_error(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("N")
        await fill(pilot, message="Disk full on db-7", responders="the on-call team")
        await until(pilot, lambda: "shown" in app.screen.query_one("#problem-responders").classes)
        assert isinstance(app.screen, FormDialog)
        await pilot.pause()
        assert_picture(app, "create_form_error", update)


# ---------------------------------------------------------------------- the wall


def seeded_trend(site: str, query: str) -> None:
    """Twelve hours of trend points ending at FROZEN, from a seeded walk: the picture of a
    wall that has run for a while."""
    rng = random.Random(5)
    level = {"P1": 2, "P2": 4, "P3": 14, "P4": 10, "P5": 3}
    points = []
    start = FROZEN - timedelta(hours=12)
    for step in range(360):
        for p in PRIORITIES:
            level[p] = max(0, level[p] + rng.choice((-1, 0, 0, 1)))
        at = (start + timedelta(minutes=2 * step)).timestamp()
        points.append([at, dict(level)])
    digest = hashlib.sha256(f"{site}\n{query}".encode()).hexdigest()[:32]
    path = paths.cache_dir() / "trends" / f"{digest}.json"
    paths.private_dir(path.parent)
    path.write_text(json.dumps(points))


def panels_read(app: Any) -> bool:
    """The wall's on-call strip and heartbeats read once (their own first reads), and the
    names of the people on call known."""
    wall = app.main
    read = all(
        feed is None or feed.freshness.confirmed_at is not None or feed.unavailable
        for feed in (wall.heartbeat_feed, wall.oncall_feed)
    )
    people = [
        (app.directories.get(o.site, app.directory), p)
        for o in wall.oncall_feed.on_call.values()
        for p in o.now[:1] + o.next[:1]
    ]
    return read and all(book is None or book.name("user", p) for book, p in people)


async def test_the_wall(
    make_still_console: Any, still_site: BackgroundSimulator, update: bool
) -> None:
    seeded_trend(f"{still_site.origin}/demo", "status: open")
    app = await make_still_console(wall=True, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.main.counts is not None)
        await until(pilot, lambda: panels_read(app), timeout=15)
        await settle(app, pilot)
        assert_picture(app, "wall", update)
        # Stale: the service fails; the banner says why and since when, the rest dims.
        still_site.set_faults(error_rate=1.0)
        try:
            app.main.refresh_now()
            await until(pilot, lambda: app.feed.freshness.failures > 0)
            # The countdown as it reads half a second after the failure, however slow this
            # machine is today ("retrying in 99 s", not 98 on a busy run).
            freshness = app.feed.freshness
            assert freshness.retry_at is not None
            freshness.retry_at = time.monotonic() + 99.5
            app.main.draw_status()
            await pilot.pause()
            assert_picture(app, "wall_stale", update)
        finally:
            still_site.set_faults(error_rate=0.0)


async def test_the_walls_all_clear(make_still_console: Any, update: bool) -> None:
    app = await make_still_console(
        wall=True, read_only=True, query="status: open AND tag: nothing-is-tagged-this"
    )
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.main.counts is not None)
        await until(pilot, lambda: panels_read(app), timeout=15)
        await settle(app, pilot)
        assert "shown" in app.main.all_clear.classes
        assert_picture(app, "wall_all_clear", update)


async def silent_heartbeat(site: BackgroundSimulator) -> None:
    """A heartbeat of the Payments team that stopped: made, pinged once, its minute passed
    (on the site's clock, which stands still otherwise)."""
    async with JsmClient(
        origin=site.origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT)
    ) as client:
        from console.api.oncall import HeartbeatApi, OnCallApi

        team = next(t.team_id for t in await OnCallApi(client).teams() if t.team_name == "Payments")
        beats = HeartbeatApi(client)
        await beats.create(
            team,
            {
                "name": "invoices-cron",
                "interval": 1,
                "intervalUnit": "minutes",
                "enabled": True,
                "alertMessage": "invoices-cron stopped",
            },
        )
        await beats.ping(team, "invoices-cron")
    site.admin("clock", {"advance_ms": 90_000})


async def test_the_on_call_and_heartbeats_panels(
    make_still_console: Any, still_site: BackgroundSimulator, update: bool
) -> None:
    await silent_heartbeat(still_site)
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.feed.last is not None)
        await settle(app, pilot)
        await pilot.press("W")
        panel = app.screen
        await until(pilot, lambda: panel.table.row_count > 0, timeout=15)  # type: ignore[attr-defined]
        people = [p for o in panel.feed.on_call.values() for p in o.now + o.next]  # type: ignore[attr-defined]
        await until(pilot, lambda: all(app.directory.name("user", p) for p in people), timeout=15)  # type: ignore[union-attr]
        await settle(app, pilot)
        assert_picture(app, "oncall_panel", update)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("H")
        beats = app.screen
        await until(pilot, lambda: beats.table.row_count > 0, timeout=15)  # type: ignore[attr-defined]
        await settle(app, pilot)
        await until(pilot, lambda: "1 silent" in screen_text(app))
        assert_picture(app, "heartbeats_panel", update)


async def test_the_wall_with_on_call_and_a_silent_heartbeat(
    make_still_console: Any, still_site: BackgroundSimulator, update: bool
) -> None:
    await silent_heartbeat(still_site)
    for size, name in (((240, 67), "wall_240x67"), (SMALL, "wall_80x24")):
        await picture_of_a_wall(
            await make_still_console(wall=True, read_only=True), size, name, update
        )


async def picture_of_a_wall(
    app: AlertConsole, size: tuple[int, int], name: str, update: bool
) -> None:
    async with app.run_test(size=size) as pilot:
        wall = app.main
        await until(pilot, lambda: wall.counts is not None)  # type: ignore[attr-defined]
        await until(pilot, lambda: panels_read(app), timeout=15)
        silent = wall.silent_line  # type: ignore[attr-defined]
        await until(pilot, lambda: "invoices-cron" in str(silent.content))
        await settle(app, pilot)
        assert_picture(app, name, update)


# ---------------------------------------------------------------------- several sites


@pytest.fixture(scope="module")
def still_sites() -> Iterator[dict[str, BackgroundSimulator]]:
    """Three sites whose clocks stand still, each with its own cloud id, account and data."""
    started = {
        name: BackgroundSimulator(
            site_config(name, alerts, 21 + number, frozen_at_ms=int(FROZEN.timestamp() * 1000))
        ).start()
        for number, (name, alerts) in enumerate((("prod", 30), ("eu", 14), ("stg", 8)))
    }
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
async def make_sites_console(
    still_sites: dict[str, BackgroundSimulator], utc: None
) -> AsyncIterator[Any]:
    from contextlib import AsyncExitStack

    from console.cli.main import open_sites
    from console.settings.start import SiteInfo

    stack = AsyncExitStack()
    made: list[AlertConsole] = []

    async def make(**settings: Any) -> AlertConsole:
        clients = []
        for server in still_sites.values():
            server.reset()
            server.set_faults(error_rate=0.0)
            client = site_client(server, retry=FAST_RETRY, read_only=settings.get("wall", False))
            clients.append(await stack.enter_async_context(client))
        colours = {"prod": "#d13a3a", "eu": "#3a6ed1", "stg": "#3aa05a"}
        infos = tuple(
            SiteInfo(name, colours[name], f"site {name}", f"{name}@example.com")
            for name in still_sites
        )
        base: dict[str, Any] = {
            "query": "status: open",
            "refresh_s": 3600,
            "page_size": 50,
            "clock": lambda: FROZEN,
            "keep_pages": False,
        }
        app = await open_sites(clients, Settings(**{**base, **settings, "sites": infos}))
        for site in app.feed.sites:  # type: ignore[attr-defined]
            site.feed.rng = random.Random(1)
        made.append(app)
        return app

    yield make
    for app in made:
        await app.tracker.aclose()
        if app.tracker.journal is not None:
            app.tracker.journal.close()
    await stack.aclose()


async def one_site_fails(app: AlertConsole, pilot: Any, site: BackgroundSimulator) -> None:
    """``site`` answers 500 from now on: refreshed, its retry countdown pinned as it reads
    half a second after the failure (as in test_the_wall)."""
    site.set_faults(error_rate=1.0)
    eu = next(s for s in app.feed.sites if s.name == "eu")  # type: ignore[attr-defined]
    app.main.refresh_now()
    await until(pilot, lambda: eu.feed.freshness.failures > 0)
    # Everything in flight done first (eu's panels fail too, retries and all, and a late
    # failure would set the countdown again): then the countdown is pinned and drawn.
    await settle(app, pilot)
    assert eu.feed.freshness.retry_at is not None
    eu.feed.freshness.retry_at = time.monotonic() + 99.5
    app.main.draw_status()
    await pilot.pause()


async def test_three_sites_in_one_table_one_stale(
    make_sites_console: Any, still_sites: dict[str, BackgroundSimulator], update: bool
) -> None:
    app = await make_sites_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await settle(app, pilot)
        await one_site_fails(app, pilot, still_sites["eu"])
        assert "eu" in app.main.table.stale_sites
        assert_picture(app, "sites_console", update)


async def test_the_wall_of_three_sites_one_stale(
    make_sites_console: Any, still_sites: dict[str, BackgroundSimulator], update: bool
) -> None:
    app = await make_sites_console(wall=True, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(app.main.site_counts) == 3)
        await until(pilot, lambda: panels_read(app), timeout=15)
        await settle(app, pilot)
        await one_site_fails(app, pilot, still_sites["eu"])
        assert app.main.stale
        assert_picture(app, "sites_wall", update)
