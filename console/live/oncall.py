"""Who is on call, and which monitors went silent: two feeds beside the alert feed.

No Textual here. Both follow the Feed protocol (console.live.feed), so a panel or the wall
refreshes them on the alerts' own freshness rules, each with its own age and reason; a
panel whose reads the site refuses (402: the plan has no heartbeats; 403, 401: a missing
scope or permission) says so once and stops asking, and never turns the alerts stale.

On-call: per schedule of the teams in view, one timeline read a refresh (now, next and
when the shift changes, all from it), at most every five minutes and again just after each
shift change: about 13 reads an hour per schedule. The list of schedules is read once an
hour. Heartbeats: one list read per team a refresh (teams with more than 100 page).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Generic, TypeVar

from console.api import errors
from console.api.models import SITE_SEPARATOR, alert_key
from console.live.feed import Freshness

if TYPE_CHECKING:  # the reads load with the first of them, not at the console's start
    from console.api.client import JsmClient
    from console.api.directory import PlatformTeam, Schedule
    from console.api.models import Alert
    from console.api.oncall import Heartbeat, HeartbeatApi, OnCallApi, ScheduleTimeline

ONCALL_EVERY_S = 300.0  # on-call is read at most this often (and just after a handover)
HEARTBEATS_EVERY_S = 60.0  # heartbeats are read at most this often (see heartbeats_every)
HANDOVER_LAG_S = 2.0  # read this long after a shift change, when the service has it
SCHEDULES_EVERY_S = 3600.0  # the list of schedules (and teams) is read once an hour
TIMELINE_DAYS = 8  # the timeline read: today and the week after (a weekly shift's end)
MAX_BACKOFF_S = 300.0


def heartbeats_every(refresh_s: float, at_least_s: float | None = None) -> float:
    """How often heartbeats are read: once a minute (``at_least_s``), or at the alerts' pace
    when that is slower. Each read is one request per team, and a site may have dozens of
    teams: at the alerts' 15 s that was 48 requests a minute for the demo's 12 teams, most of
    an idle console's CPU. A heartbeat that goes silent raises its own alert, which the alert
    view shows at its own pace; the panel, the header's count and the wall's line follow
    within the minute."""
    return max(refresh_s, HEARTBEATS_EVERY_S if at_least_s is None else at_least_s)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PanelFeed:
    """What the two feeds share: freshness, backoff, and giving up for good on a refusal."""

    interval_s: float
    clock: Callable[[], datetime] = _now
    freshness: Freshness = field(default_factory=Freshness)
    unavailable: str | None = None  # why these reads are not made at all
    requests: int = 0  # requests made, for the budget's figure
    client: JsmClient | None = None  # the reads are built on it at the first refresh
    _running: int = 0

    @property
    def busy(self) -> bool:
        return self._running > 0

    async def refresh(self, *, force: bool = False) -> object | None:
        raise NotImplementedError

    def record_bug(self, error: Exception) -> None:
        self._failed(errors.ApiError(f"internal error ({type(error).__name__})"))

    def _confirmed(self) -> None:
        self.freshness = Freshness(confirmed_at=self.clock(), confirmed_mono=time.monotonic())

    def _failed(self, error: errors.ApiError) -> None:
        fresh = self.freshness
        failures = fresh.failures + 1
        delay = min(MAX_BACKOFF_S, self.interval_s * 2 ** (failures - 1))
        if error.retry_after:
            delay = max(delay, error.retry_after)
        self.freshness = replace(
            fresh,
            error=error,
            failures=failures,
            retry_at=time.monotonic() + delay,
            failing_since=fresh.failing_since or self.clock(),
        )

    def _refused(self, error: errors.ApiError) -> bool:
        """A refusal for good: the panel says it in one line and asks no more."""
        if isinstance(error, errors.PaymentRequired):
            self.unavailable = "the site's plan has no heartbeats (402)"
        elif isinstance(error, errors.Forbidden):
            self.unavailable = f"403: not allowed ({error.message})"
        elif isinstance(error, errors.Unauthorized) and "scope" in error.message.casefold():
            self.unavailable = "401: the token lacks the scope for these reads"
        else:
            return False
        self.freshness = replace(self.freshness, error=error)
        return True

    def next_delay(self) -> float:
        if self.unavailable is not None:
            return 24 * 3600.0  # not asked again (a restart asks once more)
        fresh = self.freshness
        if fresh.failures and fresh.retry_at is not None:
            return max(0.0, fresh.retry_at - time.monotonic())
        return self.interval_s

    @property
    def doubtful(self) -> bool:
        """Its data cannot be vouched for now: a read failing, retried or overdue (not the
        first answer awaited, nor a refusal for good, which says so for itself)."""
        return self.unavailable is None and self.freshness.verdict(self.interval_s).trouble

    def verdict_reason(self) -> str | None:
        """Why the panel's data is not fresh, in a few words (None: it is)."""
        if self.unavailable is not None:
            return self.unavailable
        verdict = self.freshness.verdict(self.interval_s)
        return None if verdict.live else (verdict.reason or "waiting for the first answer")


F = TypeVar("F", bound=PanelFeed)


def teams_of(alerts: Iterable[Alert]) -> set[str]:
    """The teams an alert page is about: its team responders."""
    return {r.id for a in alerts for r in a.responders if r.type == "team" and r.id}


# ----------------------------------------------------------------------------- on-call


@dataclass(frozen=True)
class OnCall:
    """One schedule: who is on call now, who is next, and when the shift changes."""

    team_id: str
    schedule_id: str
    schedule_name: str
    now: tuple[str, ...]  # account ids
    next: tuple[str, ...]
    handover: datetime | None
    site: str = ""  # several sites: the site's name


def on_call_at(
    timeline: ScheduleTimeline, at: datetime
) -> tuple[list[str], list[str], datetime | None]:
    """From a schedule's timeline: the people on call at ``at``, the people on call after the
    next change of who is on call, and when that change comes."""

    def people(moment: datetime) -> list[str]:
        found: list[str] = []
        for rotation in timeline.final.rotations:
            if rotation.deleted:
                continue
            for period in rotation.periods:
                if period.start is None or period.end is None:
                    continue
                if period.start <= moment < period.end:
                    for responder in period.flattened_responders or (
                        [period.responder] if period.responder else []
                    ):
                        if responder.id and responder.type in (None, "user"):
                            found.append(responder.id)
        return list(dict.fromkeys(found))

    now = people(at)
    moment = at
    for _ in range(64):  # shifts handed to the same people are no handover
        change = timeline.next_change(moment)
        if change is None:
            return now, [], None
        later = people(change)
        if later != now:
            return now, later, change
        moment = change
    return now, [], None


@dataclass
class OnCallFeed(PanelFeed):
    """Who is on call on the schedules of the teams in view."""

    api: OnCallApi | None = None
    teams: tuple[str, ...] = ()  # team ids in view
    on_call: dict[str, OnCall] = field(default_factory=dict)  # by schedule id
    _schedules: list[Schedule] = field(default_factory=list)
    _schedules_at: float = -SCHEDULES_EVERY_S

    @classmethod
    def of(cls, client: JsmClient, *, clock: Callable[[], datetime] = _now) -> OnCallFeed:
        from console.api.oncall import OnCallApi

        return cls(interval_s=ONCALL_EVERY_S, clock=clock, api=OnCallApi(client))

    def set_teams(self, team_ids: Iterable[str]) -> bool:
        """The teams in view changed: True when a read is due for them now."""
        teams = tuple(sorted(set(team_ids)))
        if teams == self.teams:
            return False
        self.teams = teams
        return True

    def schedules_in_view(self) -> list[Schedule]:
        return [s for s in self._schedules if s.team_id in self.teams]

    async def refresh(self, *, force: bool = False) -> dict[str, OnCall] | None:
        if self.api is None and self.client is not None:
            from console.api.oncall import OnCallApi

            self.api = OnCallApi(self.client)
        if (self._running and not force) or self.unavailable is not None or self.api is None:
            return None
        self._running += 1
        try:
            if time.monotonic() - self._schedules_at >= SCHEDULES_EVERY_S or not self._schedules:
                self.requests += 1
                self._schedules = await self.api.schedules()
                self._schedules_at = time.monotonic()
            now = self.clock()
            found: dict[str, OnCall] = {}
            schedules = self.schedules_in_view()
            timelines = await asyncio.gather(
                *(
                    # The service's now (no date): the same read from every screen, so serve's
                    # relay can answer it from one poll.
                    self.api.timeline(s.id, interval=TIMELINE_DAYS, unit="days")
                    for s in schedules
                )
            )
            self.requests += len(schedules)
            for schedule, timeline in zip(schedules, timelines, strict=True):
                people_now, people_next, handover = on_call_at(timeline, now)
                found[schedule.id] = OnCall(
                    schedule.team_id or "",
                    schedule.id,
                    schedule.name or schedule.id,
                    tuple(people_now),
                    tuple(people_next),
                    handover,
                )
        except errors.ApiError as error:
            if not self._refused(error):
                self._failed(error)
            raise
        finally:
            self._running -= 1
        self.on_call = found
        self._confirmed()
        return found

    def next_delay(self) -> float:
        """Every five minutes, and just after the next shift change if it comes sooner."""
        delay = super().next_delay()
        if self.freshness.failures or self.unavailable is not None:
            return delay
        now = self.clock()
        handovers = [o.handover for o in self.on_call.values() if o.handover is not None]
        if handovers:
            due = (min(handovers) - now).total_seconds() + HANDOVER_LAG_S
            delay = min(delay, max(HANDOVER_LAG_S, due))
        return delay


# ----------------------------------------------------------------------------- heartbeats


@dataclass
class HeartbeatFeed(PanelFeed):
    """Every heartbeat of the teams (the profile's, or every team of the site)."""

    api: HeartbeatApi | None = None
    directory_api: OnCallApi | None = None  # for the list of teams, when none is named
    teams: tuple[str, ...] = ()  # the profile's teams, by name or id; empty: every team
    heartbeats: list[tuple[str, Heartbeat]] = field(default_factory=list)  # (team id, hb)
    team_names: dict[str, str] = field(default_factory=dict)
    _teams_at: float = -SCHEDULES_EVERY_S
    _all_teams: list[PlatformTeam] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        client: JsmClient,
        interval_s: float,
        *,
        teams: Sequence[str] = (),
        clock: Callable[[], datetime] = _now,
    ) -> HeartbeatFeed:
        from console.api.oncall import HeartbeatApi, OnCallApi

        return cls(
            interval_s=interval_s,
            clock=clock,
            api=HeartbeatApi(client),
            directory_api=OnCallApi(client),
            teams=tuple(teams),
        )

    @property
    def silent(self) -> list[tuple[str, Heartbeat]]:
        return [(t, h) for t, h in self.heartbeats if h.silent]

    async def _team_ids(self) -> Sequence[str]:
        """The teams to read (their list read once an hour): the profile's, named by name or
        id, or every team of the site."""
        assert self.directory_api is not None
        if time.monotonic() - self._teams_at >= SCHEDULES_EVERY_S or not self._all_teams:
            self.requests += 1
            self._all_teams = await self.directory_api.teams()
            self._teams_at = time.monotonic()
            self.team_names = {t.team_id: t.team_name or t.team_id for t in self._all_teams}
        if not self.teams:
            return [t.team_id for t in self._all_teams]
        wanted = {w.casefold() for w in self.teams}
        return [
            t.team_id
            for t in self._all_teams
            if t.team_id.casefold() in wanted or (t.team_name or "").casefold() in wanted
        ]

    async def refresh(self, *, force: bool = False) -> list[tuple[str, Heartbeat]] | None:
        if self.api is None and self.client is not None:
            from console.api.oncall import HeartbeatApi, OnCallApi

            self.api, self.directory_api = HeartbeatApi(self.client), OnCallApi(self.client)
        if (self._running and not force) or self.unavailable is not None or self.api is None:
            return None
        self._running += 1
        try:
            teams = await self._team_ids()
            answers = await asyncio.gather(*(self.api.heartbeats(t) for t in teams))
            self.requests += len(teams)
        except errors.ApiError as error:
            if not self._refused(error):
                self._failed(error)
            raise
        finally:
            self._running -= 1
        found = [(team, hb) for team, beats in zip(teams, answers, strict=True) for hb in beats]
        # Silent first, then by team and name: what needs a look is at the top.
        found.sort(key=lambda pair: (not pair[1].silent, pair[0], pair[1].name))
        self.heartbeats = found
        self._confirmed()
        return found


def handover_words(at: datetime | None, now: datetime) -> str:
    """When the shift changes, in words: "14:30 (in 12 min)"."""
    if at is None:
        return "no change within a week"
    local = at.astimezone()
    left = (at - now).total_seconds()
    if left < 60:
        return f"{local:%H:%M} (now)"
    if left < 5400:
        return f"{local:%H:%M} (in {left // 60:.0f} min)"
    if left < timedelta(days=1).total_seconds():
        return f"{local:%H:%M} (in {left / 3600:.0f} h)"
    return f"{local:%a %H:%M}"


# ----------------------------------------------------------------------------- several sites


@dataclass
class SitesPanelFeed(Generic[F]):
    """Several sites' panel feeds, read as one: each site keeps its own feed (credentials,
    teams, backoff, refusal), the due ones are asked in parallel, and a site that fails keeps
    its last data and says so for itself, never hiding the other sites'. What each shows
    carries its site: keys are :func:`site_key` (the site's name and the service's id)."""

    sites: dict[str, F]
    interval_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.interval_s = min(f.interval_s for f in self.sites.values())

    def clock(self) -> datetime:
        return next(iter(self.sites.values())).clock()

    @property
    def unavailable(self) -> str | None:
        """Why no site is read at all (every site refused); each site's own otherwise."""
        refused = [f.unavailable for f in self.sites.values()]
        if all(refused):
            return "; ".join(f"{s}: {r}" for s, r in zip(self.sites, refused, strict=True))
        return None

    @property
    def freshness(self) -> Freshness:
        """The least fresh of the sites that are read: what everything shown is as fresh as,
        at least (never confirmed while one such site has never answered)."""
        read = [f.freshness for f in self.sites.values() if f.unavailable is None]
        if not read or any(f.confirmed_mono is None for f in read):
            return Freshness()
        return min(read, key=lambda f: f.confirmed_mono or 0.0)

    @property
    def busy(self) -> bool:
        return any(f.busy for f in self.sites.values())

    @property
    def doubtful(self) -> bool:
        """Some site's data cannot be vouched for now (see PanelFeed.doubtful)."""
        return any(f.doubtful for f in self.sites.values())

    @property
    def requests(self) -> int:
        return sum(f.requests for f in self.sites.values())

    async def _refresh_sites(self, force: bool) -> None:
        """Every site that is due (not waiting out its own backoff), in parallel. A failure is
        its site's, recorded there; only when every site asked failed does this raise."""
        now = time.monotonic()
        due = [
            f
            for f in self.sites.values()
            if force or not f.freshness.failures or (f.freshness.retry_at or 0.0) <= now + 0.5
        ]
        answers = await asyncio.gather(
            *(f.refresh(force=force) for f in due), return_exceptions=True
        )
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, errors.ApiError):
                raise answer
        failed = [a for a in answers if isinstance(a, errors.ApiError)]
        if answers and len(failed) == len(answers):
            raise failed[0]

    def next_delay(self) -> float:
        return min(f.next_delay() for f in self.sites.values())

    def verdict_reason(self) -> str | None:
        """Each site's reason, led by its name (None: every site is fresh)."""
        reasons = [
            f"{site}: {reason}"
            for site, feed in self.sites.items()
            if (reason := feed.verdict_reason()) is not None
        ]
        return "; ".join(reasons) or None

    def record_bug(self, error: Exception) -> None:
        for feed in self.sites.values():
            feed.record_bug(error)


def site_key(site: str, team_id: str) -> str:
    return alert_key(site, team_id)


def locate(key: str) -> tuple[str, str]:
    """The site and the service's id of a :func:`site_key`."""
    site, _, team_id = key.partition(SITE_SEPARATOR)
    return site, team_id


@dataclass
class SitesHeartbeats(SitesPanelFeed[HeartbeatFeed]):
    """Every site's heartbeats. A heartbeat's team key is the site's and the team's
    (:func:`locate` gives them back); its team's name leads with the site (``eu · Payments``)."""

    @property
    def heartbeats(self) -> list[tuple[str, Heartbeat]]:
        found = [
            (site_key(site, team), beat)
            for site, feed in self.sites.items()
            for team, beat in feed.heartbeats
        ]
        found.sort(key=lambda pair: not pair[1].silent)  # silent first, each site's order kept
        return found

    @property
    def silent(self) -> list[tuple[str, Heartbeat]]:
        return [(t, h) for t, h in self.heartbeats if h.silent]

    @property
    def team_names(self) -> dict[str, str]:
        return {
            site_key(site, team): f"{site} · {name}"
            for site, feed in self.sites.items()
            for team, name in feed.team_names.items()
        }

    async def refresh(self, *, force: bool = False) -> list[tuple[str, Heartbeat]] | None:
        await self._refresh_sites(force)
        return self.heartbeats


@dataclass
class SitesOnCall(SitesPanelFeed[OnCallFeed]):
    """Who is on call on every site, each for the teams in view on it; each entry carries its
    site (:attr:`OnCall.site`), keyed by :func:`site_key` of the site and the schedule."""

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(t for feed in self.sites.values() for t in feed.teams)

    def set_teams(self, by_site: Mapping[str, Iterable[str]]) -> bool:
        """Each site's teams in view: True when a read is due for some of them now."""
        changed = [feed.set_teams(by_site.get(site, ())) for site, feed in self.sites.items()]
        return any(changed)

    @property
    def on_call(self) -> dict[str, OnCall]:
        return {
            site_key(site, schedule): replace(entry, site=site)
            for site, feed in self.sites.items()
            for schedule, entry in feed.on_call.items()
        }

    async def refresh(self, *, force: bool = False) -> dict[str, OnCall] | None:
        await self._refresh_sites(force)
        return self.on_call
