"""Several sites in one table: each site's own feed, merged in the view's order.

No Textual here. A :class:`SitesFeed` holds one :class:`~console.live.feed.AlertFeed` per
site (its own client, credentials, page cache, freshness and backoff) and shows them as one
feed: every refresh asks each site for its page at the same time (one list request per site,
never more because another is slow), then merges the pages in the view's order and keeps the
first ``size`` rows. Paging runs behind the scenes per site: a page remembers how many rows it
took from each site, so the next one asks each site from there: every alert is seen once as
pages advance, none skipped when a site has fewer.

Each site keeps its own freshness: a site that is down, rate-limited or refusing the token
keeps its last rows (marked stale, with its own reason) and never hides the other sites' rows
or turns them stale. The combined freshness (what a wall's all-clear needs) is the worst of
the sites'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from console.api import errors
from console.api.client import Listing
from console.api.models import PRIORITIES, Alert
from console.live.feed import AlertFeed, Freshness, Update, Verdict, View, ViewRejected
from console.live.wall import Counts, WallListing, urgency

SEVERITY = {"live": 0, "waiting": 1, "retrying": 2, "overdue": 3, "failing": 4}
RANK = {p: len(PRIORITIES) - i for i, p in enumerate(PRIORITIES)}  # P1 highest, as desc puts first


@dataclass
class Site:
    """One site of several: its profile's name and colour, its feed, whether it is read-only."""

    name: str
    feed: AlertFeed
    color: str | None = None
    read_only: bool = False


@dataclass(frozen=True)
class SitesListing(Listing):
    """A merged page: its rows, the total of every site, and each site's own total."""

    totals: dict[str, int] = field(default_factory=dict)
    counts_by_site: dict[str, Counts] = field(default_factory=dict)  # the wall's, per site
    counts: Counts | None = None  # the wall's, summed


def _when(alert: Alert, sort: str) -> float:
    moment = alert.last_occurred_at if sort == "lastOccurredAt" else alert.created_at
    return moment.timestamp() if moment is not None else 0.0


def sort_key(view: View, wall: bool) -> Callable[[tuple[int, int, Alert]], Any]:
    """How merged rows are ordered: the wall's urgency, or the view's sort field and order
    (ties by site, then each site's own order)."""
    if wall:
        return lambda row: (
            0 if (row[2].is_open and not row[2].acknowledged) else 1,
            urgency(row[2]),
            row[0],
            row[1],
        )
    sign = -1.0 if view.order == "desc" else 1.0

    def key(row: tuple[int, int, Alert]) -> Any:
        site, index, alert = row
        value = (
            float(RANK.get(alert.priority or "", 0))
            if view.sort == "priority"
            else _when(alert, view.sort)
        )
        return (sign * value, site, index)

    return key


class SitesFeed:
    def __init__(
        self,
        sites: list[Site],
        view: View,
        *,
        interval_s: float,
        wall: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sites = sites
        self.view = view
        self.interval_s = interval_s
        self.wall = wall
        self.clock = clock
        self._cursors: list[dict[str, int]] = [{s.name: 0 for s in sites}]
        self._taken: dict[str, int] = {}
        self._last: Update | None = None
        self._running = 0
        self._tasks: dict[str, asyncio.Task[Update | None]] = {}  # each site's request
        self._good = view  # the last view every site took
        # How long a refresh waits for a slow site before it shows the others.
        self.patience_s = min(max(1.0, interval_s / 3), 5.0)
        self.kept_extra: dict[str, Any] = {}  # (the wall keeps its counts per site feed)
        self.rejected: dict[str, str] = {}  # site -> why it refused the view's query

    # ------------------------------------------------------------------ what screens read

    @property
    def busy(self) -> bool:
        return self._running > 0

    @property
    def last(self) -> Update | None:
        return self._last

    @property
    def site(self) -> str:
        return "+".join(s.feed.site for s in self.sites)

    @property
    def rate_wait_s(self) -> float:
        return max((s.feed.rate_wait_s for s in self.sites), default=0.0)

    def verdicts(self, now: float | None = None) -> list[tuple[Site, Verdict, Freshness]]:
        """Each site, what may be said of its data, and its freshness (for one dot each)."""
        return [
            (s, s.feed.freshness.verdict(s.feed.interval_s, now), s.feed.freshness)
            for s in self.sites
        ]

    def stale_sites(self, now: float | None = None) -> frozenset[str]:
        """The sites whose rows are not fresh now (their last good ones, or none yet)."""
        return frozenset(s.name for s, v, _f in self.verdicts(now) if not v.live)

    @property
    def freshness(self) -> Freshness:
        """The worst of the sites': what the whole may vouch for (a wall's all-clear needs
        every site fresh). Its reason names the site."""
        worst: tuple[Site, Verdict, Freshness] | None = None
        for row in self.verdicts():
            if worst is None or SEVERITY[row[1].condition] > SEVERITY[worst[1].condition]:
                worst = row
        assert worst is not None
        site, _verdict, fresh = worst
        rows = self.verdicts()
        oldest = [f.confirmed_mono for _s, _v, f in rows if f.confirmed_mono]
        confirmed = [f.confirmed_at for _s, _v, f in rows if f.confirmed_at]
        return replace(
            fresh,
            who=site.name,
            confirmed_mono=min(oldest) if len(oldest) == len(self.sites) else None,
            confirmed_at=min(confirmed) if len(confirmed) == len(self.sites) else None,
        )

    # ------------------------------------------------------------------ the view

    def set_view(self, view: View) -> None:
        if view == self.view:
            return
        same = replace(view, offset=0) == replace(self.view, offset=0)
        if not same or view.offset == 0:
            self._cursors = [{s.name: 0 for s in self.sites}]
        elif view.offset > self.view.offset:
            self._cursors.append(
                {s.name: self._cursors[-1][s.name] + self._taken.get(s.name, 0) for s in self.sites}
            )
        elif len(self._cursors) > 1:
            self._cursors.pop()
        self.view = view
        for site in self.sites:
            site.feed.set_view(self._site_view(site))

    def page(self, delta: int) -> View:
        offset = max(0, self.view.offset + delta * self.view.size)
        return replace(self.view, offset=offset)

    def _site_view(self, site: Site) -> View:
        return replace(self.view, offset=self._cursors[-1][site.name])

    # ------------------------------------------------------------------ refreshing

    async def refresh(self, *, force: bool = False) -> Update | None:
        """Each site's page at once, merged. A site that is slow (down, retrying, held back by
        its rate limit) is not waited for past :attr:`patience_s`: its request goes on, and its
        rows join when it answers; meanwhile the others refresh at their pace. A site that
        fails keeps its last rows, marked stale. Raises only when no site has anything to
        show: the view rejected by every site, or the first site's error."""
        if self._running and not force:
            return None
        self._running += 1
        try:
            for site in self.sites:
                site.feed.set_view(self._site_view(site))
                task = self._tasks.get(site.name)
                if task is None or task.done() or force:
                    self._tasks[site.name] = self._ask(site, force)
            asked = [self._tasks[s.name] for s in self.sites]
            await asyncio.wait(asked, timeout=self.patience_s)
            while not any(s.feed.last for s in self.sites) and not all(t.done() for t in asked):
                # Nothing to show yet: the first site to answer is worth waiting for.
                await asyncio.wait(
                    [t for t in asked if not t.done()], return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            self._running -= 1
        failures: list[Exception] = []
        for site in self.sites:
            task = self._tasks[site.name]
            if not task.done() or task.cancelled():
                continue
            failure = task.exception()
            if failure is None:
                self.rejected.pop(site.name, None)
            elif isinstance(failure, Exception):
                failures.append(failure)
                if isinstance(failure, ViewRejected):
                    self.rejected[site.name] = str(failure.error)
            else:
                raise failure
        every_site_refused = len(failures) == len(self.sites) and all(
            isinstance(f, ViewRejected) for f in failures
        )
        if every_site_refused:
            # Back to the last view that worked (its first page: each site's place in it
            # went with the view that replaced it).
            rejected, good = self.view, replace(self._good, offset=0)
            self.view, self._cursors = good, [{s.name: 0 for s in self.sites}]
            for site in self.sites:
                site.feed.set_view(self._site_view(site))
            error = failures[0]
            assert isinstance(error, ViewRejected)
            raise ViewRejected(error.error, rejected, good)
        if all(s.feed.last is None for s in self.sites):
            if failures and isinstance(failures[0], errors.ApiError):
                raise failures[0]
            return None
        update = self._merge()
        self._last = update
        if not self.rejected:
            self._good = self.view
        return update

    def _ask(self, site: Site, force: bool) -> asyncio.Task[Update | None]:
        task = asyncio.ensure_future(site.feed.refresh(force=force))
        # Its outcome is read at the next refresh (or it was superseded): never an
        # "exception was never retrieved" at exit.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return task

    def flush(self) -> None:
        for site in self.sites:
            site.feed.flush()

    def stop(self) -> None:
        """The console is closing: the requests still out are abandoned."""
        for task in self._tasks.values():
            task.cancel()

    def _merge(self) -> Update:
        rows: list[tuple[int, int, Alert]] = []
        totals: dict[str, int] = {}
        by_site: dict[str, Counts] = {}
        for number, site in enumerate(self.sites):
            last = site.feed.last
            if last is None or last.view.query != self.view.query:
                continue  # nothing of this view yet (or it refused the query): said apart
            totals[site.name] = last.total
            if isinstance(last.listing, WallListing) and last.listing.counts is not None:
                by_site[site.name] = last.listing.counts
            rows += [(number, i, last.alerts[k]) for i, k in enumerate(last.order)]
        rows.sort(key=sort_key(self.view, self.wall))
        page = rows[: self.view.size]
        self._taken = {}
        for _number, _index, alert in page:
            self._taken[alert.site] = self._taken.get(alert.site, 0) + 1
        more = any(
            s.feed.last is not None
            and (
                s.feed.last.listing.has_next or self._taken.get(s.name, 0) < len(s.feed.last.order)
            )
            for s in self.sites
            if s.name in totals
        )
        alerts = {a.key: a for _n, _i, a in page}
        order = [a.key for _n, _i, a in page]
        summed = Counts.summed(by_site.values())
        listing = SitesListing(
            list(alerts.values()),
            sum(totals.values()),
            self.view.offset,
            self.view.size,
            "sites" if more else None,
            totals=totals,
            counts_by_site=by_site,
            counts=summed,
        )
        before = self._last
        fresh = before is None or replace(before.view, offset=0) != replace(self.view, offset=0)
        fresh = fresh or (before is not None and before.view.offset != self.view.offset)
        if fresh or before is None:
            added, changed, removed = set(alerts), set(), set()
        else:
            added = {k for k in alerts if k not in before.alerts}
            removed = {k for k in before.alerts if k not in alerts}
            changed = {
                k
                for k in alerts
                if k in before.alerts
                and alerts[k] is not before.alerts[k]
                and alerts[k] != before.alerts[k]
            }
        confirmed = [s.feed.last.at for s in self.sites if s.feed.last is not None]
        return Update(
            view=self.view,
            listing=listing,
            alerts=alerts,
            order=order,
            added=frozenset(added),
            changed=frozenset(changed),
            removed=frozenset(removed),
            fresh_view=fresh,
            at=min(confirmed) if confirmed else self.clock(),
        )

    def next_delay(self) -> float:
        return min(s.feed.next_delay() for s in self.sites)

    def record_bug(self, error: Exception) -> None:
        for site in self.sites:
            site.feed.record_bug(error)

    def start_early(self) -> None:
        for site in self.sites:
            site.feed.start_early()

    def cached(self) -> Update | None:
        """Each site's last page from an earlier run, merged, marked as cached."""
        kept = [(s, s.feed.cached()) for s in self.sites]
        if not any(update is not None for _s, update in kept):
            return None
        rows: list[tuple[int, int, Alert]] = []
        for number, (_site, update) in enumerate(kept):
            if update is not None:
                rows += [(number, i, update.alerts[k]) for i, k in enumerate(update.order)]
        rows.sort(key=sort_key(self.view, self.wall))
        page = [a for _n, _i, a in rows[: self.view.size]]
        totals = {s.name: u.total for s, u in kept if u is not None}
        by_site: dict[str, Counts] = {}
        for site, update in kept:  # the wall's counts, kept beside each site's page
            old = site.feed.kept_extra.get("counts")
            if update is not None and isinstance(old, dict):
                counts = Counts.from_json({**old, "at": update.at.isoformat()})
                if counts is not None:
                    by_site[site.name] = counts
        listing = SitesListing(
            page,
            sum(totals.values()),
            0,
            self.view.size,
            None,
            totals=totals,
            counts_by_site=by_site,
            # The sums only when every site kept its own: a part is never shown as the whole.
            counts=Counts.summed(by_site.values()) if len(by_site) == len(self.sites) else None,
        )
        return Update.from_cache(self.view, listing, min(u.at for _s, u in kept if u is not None))

    def keep_extra(self, extra: dict[str, Any]) -> None:
        """The wall keeps its counts per site, in each site's own page file."""
        counts = extra.get("counts_by_site")
        if not isinstance(counts, dict):
            return
        for site in self.sites:
            if site.name in counts:
                site.feed.keep_extra({"counts": counts[site.name]})
