"""What the console promises at 3 a.m.: bad data shows as missing, a slow server times out and
recovers, bad input is refused in the form, a bug is reported and survived, and no action is
lost or falls on the wrong alert."""

from __future__ import annotations

import json
import stat
from typing import Any

import httpx
import pytest

from console.actions import State
from console.api import RetryPolicy
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from console.tui.dialogs import ConfirmDialog, FormDialog
from tests.actions.support import journal_lines
from tests.helpers import create, get
from tests.hostile import HostileServer, Reply, json_reply
from tests.tui.conftest import (
    WIDE,
    ConsoleFactory,
    column,
    fill,
    loaded,
    row_texts,
    select,
    shown,
    toasts,
    until,
)

ALERT = {
    "id": "a-1",
    "tinyId": "1",
    "message": "fine",
    "status": "open",
    "priority": "P2",
    "createdAt": "2026-11-27T10:00:00Z",
}


def listing(*alerts: Any) -> Reply:
    return json_reply({"values": list(alerts), "count": len(alerts), "links": {}})


# ---------------------------------------------------------------------- bad data, slow servers


async def test_a_field_the_service_got_wrong_shows_as_missing_and_the_rest_shows(
    hostile: HostileServer, make_console: ConsoleFactory
) -> None:
    hostile.on(
        "GET",
        "/v1/alerts",
        listing(
            {**ALERT, "id": "bad", "tinyId": "7", "message": None, "acknowledged": None},
            {**ALERT, "id": "naive", "tinyId": "8", "createdAt": "2020-01-01T00:00:00"},
            {"message": "an alert without an id"},
            ALERT,
        ),
    )
    app = await make_console(hostile.origin)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        rows = {row[2]: row for row in row_texts(app)}
        assert set(rows) == {"7", "8", "1"}
        keys = [c.key for c in app.main.table._columns]
        assert rows["7"][keys.index("message")] == "?"
        assert rows["7"][keys.index("status")] == "?"
        assert rows["1"][keys.index("message")] == "fine"
        assert rows["8"][keys.index("age")].endswith("d")  # a naive time, read as UTC
        assert "1 alert unreadable (no id): not shown" in shown(app.main.page_bar)
        await select(pilot, "bad")
        await until(pilot, lambda: "Unreadable" in shown(app.main.detail._fields))
        assert "acknowledged, message" in shown(app.main.detail._fields)


async def test_a_dripping_server_times_out_says_so_and_the_next_refresh_recovers(
    hostile: HostileServer, make_console: ConsoleFactory
) -> None:
    body = json.dumps({"values": [ALERT], "count": 1}).encode()
    hostile.on("GET", "/v1/alerts", Reply(body=body, drip_s=0.5))
    app = await make_console(
        hostile.origin, retry=RetryPolicy(attempts=1, budget_s=1.5, attempt_s=1.0)
    )
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: "no complete answer" in shown(app.main.status_bar))
        assert "within 1 s" in shown(app.main.status_bar)
        hostile.on("GET", "/v1/alerts", listing(ALERT))
        await pilot.press("r")
        await until(pilot, lambda: "updated" in shown(app.main.status_bar))
        assert "⚠" not in shown(app.main.status_bar)
        assert column(app, "tiny") == ["1"]


# ---------------------------------------------------------------------- input that cannot be


@pytest.mark.parametrize("typed", ["9999999d", "9999-12-31T23:59:59-05:00", "0m"])
async def test_a_snooze_that_cannot_be_represented_is_refused_in_the_form(
    console: AlertConsole, api: httpx.Client, typed: str
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        before = get(api, app.main.table.selected_id or "")
        await pilot.press("s")
        await fill(pilot, until=typed)
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)  # still open, saying why
        problem = shown(app.screen.query_one("#problem-until"))  # type: ignore[arg-type]
        assert problem.strip(), "no problem shown under the field"
        await pilot.press("escape")
        assert get(api, before["id"])["snoozed"] == before["snoozed"]


# ---------------------------------------------------------------------- bugs


@pytest.mark.bugs_expected
async def test_a_bug_in_a_key_is_reported_once_and_the_console_carries_on(
    console: AlertConsole, private_dirs: Any
) -> None:
    def boom() -> None:
        raise RuntimeError("a bug of ours")

    async with console.run_test(size=WIDE, notifications=True) as pilot:
        app = await loaded(pilot)
        app.main.action_refresh = boom  # type: ignore[method-assign]
        await pilot.press("r")
        await until(pilot, lambda: any("alert-console bug" in t for t in toasts(app)))
        await pilot.press("r")
        await pilot.pause()
        assert sum("alert-console bug" in t for t in toasts(app)) == 1  # told once
        (report,) = app.crashes.reports.values()
        assert report.count == 2
        # The crash file: written once, private, in a private directory.
        assert report.path is not None and "a bug of ours" in report.path.read_text()
        assert stat.S_IMODE(report.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(report.path.parent.stat().st_mode) == 0o700
        # Still running: the next page works.
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: "21–40 of 40" in shown(app.main.page_bar))


@pytest.mark.bugs_expected
async def test_a_bug_in_a_worker_is_reported_and_the_console_carries_on(
    console: AlertConsole,
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise KeyError("a bug in a worker")

    async with console.run_test(size=WIDE, notifications=True) as pilot:
        app = await loaded(pilot)
        app.client.list_notes = broken  # type: ignore[method-assign]
        await pilot.press("down")  # the detail pane loads the next alert's notes
        await until(pilot, lambda: any("KeyError" in t for t in toasts(app)))
        assert app.is_running
        await pilot.press("down")
        await pilot.pause()
        assert app.main.table.cursor_row == 2  # keys still work


@pytest.mark.bugs_expected
async def test_a_bug_that_repeats_on_a_timer_is_backed_off(console: AlertConsole) -> None:
    calls = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("broken tick")

    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        app.main.table.tick = broken  # type: ignore[method-assign]
        for _ in range(10):
            app.main._tick()
        assert len(calls) == 1  # then quiet for a while, doubling after each failure
        assert app.main._tick_resumes_at > 0


# ---------------------------------------------------------------------- quitting


async def test_quitting_with_actions_on_their_way_asks_and_loses_none(
    sim: BackgroundSimulator, make_console: ConsoleFactory, tmp_path: Any
) -> None:
    sim.set_faults(latency_ms=3000)  # the first write stays on the wire while we ask
    app = await make_console(sim.origin, concurrency=1, demo=True)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "space", "a")
        await until(pilot, lambda: any(a.sending for a in app.tracker.actions.values()))
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        text = shown(app.screen.query_one("#confirm-title")) + shown(  # type: ignore[arg-type]
            app.screen.query_one("#confirm-body")  # type: ignore[arg-type]
        )
        assert "3 actions still pending: quit anyway?" in text
        assert "2 not sent yet" in text
        assert "the next start follows them up" in text
        assert "simulator stops with the console" in text
        await pilot.press("n")  # No: nothing happens, the console carries on
        assert not isinstance(app.screen, ConfirmDialog) and app.is_running
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running)
    sim.set_faults(latency_ms=0)
    states = [e.state for e in journal_lines(tmp_path / "journal.jsonl")]
    assert states.count(State.NOT_SENT) == 2


async def test_quitting_with_nothing_pending_just_quits(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await until(pilot, lambda: not console.is_running)


# ---------------------------------------------------------------------- marks and targets


async def test_a_marked_alert_that_left_the_page_is_still_the_target_and_no_neighbour_is(
    sim: BackgroundSimulator, api: httpx.Client, make_console: ConsoleFactory
) -> None:
    app = await make_console(sim.origin, query="status: open")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        first, second, third = app.main.table.order[:3]
        await pilot.press("space", "space")  # marks the first two rows
        # Someone else closes the first one: it leaves this query's page.
        api.post(f"/v1/alerts/{first}/close", json={})
        await until(pilot, lambda: get(api, first)["status"] == "closed")
        await pilot.press("r")
        await until(pilot, lambda: first not in app.main.table.order)
        assert "2 marked (1 off this page)" in shown(app.main.page_bar)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        intro = shown(app.screen.query_one("#form-intro"))  # type: ignore[arg-type]
        assert "no longer on this page" in intro
        await fill(pilot, tags="exactly-these")
        await until(pilot, lambda: "exactly-these" in get(api, second)["tags"])
        await until(pilot, lambda: "exactly-these" in get(api, first)["tags"])
        assert "exactly-these" not in get(api, third)["tags"]
        assert not app.main.table.marks


async def test_delete_asks_for_the_alert_id_when_there_is_no_tiny_id(
    hostile: HostileServer, make_console: ConsoleFactory
) -> None:
    no_tiny = {k: v for k, v in ALERT.items() if k != "tinyId"}
    hostile.on("GET", "/v1/alerts", listing(no_tiny))
    hostile.on("DELETE", "/v1/alerts/a-1", json_reply({"result": "ok", "requestId": "r1"}, 202))
    hostile.on("GET", "/v1/alerts/requests/r1", json_reply({"isSuccess": True, "status": "ok"}))
    app = await make_console(hostile.origin)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("D")
        await fill(pilot, confirm="")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)  # an empty answer deletes nothing
        assert "alert id, a-1" in shown(app.screen.query_one("#form-intro"))  # type: ignore[arg-type]
        await fill(pilot, confirm="a-1")
        await until(pilot, lambda: hostile.seen("DELETE", "/v1/alerts/a-1") != [])


async def test_remove_extra_properties_takes_keys_with_spaces_and_names_absent_ones(
    console: AlertConsole, api: httpx.Client
) -> None:
    target = create(
        api, message="props", extraProperties={"on call": "x", "team name": "y", "z": 1}
    )
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        await pilot.press("X")
        await fill(pilot, keys="nope, on call")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        problem = shown(app.screen.query_one("#problem-keys"))  # type: ignore[arg-type]
        assert "not an extra property" in problem and "nope" in problem
        await fill(pilot, keys="on call\nteam name")
        await until(pilot, lambda: get(api, target["id"])["extraProperties"] == {"z": 1})


async def test_a_multi_line_note_is_sent_whole(console: AlertConsole, api: httpx.Client) -> None:
    note = "first line\nsecond line\n\n  indented fourth"
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        alert_id = app.main.table.selected_id
        await pilot.press("n")
        await fill(pilot, note=note)

        def notes() -> list[str]:
            values = api.get(f"/v1/alerts/{alert_id}/notes").json()["values"]
            return [n["note"] for n in values]

        await until(pilot, lambda: note in notes())
