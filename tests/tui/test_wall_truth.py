"""The wall says only what belongs to the query it names (issue 16, items 1, 4 and 5).

Against the simulator: the wall's title, counts and all-clear follow the rows actually
shown; ``--query`` replaces the rotation of saved views and says so; rows come most urgent
first, every open unacknowledged P1 on screen when they fit, and a line says what does not
fit; the trend is drawn from zero on a scale it prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from console.live.wall import Trend, bars
from console.settings.config import load, resolve
from console.settings.start import settings_for
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from console.tui.wall_screen import WallScreen
from tests.helpers import create
from tests.tui.conftest import SMALL, WIDE, ConsoleFactory, shown, until

CONFIG = """
[views.p1]
query = "status: open AND priority: P1"
[views.open]
query = "status: open"
[wall]
views = ["p1", "open"]
rotate_seconds = 5
"""


def service_count(api: httpx.Client, query: str) -> int:
    return int(api.get("/v1/alerts", params={"query": query, "size": 1}).json()["count"])


def screen(app: AlertConsole) -> WallScreen:
    assert isinstance(app.main, WallScreen)
    return app.main


async def counted(pilot: Any) -> WallScreen:
    wall = screen(pilot.app)
    await until(pilot, lambda: wall.counts is not None and not pilot.app.feed.busy)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return wall


async def test_a_query_flag_replaces_the_rotation_and_says_so(
    tmp_path: Path, make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    for n in range(7):
        create(api, message=f"urgent {n}", priority="P1", alias=f"p1-{n}")
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    resolved = resolve(load(path), None, {})
    query = "status: open AND tag: nothing-here"
    settings = settings_for(
        resolved, query=query, view=None, wall=True, demo=False, site="s", site_url=None, user="u"
    )
    assert settings.wall_views == () and settings.rotation_skipped
    app = await make_console(
        sim.origin,
        wall=True,
        read_only=True,
        query=settings.query,
        views=settings.views,
        wall_views=settings.wall_views,
        rotation_skipped=True,
        refresh_s=3600,
    )
    async with app.run_test(size=WIDE) as pilot:
        wall = await counted(pilot)
        title = shown(wall.view_name)
        assert "--query: status: open AND tag: nothing-here" in title
        assert "rotation is off" in title
        assert "P 1" not in title
        calm = shown(wall.all_clear)
        assert f"No open alerts match {query}" in calm
        assert "shown" in wall.all_clear.classes


async def test_a_rotated_view_is_named_only_with_its_own_rows(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    """The rotation asks for the next view; its name, counts and trend show with its rows,
    never over the previous view's (which is what a stalled refresh used to leave)."""
    path_views = {
        "p1": "status: open AND priority: P1",
        "quiet": "status: open AND tag: nothing-here",
    }
    from console.settings.config import SavedView

    views = tuple((n, SavedView(query=q)) for n, q in path_views.items())
    app = await make_console(
        sim.origin,
        wall=True,
        read_only=True,
        query=path_views["p1"],
        views=views,
        view_name="p1",
        wall_views=("p1", "quiet"),
        rotate_s=3600,  # rotated by hand below
        refresh_s=3600,
    )
    for n in range(3):
        create(api, message=f"urgent {n}", priority="P1", alias=f"p1-{n}")
    async with app.run_test(size=WIDE) as pilot:
        wall = await counted(pilot)
        p1 = service_count(api, "status: open AND acknowledged: false AND priority: P1")
        assert "P 1" in shown(wall.view_name)
        assert wall.counts is not None and wall.counts.unacked["P1"] == p1
        sim.set_faults(latency_ms=3000)  # the next view's rows are slow to come
        try:
            wall.rotate()
            await pilot.pause(0.5)
            # Still the p1 rows on screen: still named p1, with p1's counts.
            assert "P 1" in shown(wall.view_name)
            assert wall.counts is not None and wall.counts.unacked["P1"] == p1
            assert "shown" not in wall.all_clear.classes
        finally:
            sim.set_faults(latency_ms=0)
        await until(pilot, lambda: "Q U I E T" in shown(wall.view_name), timeout=15)
        await counted(pilot)
        assert wall.counts is not None and wall.counts.open_total == 0
        assert "No open alerts in quiet" in shown(wall.all_clear)


async def test_every_open_unacknowledged_p1_is_on_screen(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    """Five P1s among 60 newer P3s: the newest-first page of 50 showed one of them."""
    sim.reset(alerts=0)
    p1s = [create(api, message=f"urgent {n}", priority="P1", alias=f"p1-{n}") for n in range(5)]
    for n in range(60):
        create(api, message=f"noise {n}", priority="P3", alias=f"p3-{n}")
    acked = create(api, message="seen to", priority="P1", alias="p1-acked")
    api.post(f"/v1/alerts/{acked['id']}/acknowledge", json={})
    app = await make_console(
        sim.origin, wall=True, read_only=True, query="status: open", page_size=50, refresh_s=3600
    )
    async with app.run_test(size=WIDE) as pilot:
        wall = await counted(pilot)
        await until(pilot, lambda: wall.counts is not None and wall.counts.acked == 1)
        order = wall.table.order
        fits = wall.table.size.height - 1
        on_screen = order[:fits]
        assert {a["id"] for a in p1s} <= set(on_screen)  # all five, at the top
        assert [wall.table.alerts[i].priority for i in order[:5]] == ["P1"] * 5
        # Newest first within a priority.
        assert [wall.table.alerts[i].message for i in order[:5]] == [
            f"urgent {n}" for n in reversed(range(5))
        ]
        # The acknowledged P1 gives way to the 50 unacknowledged (and is counted below).
        assert acked["id"] not in order
        # What does not fit is said: 60 P3 and the acked one cannot all be on 48 lines.
        more = shown(wall.more)
        hidden_p3 = 60 - sum(1 for i in on_screen if wall.table.alerts[i].priority == "P3")
        assert f"+{hidden_p3} more P3" in more and "+1 acked" in more and "below" in more


async def test_the_wall_at_80x24_keeps_the_p1s_and_says_what_is_below(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    sim.reset(alerts=0)
    for n in range(3):
        create(api, message=f"urgent {n}", priority="P1", alias=f"p1-{n}")
    for n in range(20):
        create(api, message=f"noise {n}", priority="P4", alias=f"p4-{n}")
    app = await make_console(
        sim.origin, wall=True, read_only=True, query="status: open", page_size=50, refresh_s=3600
    )
    async with app.run_test(size=SMALL) as pilot:
        wall = await counted(pilot)
        fits = wall.table.size.height - 1
        assert 3 <= fits < 23
        assert [wall.table.alerts[i].priority for i in wall.table.order[:3]] == ["P1"] * 3
        assert f"+{23 - fits} more P4 below" in shown(wall.more)


def test_the_trend_is_drawn_from_zero_with_its_scale() -> None:
    """A fall from 25 to 24 is one twenty-fifth of the height, not full to empty."""
    trend = Trend()
    for step, value in enumerate([25, 25, 24]):
        trend.add(step * 120.0, {"P1": value})
    series = trend.series("P1")
    assert bars(series, 3, top=max(series)) == "███"  # 24 of 25 is still 7.7 eighths high
    assert bars([25, 12, 0], 3, top=25) == "█▄ "  # half is half, none is none
    assert bars([1, 2], 2, top=100) == "▁▁"  # small but not zero: still seen
    assert bars(list(range(360)), 30, top=359)[-1] == "█"  # the newest point is last
