"""What the wall display knows beyond the page: exact counts, the trend, and what is new.

No Textual here. Counts come from the service's ``count`` of a query and the totals of
its pages, never from the rows of one page (see :class:`WallPages`: six requests a
refresh, rows and counts together). The trend
samples those counts at each refresh over the last 12 hours and is kept on disk. The
attention list says which alerts are new, urgent and unacknowledged, once each, never
for those already there at start.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.api.client import JsmClient, Listing
from console.api.models import PRIORITIES, Alert
from console.base import paths
from console.base.bounded import FileProblem, finite, whole
from console.base.sanitize import clean

log = logging.getLogger(__name__)

TREND_WINDOW_S = 12 * 3600
TREND_STEP_S = 120.0  # one point per two minutes: 360 points over 12 hours
ATTENTION_HOLD_S = 600.0  # a new alert stays highlighted this long (or until acknowledged)
KNOWN_MAX = 20_000  # alerts remembered as seen (oldest forgotten first)
MAX_COUNT = 10**9  # a count read from disk past this is not one the service gave
TREND_MAX_BYTES = 1 << 20  # 360 points are ~40 KB


@dataclass(frozen=True)
class Counts:
    """The wall's counts at one moment: open and unacknowledged by priority, and acknowledged."""

    unacked: dict[str, int]  # open and unacknowledged, by priority P1..P5
    acked: int  # open and acknowledged
    at: datetime  # when the service gave them

    @property
    def open_total(self) -> int:
        return sum(self.unacked.values()) + self.acked

    def to_json(self) -> dict[str, Any]:
        return {"unacked": self.unacked, "acked": self.acked, "at": self.at.isoformat()}

    def kept(self) -> dict[str, Any]:
        """What is kept beside the page on disk (its time is the page's)."""
        return {"unacked": self.unacked, "acked": self.acked}

    @classmethod
    def summed(cls, each: Iterable[Counts]) -> Counts | None:
        """Several sites' counts as one (as old as the oldest), or None without any."""
        counts = list(each)
        if not counts:
            return None
        unacked = {p: sum(c.unacked[p] for c in counts) for p in PRIORITIES}
        return cls(unacked, sum(c.acked for c in counts), min(c.at for c in counts))

    @classmethod
    def from_json(cls, data: Any) -> Counts | None:
        """Counts kept on disk, or None unless each is a whole number in range."""
        try:
            unacked = {p: whole(data["unacked"][p], 0, MAX_COUNT) for p in PRIORITIES}
            acked = whole(data["acked"], 0, MAX_COUNT)
            return cls(unacked, acked, datetime.fromisoformat(data["at"]))
        except (TypeError, KeyError, ValueError):
            return None


def narrowed(query: str, clause: str) -> str:
    """``query`` and ``clause`` both: ``(status: open) AND priority: P1``."""
    query = query.strip()
    return f"({query}) AND {clause}" if query else clause


UNACKED = "status: open AND acknowledged: false"
ACKED = "status: open AND acknowledged: true"
URGENCY = {p: rank for rank, p in enumerate(PRIORITIES)}  # P1 first


@dataclass(frozen=True)
class WallListing(Listing):
    """The wall's rows, most urgent first, and the exact counts asked for in the same
    refresh: rows and counts always belong to the same query and moment."""

    counts: Counts | None = None


def urgency(alert: Alert) -> tuple[int, float]:
    """Sort key: priority (P1 first, unknown last), then newest first."""
    created = alert.created_at.timestamp() if alert.created_at is not None else 0.0
    return (URGENCY.get(alert.priority or "", len(PRIORITIES)), -created)


class WallPages:
    """How the wall asks for a refresh: six requests, whatever the query.

    1. the open, unacknowledged alerts of the query, by priority (a page of them);
    2. their counts for P1 to P4 (P5 is the page's total less those four);
    3. the open, acknowledged alerts, by priority (their total is their count).

    The rows are the unacknowledged before the acknowledged, each by priority then age, so
    every open unacknowledged P1 is on the page whenever there are fewer of them than rows.
    The spec does not say which way ``sort=priority`` runs: the simulator puts P1 first with
    ``desc``; a service that answers the other way round is noticed from the rows (a more
    urgent alert after a less urgent one) and asked again the other way, once, and from
    then on.
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.order = "desc"  # the sort order that puts P1 first, as far as we know

    async def fetch(self, client: JsmClient, query: str, size: int) -> WallListing:
        unacked, acked, counts = await self._ask(client, query, size)
        if _backwards(unacked.alerts) or _backwards(acked.alerts):
            self.order = "asc" if self.order == "desc" else "desc"
            log.info("the service sorts priority the other way: asking with order=%s", self.order)
            unacked, acked, counts = await self._ask(client, query, size)
        p5 = max(0, unacked.total - sum(counts))
        tallies = dict(zip(PRIORITIES, [*counts, p5], strict=True))
        rows = sorted(unacked.alerts, key=urgency)
        rows += sorted(acked.alerts, key=urgency)[: max(0, size - len(rows))]
        at = unacked.as_of or self.clock()  # through serve's relay: when the server polled
        return WallListing(
            rows,
            unacked.total + acked.total,
            0,
            size,
            None,
            unreadable=unacked.unreadable + acked.unreadable,
            as_of=unacked.as_of,
            counts=Counts(tallies, acked.total, at),
        )

    async def _ask(
        self, client: JsmClient, query: str, size: int
    ) -> tuple[Listing, Listing, list[int]]:
        unacked_q, acked_q = narrowed(query, UNACKED), narrowed(query, ACKED)
        by_priority = [narrowed(query, f"{UNACKED} AND priority: {p}") for p in PRIORITIES[:-1]]
        lists = asyncio.gather(
            client.list_alerts(unacked_q, sort="priority", order=self.order, size=size),
            client.list_alerts(acked_q, sort="priority", order=self.order, size=size),
        )
        counted = asyncio.gather(*(client.count_alerts(q) for q in by_priority))
        (unacked, acked), counts = await asyncio.gather(lists, counted)
        return unacked, acked, counts


def _backwards(alerts: list[Alert]) -> bool:
    """A less urgent alert before a more urgent one: the page runs P5 to P1."""
    ranks = [URGENCY[a.priority] for a in alerts if a.priority in URGENCY]
    return any(later < earlier for earlier, later in itertools.pairwise(ranks))


def not_shown(counts: Counts, shown: Iterable[Alert]) -> dict[str, int]:
    """What the counts say is open beyond the rows on screen: by priority (unacknowledged)
    and ``acked``."""
    unacked: dict[str, int] = dict.fromkeys(PRIORITIES, 0)
    acked = 0
    for alert in shown:
        if unacknowledged(alert) and alert.priority in unacked:
            unacked[alert.priority] += 1
        elif alert.is_open:
            acked += 1
    missing = {p: max(0, counts.unacked[p] - unacked[p]) for p in PRIORITIES}
    missing["acked"] = max(0, counts.acked - acked)
    return {k: n for k, n in missing.items() if n}


class Trend:
    """Open, unacknowledged alerts by priority over the last 12 hours, one point every two
    minutes (the newest point always the latest counts)."""

    def __init__(self, window_s: float = TREND_WINDOW_S, step_s: float = TREND_STEP_S) -> None:
        self.window_s = window_s
        self.step_s = step_s
        self.points: list[tuple[float, dict[str, int]]] = []  # (epoch seconds, counts)

    def add(self, at: float, counts: dict[str, int]) -> bool:
        """Sample ``counts``; True when a new point was started (worth keeping on disk)."""
        point = (at, {p: int(counts.get(p, 0)) for p in PRIORITIES})
        started = not self.points or at - self.points[-1][0] >= self.step_s
        if started:
            self.points.append(point)
        else:
            self.points[-1] = (self.points[-1][0], point[1])
        horizon = at - self.window_s
        while self.points and self.points[0][0] < horizon:
            self.points.pop(0)
        return started

    def series(self, priority: str) -> list[int]:
        return [counts[priority] for _at, counts in self.points]

    def to_json(self) -> list[Any]:
        return [[at, counts] for at, counts in self.points]

    def load(self, data: Any, now: float) -> None:
        """Points kept on disk (those of the window, the newest few hundred); ValueError
        unless each is a time and whole numbers in range."""
        try:
            points = [
                (finite(at, 0, 1e11), {p: whole(c[p], 0, MAX_COUNT) for p in PRIORITIES})
                for at, c in data
            ]
        except (TypeError, KeyError) as error:
            raise ValueError(f"not a list of points ({error})") from None
        kept = [(at, c) for at, c in points if now - self.window_s <= at <= now]
        self.points = kept[-(int(self.window_s / self.step_s) + 1) :]


BLOCKS = " ▁▂▃▄▅▆▇█"  # a column's height in eighths (a space is zero)


def bars(series: list[int], width: int, top: int) -> str:
    """``series`` as ``width`` columns of bars drawn from zero up to ``top`` (each column the
    largest value of its share of the points), so a fall from 25 to 24 on a scale of 25 looks
    like a fall of one in twenty-five, not like full to empty. The newest point is last."""
    if width <= 0 or not series:
        return ""
    if len(series) > width:
        # Buckets ending at the newest point: the last column is always the latest counts.
        step = len(series) / width
        series = [
            max(series[round(i * step) : max(round((i + 1) * step), round(i * step) + 1)])
            for i in range(width)
        ]
    scale = max(top, 1)
    columns = []
    for value in series:
        eighths = round(8 * min(value, scale) / scale)
        columns.append(BLOCKS[max(eighths, 1 if value > 0 else 0)])
    return "".join(columns).rjust(width)


class TrendStore:
    """A trend kept in the cache directory, one file per site and query (mode 600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, trend: Trend, now: float) -> None:
        """The kept trend into ``trend``; a damaged file is set aside, never fatal."""
        data = paths.read_cache(self.path, TREND_MAX_BYTES, "the wall's trend")
        if data is None:
            return
        try:
            trend.load(data, now)
        except ValueError as error:
            problem = FileProblem(self.path, f"does not hold a trend ({error})", kind="not-a-trend")
            paths.set_aside(problem, "the wall's trend")

    def save(self, trend: Trend) -> None:
        paths.write_json(self.path, trend.to_json(), TREND_MAX_BYTES)


def urgent(priority: str | None, threshold: str) -> bool:
    """At ``threshold`` or above (P1 is the most urgent)."""
    if priority not in PRIORITIES or threshold not in PRIORITIES:
        return False
    return PRIORITIES.index(priority) <= PRIORITIES.index(threshold)


def unacknowledged(alert: Alert) -> bool:
    return alert.is_open and not alert.acknowledged and alert.status != "acked"


class Attention:
    """Which alerts are new, urgent and unacknowledged: each said once, never for those
    there at the first look; a new one stays highlighted for 10 minutes or until someone
    acknowledges it."""

    def __init__(
        self,
        threshold: str = "P1",
        hold_s: float = ATTENTION_HOLD_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.hold_s = hold_s
        self._clock = clock
        self._known: OrderedDict[str, None] = OrderedDict()
        self._looked = False
        self.highlighted: dict[str, float] = {}  # alert id -> monotonic end

    def see(self, alerts: Iterable[Alert], *, first_look: bool = False) -> list[Alert]:
        """The new urgent alerts among ``alerts`` since the last look: none the first time,
        nor at the ``first_look`` at another view (its alerts were there before it showed)."""
        now = self._clock()
        new: list[Alert] = []
        for alert in alerts:
            if alert.key in self._known:
                self._known.move_to_end(alert.key)
            else:
                self._known[alert.key] = None
                if (
                    self._looked
                    and not first_look
                    and unacknowledged(alert)
                    and urgent(alert.priority, self.threshold)
                ):
                    new.append(alert)
                    self.highlighted[alert.key] = now + self.hold_s
            if alert.key in self.highlighted and not unacknowledged(alert):
                del self.highlighted[alert.key]  # acknowledged (or closed) elsewhere
        self._looked = True
        while len(self._known) > KNOWN_MAX:
            self._known.popitem(last=False)
        return new

    def expire(self) -> bool:
        """Drop highlights past their time; True when one ended."""
        now = self._clock()
        ended = [i for i, until in self.highlighted.items() if until <= now]
        for alert_id in ended:
            del self.highlighted[alert_id]
        return bool(ended)


def desktop_notification(title: str, body: str, form: str) -> str:
    """The escape sequence that asks the terminal for a desktop notification: OSC 9 (iTerm2,
    WezTerm, Windows Terminal, kitty's fallback…) or OSC 777 (urxvt, foot, VTE terminals).
    Both texts go through the sanitiser, so they can hold no sequence of their own; ``;``
    separates OSC 777's fields and is replaced there."""
    title, body = clean(title), clean(body)
    if form == "777":
        return f"\x1b]777;notify;{title.replace(';', ',')};{body.replace(';', ',')}\x1b\\"
    return f"\x1b]9;{title}: {body}\x1b\\"


def notification_form(environ: dict[str, str]) -> str:
    """Which form this terminal understands: 777 for VTE, urxvt and foot, else 9."""
    term = environ.get("TERM", "")
    if environ.get("VTE_VERSION") or "rxvt" in term or term.startswith("foot"):
        return "777"
    return "9"


VIEW_COUNT_EVERY_S = 60.0  # the saved views' tabs: at most one count per view per minute


class ViewCounts:
    """Live counts for the saved views' tabs: the service's ``count`` of each view's query,
    asked at a slower pace than the table, never more than once per view per minute. A view
    whose count failed keeps its last count (marked as old by the caller) or none."""

    def __init__(
        self,
        queries: dict[str, str],
        count: Callable[[str], Awaitable[int]],
        every_s: float = VIEW_COUNT_EVERY_S,
    ) -> None:
        self.queries = dict(queries)
        self.count = count  # the service's count of a query
        self.every_s = max(every_s, VIEW_COUNT_EVERY_S)
        self.counts: dict[str, int] = {}
        self.asked_at: dict[str, float] = {}  # monotonic, per view
        self.failed: set[str] = set()

    def due(self, now: float) -> list[str]:
        return [
            name
            for name in self.queries
            if now - self.asked_at.get(name, -self.every_s) >= self.every_s
        ]

    async def refresh(self, now: float) -> bool:
        """Count the views that are due; True when a count changed."""
        due = self.due(now)
        for name in due:
            self.asked_at[name] = now
        if not due:
            return False
        answers = await asyncio.gather(
            *(self.count(self.queries[name]) for name in due), return_exceptions=True
        )
        changed = False
        for name, answer in zip(due, answers, strict=True):
            if isinstance(answer, BaseException):
                if not isinstance(answer, Exception):
                    raise answer  # cancellation and the like go on up
                log.info("count of view %s failed: %s", clean(name), clean(str(answer)))
                changed |= name not in self.failed
                self.failed.add(name)
                continue
            changed |= self.counts.get(name) != answer or name in self.failed
            self.counts[name] = answer
            self.failed.discard(name)
        return changed
