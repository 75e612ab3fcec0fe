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
import logging
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
from console.live.feed import AlertFeed, View
from console.live.wall import WallPages

log = logging.getLogger(__name__)

RELAY_EMAIL = "wall@relay"  # the walls' user name at the relay (the token is random)
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

    async def run(self) -> None:
        await asyncio.gather(*(self._poll(q) for q in self.views))

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
        """What the relay answers a wall's read with; None when it is not a read of a view
        being served (refused)."""
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
        if not key.startswith("/v1/alerts?"):
            return self._refuse(request, "outside the views being served", 403)
        answer = self.poller.answer(key)
        if answer is None:
            return self._refuse(request, "of a query not being served", 403)
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
