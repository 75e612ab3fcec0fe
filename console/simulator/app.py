"""One simulated JSM Ops site as an ASGI application.

``Simulator(config)`` is the whole thing: store, processor, traffic layer, API
routes under ``/jsm/ops/api/{cloudId}`` (alerts, the directory, on-call, heartbeats)
and admin routes under ``/_admin``.
Serve it with any ASGI server; :mod:`console.simulator.server` runs it with
uvicorn in the foreground or on a background thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import logging
import random
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from console.simulator.config import API_PREFIX, Faults, KnobError, SimulatorConfig
from console.simulator.demo import build_directory, generate_alerts
from console.simulator.demo_live import LiveScenario
from console.simulator.directory import JIRA_PREFIX, DirectoryRoutes
from console.simulator.heartbeat_routes import HeartbeatRoutes
from console.simulator.model import iso_ms
from console.simulator.oncall import OnCallRoutes
from console.simulator.processor import Processor
from console.simulator.rotas import Rotas
from console.simulator.routes import SiteRoutes
from console.simulator.store import AlertStore, SiteClock
from console.simulator.traffic import Traffic, TrafficMiddleware, error_body

log = logging.getLogger(__name__)

# What ``next_writes`` may hold: one fault for each of the next writes, in order.
SCRIPTED_FAULTS = ("drop", "error", "throttle", "proxy_502", "none")


class Simulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.clock = SiteClock(config.frozen_at_ms)
        self.store = AlertStore(clock=self.clock)
        self.processor = Processor(
            self.store,
            delay_ms=config.processing_delay_ms,
            jitter_ms=config.processing_jitter_ms,
            retention=config.request_retention,
            retention_s=config.request_retention_s,
            rng=random.Random(config.seed),
        )
        self.traffic = Traffic(
            config.faults, config.rate_limits, random.Random(config.seed + 1), API_PREFIX
        )
        self.site = SiteRoutes(config, self.store, self.processor)
        self.rotas = Rotas(self.clock(), _handover_ms(config))
        self.directory = DirectoryRoutes(config, self.store, self.site, self.rotas)
        self.oncall = OnCallRoutes(self.directory)
        self.heartbeats = HeartbeatRoutes(config, self.directory)
        self.live: LiveScenario | None = None
        if config.state_file is not None and config.state_file.exists():
            self.store.restore(config.state_file)
            self._populate_schedules()
        else:
            self.populate(config.alerts, config.seed)
        if config.live:
            self.live = LiveScenario(config.seed, list(self.store.directory.values()))
        starlette = Starlette(
            routes=[
                Mount(
                    f"{API_PREFIX}/{{cloudId}}",
                    routes=self.site.routes()
                    + self.directory.ops_routes()
                    + self.oncall.routes()
                    + self.heartbeats.routes(),
                ),
                Mount(JIRA_PREFIX, routes=self.directory.jira_routes()),
                Route("/_admin/faults", self.admin_faults, methods=["GET", "POST"]),
                Route("/_admin/reset", self.admin_reset, methods=["POST"]),
                Route("/_admin/stats", self.admin_stats, methods=["GET", "DELETE"]),
                Route("/_admin/processing", self.admin_processing, methods=["GET", "POST"]),
                Route("/_admin/rate-limit", self.admin_rate_limit, methods=["POST"]),
                Route("/_admin/revoke", self.admin_revoke, methods=["POST"]),
                Route("/_admin/directory", self.directory.admin, methods=["GET", "POST"]),
                Route("/_admin/oncall", self.oncall.admin, methods=["GET", "POST"]),
                Route("/_admin/heartbeats", self.heartbeats.admin, methods=["GET", "POST"]),
                Route("/_admin/clock", self.admin_clock, methods=["GET", "POST"]),
                # The site's page of one alert, standing in for the real site's (the console's
                # 'open in browser' in --demo lands here).
                Route("/jira/ops/alerts/{id}", self.alert_page, methods=["GET"]),
            ],
            exception_handlers={HTTPException: self._http_error},
            lifespan=self._lifespan,
        )
        self.app = TrafficMiddleware(starlette, self.traffic)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def populate(self, count: int, seed: int) -> None:
        """Fresh demo data: ``count`` alerts, deterministic for ``seed`` and the current time."""
        directory = build_directory(seed)
        self.store.load(generate_alerts(count, seed, self.store.clock(), directory), directory)
        self.processor.clear()
        self.processor.rng.seed(seed)
        self.processor.watch_snoozes()
        self._populate_schedules()

    def _populate_schedules(self) -> None:
        """On-call and heartbeats as the demo has them, counted from now: the first handover
        ``handover_in_s`` from now, the heartbeats' last pings a little before."""
        now = self.clock()
        self.rotas.reset(now, _handover_ms(self.config))
        self.heartbeats.jobs.populate(self.store.directory.values(), now)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.processor.watch_snoozes()
        self.processor.start(
            live=self.live,
            live_interval_s=self.config.live_interval_s,
            state_file=self.config.state_file,
            every_half_second=self._tick,
        )
        try:
            yield
        finally:
            await self.processor.stop()
            if self.config.state_file is not None:
                self.store.save(self.config.state_file)

    def _tick(self) -> None:
        """Twice a second, without a request: the demo's jobs ping, silences raise alerts."""
        self.heartbeats.jobs.tick(self.clock())

    async def alert_page(self, request: Request) -> Response:
        alert = self.store.get(request.path_params["id"])
        if alert is None:
            return HTMLResponse("<!doctype html><title>No such alert</title><p>No such alert.", 404)
        # Alert text is untrusted here too: escaped, and no script may run on the page.
        title = html.escape(f"#{alert.tiny_id} {alert.message}")
        body = html.escape(alert.description or "")
        page = (
            f"<!doctype html><meta charset=utf-8><title>{title}</title>"
            f"<h1>{title}</h1><p>{html.escape(alert.priority)} · {html.escape(alert.status)}"
            f"<pre>{body}</pre><p><small>alert-console's built-in simulator</small>"
        )
        headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
        return HTMLResponse(page, headers=headers)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            message = f"No handler found for {request.method} {request.url.path}"
            code = "NotFound"
        elif exc.status_code == 405:
            message = f"Request method '{request.method}' is not supported"
            code = "MethodNotAllowed"
        else:
            message, code = str(exc.detail), "Error"
        return JSONResponse(
            error_body(exc.status_code, message, code),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    # ------------------------------------------------------------ admin

    async def admin_faults(self, request: Request) -> Response:
        """GET shows the faults in force; POST changes the keys it is given (as ``--faults``)."""
        if request.method == "POST":
            changes = await _json_object(request)
            if isinstance(changes, Response):
                return changes
            scripted = changes.pop("next_writes", None)
            if scripted is not None and (
                not isinstance(scripted, list) or not all(f in SCRIPTED_FAULTS for f in scripted)
            ):
                known = ", ".join(SCRIPTED_FAULTS)
                message = f"next_writes must be a list of: {known}"
                return JSONResponse({"message": message}, status_code=422)
            try:
                self.traffic.faults = Faults.from_mapping(changes, self.traffic.faults)
            except KnobError as error:
                return JSONResponse({"message": str(error)}, status_code=422)
            if scripted is not None:
                self.traffic.next_writes.clear()
                self.traffic.next_writes.extend(scripted)
        return JSONResponse(
            {**self.traffic.faults.to_json(), "next_writes": list(self.traffic.next_writes)}
        )

    async def admin_reset(self, request: Request) -> Response:
        """Start again from demo data: ``{"alerts": N, "seed": S, "dialect": D}``, all optional
        (``dialect``: how states are told, ``flags`` or ``spec``)."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        self.site.revoked = False
        self.directory.reset()
        self.heartbeats.reset()
        self.clock.frozen_at_ms, self.clock.offset_ms = self.config.frozen_at_ms, 0
        dialect = body.get("dialect", self.config.status_dialect)
        if dialect not in ("flags", "spec"):
            return JSONResponse({"message": "dialect must be flags or spec"}, status_code=422)
        self.site.dialect = dialect
        count = int(body.get("alerts", self.config.alerts))
        seed = int(body.get("seed", self.config.seed))
        self.populate(count, seed)
        # Everything else back to how the simulator started, too.
        config = self.config
        self.traffic.counts.clear()
        self.traffic.faults = config.faults
        self.traffic.next_writes.clear()
        self.traffic.set_limits(config.rate_limits)
        self.processor.delay_ms = config.processing_delay_ms
        self.processor.jitter_ms = config.processing_jitter_ms
        self.processor.resume()
        return JSONResponse({"alerts": len(self.store.alerts), "seed": seed})

    async def admin_stats(self, request: Request) -> Response:
        """Requests served, by kind; DELETE sets the counters back to zero."""
        if request.method == "DELETE":
            self.traffic.counts.clear()
        return JSONResponse(
            {
                **self.traffic.stats(),
                "alerts": len(self.store.alerts),
                "pending": self.processor.pending_count,
            }
        )

    async def admin_clock(self, request: Request) -> Response:
        """The site's clock. POST ``{"frozen_at_ms": T}`` stops it at T (``null``: runs again,
        from the real time), ``{"advance_ms": N}`` moves it on (frozen or running); then the
        demo's jobs and the heartbeats catch up at once, as if that time had passed."""
        clock = self.clock
        if request.method == "POST":
            body = await _json_object(request)
            if isinstance(body, Response):
                return body
            frozen = body.get("frozen_at_ms", clock.frozen_at_ms)
            advance = body.get("advance_ms", 0)
            if frozen is not None and not _whole_in(frozen, 0, YEAR_3000_MS):
                return JSONResponse({"message": "frozen_at_ms must be epoch ms or null"}, 422)
            if not _whole_in(advance, 0, 366 * 86_400_000):
                return JSONResponse({"message": "advance_ms must be 0 to a year in ms"}, 422)
            if "frozen_at_ms" in body:
                clock.frozen_at_ms, clock.offset_ms = frozen, 0
            clock.advance(advance)
            self._tick()
        now = clock()
        return JSONResponse(
            {"now_ms": now, "now": iso_ms(now), "frozen": clock.frozen_at_ms is not None}
        )

    async def admin_processing(self, request: Request) -> Response:
        """Change the processing delay and jitter, or pause the processor (``paused``)."""
        processor = self.processor
        if request.method == "POST":
            body = await _json_object(request)
            if isinstance(body, Response):
                return body
            if "delay_ms" in body:
                processor.delay_ms = max(0, int(body["delay_ms"]))
            if "jitter_ms" in body:
                processor.jitter_ms = max(0, int(body["jitter_ms"]))
            if "paused" in body:
                if body["paused"]:
                    processor.paused = True
                else:
                    processor.resume()
        return JSONResponse(
            {
                "delay_ms": processor.delay_ms,
                "jitter_ms": processor.jitter_ms,
                "paused": processor.paused,
                "pending": processor.pending_count,
            }
        )

    async def admin_revoke(self, request: Request) -> Response:
        """``{"revoked": true}``: the account's API token stops working (401), as when an
        admin revokes it mid-shift; ``false`` gives it back."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        self.site.revoked = bool(body.get("revoked", True))
        return JSONResponse({"revoked": self.site.revoked})

    async def admin_rate_limit(self, request: Request) -> Response:
        """Replace the limits: ``{"reads": 600, "writes": 120}``; a kind left out is unlimited."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        limits = dataclasses.replace(
            self.config.rate_limits,
            reads=body.get("reads"),
            writes=body.get("writes"),
            burst_seconds=float(body.get("burst_seconds", self.config.rate_limits.burst_seconds)),
        )
        self.traffic.set_limits(limits)
        return JSONResponse({"reads": limits.reads, "writes": limits.writes})


YEAR_3000_MS = 32_503_680_000_000


def _whole_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _handover_ms(config: SimulatorConfig) -> int:
    return int(config.handover_in_s * 1000)


async def _json_object(request: Request) -> dict[str, Any] | Response:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return JSONResponse({"message": "Invalid JSON body"}, status_code=400)
    if not isinstance(body, dict):
        return JSONResponse({"message": "Body must be a JSON object"}, status_code=422)
    return body
