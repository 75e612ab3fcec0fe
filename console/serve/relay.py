"""One poller for a room of screens: the server asks the service, the walls ask the server.

``alert-console serve`` polls the service once per view it serves, with its own
credentials (:class:`Poller`: one alert feed per view, on the wall's own pages and counts),
and keeps each poll's answers. Its walls (one process per browser) run with no credential
of the site: they read the :class:`Relay`, a read-only HTTP server on this machine's
loopback that answers exactly the reads of the views being polled, from the latest poll,
with the moment the service gave it (so every screen says the same "as of") or, when the
poll failed, with the service's own failure (console.api.relay). Anything else a wall asks,
a write or another path or query, is refused and logged. However many screens are open,
the service sees the requests of one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aiohttp import web

from console.api import errors
from console.api.client import JsmClient, keeping_answers
from console.api.relay import AS_OF, failure_body
from console.base.sanitize import clean
from console.directory import Directory
from console.live.feed import AlertFeed, View
from console.live.oncall import (
    ONCALL_EVERY_S,
    HeartbeatFeed,
    OnCallFeed,
    heartbeats_every,
    teams_of,
)
from console.live.wall import WallPages

log = logging.getLogger(__name__)

RELAY_EMAIL = "wall@relay"  # the walls' user name at the relay (the token is random)
# The panels' reads a wall may make, below the site's API: teams (and their heartbeats and
# escalations), schedules (and their timelines).
PANEL_PATHS = ("/v1/teams?", "/v1/teams/", "/v1/schedules?", "/v1/schedules/")
JIRA_BULK = re.compile(r"^/ex/jira/[^/?]+/rest/api/3/user/bulk\?")
PANEL_ANSWERS_KEPT = 512  # the panels' last answers (a few per team and schedule)
PEOPLE_MAX = 100  # people in one lookup
NAMES_EVERY_S = 60.0
ANSWERS_KEPT = 64  # a view's answers kept (a poll is six; a flip of the priority order 12)


def request_key(url: httpx.URL | str, cloud_id: str) -> str:
    """A read as the relay matches it: the path below the site's API, and its parameters in
    order. The poller's request and a wall's for the same view give the same key."""
    url = httpx.URL(str(url))
    prefix = f"/jsm/ops/api/{cloud_id}"
    path = url.path.removeprefix(prefix) if url.path.startswith(prefix + "/") else url.path
    params = "&".join(f"{k}={v}" for k, v in sorted(url.params.multi_items()))
    return f"{path}?{params}"


@dataclass
class Polled:
    """One view's latest poll: its answers (by request key), when the service gave them,
    and why the last poll failed, if it did."""

    query: str
    answers: dict[str, bytes] = field(default_factory=dict)
    at: datetime | None = None
    error: errors.ApiError | None = None
    polls: int = 0


class Poller:
    """Polls each view once per refresh interval (backing off after failures, as a screen
    does), whatever the number of screens."""

    def __init__(
        self,
        client: JsmClient,
        queries: Sequence[str],
        *,
        size: int,
        interval_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        teams: Sequence[str] = (),
    ) -> None:
        self.client = client
        self.cloud_id = client.cloud_id
        self.interval_s = interval_s
        self.views: dict[str, Polled] = {q: Polled(q) for q in dict.fromkeys(queries)}
        self.by_key: dict[str, str] = {}  # request key -> the view's query
        pages = WallPages(clock)

        async def fetch_page(api: JsmClient, view: View) -> Any:
            return await pages.fetch(api, view.query, view.size)

        self.feeds = {
            q: AlertFeed(
                client,
                View(query=q, size=size),
                interval_s=interval_s,
                clock=clock,
                fetch_page=fetch_page,
            )
            for q in self.views
        }
        self.first = asyncio.Event()  # every view polled once (or failed once)
        self._sent: deque[tuple[float, int]] = deque(maxlen=240)  # (monotonic, requests so far)
        # The walls' panels, polled here too: who is on call (for the teams of the polled
        # alerts and the profile's), the heartbeats, and the names the walls show (the
        # directory's reads, and people's names answered from what the server knows).
        self.teams = tuple(teams)
        self.oncall = OnCallFeed(interval_s=ONCALL_EVERY_S, clock=clock, client=client)
        self.heartbeats = HeartbeatFeed(
            interval_s=heartbeats_every(interval_s), clock=clock, client=client, teams=self.teams
        )
        self.directory = Directory(client)
        self.panels: dict[str, bytes] = {}  # request key -> the last good answer
        self.panel_error: errors.ApiError | None = None  # the last panel read that failed

    async def run(self) -> None:
        await asyncio.gather(
            *(self._poll(q) for q in self.views),
            self._poll_panel(self.heartbeats),
            self._poll_panel(self.oncall, before=self._teams_in_view),
            self._poll_names(),
        )

    def _keep_panel(self, response: httpx.Response) -> None:
        key = request_key(response.request.url, self.cloud_id)
        self.panels.pop(key, None)
        self.panels[key] = response.content
        while len(self.panels) > PANEL_ANSWERS_KEPT:
            self.panels.pop(next(iter(self.panels)))

    async def _poll_panel(
        self, feed: OnCallFeed | HeartbeatFeed, before: Callable[[], None] | None = None
    ) -> None:
        await self.first.wait()  # the alerts first
        while True:
            if before is not None:
                before()
            with keeping_answers(self._keep_panel):
                try:
                    await feed.refresh()
                except errors.ApiError as error:
                    self.panel_error = error
                    log.info("polling a panel failed: %s", clean(str(error)))
            await asyncio.sleep(min(feed.next_delay(), 3600.0))

    def _teams_in_view(self) -> None:
        """As a wall computes them: the team responders of the polled alerts, and the
        profile's teams (their ids, as the heartbeats' list of teams names them)."""
        pages = [feed.last for feed in self.feeds.values() if feed.last is not None]
        teams = teams_of(a for page in pages for a in page.alerts.values())
        teams |= set(self.teams)
        self.oncall.set_teams(teams)

    async def _poll_names(self) -> None:
        """The names the walls show: the teams', escalations' and schedules' lists (read as
        a wall's directory reads them), and the people of the polled alerts and on-call."""
        await self.first.wait()
        while True:
            for feed in self.feeds.values():
                if feed.last is not None:
                    for alert in feed.last.alerts.values():
                        if alert.owner:
                            self.directory.owner_name(alert.owner)
            for entry in self.oncall.on_call.values():
                for account in entry.now + entry.next:
                    self.directory.name("user", account)  # wanted: looked up at the tick
            with keeping_answers(self._keep_panel):
                try:
                    await self.directory.tick()
                except errors.ApiError as error:
                    log.info("reading names failed: %s", clean(str(error)))
            await asyncio.sleep(NAMES_EVERY_S)

    async def _poll(self, query: str) -> None:
        feed, polled = self.feeds[query], self.views[query]
        while True:
            kept: dict[str, bytes] = {}

            def keep(response: httpx.Response, kept: dict[str, bytes] = kept) -> None:
                kept[request_key(response.request.url, self.cloud_id)] = response.content

            with keeping_answers(keep):
                try:
                    update = await feed.refresh()
                except errors.ApiError as error:
                    polled.error = error  # its retries spent: the walls say it, as it is
                    log.info("polling %s failed: %s", clean(query), clean(str(error)))
                else:
                    if update is not None:
                        self._commit(polled, kept, update.at)
            polled.polls += 1
            self._sent.append((time.monotonic(), self.client.requests_sent))
            if all(p.polls for p in self.views.values()):
                self.first.set()
            await asyncio.sleep(feed.next_delay())

    def _commit(self, polled: Polled, kept: dict[str, bytes], at: datetime) -> None:
        for key in [k for k, q in self.by_key.items() if q == polled.query and k not in kept]:
            del self.by_key[key]  # a read of the last view's poll that this one did not make
        polled.answers = dict(list(kept.items())[-ANSWERS_KEPT:])
        polled.at, polled.error = at, None
        for key in polled.answers:
            self.by_key[key] = polled.query

    def answer(self, key: str) -> tuple[int, dict[str, str], bytes] | None:
        """What the relay answers a wall's read with; None when it is not a read of what is
        being served (refused)."""
        if not key.startswith("/v1/alerts?"):
            return self._panel_answer(key)
        query = self.by_key.get(key)
        if query is None:
            waiting = [p for p in self.views.values() if p.at is None]
            if not waiting:
                return None
            # A view not polled yet: as a service that cannot be reached yet (retried).
            first = waiting[0].error or errors.TransportError(
                "the server has not had the service's first answer yet", reached_server=False
            )
            return failure_body(first)
        polled = self.views[query]
        failed = polled.error or self._overdue(query)
        if failed is not None:
            return failure_body(failed)
        assert polled.at is not None
        body = polled.answers[key]
        return 200, {AS_OF: polled.at.isoformat(), "Content-Type": "application/json"}, body

    def _panel_answer(self, key: str) -> tuple[int, dict[str, str], bytes] | None:
        """A read of a panel (on-call, heartbeats, the directory's lists): the server's last
        answer to the same read; people's names from what the server knows."""
        if JIRA_BULK.search(key):
            return self._people(key)
        if not key.startswith(PANEL_PATHS):
            return None
        body = self.panels.get(key)
        if body is not None:
            return 200, {"Content-Type": "application/json"}, body
        refusal = self.heartbeats.unavailable or self.oncall.unavailable
        if self.panel_error is not None and (refusal or self.panel_error.status):
            return failure_body(self.panel_error)  # the service's own refusal, passed on
        return failure_body(
            errors.TransportError(
                "the server has not read this for its walls (yet)", reached_server=False
            )
        )

    def _people(self, key: str) -> tuple[int, dict[str, str], bytes]:
        """Jira's bulk lookup, answered from the names the server has read: the walls never
        reach Jira, and learn only the people the server's own views and on-call show."""
        params = httpx.URL("http://relay" + key).params
        wanted = params.get_list("accountId")[:PEOPLE_MAX]
        found = []
        for account in wanted:
            entry = self.directory.entries.get(("user", account))
            if entry is not None:
                found.append(
                    {
                        "accountId": account,
                        "displayName": entry.name,
                        "emailAddress": entry.email or None,
                        "active": True,
                    }
                )
        body = {"startAt": 0, "maxResults": len(wanted), "isLast": True, "values": found}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def _overdue(self, query: str) -> errors.ApiError | None:
        """The failed attempt of a poll still retrying, once the last good poll is older
        than an interval: the walls say why at once rather than when the poller's retries
        are spent (a wall admits a problem within two intervals)."""
        fresh = self.feeds[query].freshness
        age = fresh.age()
        if fresh.error is None or age is None or age <= self.interval_s:
            return None
        return fresh.error

    def requests_per_minute(self) -> float | None:
        """The requests the service saw from this server over the last minute or so."""
        if len(self._sent) < 2:
            return None
        now = time.monotonic()
        recent = [(t, n) for t, n in self._sent if now - t <= 90] or list(self._sent)[-2:]
        (t0, n0), (t1, n1) = recent[0], (now, self.client.requests_sent)
        return 60.0 * (n1 - n0) / max(t1 - t0, 1.0)

    def status(self) -> dict[str, Any]:
        return {
            "views": [
                {
                    "query": p.query,
                    "as_of": p.at.isoformat() if p.at else None,
                    "last_error": None if p.error is None else clean(str(p.error)),
                    "polls": p.polls,
                }
                for p in self.views.values()
            ],
            "requests_per_minute": self.requests_per_minute(),
            "requests_sent": self.client.requests_sent,
        }


class Relay:
    """The walls' read-only server, on loopback: the reads of the views being polled,
    answered from the latest poll, to the walls' own random credential only."""

    def __init__(self, poller: Poller) -> None:
        self.poller = poller
        self.token = secrets.token_urlsafe(32)  # the walls' only credential, this run only
        pair = f"{RELAY_EMAIL}:{self.token}".encode()
        self._expected = "Basic " + base64.b64encode(pair).decode()
        self.refused = 0
        self.answered = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self) -> dict[str, int]:
        return {"walls_reads_answered": self.answered, "walls_reads_refused": self.refused}

    def application(self) -> web.Application:
        app = web.Application(client_max_size=4096)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # this machine only: the walls are its processes
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), self._expected.encode()):
            return self._refuse(request, "without the walls' credential", 401)
        if request.method not in ("GET", "HEAD"):
            return self._refuse(request, "a write", 403)
        key = request_key(str(request.rel_url), self.poller.cloud_id)
        answer = self.poller.answer(key)
        if answer is None:
            return self._refuse(request, "not a read of what is being served", 403)
        status, headers, body = answer
        self.answered += 1
        return web.Response(status=status, headers=headers, body=body)

    def _refuse(self, request: web.Request, why: str, status: int) -> web.Response:
        self.refused += 1
        path = clean(request.path[:200])
        log.warning("refused a wall's %s %s: %s", request.method, path, why)
        return web.Response(
            status=status,
            content_type="application/json",
            text='{"message": "the relay answers only the reads of the views being served"}',
        )


@contextlib.asynccontextmanager
async def relaying(poller: Poller) -> Any:
    """The poller running and its relay listening, for as long as the block runs."""
    relay = Relay(poller)
    await relay.start()
    task = asyncio.ensure_future(poller.run())
    try:
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await relay.close()
