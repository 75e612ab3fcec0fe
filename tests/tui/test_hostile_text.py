"""The hostile corpus through every output of the console, against a hostile service.

Every field of every alert, note and log entry, every action name, request-status text,
request id and error message carries the corpus; so do a query and an escalation id that
the user types. After each step the whole screen is rendered as the real terminal driver
would write it, and no raw control, separator or direction character may be in it. The
journal, the debug log and the crash file are checked the same way.
"""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from console.actions import ActionTracker, Journal
from console.api import BasicCredentials, JsmClient
from console.cli.main import _debug_log
from console.tui.app import AlertConsole, Settings
from console.tui.dialogs import ChoiceDialog, ConfirmDialog, FormDialog, InfoScreen
from tests import corpus
from tests.conftest import FAST_RETRY
from tests.corpus import ALL, BRACES, OSC52, raw_controls, text_controls
from tests.hostile import HostileServer, Reply, Seen, json_reply
from tests.tui.conftest import (
    WIDE,
    loaded,
    no_hidden_bugs,
    shown,
    terminal_stream,
    toasts,
    until,
)

TINY = f"{BRACES}\x1b]2;t\x1b\\"  # a tinyId that is both a format template and an escape


def hostile_alert(index: int, text: str) -> dict[str, Any]:
    return {
        "id": f"hostile-{index}",
        "tinyId": TINY if index == 0 else f"{index}{text[:12]}",
        "message": text,
        "description": ALL,
        "entity": text,
        "source": text,
        "owner": text,
        "status": "open",
        "acknowledged": False,
        "priority": "P1",
        "tags": [text, "plain"],
        "actions": [OSC52, f"{BRACES} restart"],
        "responders": [{"type": "team", "id": text}],
        "extraProperties": {text: text, "nested": {"x": text}},
        "integrationName": text,
        "createdAt": "2026-11-27T10:00:00Z",
        "updatedAt": "2026-11-27T10:00:00Z",
        "count": 3,
    }


ALERTS = [hostile_alert(i, text) for i, text in enumerate(corpus.CORPUS)]


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        server.on(
            "GET", "/v1/alerts", json_reply({"values": ALERTS, "count": len(ALERTS), "links": {}})
        )
        server.on(
            "GET",
            "/v1/alerts/[^/]+/notes",
            json_reply({"values": [{"id": "n1", "note": ALL, "owner": OSC52}], "links": {}}),
        )
        server.on(
            "GET",
            "/v1/alerts/[^/]+/logs",
            json_reply({"values": [{"log": ALL, "owner": OSC52, "logType": ALL}], "links": {}}),
        )
        for op in ("acknowledge", "action", "escalate"):
            server.on(
                "POST",
                f"/v1/alerts/[^/]+/{op}",
                json_reply({"result": ALL, "requestId": f"req-{op}", "took": 0.1}, 202),
            )
        server.on(
            "GET",
            "/v1/alerts/requests/req-acknowledge",
            json_reply({"isSuccess": True, "status": ALL}),
        )
        server.on(
            "GET",
            "/v1/alerts/requests/req-action",
            json_reply({"isSuccess": False, "status": f"Action [{OSC52}] is not available {ALL}"}),
        )
        yield server


@pytest.fixture
def debug_log() -> Iterator[Path]:
    """The console's own debug log (the ``--debug`` handler), in the test's private dirs."""
    root = logging.getLogger()
    before = list(root.handlers), root.level
    path = _debug_log()
    yield path
    for handler in root.handlers[:]:
        if handler not in before[0]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(before[1])


@pytest.fixture
async def app(
    hostile: HostileServer, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[AlertConsole]:
    async with JsmClient(
        origin=hostile.origin,
        cloud_id="demo",
        credentials=BasicCredentials("me@example.com", "hostile-test-token"),
        retry=FAST_RETRY,
    ) as client:
        tracker = ActionTracker(client, journal=Journal(tmp_path / "journal.jsonl"))
        console = AlertConsole(
            client,
            tracker,
            Settings(query="", refresh_s=60, page_size=50, site=OSC52, user=corpus.RLO),
        )
        yield console
        await tracker.aclose()
        assert tracker.journal is not None
        tracker.journal.close()
        no_hidden_bugs(console, request)


def assert_safe(app: AlertConsole, step: str) -> None:
    stream = terminal_stream(app)
    assert raw_controls(stream) == [], f"{step}: raw control characters reached the terminal"


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.bugs_expected
async def test_no_raw_control_reaches_the_terminal_the_journal_or_the_logs(
    app: AlertConsole, hostile: HostileServer, tmp_path: Path, debug_log: Path
) -> None:
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        assert app.main.table.row_count == len(ALERTS)
        # The table, the header (site and user) and the detail pane with notes and activity.
        await until(pilot, lambda: "Activity" in shown(app.main.detail._history))
        assert_safe(app, "table and detail pane")
        assert "␛]52;c;" in terminal_stream(app)  # shown, as text

        await pilot.press("enter")  # full-screen detail: the description too
        await until(pilot, lambda: isinstance(app.screen, InfoScreen))
        await settle(pilot)
        assert_safe(app, "full-screen detail")
        await pilot.press("escape")

        # An action: toasts quote the tinyId, the request id and the service's status text.
        await pilot.press("a")
        await until(pilot, lambda: any("Acknowledge" in t and "done" in t for t in toasts(app)))
        assert_safe(app, "acknowledge toasts")

        # Custom actions: the names in a dialog, then a failure that quotes the name.
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert_safe(app, "custom action dialog")
        await pilot.press("enter")
        await until(pilot, lambda: any("failed" in t for t in toasts(app)))
        assert_safe(app, "custom action failure toast")

        # Escalate: a confirmation built from the tinyId ({oops}) and what the user typed.
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        field = app.screen.query_one("#field-escalationId", Input)
        field.value = f"{BRACES}{corpus.SGR_RED}esc"
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert_safe(app, "escalate confirmation")
        assert "{oops}" in terminal_stream(app)
        await pilot.press("n")

        # A query the user typed, shown in the page bar.
        app.main.query_bar.input.value = f'message: "{corpus.SGR_RED}x {corpus.RLO} {BRACES}"'
        await pilot.press("slash", "enter")
        await until(pilot, lambda: "query: message" in str(app.main.page_bar.content))
        await settle(pilot)
        assert_safe(app, "page bar with a hostile query")

        # The service fails with a hostile message: the header says why.
        hostile.on("GET", "/v1/alerts", json_reply({"message": ALL}, 503))
        await pilot.press("r")
        await until(pilot, lambda: "⚠" in str(app.main.status_bar.content))
        assert_safe(app, "header with the service's error")

        # A bug of ours with hostile text in its message: one toast, and a crash file.
        def broken() -> None:
            raise ValueError(ALL)

        app.main.table.tick = broken  # type: ignore[method-assign]
        await until(pilot, lambda: any("alert-console bug" in t for t in toasts(app)))
        assert_safe(app, "bug toast")

    journal = (tmp_path / "journal.jsonl").read_text(encoding="utf-8")
    for line in journal.splitlines():
        for key, value in json.loads(line).items():
            assert text_controls(str(value), multiline=False) == [], (key, value)
    assert "{oops}" in journal  # labels are there, made safe

    report = next(iter(app.crashes.reports.values()))
    assert report.path is not None
    crash = report.path.read_text(encoding="utf-8")
    assert text_controls(crash) == [] and "␛]52" in crash

    assert stat.S_IMODE(debug_log.stat().st_mode) == 0o600
    assert stat.S_IMODE(debug_log.parent.stat().st_mode) == 0o700
    logged = debug_log.read_text(encoding="utf-8")
    assert "503" in logged and "␛]52" in logged  # the error was logged, made safe
    assert text_controls(logged) == []
    assert "hostile-test-token" not in logged + crash + journal


async def test_a_request_id_that_is_not_an_id_makes_the_outcome_unknown(
    app: AlertConsole, hostile: HostileServer
) -> None:
    """A receipt whose request id holds escapes is not believed (nor journaled, nor polled):
    the write was accepted, so its outcome is unknown, never "failed"."""

    def receipt(_seen: Seen) -> Reply:
        return json_reply({"result": "ok", "requestId": OSC52}, 202)

    hostile.on("POST", "/v1/alerts/[^/]+/acknowledge", receipt)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await until(pilot, lambda: any("outcome unknown" in t for t in toasts(app)))
        assert_safe(app, "unknown outcome toast")
    assert hostile.seen("GET", "/v1/alerts/requests/.*") == []
