"""Every write key performs its operation, and the simulator's state changes accordingly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from console.tui.dialogs import ChoiceDialog, ConfirmDialog, FormDialog
from tests.helpers import create, get
from tests.tui.conftest import WIDE, column, fill, loaded, select, toasts, until


def alert_of(api: httpx.Client, alert_id: str) -> dict[str, Any]:
    return get(api, alert_id)


@pytest.fixture
def target(api: httpx.Client) -> dict[str, Any]:
    """A fresh open alert at the top of the table, with a custom action."""
    return create(
        api,
        message="key target",
        alias="key-target",
        actions=["Restart pod", "Failover"],
        tags=["keep", "drop"],
        extraProperties={"region": "eu", "gone": "soon"},
    )


async def test_acknowledge_and_unacknowledge(
    console: AlertConsole, api: httpx.Client, sim: BackgroundSimulator, target: dict
) -> None:
    sim.set_processing(delay_ms=600, jitter_ms=0)  # slow enough to see the pending badge
    async with console.run_test(size=WIDE, notifications=True) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        await pilot.press("a")
        # At once: the pending badge and the expected state.
        index = app.main.table.order.index(target["id"])
        assert column(app, "flags")[index].strip() == "⧗"
        await until(pilot, lambda: alert_of(api, target["id"])["acknowledged"])
        await until(pilot, lambda: any("Acknowledge done" in t for t in toasts(app)))
        assert any("request" in t for t in toasts(app))  # the sent toast names the request id
        await until(
            pilot,
            lambda: column(app, "status")[app.main.table.order.index(target["id"])] == "acked",
        )
        await pilot.press("u")
        await until(pilot, lambda: not alert_of(api, target["id"])["acknowledged"])


async def test_close_asks_and_no_is_the_default(
    console: AlertConsole, api: httpx.Client, target: dict
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        for refusal in ("enter", "n", "escape"):
            await pilot.press("c")
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press(refusal)
            assert not isinstance(app.screen, ConfirmDialog)
        assert not app.tracker.actions  # nothing was even queued
        assert alert_of(api, target["id"])["status"] == "open"
        await pilot.press("c", "y")
        await until(pilot, lambda: alert_of(api, target["id"])["status"] == "closed")


async def test_assign_responder_tags_properties_note_and_snooze(
    console: AlertConsole, api: httpx.Client, sim: BackgroundSimulator, target: dict
) -> None:
    user = next(d for d in sim.simulator.store.directory.values() if d.type == "user")
    async with console.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await select(pilot, target["id"])

        await pilot.press("w")
        await fill(pilot, accountId=user.id)
        await until(pilot, lambda: alert_of(api, target["id"])["owner"] == user.name)

        await pilot.press("plus")
        await fill(pilot, type="schedule", id="sched-42")
        await until(
            pilot,
            lambda: (
                {"id": "sched-42", "type": "schedule"} in alert_of(api, target["id"])["responders"]
            ),
        )

        await pilot.press("t")
        await fill(pilot, tags="added, second")
        await until(pilot, lambda: {"added", "second"} <= set(alert_of(api, target["id"])["tags"]))

        await pilot.press("T")
        await fill(pilot, tags="drop")
        await until(pilot, lambda: "drop" not in alert_of(api, target["id"])["tags"])

        await pilot.press("x")
        await fill(pilot, properties="runbook=https://r.example.com, team=payments")
        await until(
            pilot, lambda: alert_of(api, target["id"])["extraProperties"].get("team") == "payments"
        )

        await pilot.press("X")
        await fill(pilot, keys="gone")
        await until(pilot, lambda: "gone" not in alert_of(api, target["id"])["extraProperties"])

        await pilot.press("n")
        await fill(pilot, note="Looking into it [from the console]")
        await until(
            pilot,
            lambda: any(
                n["note"] == "Looking into it [from the console]"
                for n in api.get(f"/v1/alerts/{target['id']}/notes").json()["values"]
            ),
        )

        await pilot.press("s")
        await fill(pilot, until="2h")
        await until(pilot, lambda: alert_of(api, target["id"])["snoozed"])


async def test_escalate_asks_after_the_form(
    console: AlertConsole, api: httpx.Client, sim: BackgroundSimulator, target: dict
) -> None:
    escalation = next(d for d in sim.simulator.store.directory.values() if d.type == "escalation")
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        await pilot.press("e")
        await fill(pilot, escalationId=escalation.id)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the default: No
        assert not isinstance(app.screen, ConfirmDialog)
        assert not app.tracker.actions  # nothing was even queued
        assert not any(r["type"] == "escalation" for r in alert_of(api, target["id"])["responders"])
        await pilot.press("e")
        await fill(pilot, escalationId=escalation.id)
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                {"id": escalation.id, "type": "escalation"}
                in alert_of(api, target["id"])["responders"]
            ),
        )


async def test_custom_action_is_picked_from_the_alerts_own(
    console: AlertConsole, api: httpx.Client, target: dict
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        await pilot.press("exclamation_mark")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # the second: Failover
        await until(
            pilot,
            lambda: any(
                "Executed custom action [Failover]" in entry["log"]
                for entry in api.get(
                    f"/v1/alerts/{target['id']}/logs", params={"size": 100}
                ).json()["values"]
            ),
        )


async def test_create_with_the_form(console: AlertConsole, api: httpx.Client) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("N")
        assert isinstance(app.screen, FormDialog)
        assert app.screen.focused is app.screen.query_one("#field-message")  # first input focused
        await fill(
            pilot,
            message="Created from the console",
            priority="P2",
            tags="console, test",
            responders="team:t-1",
            extraProperties="origin=pilot",
            alias="from-console",
        )
        await until(
            pilot,
            lambda: (
                api.get("/v1/alerts/alias", params={"alias": "from-console"}).status_code == 200
            ),
        )
        alert = api.get("/v1/alerts/alias", params={"alias": "from-console"}).json()
        assert alert["priority"] == "P2" and alert["tags"] == ["console", "test"]
        assert alert["responders"] == [{"id": "t-1", "type": "team"}]
        assert alert["extraProperties"] == {"origin": "pilot"}


async def test_the_create_form_checks_the_limits_before_sending(
    console: AlertConsole, sim: BackgroundSimulator
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        writes = sim.stats()["requests"].get("writes", 0)
        await pilot.press("N")
        await fill(pilot, message="m" * 131)
        assert isinstance(app.screen, FormDialog)  # still open
        problem = str(app.screen.query_one("#problem-message").content)
        assert "130" in problem
        await fill(pilot, message="ok", tags="t" * 51)
        assert "50" in str(app.screen.query_one("#problem-tags").content)
        await pilot.press("escape")
        assert sim.stats()["requests"].get("writes", 0) == writes


async def test_delete_needs_the_tiny_id_typed(
    console: AlertConsole, api: httpx.Client, target: dict
) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        await pilot.press("D")
        await fill(pilot, confirm="999999")
        assert isinstance(app.screen, FormDialog)  # wrong: still asking
        await fill(pilot, confirm=target["tinyId"])
        await until(pilot, lambda: api.get(f"/v1/alerts/{target['id']}").status_code == 404)


async def test_bulk_action_over_marks_ends_with_one_summary(
    console: AlertConsole, api: httpx.Client
) -> None:
    async with console.run_test(size=WIDE, notifications=True) as pilot:
        app = await loaded(pilot)
        await pilot.press("space", "space", "space")  # marks three rows, moving down
        marked = [i for i in app.main.table.order if i in app.main.table.marks]
        assert len(marked) == 3
        assert "3 marked" in str(app.main.page_bar.content)
        await pilot.press("a")
        # Sent: the marks are cleared, so the next key cannot fall on them again.
        assert not app.main.table.marks
        await until(pilot, lambda: all(alert_of(api, i)["acknowledged"] for i in marked))
        await until(pilot, lambda: any("3 acknowledged" in t for t in toasts(app)))
        assert sum("Acknowledge on 3 alerts: finished" in t for t in toasts(app)) == 1


async def test_mark_page_then_act_on_all(console: AlertConsole, api: httpx.Client) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        await pilot.press("asterisk")
        assert set(app.main.table.marks) == set(app.main.table.order)
        await pilot.press("t")
        await fill(pilot, tags="page-wide")
        await until(
            pilot,
            lambda: all("page-wide" in alert_of(api, i)["tags"] for i in app.main.table.order),
        )


async def test_copy_id_and_json(console: AlertConsole) -> None:
    async with console.run_test(size=WIDE) as pilot:
        app = await loaded(pilot)
        alert = app.main.table.selected
        await pilot.press("y")
        assert app.clipboard == alert.id
        await pilot.press("Y")
        import json

        assert json.loads(app.clipboard)["id"] == alert.id


async def test_a_failed_action_says_why(
    console: AlertConsole, api: httpx.Client, target: dict
) -> None:
    async with console.run_test(size=WIDE, notifications=True) as pilot:
        app = await loaded(pilot)
        await select(pilot, target["id"])
        api.delete(f"/v1/alerts/{target['id']}")  # someone else deleted it meanwhile
        await until(pilot, lambda: api.get(f"/v1/alerts/{target['id']}").status_code == 404)
        await pilot.press("a")
        await until(pilot, lambda: any("Alert does not exist" in t for t in toasts(app)))


async def test_read_only_sends_nothing(sim: BackgroundSimulator, tmp_path: Any) -> None:
    from console.actions import ActionTracker
    from console.api import BasicCredentials, JsmClient
    from console.tui.app import Settings
    from tests.conftest import ACCOUNT

    async with JsmClient(
        origin=sim.origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT), read_only=True
    ) as client:
        app = AlertConsole(
            client,
            ActionTracker(client, read_only=True),
            Settings(query="", refresh_s=60, read_only=True, site="t", user="u"),
        )
        async with app.run_test(size=WIDE, notifications=True) as pilot:
            await loaded(pilot)
            assert "READ-ONLY" in str(app.main.status_bar.content)
            for key in ("a", "u", "c", "w", "t", "n", "N", "D", "exclamation_mark"):
                await pilot.press(key)
                await pilot.pause()
                assert not isinstance(app.screen, FormDialog | ConfirmDialog | ChoiceDialog)
            assert any("Read-only" in t for t in toasts(app))
    assert sim.stats()["requests"].get("writes", 0) == 0
