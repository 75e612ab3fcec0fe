"""What the tracker follows: actions, their states, the events it reports, and batch summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from console.actions.ops import ALL_OPS as OPS
from console.api.models import alert_key


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
    batch_size: int = 1  # how many actions its batch has (a bulk action speaks once)
    first_hold: bool = False  # the first time its batch is held back (told once a batch)
    site: str = ""  # the site (profile) whose tracker it is, when there are several

    @property
    def key(self) -> str:
        """The key of the alert's row (its id, with its site when there are several)."""
        return alert_key(self.site, self.action.alert_id or "")


@dataclass(frozen=True)
class BatchFinished:
    """Every action of a batch has an outcome (or is past its deadline)."""

    batch_id: str
    op: str
    counts: dict[State, int]
    summary: str
    failures: dict[str, int] = field(default_factory=dict)
    site: str = ""  # the site (profile) whose tracker it is, when there are several

    @property
    def size(self) -> int:
        return sum(self.counts.values())


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


Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Toast:
    """What a person is told in a toast: its words, severity and seconds on screen (None:
    the app's default)."""

    text: str
    title: str
    severity: Severity
    timeout: float | None


# How each step of a single action is told: title suffix, severity, seconds on screen.
STEPS: dict[State, tuple[str, Severity, float]] = {
    State.SENT: ("", "information", 4),
    State.SUCCEEDED: ("", "information", 5),
    State.FAILED: (" failed", "error", 10),
    State.UNKNOWN: (": outcome unknown", "warning", 10),
}


def toast_for(event: TrackerEvent) -> Toast | None:
    """The toast rule, in one place: a single action is told at each step; a bulk action
    speaks once, when its batch ends; a rate-limit hold once per batch."""
    if isinstance(event, BatchFinished):
        if event.size <= 1:
            return None
        trouble = event.counts.get(State.FAILED, 0) or event.counts.get(State.UNKNOWN, 0)
        severity: Severity = "warning" if trouble else "information"
        title = headline(event.op, event.counts)
        return Toast(event.summary, f"{event.site}: {title}" if event.site else title, severity, 10)
    action = event.action
    if event.held_s is not None:
        if not event.first_hold:
            return None
        return Toast(event.text, f"{action.title} held", "warning", 10)
    step = STEPS.get(event.state)
    if step is None or event.batch_size > 1:
        return None
    suffix, severity, timeout = step
    title = action.title + suffix
    return Toast(event.text, f"{event.site}: {title}" if event.site else title, severity, timeout)
