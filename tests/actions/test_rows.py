"""One owner for a row's action lifecycle (issue 18): the row book, the toast rule, and a
tracker that forgets finished batches, so a console that runs for weeks keeps nothing per
batch or per alert it has long stopped showing."""

from __future__ import annotations

import httpx

from console.actions import ActionEvent, BatchFinished, State
from console.actions.model import Action, toast_for
from console.actions.ops import OPS
from console.actions.rows import RECENT_S, UNKNOWN_BADGE, RowBook
from console.api.models import Alert
from console.simulator.server import BackgroundSimulator
from tests.actions.conftest import TrackerFactory
from tests.actions.support import UNACKED, find, settled, targets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def alert(alert_id: str, **fields: object) -> Alert:
    return Alert.model_validate({"id": alert_id, "message": "m", "status": "open", **fields})


def event(
    state: State, alert_id: str = "a1", op: str = "acknowledge", **more: object
) -> ActionEvent:
    action = Action(id="x", batch_id="b", op=op, alert_id=alert_id, label="#1", summary="")
    return ActionEvent(action, state, f"{op} {state}", **more)  # type: ignore[arg-type]


def test_a_row_shows_the_expected_state_until_the_service_takes_over() -> None:
    clock = Clock()
    book = RowBook(clock)
    page = {"a1": alert("a1"), "a2": alert("a2")}
    book.sending(OPS["acknowledge"], page["a1"], None)
    assert book.state("a1").badge == "⧗ ack"
    shown = book.alert("a1", page)
    assert shown is not None and shown.acknowledged  # at once, before any answer
    assert book.heard(event(State.SUCCEEDED)) == "a1"
    assert book.state("a1").outcome == "✓" and not book.state("a1").badge
    # The next page is the service's truth: the expectation ends there.
    assert book.seen(page, added=(), changed=(), fresh_view=False) == {"a1"}
    assert book.alert("a1", page) is page["a1"]
    clock.now += RECENT_S + 1
    assert book.expire() == ["a1"]
    assert book.states == {}  # nothing kept for a row at rest


def test_a_failed_action_puts_the_service_data_back_at_once() -> None:
    book = RowBook(Clock())
    page = {"a1": alert("a1")}
    book.sending(OPS["close"], page["a1"], None)
    book.heard(event(State.FAILED, op="close"))
    assert book.alert("a1", page) is page["a1"] and book.state("a1").outcome == "✗"
    book.heard(event(State.UNKNOWN, op="close"))
    assert book.state("a1").badge == UNKNOWN_BADGE


def test_rows_that_left_the_page_keep_only_a_pending_badge() -> None:
    book = RowBook(Clock())
    first = {f"a{i}": alert(f"a{i}") for i in range(50)}
    book.seen(first, added=first, changed=(), fresh_view=False)
    book.sending(OPS["acknowledge"], first["a7"], None)
    second = {f"b{i}": alert(f"b{i}") for i in range(50)}
    book.seen(second, added=second, changed=(), fresh_view=False)
    assert set(book.states) == {"a7", *second}  # the other 49 are forgotten
    assert "a7" not in book.expected  # it left the page: the service's data when it is back


def test_the_toast_rule() -> None:
    one = event(State.SUCCEEDED)
    toast = toast_for(one)
    assert toast is not None and toast.severity == "information" and toast.title == "Acknowledge"
    failed = toast_for(event(State.FAILED))
    assert failed is not None and failed.severity == "error" and "failed" in failed.title
    assert toast_for(event(State.SUCCEEDED, batch_size=10)) is None  # a bulk speaks once
    held = event(State.QUEUED, held_s=30.0, batch_size=10, first_hold=True)
    again = event(State.QUEUED, held_s=30.0, batch_size=10, first_hold=False)
    assert toast_for(held) is not None and toast_for(again) is None
    summary = BatchFinished("b", "acknowledge", {State.SUCCEEDED: 9, State.FAILED: 1}, "9, 1")
    told = toast_for(summary)
    assert told is not None and told.severity == "warning" and "10 alerts" in told.title
    assert toast_for(BatchFinished("b", "acknowledge", {State.SUCCEEDED: 1}, "1")) is None


async def test_the_tracker_forgets_finished_batches(
    sim: BackgroundSimulator, api: httpx.Client, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker(keep_batches=3)
    seen: list[ActionEvent] = []
    tracker.subscribe(lambda e: seen.append(e) if isinstance(e, ActionEvent) else None)
    alerts = find(api, UNACKED, 12)
    batches = []
    for chunk in (alerts[:4], *([a] for a in alerts[4:])):
        batch = tracker.submit("acknowledge", targets(chunk))
        await settled(tracker, batch)
        batches.append(batch)
    assert len(tracker.actions) <= 3 * 4  # only the newest three batches are remembered
    assert all(a.state is State.SUCCEEDED for a in await tracker.wait_batch(batches[-1]))
    # Events carry their batch's size: the screen keeps no table of batches of its own.
    assert {e.batch_size for e in seen if e.action.batch_id == batches[0]} == {4}
