"""Who is on call, and which monitors went silent (issue 19): the console's panels and the
wall, against the simulator's schedules and heartbeats."""

from __future__ import annotations

from typing import TypeVar

import httpx
import pytest
from textual.pilot import Pilot

from console.api import BasicCredentials, JsmClient
from console.api.oncall import HeartbeatApi
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from console.tui.panels import HeartbeatsPanel, OnCallPanel
from console.tui.wall_screen import WallScreen
from tests.conftest import ACCOUNT
from tests.helpers import get
from tests.tui.conftest import WIDE, ConsoleFactory, loaded, shown, until

P = TypeVar("P", OnCallPanel, HeartbeatsPanel)


def panel_text(app: AlertConsole) -> str:
    screen = app.screen
    assert isinstance(screen, OnCallPanel | HeartbeatsPanel)
    rows = [
        " | ".join(str(getattr(c, "plain", c)) for c in screen.table.get_row_at(i))
        for i in range(screen.table.row_count)
    ]
    return shown(screen.state) + "\n" + "\n".join(rows)


async def opened(pilot: Pilot[None], key: str, kind: type[P]) -> P:
    """The panel that ``key`` opens, from the alert view."""
    await pilot.press(key)
    panel = pilot.app.screen
    assert isinstance(panel, kind)
    return panel


def payments(sim: BackgroundSimulator) -> str:
    teams = httpx.get(f"{sim.base_url}/v1/teams", auth=ACCOUNT, timeout=10).json()
    return next(t["teamId"] for t in teams["platformTeams"] if t["teamName"] == "Payments")


def team_count(sim: BackgroundSimulator) -> int:
    teams = httpx.get(f"{sim.base_url}/v1/teams", auth=ACCOUNT, timeout=10).json()
    return len(teams["platformTeams"])


def heartbeats_named(sim: BackgroundSimulator, team: str, name: str) -> list[dict[str, object]]:
    answer = httpx.get(
        f"{sim.base_url}/v1/teams/{team}/heartbeats",
        params={"name": name},
        auth=ACCOUNT,
        timeout=10,
    )
    values: list[dict[str, object]] = answer.json()["values"]
    return values


async def new_heartbeat(sim: BackgroundSimulator, team: str, name: str) -> None:
    """A heartbeat of one minute, pinged once: no job of the demo keeps it alive."""
    async with JsmClient(
        origin=sim.origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT)
    ) as client:
        beats = HeartbeatApi(client)
        await beats.create(
            team,
            {
                "name": name,
                "interval": 1,
                "intervalUnit": "minutes",
                "enabled": True,
                "alertMessage": f"{name} stopped",
                "alertPriority": "P1",
            },
        )
        await beats.ping(team, name)


async def ping(sim: BackgroundSimulator, team: str, name: str) -> None:
    async with JsmClient(
        origin=sim.origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT)
    ) as client:
        await HeartbeatApi(client).ping(team, name)


async def test_the_on_call_panel_names_who_is_on_now_and_next_across_a_handover(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    sim.admin("oncall", {"handover_in_s": 4})
    app = await make_console(sim.origin, query="status: open", page_size=40)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        panel = await opened(pilot, "W", OnCallPanel)
        first = sim.admin("oncall")["first_schedule"]
        await until(pilot, lambda: first in panel.feed.on_call, timeout=15)
        before = panel.feed.on_call[first]
        assert before.now and before.next and before.handover is not None
        # Names, not ids, once the directory has them.
        await until(
            pilot,
            lambda: (
                app.directory is not None
                and all(app.directory.name("user", p) for p in before.now + before.next)
            ),
            timeout=15,
        )
        await until(pilot, lambda: app.directory.name("user", before.now[0]) in panel_text(app))  # type: ignore[union-attr]
        # The handover: the panel reads again just after it, by itself.
        await until(pilot, lambda: panel.feed.on_call[first].now[0] == before.next[0], timeout=20)


async def test_w_assigns_the_alert_to_the_person_on_call(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    app = await make_console(sim.origin, query="status: open", page_size=40)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        alert = app.main.table.selected
        assert alert is not None
        teams = [r.id for r in alert.responders if r.type == "team"]
        panel = await opened(pilot, "W", OnCallPanel)
        await until(pilot, lambda: panel.table.row_count > 0, timeout=15)
        if teams:  # the panel covers the alert's teams (and the page's)
            assert set(teams) <= set(panel.feed.teams)
        who = panel._first_on_call()
        assert who is not None
        await pilot.press("w")
        await until(pilot, lambda: app.directory is not None and app.directory.name("user", who))
        name = app.directory.name("user", who)  # type: ignore[union-attr]
        await until(pilot, lambda: get(api, alert.id).get("owner") == name, timeout=15)


async def test_a_silent_heartbeat_is_loud_on_the_wall_rings_once_and_blocks_the_all_clear(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    team = payments(sim)
    await new_heartbeat(sim, team, "test-cron")
    app = await make_console(
        sim.origin,
        wall=True,
        read_only=True,
        query="status: open AND tag: nothing-carries-this",
        refresh_s=1,
    )
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=WIDE) as pilot:
        wall = app.main
        assert isinstance(wall, WallScreen) and wall.heartbeat_feed is not None
        await until(pilot, lambda: wall.heartbeat_feed.freshness.confirmed_at, timeout=15)  # type: ignore[union-attr]
        await until(pilot, lambda: "shown" in wall.all_clear.classes)
        # Off (blackbox-exporter) and Pending (dbt-nightly) are not silent.
        assert str(wall.digits["silent"].value) == "0" and not bells
        sim.admin("clock", {"advance_ms": 150_000})  # two and a half minutes without a ping
        await until(pilot, lambda: "test-cron" in shown(wall.silent_line), timeout=15)
        assert "SILENT" in shown(wall.silent_line)
        assert str(wall.digits["silent"].value) == "1"
        assert "shown" not in wall.all_clear.classes  # no all-clear with a silent monitor
        await until(pilot, lambda: bells == [1])
        assert any("test-cron" in sent for sent in wall.sent)
        count = wall.heartbeat_feed.requests
        await until(pilot, lambda: wall.heartbeat_feed.requests >= count + 2)  # type: ignore[union-attr]
        assert bells == [1]  # once per silence, not at every refresh
        await ping(sim, team, "test-cron")
        await until(pilot, lambda: "shown" in wall.all_clear.classes, timeout=15)
        assert "test-cron" not in shown(wall.silent_line)


@pytest.mark.parametrize(
    ("refusal", "said"), [({"plan": False}, "402"), ({"permission": False}, "403")]
)
async def test_a_site_without_heartbeats_says_so_once_and_stops_asking(
    make_console: ConsoleFactory, sim: BackgroundSimulator, refusal: dict[str, bool], said: str
) -> None:
    sim.admin("heartbeats", refusal)
    app = await make_console(
        sim.origin, wall=True, read_only=True, query="status: open", refresh_s=1
    )
    async with app.run_test(size=WIDE) as pilot:
        wall = app.main
        assert isinstance(wall, WallScreen) and wall.heartbeat_feed is not None
        await until(pilot, lambda: wall.heartbeat_feed.unavailable is not None, timeout=15)  # type: ignore[union-attr]
        assert said in shown(wall.silent_line)
        await until(pilot, lambda: wall.feed.freshness.confirmed_at is not None)

        async def two_refreshes() -> None:
            for _ in range(2):
                refreshed = wall.feed.freshness.confirmed_at
                await until(
                    pilot,
                    lambda before=refreshed: wall.feed.freshness.confirmed_at != before,
                    timeout=10,
                )

        await two_refreshes()  # the reads of that first round (one a team) have all landed
        reads = sim.stats()["requests"].get("heartbeat_reads", 0)
        await two_refreshes()
        # The alerts go on, fresh; the heartbeats are not asked again.
        assert not wall.stale
        assert sim.stats()["requests"].get("heartbeat_reads", 0) == reads


async def test_the_heartbeats_panel_pings_and_switches_off_through_the_tracker(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    team = payments(sim)
    await new_heartbeat(sim, team, "panel-cron")
    app = await make_console(sim.origin, query="status: open")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        panel = await opened(pilot, "H", HeartbeatsPanel)
        await until(pilot, lambda: "panel-cron" in panel_text(app), timeout=15)
        keys = [str(k.value) for k in panel.table.rows]
        panel.table.move_cursor(row=keys.index(f"{team}/panel-cron"))
        await pilot.press("d")  # switch off: asked first, naming it
        await until(
            pilot, lambda: "Switch off panel-cron" in str(getattr(app.screen, "_title", ""))
        )
        await pilot.press("y")
        await until(
            pilot,
            lambda: any(
                a.op == "disable_heartbeat" and a.state.value == "succeeded"
                for a in app.tracker.actions.values()
            ),
            timeout=15,
        )
        beats = heartbeats_named(sim, team, "panel-cron")
        assert beats[0]["enabled"] is False and beats[0]["status"] == "Off"
        # Journaled like any action.
        entries = [e for e in app.tracker.journal.entries() if e.op == "disable_heartbeat"]  # type: ignore[union-attr]
        assert entries and entries[-1].state.value == "succeeded"


async def test_a_refresh_keeps_the_on_call_cursor_where_w_would_act(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    """w assigns to whoever is on call on the selected schedule: a refresh of the panel must
    not move the selection (it went back to the first row, and w to its person)."""
    app = await make_console(sim.origin, query="status: open", page_size=40)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        panel = await opened(pilot, "W", OnCallPanel)
        await until(pilot, lambda: panel.table.row_count >= 2, timeout=15)
        panel.table.move_cursor(row=1)
        chosen = panel.selected_key()
        asked = panel.feed.requests
        panel.cycle.refresh_now()
        await until(pilot, lambda: panel.feed.requests > asked and not panel.feed.busy)
        await pilot.pause()
        assert panel.selected_key() == chosen and panel.table.cursor_row == 1


async def test_heartbeats_are_read_once_a_minute_not_at_every_refresh_of_the_alerts(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    """Each read of the heartbeats is one request per team (12 in the demo): at the alerts'
    pace that was most of an idle console's CPU. They are read at least a minute apart (here
    30 s, against the alerts' 1 s), counted by the simulator."""
    teams = team_count(sim)

    def counted(name: str) -> int:
        return int(sim.stats()["requests"].get(name, 0))

    app = await make_console(sim.origin, query="status: open", refresh_s=1, heartbeats_s=30)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: counted("heartbeat_reads") >= teams, timeout=15)  # the first
        beats, lists = counted("heartbeat_reads"), counted("alert_lists")
        await until(pilot, lambda: counted("alert_lists") >= lists + 3, timeout=15)
        # Three refreshes of the alerts, and not one more read of the heartbeats.
        assert counted("heartbeat_reads") == beats
    # At the console's own settings: once a minute, or at the alerts' pace if slower.
    for refresh_s, every in ((15, 60), (120, 120)):
        console = await make_console(sim.origin, refresh_s=refresh_s, heartbeats_s=None)
        feed = console.main.sources.heartbeats
        assert feed is not None and feed.interval_s == every


async def test_the_walls_silent_count_is_not_vouched_for_while_the_heartbeat_reads_fail(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    """A "0 silent" is a claim: while the reads fail, the wall shows "–" and says why."""
    app = await make_console(
        sim.origin, wall=True, read_only=True, query="status: open", refresh_s=1
    )
    async with app.run_test(size=WIDE) as pilot:
        wall = app.main
        assert isinstance(wall, WallScreen) and wall.heartbeat_feed is not None
        await until(pilot, lambda: str(wall.digits["silent"].value) == "0", timeout=15)
        sim.set_faults(error_rate=1.0)
        await until(pilot, lambda: str(wall.digits["silent"].value) == "–", timeout=15)
        assert "heartbeats:" in shown(wall.silent_line)
        sim.set_faults(error_rate=0.0)
        await until(pilot, lambda: str(wall.digits["silent"].value) == "0", timeout=20)
        assert "heartbeats:" not in shown(wall.silent_line)
