"""What the tracker follows: actions, their states, the events it reports, and batch summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from console.actions.ops import OPS


class State(StrEnum):
    QUEUED = "queued"  # accepted by the tracker, not sent yet
    SENT = "sent"  # the service answered with a request id; outcome not known yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # past the deadline with no outcome: still pending, still followed
    NOT_SENT = "not sent"  # the console was closed before sending it: nothing happened


FINAL = frozenset({State.SUCCEEDED, State.FAILED, State.NOT_SENT})
SETTLED = FINAL | {State.UNKNOWN}  # a batch is summarised once every action is here


@dataclass
class Action:
    """One write to one alert (or one create), from the moment it is asked for to its outcome."""

    id: str
    batch_id: str
    op: str
    alert_id: str | None
    label: str  # how the UI names the alert: "#123" or the message
    summary: str  # what the write does, in a few words ("tags: prod, db")
    state: State = State.QUEUED
    request_id: str | None = None
    reason: str | None = None  # why it failed, or why the outcome is unknown
    result_alert_id: str | None = None  # the alert the service says it acted on (creates)
    created_at: float = 0.0  # epoch seconds
    sent_at: float | None = None  # monotonic, for following
    sent_wall: float | None = None  # epoch seconds, journaled: the age survives a restart
    sending: bool = False  # its request is on the wire now
    finished_at: float | None = None
    polls: int = 0
    followed_since: float | None = None  # monotonic; deadlines count from here
    seq: int = 0  # send order; the follower polls older requests first
    resumed: bool = False  # followed again after a restart

    @property
    def title(self) -> str:
        return OPS[self.op].title if self.op in OPS else self.op


@dataclass(frozen=True)
class ActionEvent:
    """An action moved to a new state. ``text`` is what a person should read."""

    action: Action
    state: State
    text: str
    held_s: float | None = None  # held back by the service's rate limit for this long


@dataclass(frozen=True)
class BatchFinished:
    """Every action of a batch has an outcome (or is past its deadline)."""

    batch_id: str
    op: str
    counts: dict[State, int]
    summary: str
    failures: dict[str, int] = field(default_factory=dict)


TrackerEvent = ActionEvent | BatchFinished
Listener = Callable[[TrackerEvent], None]


def summarise(op: str, actions: Iterable[Action]) -> tuple[str, dict[State, int], dict[str, int]]:
    """ "9 acknowledged, 1 failed: Alert does not exist" and the counts behind it.

    Failures and unknown outcomes are grouped by their reason ("1 outcome not known: no
    outcome after 30 s; still pending").
    """
    items = list(actions)
    counts = Counter(a.state for a in items)
    failures = Counter(a.reason or "no reason given" for a in items if a.state is State.FAILED)
    parts: list[str] = []
    done = OPS[op].done if op in OPS else op
    if counts[State.SUCCEEDED] or not items:
        parts.append(f"{counts[State.SUCCEEDED]} {done}")
    unknowns = Counter(a.reason or "no outcome yet" for a in items if a.state is State.UNKNOWN)
    for word, reasons in ((_failed, failures), (_not_known, unknowns)):
        if len(reasons) == 1:
            parts.append(f"{word(reasons.total())}: {next(iter(reasons))}")
        elif reasons:
            listed = "; ".join(f"{n} × {reason}" for reason, n in reasons.most_common())
            parts.append(f"{word(reasons.total())} ({listed})")
    if counts[State.NOT_SENT]:
        parts.append(f"{counts[State.NOT_SENT]} not sent")
    return ", ".join(parts), dict(counts), dict(failures)


def headline(op: str, counts: Mapping[State, int]) -> str:
    """The title of a batch's summary. It says "finished" only when every outcome is known:
    "Acknowledge on 10 alerts: 1 outcome not known" while one may still come."""
    title = OPS[op].title if op in OPS else op
    total = sum(counts.values())
    unknown = counts.get(State.UNKNOWN, 0)
    if unknown:
        return f"{title} on {total} alerts: {_not_known(unknown)}"
    return f"{title} on {total} alerts: finished"


def _failed(n: int) -> str:
    return f"{n} failed"


def _not_known(n: int) -> str:
    return f"{n} outcome{'s' if n != 1 else ''} not known"
