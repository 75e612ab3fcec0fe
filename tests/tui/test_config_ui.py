"""The config file in the running console: rebound keys, saved views with live counts, the
wall's rotation, the profile on screen, open in browser, and no token anywhere."""

from __future__ import annotations

import base64
import logging
import re
import sys
from pathlib import Path

import httpx
import pytest

from console.actions import ActionTracker, Journal
from console.api.client import JsmClient
from console.cli.main import _debug_log
from console.live.wall import unacknowledged
from console.settings.config import SavedView, load, resolve
from console.settings.secrets import credentials_for
from console.settings.start import settings_for
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from console.tui.wall_screen import WallScreen
from tests.conftest import ACCOUNT
from tests.helpers import create, get
from tests.tui.conftest import WIDE, ConsoleFactory, loaded, screen_text, select, toasts, until

VIEWS = (
    ("open", SavedView(query="status: open", key=1)),
    ("urgent", SavedView(query="status: open AND priority: P1", key=2)),
    ("by-prio", SavedView(query="status: open", sort="priority", order="asc")),
)


async def test_a_rebound_key_takes_effect_and_help_follows(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    chosen = create(api, message="rebind me")["id"]
    app = await make_console(sim.origin, query="status: open", keymap=(("acknowledge", "A"),))
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await select(pilot, chosen)
        await pilot.press("a")  # the old key does nothing now
        await pilot.pause(0.2)
        assert not app.tracker.actions
        await pilot.press("A")
        await until(pilot, lambda: get(api, chosen)["acknowledged"])
        await pilot.press("question_mark")
        assert re.search(r"│ A +Acknowledge", screen_text(app)), "help shows the new key"
        assert not re.search(r"│ a +Acknowledge", screen_text(app))


async def test_number_keys_switch_views_and_tabs_show_the_services_counts(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    create(api, message="urgent one", priority="P1")
    app = await make_console(sim.origin, query="status: open", views=VIEWS, view_name="open")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        expected = {
            name: api.get("/v1/alerts", params={"query": view.query, "size": 1}).json()["count"]
            for name, view in VIEWS
        }
        await until(pilot, lambda: "urgent · " + str(expected["urgent"]) in screen_text(app))
        assert f"1 open · {expected['open']}" in screen_text(app)
        # The alerts' reads only: the heartbeats' (for the header's count) are counted apart.
        requests = sim.stats()["requests"].get("alert_reads", 0)
        await pilot.press("2")
        await until(pilot, lambda: app.feed.view.query == "status: open AND priority: P1")
        await loaded(pilot)
        assert app.main.query_bar.applied == "status: open AND priority: P1"
        assert {a.priority for a in app.feed.last.alerts.values()} == {"P1"}  # type: ignore[union-attr]
        await pilot.press("9")
        await until(pilot, lambda: any("No saved view on key 9" in t for t in toasts(app)))
        # The palette has every view, those without a key too.
        await pilot.press("ctrl+p", *"Saved view: by-prio")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(
            pilot, lambda: app.feed.view.sort == "priority" and app.feed.view.order == "asc"
        )
        # Counts are not asked again within the minute, however often the table refreshes.
        count_reads = sim.stats()["requests"].get("alert_reads", 0) - requests
        assert count_reads < 10


async def test_the_profile_is_always_on_screen(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await make_console(
        sim.origin, profile="prod", profile_color="red", read_only=True, query="status: open"
    )
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        header = screen_text(app).splitlines()[0]
        assert " PROD " in header and "READ-ONLY" in header


async def test_the_wall_rotates_through_its_views_naming_each(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await make_console(
        sim.origin,
        wall=True,
        views=VIEWS,
        wall_views=("open", "urgent"),
        view_name="open",
        query="status: open",
        rotate_s=3600,
    )
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        wall = app.main
        assert isinstance(wall, WallScreen)
        assert "O P E N" in screen_text(app)
        wall.rotate()
        await until(pilot, lambda: "U R G E N T" in screen_text(app))
        await until(pilot, lambda: app.feed.view.query == "status: open AND priority: P1")
        await until(pilot, lambda: wall.counts is not None and wall.counts.acked >= 0)
        wall.rotate()
        await until(pilot, lambda: app.feed.view.query == "status: open")


async def test_open_in_browser_or_copy_when_there_is_none(
    make_console: ConsoleFactory, sim: BackgroundSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # BROWSER is the standard way to name the browser; 'false' stands for one that cannot open.
    monkeypatch.setenv("BROWSER", "false")
    app = await make_console(
        sim.origin, query="status: open", site_url="https://acme.atlassian.net"
    )
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        alert = app.main.table.selected
        assert alert is not None
        await pilot.press("b")
        await until(pilot, lambda: bool(copied))
        assert copied == [f"https://acme.atlassian.net/jira/ops/alerts/{alert.id}"]
        assert any("No browser here; copied the address" in t for t in toasts(app))


async def test_no_profile_site_says_so(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await make_console(sim.origin, query="status: open")
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("b")
        await until(pilot, lambda: any("names no site_url" in t for t in toasts(app)))


async def test_the_token_never_shows_in_a_file_or_on_a_screen(
    sim: BackgroundSimulator, api: httpx.Client, tmp_path: Path, private_dirs: Path
) -> None:
    """Success and failure paths (an action, help, detail, a rejected token), then every file
    the console wrote and every screen it drew is searched for the token and its Basic form."""
    email, token = ACCOUNT
    path = tmp_path / "config.toml"
    script = f"print({token!r})"
    path.write_text(
        f"[profiles.sim]\norigin = {sim.origin!r}\ncloud_id = 'demo'\nemail = {email!r}\n"
        f"token_command = [{sys.executable!r}, '-c', {script!r}]\n"
    )
    path.chmod(0o600)
    config = load(path)
    resolved = resolve(config, "sim", {"refresh": 1.0})
    credentials = credentials_for("sim", resolved.profile, config)
    log_path = _debug_log()  # the debug log, as --debug writes it
    chosen = create(api, message="leak test")["id"]
    screens: list[str] = []
    try:
        async with JsmClient(origin=sim.origin, cloud_id="demo", credentials=credentials) as client:
            settings = settings_for(
                resolved,
                query="status: open",
                view=None,
                wall=False,
                demo=False,
                site="sim",
                site_url=None,
                user=credentials.who,
            )
            tracker = ActionTracker(client, journal=Journal())
            app = AlertConsole(client, tracker, settings)
            async with app.run_test(size=WIDE, notifications=True) as pilot:
                await loaded(pilot)
                await select(pilot, chosen)
                await pilot.press("a")
                await until(pilot, lambda: get(api, chosen)["acknowledged"])
                screens.append(app.export_screenshot())
                await pilot.press("question_mark")
                screens.append(app.export_screenshot())
                await pilot.press("escape", "enter")
                screens.append(app.export_screenshot())
                await pilot.press("escape")
                sim.admin("revoke", {"revoked": True})
                await until(pilot, lambda: "401" in screen_text(app), timeout=15)
                screens.append(app.export_screenshot())
                await pilot.press("c")  # a write refused by the service
                await pilot.pause(1.0)
                screens.append(app.export_screenshot())
            await tracker.aclose()
            tracker.journal.close()  # type: ignore[union-attr]
    finally:
        sim.admin("revoke", {"revoked": False})
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", None) == str(log_path):
                root.removeHandler(handler)
                handler.close()
    basic = base64.b64encode(f"{email}:{token}".encode()).decode()
    written = [p for p in private_dirs.rglob("*") if p.is_file()]
    assert log_path in written and any("journal" in p.name for p in written)
    for needle in (token, basic):
        for file in written:
            assert needle not in file.read_text(errors="replace"), file
        for shot in screens:
            assert needle not in shot
    assert log_path.stat().st_mode & 0o077 == 0


def test_the_demo_site_has_a_page_for_each_alert(
    sim: BackgroundSimulator, api: httpx.Client
) -> None:
    """What 'open in browser' lands on in --demo: the alert, its text escaped, no script."""
    alert = create(api, message="<script>alert(1)</script> disk full")
    page = httpx.get(f"{sim.origin}/jira/ops/alerts/{alert['id']}", timeout=10)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; disk full" in page.text
    assert "<script>" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert httpx.get(f"{sim.origin}/jira/ops/alerts/nope", timeout=10).status_code == 404


async def test_a_view_the_rotation_shows_first_rings_for_nothing_already_in_it(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    create(api, message="there before its view shows", priority="P1")
    calm = SavedView(query="status: open AND NOT priority: P1")
    urgent = SavedView(query="status: open AND priority: P1")
    app = await make_console(
        sim.origin,
        wall=True,
        views=(("calm", calm), ("urgent", urgent)),
        wall_views=("calm", "urgent"),
        view_name="calm",
        query=calm.query,
        rotate_s=3600,
    )
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        wall = app.main
        assert isinstance(wall, WallScreen)
        wall.rotate()
        await until(
            pilot,
            lambda: app.feed.last is not None and app.feed.last.view.query == urgent.query,
        )
        await pilot.pause()
        assert any(unacknowledged(a) for a in app.feed.last.alerts.values())
        assert bells == [] and wall.sent == []  # no bell, no desktop notification
