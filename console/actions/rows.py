"""What a row shows beyond its alert while actions run on it: the one owner of that lifecycle.

A :class:`RowBook` holds, per alert, the pending badge ("⧗ ack"), the state the action
should lead to (shown at once, until the service's own data says otherwise), the outcome
flag (✓ / ✗, for a while), and the new / changed marks of a refresh. The tracker's events
and the feed's pages move it; the table only draws it. Rows that left the page keep
nothing but a pending badge, so a console that runs for weeks keeps no state for the
thousands of alerts it has seen. No Textual here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from console.actions.model import ActionEvent, State
from console.actions.ops import Op
from console.api.models import Alert

RECENT_S = 30.0  # how long a new or changed row, or an outcome, stays marked
UNKNOWN_BADGE = "? unknown"


@dataclass
class RowState:
    """What a row shows of actions and changes: a pending badge, an outcome, new or changed."""

    badge: str = ""  # a pending action: "⧗ ack"
    outcome: str = ""  # the last outcome: "✓" or "✗", shown a while
    outcome_until: float = 0.0
    recent: str = ""  # "new" or "changed"
    recent_until: float = 0.0

    @property
    def idle(self) -> bool:
        return not (self.badge or self.outcome or self.recent)


BLANK = RowState()


class RowBook:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.states: dict[str, RowState] = {}
        self.expected: dict[str, Alert] = {}  # alert id -> as the action should leave it
        self._settled: set[str] = set()  # succeeded: the next page shows the service's data

    def state(self, alert_id: str) -> RowState:
        return self.states.get(alert_id, BLANK)

    def _own(self, alert_id: str) -> RowState:
        return self.states.setdefault(alert_id, RowState())

    def alert(self, alert_id: str, alerts: Mapping[str, Alert]) -> Alert | None:
        """The row's alert as it should be shown: the expected state while one is pending."""
        return self.expected.get(alert_id) or alerts.get(alert_id)

    # ------------------------------------------------------------------ actions

    def sending(self, op: Op, alert: Alert, data: Mapping[str, Any] | None) -> None:
        """An action on this alert was handed to the tracker: its badge and expected state."""
        self._own(alert.key).badge = f"⧗ {op.badge}"
        hoped = op.expected(alert, data)
        if hoped is not None:
            self.expected[alert.key] = hoped.at_site(alert.site)

    def heard(self, event: ActionEvent) -> str | None:
        """A tracker event: the row it changed (to redraw), if any."""
        if not event.action.alert_id or event.held_s is not None:
            return None
        alert_id = event.key
        if event.state is State.SUCCEEDED:
            self._outcome(alert_id, "✓")
            if alert_id in self.expected:
                self._settled.add(alert_id)
        elif event.state is State.FAILED:
            self._outcome(alert_id, "✗")
            self._settled.discard(alert_id)
            self.expected.pop(alert_id, None)  # back to the service's data at once
        elif event.state is State.UNKNOWN:
            self._own(alert_id).badge = UNKNOWN_BADGE
        else:
            return None
        return alert_id

    def _outcome(self, alert_id: str, flag: str) -> None:
        state = self._own(alert_id)
        state.badge = ""
        state.outcome, state.outcome_until = flag, self.clock() + RECENT_S

    # ------------------------------------------------------------------ pages

    def seen(
        self,
        alerts: Mapping[str, Alert],
        *,
        added: Iterable[str],
        changed: Iterable[str],
        fresh_view: bool,
    ) -> set[str]:
        """A page from the service: new and changed rows are marked (not on a new view's
        first page), and expectations end where the service's data takes over (the row
        changed, its action succeeded, or it left the page). Returns the rows whose
        expectation ended (to redraw from the service's data)."""
        now = self.clock()
        if not fresh_view:
            for alert_id in added:
                state = self._own(alert_id)
                state.recent, state.recent_until = "new", now + RECENT_S
            for alert_id in changed:
                state = self._own(alert_id)
                if state.recent != "new" or state.recent_until < now:
                    state.recent, state.recent_until = "changed", now + RECENT_S
        changed = set(changed)
        ended = {i for i in self.expected if i in changed or i in self._settled or i not in alerts}
        for alert_id in ended:
            self.expected.pop(alert_id, None)
        self._settled -= ended
        # Off the page, only a pending badge is worth keeping (the row may come back).
        for alert_id in [i for i, s in self.states.items() if i not in alerts and not s.badge]:
            del self.states[alert_id]
        return ended

    def expire(self) -> list[str]:
        """Marks and outcomes past their time: the rows to redraw."""
        now = self.clock()
        expired = []
        for alert_id, state in list(self.states.items()):
            if state.recent and state.recent_until < now:
                state.recent = ""
                expired.append(alert_id)
            if state.outcome and state.outcome_until < now:
                state.outcome = ""
                expired.append(alert_id)
            if state.idle:
                del self.states[alert_id]
        return expired
