"""The live alert feed: one page of one view, polled, diffed, and honest about its age.

:class:`AlertFeed` fetches the current page of the current view, compares it
with the last page it saw (which alerts came, changed, went; in what order),
and keeps the freshness of the data: when the service last confirmed it, and
why the last attempt failed if it did. It never runs two requests at once, and
after failures it asks for the next attempt later and later (capped, with
jitter). It knows nothing of Textual: the TUI calls :meth:`refresh` and draws.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from console.api import errors
from console.api.client import READ_HOLD_CAP_S, JsmClient, Listing, watching_retries
from console.api.models import Alert, read_tolerantly
from console.live.cache import Cached, PageCache

# The sort fields of the spec (insertedAt is createdAt again); the simulator takes more,
# but a real site need not.
SORT_FIELDS: tuple[str, ...] = ("createdAt", "lastOccurredAt", "priority")
DEFAULT_QUERY = "status: open"
RELAY_LAG_S = 1.0  # a relayed screen asks this long after the server's poll is due
RELAY_MIN_S = 1.0  # and, while that poll is late, no more often than this
# A changed page of the same view is written to the page cache at most this often (and when
# the console closes): writing it at every refresh cost ~2.4 ms of a 15 ms refresh.
KEEP_EVERY_S = 60.0


@dataclass(frozen=True)
class View:
    """What the table shows: a query, an order, a page."""

    query: str = DEFAULT_QUERY
    sort: str = "createdAt"
    order: str = "desc"
    offset: int = 0
    size: int = 50


class ViewRejected(Exception):
    """The service refused the new view (a malformed query, say); the last good view is back."""

    def __init__(self, error: errors.ApiError, rejected: View, restored: View) -> None:
        super().__init__(str(error))
        self.error = error
        self.rejected = rejected
        self.restored = restored


@dataclass(frozen=True)
class Update:
    """One successful refresh: the page in the service's order, and what moved since the last."""

    view: View
    listing: Listing
    alerts: dict[str, Alert]
    order: list[str]
    added: frozenset[str]
    changed: frozenset[str]
    removed: frozenset[str]
    fresh_view: bool  # the first page of a new view: nothing to compare with
    at: datetime  # when the service confirmed this data
    cached: bool = False  # from the disk, from an earlier run: not confirmed by this one

    @property
    def total(self) -> int:
        return self.listing.total

    @classmethod
    def from_cache(cls, view: View, listing: Listing, at: datetime) -> Update:
        """A page kept from an earlier run, shown as such (``cached``) until confirmed."""
        by_key = {a.key: a for a in listing.alerts}
        return cls(
            view=view,
            listing=listing,
            alerts=by_key,
            order=list(by_key),
            added=frozenset(by_key),
            changed=frozenset(),
            removed=frozenset(),
            fresh_view=True,
            at=at,
            cached=True,
        )


Condition = Literal["live", "waiting", "retrying", "overdue", "failing"]


@dataclass(frozen=True)
class Verdict:
    """What a screen may say about its data now, in one place for every screen.

    - ``live``: the last refresh worked and is younger than two intervals (the only green);
    - ``waiting``: no answer yet since the start (nothing to vouch for);
    - ``retrying``: a refresh is in flight and an attempt of it failed (amber, at once);
    - ``overdue``: no failure known, but no new data for more than two intervals (amber);
    - ``failing``: the last refresh failed, retries and all (the problem colour).
    """

    condition: Condition
    reason: str | None = None  # why not live, in a few words (the service's words in it)
    retry_in: float | None = None  # seconds until the next attempt, when one is planned
    attempt: int = 0  # the attempt that failed last, in the refresh in flight

    @property
    def live(self) -> bool:
        return self.condition == "live"

    @property
    def trouble(self) -> bool:
        """Worth a warning: anything but live and waiting."""
        return self.condition in ("retrying", "overdue", "failing")

    def words(self) -> str:
        """The reason with what happens next: "cannot connect …; retrying (attempt 2) in 1 s"."""
        text = self.reason or ""
        if self.retry_in is not None:
            after = f" (attempt {self.attempt + 1})" if self.condition == "retrying" else ""
            when = f" in {self.retry_in:.0f} s" if self.retry_in >= 0.5 else " now"
            text += f"; retrying{after}{when}"
        return text


@dataclass
class Freshness:
    """How old the data is, and why it is not fresher."""

    confirmed_at: datetime | None = None  # wall clock, for display
    confirmed_mono: float | None = None  # monotonic, for age
    error: errors.ApiError | None = None
    failures: int = 0  # whole refreshes failed in a row (their retries spent)
    retry_at: float | None = None  # monotonic time of the next attempt after a failure
    failing_since: datetime | None = None  # wall clock of the first failure in a row
    attempts: int = 0  # failed attempts of the refresh in flight (the client retries them)
    asking_since: float | None = None  # monotonic: a refresh has been in flight since
    # Of several sites, the one this is about (its name leads every reason), or "".
    who: str = ""

    def age(self, now: float | None = None) -> float | None:
        if self.confirmed_mono is None:
            return None
        return (now if now is not None else time.monotonic()) - self.confirmed_mono

    def stale(self, interval_s: float, now: float | None = None) -> bool:
        """Past twice the refresh interval, the data is stale (the roadmap's wall mode dims it)."""
        age = self.age(now)
        return age is None or age > 2 * interval_s

    def verdict(self, interval_s: float, now: float | None = None) -> Verdict:
        """What may be said of the data at ``now`` (see :class:`Verdict`)."""
        verdict = self._verdict(interval_s, now)
        if self.who and verdict.reason:
            return replace(verdict, reason=f"{self.who}: {verdict.reason}")
        return verdict

    def _verdict(self, interval_s: float, now: float | None) -> Verdict:
        now = time.monotonic() if now is None else now
        retry_in = None if self.retry_at is None else self.retry_at - now
        if self.error is not None and self.failures:
            return Verdict("failing", describe(self.error), retry_in)
        if self.error is not None:
            return Verdict("retrying", describe(self.error), retry_in, self.attempts)
        if self.confirmed_mono is None:
            return Verdict("waiting")
        age = now - self.confirmed_mono
        if age > 2 * interval_s:
            if self.asking_since is not None:
                reason = f"no answer for {now - self.asking_since:.0f} s"
            else:
                reason = f"no new data for {age:.0f} s"
            return Verdict("overdue", reason)
        return Verdict("live")


def describe(error: errors.ApiError) -> str:
    """Why the data is not fresh, in a few words."""
    if isinstance(error, errors.TransportError):
        return error.message
    if isinstance(error, errors.Unauthorized):
        return f"401: token rejected ({error.message})"
    if isinstance(error, errors.Forbidden):
        return f"403: not allowed ({error.message})"
    if isinstance(error, errors.RateLimited):
        return f"429: rate limited by {error.service or 'the service'}"
    if isinstance(error, errors.MalformedResponse):
        return f"{error.status}: {error.message}"
    return str(error)


class Feed(Protocol):
    """What every live panel reads, whatever it shows (alerts, on-call, heartbeats): a
    refresh that may fail, how fresh its data is and why not fresher, and when to ask next.
    A screen or panel built on it (console.tui.live.LiveCycle) gets the same freshness
    rules: the verdict of :class:`Freshness`, the backoff, never two refreshes at once."""

    interval_s: float

    @property
    def freshness(self) -> Freshness:
        """How fresh the data is, and why not fresher."""
        ...

    @property
    def busy(self) -> bool:
        """A refresh is in flight."""
        ...

    async def refresh(self, *, force: bool = False) -> object | None:
        """Ask the service; the new data, or None when a refresh was already running.
        A failure raises the client's ApiError after recording it in ``freshness``."""
        ...

    def next_delay(self) -> float:
        """Seconds until the next refresh: the interval, or the backoff after a failure."""
        ...

    def record_bug(self, error: Exception) -> None:
        """A bug of ours broke a refresh: shown as the reason, backed off like a failure."""
        ...


class AlertSource(Feed, Protocol):
    """What the alert view and the wall read: pages of alerts of a view. One site's
    (:class:`AlertFeed`) or several merged (console.live.sites.SitesFeed)."""

    view: View
    kept_extra: dict[str, Any]

    @property
    def clock(self) -> Callable[[], datetime]:
        """The wall clock the data is dated by."""
        ...

    @property
    def last(self) -> Update | None: ...

    @property
    def site(self) -> str:
        """Which site(s) the data comes from, for files kept per site."""
        ...

    @property
    def rate_wait_s(self) -> float: ...

    async def refresh(self, *, force: bool = False) -> Update | None: ...

    def set_view(self, view: View) -> None: ...

    def page(self, delta: int) -> View: ...

    def cached(self) -> Update | None: ...

    def keep_extra(self, extra: dict[str, Any]) -> None: ...

    def flush(self) -> None:
        """Write what was held back from the page cache (the console is closing)."""
        ...

    def start_early(self) -> None: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AlertFeed:
    """One alert view, refreshed: its pages, their freshness, its backoff and its counts."""

    client: JsmClient
    view: View = field(default_factory=View)
    interval_s: float = 15.0
    max_backoff_s: float = 120.0
    freshness: Freshness = field(default_factory=Freshness)
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = _utc_now  # when the service confirmed a page (wall clock)
    cache: PageCache | None = None  # the last good page, kept on disk for the next start
    _last: Update | None = None
    _running: int = 0  # fetches in flight (a cancelled one may still be winding down)
    _generation: int = 0
    _early: asyncio.Task[Update | None] | None = None
    _kept: Listing | None = None
    _kept_mono: float | None = None  # when the page was last written (monotonic)
    _unsaved: Update | None = None  # a newer page than the one on disk, written by flush()
    _last_saved_view: View | None = None
    # What a screen keeps on disk beside the page (the wall's counts), for the view in force.
    kept_extra: dict[str, Any] = field(default_factory=dict)
    # How a page is asked for: the client's list of the view by default; the wall asks for
    # its rows by urgency, with their counts (console.live.wall.WallPages).
    fetch_page: Callable[[JsmClient, View], Awaitable[Listing]] | None = None

    # The site's own name when the client talks to a stand-in (serve's relay): files kept per
    # site (the trend) are then the site's, not the relay's of the day.
    site_key: str | None = None
    # The site's name (its profile's) when the console shows several: every alert is told.
    site_name: str = ""

    @property
    def site(self) -> str:
        """Which site the data comes from (for files kept per site), never the client."""
        return self.site_key or self.client.site

    @property
    def rate_wait_s(self) -> float:
        """Seconds the service's rate limit still holds this feed's requests back."""
        return self.client.gate.remaining

    def start_early(self) -> None:
        """Ask for the first page now, before the screen that shows it is built; the first
        :meth:`refresh` then waits for this answer instead of asking again."""
        if self._early is None and self._last is None:
            self._early = asyncio.get_running_loop().create_task(self._fetch())

    @property
    def busy(self) -> bool:
        return self._running > 0

    @property
    def last(self) -> Update | None:
        return self._last

    def set_view(self, view: View) -> None:
        """Show another query, order or page from the next refresh on."""
        if view != self.view:
            self.view = view
            self._generation += 1
            self.kept_extra = {}  # the old view's: not to be written beside the new one

    def page(self, delta: int) -> View:
        """The view ``delta`` pages away (negative: back), clamped to the first page."""
        offset = max(0, self.view.offset + delta * self.view.size)
        return replace(self.view, offset=offset)

    async def refresh(self, *, force: bool = False) -> Update | None:
        """Fetch and diff the current page. None when a refresh was already running (unless
        ``force``: a new view goes at once, while the one it replaces is being cancelled).

        Raises ViewRejected when the service refuses a view that has not worked yet
        (the view goes back to the last good one; freshness is untouched), and the
        client's ApiError otherwise, after recording it in freshness. Either way the
        last good data stays in :attr:`last`.
        """
        early, self._early = self._early, None
        if early is not None:
            return await early
        return await self._fetch(force)

    async def _fetch(self, force: bool = False) -> Update | None:
        if self._running and not force:
            return None
        self._running += 1
        if self.freshness.asking_since is None:
            self.freshness = replace(self.freshness, asking_since=time.monotonic())
        generation = self._generation
        view = self.view
        try:
            with watching_retries(self._attempt_failed):
                if self.fetch_page is not None:
                    listing = await self.fetch_page(self.client, view)
                else:
                    listing = await self.client.list_alerts(
                        view.query,
                        sort=view.sort,
                        order=view.order,
                        offset=view.offset,
                        size=view.size,
                    )
        except (errors.Unprocessable, errors.BadRequest) as error:
            last = self._last
            if last is not None and last.view != view:
                self.view = last.view
                self._generation += 1
                raise ViewRejected(error, view, last.view) from None
            self._failed(error)
            raise
        except errors.ApiError as error:
            self._failed(error)
            raise
        finally:
            self._running -= 1
            if not self._running and self.freshness.asking_since is not None:
                self.freshness = replace(self.freshness, asking_since=None)
        if generation != self._generation:
            # The view changed while we waited; this answer is for the old one.
            return None
        if self.site_name:
            for alert in listing.alerts:
                alert.at_site(self.site_name)
        update = self._diff(view, listing)
        self._last = update
        # Through a relay the data is as old as the server's poll of it, not this answer.
        behind = 0.0 if listing.as_of is None else (self.clock() - update.at).total_seconds()
        self.freshness = Freshness(
            confirmed_at=update.at, confirmed_mono=time.monotonic() - max(0.0, behind)
        )
        self._keep(update)
        return update

    def _attempt_failed(self, error: errors.ApiError, attempt: int, wait: float) -> None:
        """An attempt of the refresh in flight failed and the client will try again: said at
        once (a screen turns amber), not when the whole retry budget is spent. A rotation or
        a new view that cancels the refresh does not cancel this evidence."""
        fresh = self.freshness
        self.freshness = replace(
            fresh,
            error=error,
            attempts=attempt,
            retry_at=time.monotonic() + wait,
            failing_since=fresh.failing_since or self.clock(),
        )

    # ------------------------------------------------------------------ the disk

    def cache_key(self, view: View | None = None) -> str:
        view = view or self.view
        return f"{view.query}\n{view.sort} {view.order}\n{view.offset} {view.size}"

    def cached(self) -> Update | None:
        """The last good page of this view from an earlier run (None: nothing kept), to show,
        marked as cached, until the service answers."""
        if self.cache is None:
            return None
        kept = self.cache.load(self.cache_key())
        if kept is None:
            return None
        self.kept_extra = kept.extra
        alerts = [
            a.at_site(self.site_name)
            for raw in kept.values
            if (a := read_tolerantly(Alert, raw)) is not None
        ]
        listing = Listing(alerts, kept.count, kept.offset, kept.size, None)
        return Update.from_cache(self.view, listing, kept.at)

    def keep_extra(self, extra: dict[str, Any]) -> None:
        """Keep ``extra`` on disk beside the last page (written only when it changed)."""
        if extra == self.kept_extra:
            return
        self.kept_extra = dict(extra)
        if self._last is not None and not self._last.cached:
            self._save(self._last)

    def _keep(self, update: Update) -> None:
        """Keep the page on disk for the next start: a new view's at once, a changed page of
        the same view at most every :data:`KEEP_EVERY_S` (its file says when the service
        confirmed it, so an older one is shown as older), the latest at :meth:`flush`."""
        if self.cache is None or update.listing is self._kept:
            return  # the same answer as last time (the client hands back the same listing)
        if (
            self._kept_mono is not None
            and self._last_saved_view == update.view
            and time.monotonic() - self._kept_mono < KEEP_EVERY_S
        ):
            self._unsaved = update
            return
        if self._unsaved is not None and self._unsaved.view != update.view:
            self.flush()  # the page of the view before, held back: its file gets it first
        self._save(update)

    def flush(self) -> None:
        """The console is closing: the newest page is written if it was held back."""
        if self._unsaved is not None:
            self._save(self._unsaved)

    def _save(self, update: Update) -> None:
        if self.cache is None:
            return
        self._kept = update.listing
        self._kept_mono = time.monotonic()
        self._unsaved = None
        self._last_saved_view = update.view
        listing = update.listing
        self.cache.save(
            self.cache_key(update.view),
            Cached(
                at=update.at,
                values=[a.raw for a in listing.alerts],
                count=listing.total,
                offset=listing.offset,
                size=listing.size,
                extra=self.kept_extra,
            ),
        )

    def _diff(self, view: View, listing: Listing) -> Update:
        alerts = {a.key: a for a in listing.alerts}
        order = list(alerts)
        last = self._last
        fresh = last is None or last.view != view
        if fresh or last is None:
            added: set[str] = set(alerts)
            changed: set[str] = set()
            removed: set[str] = set()
        else:
            before = last.alerts
            added = {i for i in alerts if i not in before}
            removed = {i for i in before if i not in alerts}
            # The client hands back the very same Alert when nothing in it changed.
            changed = {
                i
                for i in alerts
                if i in before and alerts[i] is not before[i] and alerts[i] != before[i]
            }
        return Update(
            view=view,
            listing=listing,
            alerts=alerts,
            order=order,
            added=frozenset(added),
            changed=frozenset(changed),
            removed=frozenset(removed),
            fresh_view=fresh,
            at=listing.as_of or self.clock(),
        )

    def record_bug(self, error: Exception) -> None:
        """A bug of ours broke this refresh: shown as why the data is not fresh, and backed off
        like any failure (never repeated at full speed)."""
        self._failed(
            errors.ApiError(f"internal error ({type(error).__name__}); see the crash file")
        )

    def _failed(self, error: errors.ApiError) -> None:
        fresh = self.freshness
        failures = fresh.failures + 1
        delay = self._backoff(failures, error)
        self.freshness = replace(
            fresh,
            error=error,
            failures=failures,
            attempts=0,
            retry_at=time.monotonic() + delay,
            failing_since=fresh.failing_since or self.clock(),
        )

    def next_delay(self) -> float:
        """Seconds until the next refresh: the interval, or after a failure exactly the retry
        the header announces (``freshness.retry_at``)."""
        fresh = self.freshness
        if fresh.failures == 0 or fresh.retry_at is None:
            last = self._last
            if last is not None and last.listing.as_of is not None and not last.cached:
                # Through serve's relay: ask again just after the server's next poll, so every
                # screen shows each poll a moment after it (and never a poll late).
                due = (last.at - self.clock()).total_seconds() + self.interval_s + RELAY_LAG_S
                return min(self.interval_s, max(RELAY_MIN_S, due))
            return self.interval_s
        return max(0.0, fresh.retry_at - time.monotonic())

    def _backoff(self, failures: int, error: errors.ApiError) -> float:
        """A growing, jittered delay after ``failures`` failures in a row."""
        backoff = min(self.max_backoff_s, self.interval_s * 2 ** (failures - 1))
        backoff = self.rng.uniform(backoff * 0.8, backoff)
        if error.retry_after:
            # The service's Retry-After, but never more than the client's cap for reads.
            backoff = max(backoff, min(error.retry_after, READ_HOLD_CAP_S))
        return backoff
