"""The defects a new user met, one test each, and the refresh that never waits an interval."""

from __future__ import annotations

import contextlib
import gc
import json
import re
import time
import warnings
from typing import Any

import httpx
from textual.widgets import Footer, Select

from console.actions.rows import UNKNOWN_BADGE, RowState
from console.api import errors
from console.live.feed import AlertFeed, View
from console.simulator.config import SimulatorConfig
from console.simulator.server import BackgroundSimulator, describe
from console.tui.app import AlertConsole
from console.tui.dialogs import FormDialog, InfoScreen
from console.tui.palette import Palette
from console.tui.table import STATUS_WIDTH
from tests.helpers import create, get
from tests.hostile import HostileServer, json_reply
from tests.tui.conftest import (
    SMALL,
    WIDE,
    ConsoleFactory,
    column,
    fill,
    lists_asked,
    loaded,
    screen_text,
    select,
    shown,
    terminal_stream,
    until,
)


async def test_shrinking_the_terminal_applies_the_small_layout_at_once(
    console: AlertConsole,
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        assert not app.main.has_class("compact")
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert app.main.has_class("compact")
        assert "tags" not in [c.key for c in app.main.table._columns]
        # The page bar and the footer are on screen, not pushed off it.
        for widget in (app.main.page_bar, app.main.query_one(Footer)):
            region = widget.region
            assert region.height >= 1 and region.bottom <= SMALL[1], widget
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert not app.main.has_class("compact")


async def test_home_end_j_k_and_g_move_in_the_table(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        table = app.main.table
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1


async def test_cut_text_ends_in_an_ellipsis_and_the_status_is_never_cut(
    console: AlertConsole, api: httpx.Client
) -> None:
    long = "Replication lag on pg-main is growing past every threshold we set " * 2
    target = create(api, message=long[:130])
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        app.main.table.book.states[target["id"]] = RowState(badge=UNKNOWN_BADGE)
        app.main.table.redraw_row(target["id"])
        await pilot.pause()
        stream = terminal_stream(app)
        assert "Replication lag on pg-main is" in stream and "…" in stream
        assert UNKNOWN_BADGE in stream  # the whole word, not "? unknow"
        assert app.main.table.columns["status"].width >= STATUS_WIDTH  # type: ignore[index]


async def test_a_problem_shows_under_its_own_field_and_goes_when_fixed(
    console: AlertConsole,
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("N")
        await fill(pilot, message="Disk full", responders="nobody-in-particular")
        form = app.screen
        assert isinstance(form, FormDialog)
        assert "shown" in form.query_one("#problem-responders").classes
        assert "shown" not in form.query_one("#problem-message").classes
        assert app.focused is form.query_one("#field-responders")  # and scrolled to
        form.query_one("#field-responders", expect_type=type(app.focused)).value = "team:ops"
        await pilot.pause()
        assert "shown" not in form.query_one("#problem-responders").classes  # gone at once
        priorities = form.query_one("#field-priority", Select)
        assert [str(o[1]) for o in priorities._options if o[1] != Select.BLANK] == [
            "P1",
            "P2",
            "P3",
            "P4",
            "P5",
        ]
        assert priorities.value == "P3"


async def test_snooze_takes_1h30m(console: AlertConsole, api: httpx.Client) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        target = app.main.table.selected_id or ""
        started = time.time()
        await pilot.press("s")
        await fill(pilot, until="1h30m")
        await until(pilot, lambda: get(api, target)["snoozed"])
        until_ms = json.loads(json.dumps(api.get(f"/v1/alerts/{target}").json()["snoozedUntil"]))
        assert until_ms.startswith(time.strftime("%Y-%m-%d", time.gmtime(started + 5400)))


async def test_help_says_q_quits_as_the_footer_does(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, InfoScreen))
        await pilot.pause()
        text = screen_text(app)
        assert re.search(r"\bq\s+Quit", text)
        assert "ctrl+q" not in text


async def test_read_only_offers_no_write_in_the_footer(
    sim: BackgroundSimulator, make_console: ConsoleFactory
) -> None:
    app = await make_console(sim.origin, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        footer = shown_footer(app)
        assert "Refresh" in footer and "Query" in footer
        assert "Ack" not in footer and "Close" not in footer and "Note" not in footer


def shown_footer(app: AlertConsole) -> str:
    stream = terminal_stream(app)
    return stream.rsplit("\n", 1)[-1]


async def test_a_query_past_the_limit_is_caught_before_it_is_sent(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        reads = lists_asked(sim)
        await pilot.press("slash")
        app.main.query_bar.input.value = "message: " + "x" * 2100
        await until(pilot, lambda: "at most 2,048" in shown(app.main.query_bar.problem))
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert app.feed.view.query == ""
        assert lists_asked(sim) == reads


async def test_a_refused_query_is_said_in_two_lines_and_the_results_stay(
    hostile: HostileServer, make_console: ConsoleFactory
) -> None:
    alert = {"id": "a", "tinyId": "1", "message": "m", "createdAt": "2026-11-27T10:00:00Z"}
    hostile.on("GET", "/v1/alerts", json_reply({"values": [alert], "count": 1}))
    app = await make_console(hostile.origin)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        hostile.on("GET", "/v1/alerts", json_reply({"message": "Invalid query " * 40}, 422))
        query = "message: " + " OR ".join(f"word{i}" for i in range(150))
        await pilot.press("slash")
        app.main.query_bar.input.value = query
        await pilot.press("enter")
        problem = app.main.query_bar.problem
        await until(pilot, lambda: "refused the query" in shown(problem))
        await pilot.pause()
        assert "Invalid query" in shown(problem)  # the service's own message
        assert problem.size.height <= 2
        assert "word149" not in shown(problem)  # never the whole query again
        assert app.feed.view.query == ""  # the last good view is back
        assert column(app, "tiny") == ["1"]  # with its results
        assert "⚠" not in shown(app.main.status_bar)  # a refused query is not an outage


async def test_marks_are_kept_across_pages_and_the_page_bar_counts_those_elsewhere(
    console: AlertConsole, api: httpx.Client
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        marked = app.main.table.order[:2]
        await pilot.press("space", "space", "right_square_bracket")
        await until(pilot, lambda: "21–40 of 40" in shown(app.main.page_bar))
        assert "2 marked (2 off this page)" in shown(app.main.page_bar)
        await pilot.press("space", "a")  # three alerts: two elsewhere, one here
        await until(pilot, lambda: all(get(api, i)["acknowledged"] for i in marked))
        assert not app.main.table.marks


async def test_the_live_dot_is_not_green_while_the_refresh_fails(
    sim: BackgroundSimulator, console: AlertConsole
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        palette = Palette.of(app.theme_variables)

        def dot_style() -> Any:
            text = app.main.status_bar.content
            start = str(text).index("●")
            return next(s.style for s in text.spans if s.start <= start < s.end)  # type: ignore[attr-defined]

        assert dot_style() == palette["live"]
        sim.set_faults(error_rate=1.0)
        try:
            await pilot.press("r")
            await until(pilot, lambda: "⚠" in shown(app.main.status_bar))
            assert dot_style() != palette["live"]  # amber at the first failed attempt
            await until(pilot, lambda: app.feed.freshness.failures > 0)
            await pilot.pause()
            assert dot_style() == palette["problem"]  # red once the whole refresh failed
        finally:
            sim.set_faults(error_rate=0.0)


async def test_copy_json_gives_the_alert_as_the_service_sent_it(
    console: AlertConsole, api: httpx.Client
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("Y")
        copied = json.loads(app.clipboard)
        sent = api.get(f"/v1/alerts/{copied['id']}").json()
        assert copied == sent  # the service's own field names and values
        assert "tinyId" in copied and "tiny_id" not in copied


async def test_the_detail_shows_acked_and_snoozed_together_and_no_stale_ack_time(
    console: AlertConsole, api: httpx.Client
) -> None:
    target = create(api, message="both at once")
    api.post(f"/v1/alerts/{target['id']}/acknowledge", json={})
    api.post(f"/v1/alerts/{target['id']}/snooze", json={"endTime": "2099-01-01T00:00:00Z"})
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await until(pilot, lambda: get(api, target["id"])["snoozed"])
        await pilot.press("r")
        await until(pilot, lambda: column(app, "status")[0] == "snoozed")
        await select(pilot, target["id"])
        flags = "acknowledged" in api.get(f"/v1/alerts/{target['id']}").json()
        if flags:  # the dialect of live tools: status open, plus flags
            await until(
                pilot, lambda: "acknowledged, snoozed until" in shown(app.main.detail._fields)
            )
            assert "Acked at" in shown(app.main.detail._fields)
        else:  # the spec's enum says "snoozed" and nothing of the acknowledgement
            await until(pilot, lambda: "snoozed until" in shown(app.main.detail._fields))
            assert "not acknowledged" not in shown(app.main.detail._fields)
        api.post(f"/v1/alerts/{target['id']}/unacknowledge", json={})
        await until(pilot, lambda: not get(api, target["id"])["acknowledged"])
        await pilot.press("r")
        said = "open, not acknowledged, snoozed until" if flags else "snoozed until"
        await until(pilot, lambda: said in shown(app.main.detail._fields))
        await until(pilot, lambda: "Acked at" not in shown(app.main.detail._fields))


async def test_the_specs_status_values_are_read_without_the_flags(
    hostile: HostileServer, make_console: ConsoleFactory
) -> None:
    def alert(tiny: str, status: str) -> dict[str, Any]:
        return {"id": tiny, "tinyId": tiny, "message": tiny, "status": status}

    alerts = [
        alert("1", "acked"),
        alert("2", "snoozed"),
        alert("3", "resolved"),
        alert("4", "open"),
    ]
    hostile.on("GET", "/v1/alerts", json_reply({"values": alerts, "count": 4}))
    app = await make_console(hostile.origin)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        assert column(app, "status") == ["acked", "snoozed", "closed", "open"]


# ---------------------------------------------------------------------- refresh


async def test_a_view_change_during_a_slow_refresh_is_fetched_at_once(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        sim.set_faults(latency_ms=1500)
        try:
            await pilot.press("r")
            await until(pilot, lambda: app.feed.busy)
            started = time.monotonic()
            await pilot.press("right_square_bracket")  # cancels the refresh in flight
            await until(pilot, lambda: "21–40 of 40" in shown(app.main.page_bar), timeout=5)
            assert time.monotonic() - started < 3.5  # one slow answer, not an interval (60 s)
        finally:
            sim.set_faults(latency_ms=0)


async def test_the_retry_the_header_shows_is_the_retry_that_happens(
    sim: BackgroundSimulator, client: Any
) -> None:
    feed = AlertFeed(client, View(), interval_s=10)
    sim.set_faults(error_rate=1.0)
    try:
        for _ in range(3):
            with contextlib.suppress(errors.ApiError):
                await feed.refresh()
            announced = feed.freshness.retry_at
            assert announced is not None
            assert abs(feed.next_delay() - (announced - time.monotonic())) < 0.05
    finally:
        sim.set_faults(error_rate=0.0)


async def test_the_first_page_can_be_asked_for_before_the_screen_exists(
    sim: BackgroundSimulator, make_console: ConsoleFactory
) -> None:
    app = await make_console(sim.origin)
    sim.admin("stats", method="DELETE")
    app.feed.start_early()
    async with app.run_test(size=SMALL) as pilot:  # small: no detail pane, no history read
        await loaded(pilot)
        assert app.main.table.row_count == 20
    assert lists_asked(sim) == 1  # the early answer served the first paint


# ---------------------------------------------------------------------- the simulator


def test_an_empty_alias_finds_nothing(api: httpx.Client) -> None:
    assert api.get("/v1/alerts/alias", params={"alias": ""}).status_code == 404
    assert api.get("/v1/alerts/alias").status_code == 404


def test_the_simulators_banner_prints_a_command_that_works() -> None:
    from console.cli.main import ENV_EMAIL, ENV_TOKEN, _console_parser

    config = SimulatorConfig(port=0)
    line = next(x for x in describe(config, 8080).splitlines() if "console:" in x)
    words = line.split("console:", 1)[1].split()
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    assert env == {ENV_EMAIL: config.account.email, ENV_TOKEN: config.account.token}
    argv = words[len(env) :]
    assert argv[0] == "alert-console"
    args = _console_parser().parse_args(argv[1:])
    assert args.url == "http://127.0.0.1:8080" and args.cloud_id == config.cloud_id


async def test_a_changed_row_is_redrawn_on_screen_and_only_it_is_drawn_again(
    console: AlertConsole, api: httpx.Client
) -> None:
    """Cells change in place: what the terminal shows is the new text (the table forgets
    only the changed row's rendering, not every row's)."""
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        table = app.main.table
        first, second = table.order[0], table.order[1]
        before = screen_text(app)
        api.patch(f"/v1/alerts/{second}/message", json={"message": "Renamed while you watched"})
        await until(pilot, lambda: get(api, second)["message"] == "Renamed while you watched")
        await pilot.press("r")
        await until(pilot, lambda: "Renamed while you watched" in screen_text(app))
        assert table.selected_id == first
        after = screen_text(app)
        changed = [
            i
            for i, (a, b) in enumerate(zip(before.split("\n"), after.split("\n"), strict=True))
            if a != b
        ]
        assert changed, "nothing was redrawn"
        assert "Renamed while you watched" not in before


async def test_a_refresh_due_at_once_still_comes(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    """A delay of zero (a refused first view is retried at once) must not stop the cycle:
    Textual's timer cannot take a zero delay, so the screen never asks it for one."""
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        reads = lists_asked(sim)
        app.feed.interval_s = 0.0
        app.main.refresh_now()
        await until(pilot, lambda: lists_asked(sim) > reads + 5)


async def test_work_cancelled_before_it_starts_leaves_nothing_unawaited(
    console: AlertConsole,
) -> None:
    """Three view changes in a row: each cancels the refresh the one before started, and
    a cancelled worker that never ran must not leave a coroutine to be collected unawaited
    (Python's RuntimeWarning, which CI reported)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        async with console.run_test(size=WIDE) as pilot:
            app = await loaded(pilot)
            for _ in range(3):
                app.main.cycle.restart()
            await until(pilot, lambda: not app.feed.busy)
            assert app.main.table.row_count > 0
        gc.collect()  # a coroutine never awaited says so when it is collected
    unawaited = [str(w.message) for w in seen if "never awaited" in str(w.message)]
    assert unawaited == []


async def test_the_page_cache_is_written_at_most_once_a_minute_and_when_the_console_closes(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    """A changed page is kept on disk for the next start at most every KEEP_EVERY_S (each
    write cost ~2.4 ms of a refresh); the newest is written when the console closes."""
    app = await make_console(sim.origin, query="status: open")
    cache, key = app.feed.cache, app.feed.cache_key()
    assert cache is not None
    renamed = "Renamed after the page was kept"

    def on_disk() -> list[str]:
        kept = cache.load(key)
        return [] if kept is None else [v["message"] for v in kept.values]

    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        assert on_disk(), "the first page is kept at once"
        newest = app.main.table.order[0]
        api.patch(f"/v1/alerts/{newest}/message", json={"message": renamed})
        await until(pilot, lambda: get(api, newest)["message"] == renamed)
        await pilot.press("r")
        await until(pilot, lambda: renamed in screen_text(app))
        assert renamed not in on_disk()  # held back: the last write was seconds ago
    assert renamed in on_disk()  # the console closed: the newest page is there
