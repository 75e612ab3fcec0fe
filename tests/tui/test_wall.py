"""The wall: honest about freshness, exact counts, attention once, nothing written, ever."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from rich.style import Style

from console.api import RetryPolicy
from console.api.models import PRIORITIES
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from console.tui.keys import KEYMAP
from console.tui.wall_screen import WallScreen
from tests.helpers import create
from tests.tui.conftest import WIDE, ConsoleFactory, shown, until

ONE_TRY = RetryPolicy(attempts=1, base_s=0.01, cap_s=0.05, budget_s=2.0, attempt_s=1.0)


async def wall(make_console: ConsoleFactory, sim: BackgroundSimulator, **settings: Any) -> Any:
    base: dict[str, Any] = {
        "wall": True,
        "read_only": True,
        "query": "status: open",
        "page_size": 50,
        "refresh_s": 3600,
        "retry": ONE_TRY,
    }
    return await make_console(sim.origin, **{**base, **settings})


def screen(app: AlertConsole) -> WallScreen:
    assert isinstance(app.main, WallScreen)
    return app.main


async def counted(pilot: Any) -> None:
    app = pilot.app
    await until(pilot, lambda: screen(app).counts is not None and not app.feed.busy)
    await app.workers.wait_for_complete()
    await pilot.pause()


def service_count(api: httpx.Client, query: str) -> int:
    return int(api.get("/v1/alerts", params={"query": query, "size": 1}).json()["count"])


async def test_the_counts_are_the_services_own(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    app = await wall(make_console, sim)
    sim.admin("stats", method="DELETE")
    async with app.run_test(size=WIDE) as pilot:
        await counted(pilot)
        stats = sim.stats()["requests"]
        counts = screen(app).counts
        assert counts is not None
        for p in PRIORITIES:
            query = f"status: open AND acknowledged: false AND priority: {p}"
            assert counts.unacked[p] == service_count(api, query), p
        assert counts.acked == service_count(api, "status: open AND acknowledged: true")
        assert counts.open_total == service_count(api, "status: open")
        assert shown(screen(app).freshness).startswith("as of")
    # One page and one count per priority: 6 requests for a refresh (and no write at all).
    assert stats.get("writes", 0) == 0
    assert stats["reads"] == 6


async def test_no_key_sends_a_write_and_no_dialog_opens(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await wall(make_console, sim)
    async with app.run_test(size=WIDE) as pilot:
        await counted(pilot)
        sim.admin("stats", method="DELETE")
        for key in KEYMAP:
            if key.id != "quit":
                await pilot.press(key.key)
        await pilot.press("ctrl+p", "question_mark", "enter", "y")
        await pilot.pause()
        assert app.screen is app.main  # nothing opened
        assert app.tracker.read_only and app.client.read_only
        assert not app.tracker.actions
    assert sim.stats()["requests"].get("writes", 0) == 0


async def test_a_stopped_service_gives_the_banner_then_it_recovers_by_itself(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await wall(make_console, sim, refresh_s=1)
    async with app.run_test(size=WIDE) as pilot:
        await counted(pilot)
        rows = app.main.table.row_count
        sim.stop()
        try:
            await until(pilot, lambda: "shown" in screen(app).banner.classes, timeout=10)
            banner = shown(screen(app).banner)
            assert "STALE since" in banner and "cannot connect" in banner
            assert "showing data as of" in banner
            assert screen(app).has_class("stale")  # rows and counts dim
            assert app.main.table.row_count == rows  # and stay
            assert "–" not in shown_counts(app)
        finally:
            sim.start()
        await until(pilot, lambda: "shown" not in screen(app).banner.classes, timeout=15)
        assert not screen(app).has_class("stale")


def shown_counts(app: AlertConsole) -> str:
    """The alerts' counts as shown (the heartbeats' own counter apart)."""
    return " ".join(str(d.value) for k, d in screen(app).digits.items() if k != "silent")


FAULTS: list[tuple[str, Callable[[BackgroundSimulator], None], str]] = [
    ("latency", lambda s: s.set_faults(latency_ms=1500), "no complete answer"),
    ("500s", lambda s: s.set_faults(error_rate=1.0), "500"),
    ("dropped", lambda s: s.set_faults(drop_rate=1.0), "connection"),
    ("429", lambda s: s.set_faults(throttle_rate=1.0), "429: rate limited by the alerts API"),
    ("proxy 502", lambda s: s.set_faults(proxy_502_rate=1.0), "not JSON"),
    ("token revoked", lambda s: s.admin("revoke", {"revoked": True}), "401: token rejected"),
]


@pytest.mark.parametrize(("fault", "cause", "said"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_each_fault_gives_its_banner_then_recovers(
    make_console: ConsoleFactory,
    sim: BackgroundSimulator,
    fault: str,
    cause: Callable[[BackgroundSimulator], None],
    said: str,
) -> None:
    app = await wall(make_console, sim, refresh_s=1)
    async with app.run_test(size=WIDE) as pilot:
        await counted(pilot)
        cause(sim)
        try:
            await until(pilot, lambda: said in shown(screen(app).banner), timeout=10)
            assert "shown" not in screen(app).all_clear.classes
        finally:
            sim.set_faults(latency_ms=0, error_rate=0, drop_rate=0, throttle_rate=0)
            sim.set_faults(proxy_502_rate=0)
            sim.admin("revoke", {"revoked": False})
        await until(pilot, lambda: "shown" not in screen(app).banner.classes, timeout=15)


async def test_a_new_p1_rings_once_and_not_while_muted(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    app = await wall(make_console, sim)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=WIDE) as pilot:
        await counted(pilot)
        assert screen(app).sent == [] and bells == []  # nothing for what was there at start
        create(api, message="Checkout is down", priority="P1", alias="wall-p1")
        create(api, message="A P3 nobody needs to run for", priority="P3", alias="wall-p3")
        app.main.refresh_now()
        await until(pilot, lambda: len(screen(app).sent) == 1)
        (sequence,) = screen(app).sent
        assert sequence.startswith("\x1b]9;P1 #") and "Checkout is down" in sequence
        assert bells == [1]
        new_id = next(i for i, a in app.main.table.alerts.items() if a.alias == "wall-p1")
        assert new_id in screen(app).attention.highlighted
        app.main.refresh_now()  # the same alert again: nothing
        await until(pilot, lambda: not app.feed.busy)
        await app.workers.wait_for_complete()
        assert len(screen(app).sent) == 1 and bells == [1]
        await pilot.press("m")
        assert "MUTED" in shown(screen(app).freshness)
        create(api, message="Payments are down too", priority="P1", alias="wall-p1-muted")
        app.main.refresh_now()
        await until(
            pilot, lambda: any(a.alias == "wall-p1-muted" for a in app.main.table.alerts.values())
        )
        await app.workers.wait_for_complete()
        assert len(screen(app).sent) == 1 and bells == [1]
        # Acknowledged elsewhere: the highlight ends.
        api.post(f"/v1/alerts/{new_id}/acknowledge", json={})
        await until(pilot, lambda: _acked(api, new_id))
        app.main.refresh_now()
        await until(pilot, lambda: new_id not in screen(app).attention.highlighted)


def _acked(api: httpx.Client, alert_id: str) -> bool:
    return bool(api.get(f"/v1/alerts/{alert_id}").json().get("acknowledged"))


async def test_the_last_good_page_shows_at_start_while_the_service_is_down(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    first = await wall(make_console, sim, keep_pages=True)
    async with first.run_test(size=WIDE) as pilot:
        await counted(pilot)
        seen = list(first.main.table.order)
        counts = screen(first).counts
    sim.stop()
    try:
        second = await wall(make_console, sim, keep_pages=True)
        async with second.run_test(size=WIDE) as pilot:
            await until(pilot, lambda: second.main.table.row_count == len(seen))
            assert second.main.table.order == seen
            # The counts were kept beside the page, and show with it.
            kept = screen(second).counts
            assert counts is not None and kept is not None
            assert (kept.unacked, kept.acked) == (counts.unacked, counts.acked)
            assert screen(second).digits["P1"].value == str(counts.unacked["P1"])
            await until(pilot, lambda: "cannot connect" in shown(screen(second).banner))
            assert "showing data as of" in shown(screen(second).banner)
            assert screen(second).has_class("stale")
    finally:
        sim.start()


async def test_the_consoles_own_view_starts_from_the_cache_too(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    first = await make_console(sim.origin, keep_pages=True)
    async with first.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: first.feed.last is not None)
        seen = list(first.main.table.order)
    sim.stop()
    try:
        second = await make_console(sim.origin, keep_pages=True, retry=ONE_TRY)
        async with second.run_test(size=WIDE) as pilot:
            await until(pilot, lambda: second.main.table.row_count == len(seen))
            assert "cached from" in shown(second.main.status_bar)
    finally:
        sim.start()


async def test_the_all_clear_never_shows_while_stale(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await wall(
        make_console, sim, query="status: open AND tag: nothing-carries-this", refresh_s=1
    )
    async with app.run_test(size=WIDE) as pilot:
        await counted(pilot)
        assert "shown" in screen(app).all_clear.classes
        said = shown(screen(app).all_clear)
        # The all-clear names the query it is about.
        assert "No open alerts match status: open AND tag: nothing-carries-this · as of" in said
        sim.set_faults(error_rate=1.0)
        try:
            await until(pilot, lambda: "shown" in screen(app).banner.classes, timeout=10)
            assert "shown" not in screen(app).all_clear.classes
        finally:
            sim.set_faults(error_rate=0.0)


async def test_an_urgent_rows_age_keeps_its_emphasis_when_it_turns(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    create(api, message="Urgent and getting older", priority="P1", alias="wall-aging")
    app = await wall(make_console, sim)
    async with app.run_test(size=WIDE) as pilot:
        await counted(pilot)
        table = screen(app).table
        alert_id = next(i for i, a in table.alerts.items() if a.alias == "wall-aging")
        age_at = [c.key for c in table._columns].index("age")
        created = table.alerts[alert_id].created_at
        assert created is not None
        later = created + timedelta(hours=3, minutes=1)
        table.clock = lambda: later
        table.tick()  # the minute turned: the age cell is drawn again
        cell = table._rendered[alert_id][age_at]
        assert cell.plain.startswith("3h")
        assert any(isinstance(s.style, Style) and s.style.bold for s in cell.spans)
