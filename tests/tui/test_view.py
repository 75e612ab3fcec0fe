"""What the console shows: pages, queries, a live refresh that holds still, pause, help."""

from __future__ import annotations

import httpx
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import OptionList

from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from tests.helpers import create, get
from tests.tui.conftest import (
    SMALL,
    WIDE,
    column,
    lists_asked,
    loaded,
    row_texts,
    shown,
    toasts,
    until,
)


def palette_options(pilot: Pilot[None]) -> list[str]:
    """The commands the command palette lists now."""
    screen = pilot.app.screen
    if not isinstance(screen, CommandPalette):
        return []
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def page_bar(app: AlertConsole) -> str:
    return shown(app.main.page_bar)


def status_bar(app: AlertConsole) -> str:
    return shown(app.main.status_bar)


async def test_first_page_newest_first_with_the_cursor_on_top(
    console: AlertConsole, api: httpx.Client
) -> None:
    newest = api.get(
        "/v1/alerts", params={"size": 20, "sort": "createdAt", "order": "desc"}
    ).json()["values"]
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        assert app.main.table.row_count == 20
        assert column(app, "tiny") == [a["tinyId"] for a in newest]
        assert app.main.table.cursor_row == 0
        assert app.main.table.selected_id == newest[0]["id"]
        assert "1–20 of 40" in page_bar(app)
        assert "sort createdAt ↓" in page_bar(app)
        assert "updated" in status_bar(app)
        # The detail pane shows the selected alert's fields.
        await until(pilot, lambda: newest[0]["id"] in shown(app.main.detail._fields))


async def test_paging_forward_back_and_to_the_first_page(
    console: AlertConsole, api: httpx.Client
) -> None:
    everything = api.get("/v1/alerts", params={"size": 40, "sort": "createdAt"}).json()["values"]
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: "21–40 of 40" in page_bar(app))
        assert column(app, "tiny") == [a["tinyId"] for a in everything[20:]]
        await pilot.press("right_square_bracket")  # no page after the last
        await until(pilot, lambda: any("last page" in t for t in toasts(app)))
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: "1–20 of 40" in page_bar(app))
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: "21–40 of 40" in page_bar(app))
        await pilot.press("g")
        await until(pilot, lambda: "1–20 of 40" in page_bar(app))
        assert column(app, "tiny") == [a["tinyId"] for a in everything[:20]]


async def test_sort_field_and_order(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("O")
        await until(pilot, lambda: "sort createdAt ↑" in page_bar(app) and not app.feed.busy)
        await until(pilot, lambda: column(app, "tiny")[0] == "1")
        await pilot.press("o")  # createdAt -> lastOccurredAt
        await until(pilot, lambda: "sort lastOccurredAt ↑" in page_bar(app))
        await pilot.press("o")  # -> priority
        await pilot.press("O")
        await until(
            pilot,
            lambda: "sort priority ↓" in page_bar(app) and app.feed.last.view.sort == "priority",
        )
        await until(pilot, lambda: not app.feed.busy and app.feed.last.view.order == "desc")
        priorities = [p.split()[-1] for p in column(app, "priority")]
        assert priorities == sorted(priorities)


async def test_a_query_shows_what_it_matches(console: AlertConsole, api: httpx.Client) -> None:
    expected = api.get(
        "/v1/alerts", params={"query": "priority: P3 AND status: open", "size": 100}
    ).json()
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash")
        assert app.focused is app.main.query_bar.input
        app.main.query_bar.input.value = ""
        await pilot.press(*"priority: P3 AND status: open", "enter")
        await until(pilot, lambda: app.feed.last.view.query == "priority: P3 AND status: open")
        assert sorted(column(app, "tiny")) == sorted(a["tinyId"] for a in expected["values"][:20])
        assert f"of {expected['count']}" in page_bar(app)
        assert app.focused is app.main.table


async def test_a_malformed_query_is_flagged_at_once_and_the_results_stay(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        before = column(app, "tiny"), column(app, "message")  # not ages: a minute may turn
        reads = lists_asked(sim)
        await pilot.press("slash")
        app.main.query_bar.input.value = ""
        await pilot.press(*"status: open AND (priority: P1")
        await until(pilot, lambda: "Unclosed" in shown(app.main.query_bar.problem))
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.feed.view.query == ""  # not applied
        assert (column(app, "tiny"), column(app, "message")) == before
        assert lists_asked(sim) == reads  # nothing was sent
        await pilot.press("escape")  # back to the table, the bar shows the applied query again
        assert app.focused is app.main.table
        assert app.main.query_bar.input.value == ""


async def test_refresh_keeps_the_cursor_on_the_same_alert_when_rows_move(
    console: AlertConsole, api: httpx.Client
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        for _ in range(3):
            await pilot.press("down")
        chosen = app.main.table.selected_id
        assert app.main.table.cursor_row == 3
        created = [create(api, message=f"new {i}", priority="P1") for i in range(2)]
        await pilot.press("r")
        await until(pilot, lambda: created[-1]["id"] in app.main.table.order)
        assert app.main.table.selected_id == chosen
        assert app.main.table.cursor_row == 5  # it moved down two rows; the cursor went with it
        assert app.main.table.order[:2] == [created[1]["id"], created[0]["id"]]
        # The new rows are marked as new.
        assert column(app, "flags")[0].strip() == "+"
        assert "1–20 of 42" in page_bar(app)


async def test_refresh_updates_changed_rows_in_place_and_removes_gone_ones(
    console: AlertConsole, api: httpx.Client
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        first, second = app.main.table.order[0], app.main.table.order[1]
        from tests.helpers import write

        write(api, "POST", f"/v1/alerts/{first}/tags", {"tags": ["seen-by-test"]})
        write(api, "DELETE", f"/v1/alerts/{second}")
        await pilot.press("r")
        await until(pilot, lambda: second not in app.main.table.order)
        index = app.main.table.order.index(first)
        assert "seen-by-test" in column(app, "tags")[index]
        assert column(app, "flags")[index].strip() == "~"
        assert app.main.table.row_count == 20  # the next alert moved up into the page


async def test_pause_stops_refreshing_and_says_so(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    console.feed.interval_s = 0.2
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("p")
        assert "paused" in status_bar(app)
        await until(pilot, lambda: not app.feed.busy)
        reads = lists_asked(sim)
        await pilot.pause(0.8)  # four refresh intervals, watched: no read may happen
        assert lists_asked(sim) == reads
        await pilot.press("p")
        await until(pilot, lambda: lists_asked(sim) > reads + 1)
        assert "every 0.2 s" in status_bar(app)


async def test_refresh_waits_while_a_dialog_is_open(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    console.feed.interval_s = 0.2
    async with console.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("t")  # the add-tags dialog
        await until(pilot, lambda: isinstance(pilot.app.screen, ModalScreen))
        await until(pilot, lambda: not pilot.app.feed.busy)
        reads = lists_asked(sim)
        await pilot.pause(0.8)  # four refresh intervals, watched: no read may happen
        assert lists_asked(sim) == reads
        await pilot.press("escape")
        await until(pilot, lambda: lists_asked(sim) > reads)


async def test_an_empty_result_says_so_with_the_time(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash")
        app.main.query_bar.input.value = "message: no-such-words-anywhere"
        await pilot.press("enter")
        await until(pilot, lambda: "No alerts match · as of" in page_bar(app))
        assert app.main.table.row_count == 0


async def test_alert_text_is_shown_literally(console: AlertConsole, api: httpx.Client) -> None:
    hostile = "[bold red]disk[/] full \x1b[31mred\x1b[0m [link=http://x]y[/link] \u202etxt"
    alert = create(
        api,
        message=hostile,
        entity="[i]db[/i]",
        tags=["[x]"],
        description="line1\n\x1b[2Jline2 [/bold]",
    )
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        index = app.main.table.order.index(alert["id"])
        message = column(app, "message")[index]
        assert message == "[bold red]disk[/] full ␛[31mred␛[0m [link=http://x]y[/link] \\u202etxt"
        assert column(app, "entity")[index] == "[i]db[/i]"
        assert column(app, "tags")[index] == "[x]"
        app.main.table.move_cursor(row=index)
        await until(pilot, lambda: "␛[2Jline2 [/bold]" in shown(app.main.detail._fields))


async def test_help_lists_every_key(console: AlertConsole) -> None:
    from textual.widgets import Static

    from console.tui.dialogs import InfoScreen
    from console.tui.keys import KEYMAP

    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, InfoScreen)
        text = "\n".join(shown(s) for s in app.screen.query(Static))
        for key in KEYMAP:
            if not key.id.startswith("view_"):  # saved views show only when configured
                assert key.description in text
        await pilot.press("escape")
        assert not isinstance(app.screen, InfoScreen)


async def test_the_command_palette_runs_an_action(console: AlertConsole, api: httpx.Client) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        chosen = app.main.table.selected_id
        await pilot.press("ctrl+p")
        await pilot.press(*"Acknowledge the selected")
        await until(pilot, lambda: "Acknowledge the selected" in str(palette_options(pilot)))
        await pilot.press("enter")
        await until(pilot, lambda: get(api, chosen)["acknowledged"])


async def test_full_screen_detail_on_enter(console: AlertConsole) -> None:
    from console.tui.dialogs import InfoScreen

    async with console.run_test(size=SMALL) as pilot:
        app = await loaded(pilot)
        assert not app.main.detail.display or app.screen.has_class("compact")
        chosen = app.main.table.selected
        await pilot.press("enter")
        assert isinstance(app.screen, InfoScreen)
        pane = app.screen.query_one("#full-detail")
        await until(pilot, lambda: chosen.id in shown(pane._fields))  # type: ignore[attr-defined]
        await until(pilot, lambda: "Activity" in shown(pane._history))  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert not isinstance(app.screen, InfoScreen)


async def test_usable_at_80_by_24(console: AlertConsole, api: httpx.Client) -> None:
    async with console.run_test(size=SMALL) as pilot:
        app = await loaded(pilot)
        assert app.screen.has_class("compact")
        keys = [c.key for c in app.main.table._columns]
        assert "tags" not in keys and "count" not in keys and "message" in keys
        assert app.main.table.size.height >= 10
        await pilot.press("a")
        chosen = app.main.table.selected_id
        await until(pilot, lambda: get(api, chosen)["acknowledged"])


async def test_field_names_complete_in_the_query_bar(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash")
        app.main.query_bar.input.value = ""
        await pilot.press(*"prio")
        await until(pilot, lambda: app.main.query_bar.input._suggestion == "priority: ")
        await pilot.press("right")  # accept
        assert app.main.query_bar.input.value == "priority: "
        await pilot.press("P")
        await until(pilot, lambda: app.main.query_bar.input._suggestion.startswith("priority: P"))


async def test_the_view_holds_still_under_a_scrolled_user(
    console: AlertConsole, api: httpx.Client
) -> None:
    console.feed.set_view(console.feed.view.__class__(query="", size=40))
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        table = app.main.table
        for _ in range(30):
            await pilot.press("down")
        await until(pilot, lambda: table.scroll_y > 0)
        chosen, row, scroll = table.selected_id, table.cursor_row, table.scroll_y
        screen_line = row - scroll
        create(api, message="arrives on top")
        await pilot.press("r")
        await until(pilot, lambda: table.cursor_row == row + 1)
        await pilot.pause()
        assert table.selected_id == chosen
        assert table.cursor_row - table.scroll_y == screen_line  # same line on screen


async def test_the_20000_window_is_said_plainly(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    from dataclasses import replace

    sim.reset(alerts=20_050)
    try:
        console.feed.set_view(replace(console.feed.view, offset=19_980, size=20))
        async with console.run_test(size=WIDE, notifications=True) as pilot:
            app = await loaded(pilot)
            assert "19,981–20,000 of 20,050" in page_bar(app)
            assert "the service shows at most 20,000: narrow the query" in page_bar(app)
            await pilot.press("right_square_bracket")
            await until(pilot, lambda: any("at most 20,000 alerts" in t for t in toasts(app)))
    finally:
        sim.reset()


async def test_q_quits(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not console.is_running


async def test_a_dead_server_keeps_the_rows_and_says_why(tmp_path: object) -> None:
    from console.actions import ActionTracker
    from console.api import BasicCredentials, JsmClient, RetryPolicy
    from console.tui.app import Settings
    from tests.conftest import ACCOUNT

    server = BackgroundSimulator(alerts=10).start()
    try:
        async with JsmClient(
            origin=server.origin,
            cloud_id="demo",
            credentials=BasicCredentials(*ACCOUNT),
            # A refused connection is retried for the whole budget: keep it short here.
            # (3 s: time enough to see it retrying on a busy machine.)
            retry=RetryPolicy(attempts=3, base_s=0.01, cap_s=0.1, budget_s=3.0),
        ) as client:
            app = AlertConsole(
                client, ActionTracker(client), Settings(query="", refresh_s=60, site="t", user="u")
            )
            async with app.run_test(size=WIDE) as pilot:
                await loaded(pilot)

                def rows() -> list[list[str]]:  # without the ages, which go on turning
                    age = [c.key for c in app.main.table._columns].index("age")
                    return [r[:age] + r[age + 1 :] for r in row_texts(app)]

                before = rows()
                server.stop()
                await pilot.press("r")
                # While its attempts go on, it says so (one look: both at once).
                await until(
                    pilot,
                    lambda: "⚠ cannot connect" in (said := status_bar(app)) and "retrying" in said,
                )
                assert rows() == before  # the last good data stays
                assert "updated" in status_bar(app)  # and says how old it is
    finally:
        server.stop()
