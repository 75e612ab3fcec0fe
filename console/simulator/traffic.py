"""What happens to a request before the service proper sees it: faults and rate limits.

:class:`TrafficMiddleware` is the outermost ASGI layer, so it sees uvicorn's own
``send`` and can drop a connection for real. It counts every API request (the
benchmarks read the counts), injects the configured faults, and applies the
token buckets. The admin paths (``/_admin/...``) pass untouched.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console.simulator.config import Faults, RateLimits

PROXY_502_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
TOO_MANY = "You are making too many requests! To avoid errors, we recommend you limit requests."


def error_body(
    status: int,
    message: str,
    code: str,
    *,
    errors: list[dict[str, str]] | None = None,
    started: float | None = None,
) -> dict[str, Any]:
    """The error envelope: Opsgenie's ``message/took/requestId`` plus the spec's ``errors`` list.

    The spec's ErrorResponses schema is ``{errors: [{title, code}]}``; clients
    written for Opsgenie read ``message``. Both are present, so either works.
    """
    return {
        "message": message,
        "errors": errors if errors is not None else [{"title": message, "code": code}],
        "took": round(time.perf_counter() - started, 3) if started is not None else 0.0,
        "requestId": str(uuid.uuid4()),
    }


class TokenBucket:
    def __init__(self, per_minute: int, burst_seconds: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_seconds)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 if a token was taken; otherwise the seconds until one is free."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass
class Traffic:
    """Live, changeable settings and counters of the traffic layer."""

    faults: Faults
    limits: RateLimits
    rng: random.Random
    api_prefix: str
    counts: Counter[str] = field(default_factory=Counter)
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    # Faults for the next writes, one each, in order ("drop", "error", "throttle",
    # "proxy_502"): a test's exact sequence, where the rates would be a roll of the dice.
    next_writes: deque[str] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.set_limits(self.limits)

    def set_limits(self, limits: RateLimits) -> None:
        self.limits = limits
        self.buckets = {}
        for kind in ("reads", "writes"):
            per_minute = getattr(limits, kind)
            if per_minute:
                self.buckets[kind] = TokenBucket(per_minute, limits.burst_seconds)

    def stats(self) -> dict[str, Any]:
        return {"requests": dict(self.counts), "total": self.counts["total"]}


_API_PATH = re.compile(r"^/[^/]+/v1/(?P<rest>.*)$")


def counters(method: str, path: str) -> list[str]:
    """The counters of ``/_admin/stats`` a request adds to, besides ``total`` and its kind:
    ``alert_reads`` (every GET below /v1/alerts), ``alert_lists`` (the list itself, ``GET
    /v1/alerts``, among them) and ``status_polls`` (the request-status ones),
    ``directory_reads`` (teams, escalations, schedules), ``oncall_reads``
    (a schedule's on-calls, next-on-calls, timeline), ``heartbeat_reads``, ``heartbeat_pings``
    and ``heartbeat_writes``: so a test counts each feed's requests apart."""
    match = _API_PATH.match(path.partition("/jsm/ops/api")[2])
    if match is None:
        return []
    parts = match["rest"].split("/")
    read = method in ("GET", "HEAD")
    if parts[0] == "alerts":
        if not read:
            return []
        if parts[1:2] == ["requests"]:
            return ["alert_reads", "status_polls"]
        return ["alert_reads", "alert_lists"] if parts[1:] in ([], [""]) else ["alert_reads"]
    if parts[0] == "teams" and parts[2:3] == ["heartbeats"]:
        if parts[3:4] == ["ping"]:
            return ["heartbeat_pings"]
        return ["heartbeat_reads" if read else "heartbeat_writes"]
    if parts[0] == "schedules" and parts[2:3] in (["on-calls"], ["next-on-calls"], ["timeline"]):
        return ["oncall_reads"]
    if parts[0] in ("teams", "schedules") and read:
        return ["directory_reads"]
    return []


class TrafficMiddleware:
    def __init__(self, app: ASGIApp, traffic: Traffic) -> None:
        self.app = app
        self.traffic = traffic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.traffic.api_prefix):
            await self.app(scope, receive, send)
            return
        traffic = self.traffic
        kind = "reads" if scope["method"] in ("GET", "HEAD") else "writes"
        traffic.counts["total"] += 1
        traffic.counts[kind] += 1
        for counter in counters(scope["method"], scope["path"]):
            traffic.counts[counter] += 1

        faults = traffic.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if kind == "writes" and traffic.next_writes:
            scripted = traffic.next_writes.popleft()
            if scripted != "none":
                await self._inject(scripted, scope, receive, send)
                return
        roll = traffic.rng.random
        if faults.proxy_502_rate and roll() < faults.proxy_502_rate:
            traffic.counts["fault_proxy_502"] += 1
            await _send(send, 502, PROXY_502_PAGE, "text/html")
            return
        if faults.error_rate and roll() < faults.error_rate:
            traffic.counts["fault_error"] += 1
            await _send_json(send, 500, error_body(500, "Internal Server Error", "InternalError"))
            return
        if faults.throttle_rate and roll() < faults.throttle_rate:
            traffic.counts["fault_throttle"] += 1
            await _send_throttled(send, 1.0)
            return
        bucket = traffic.buckets.get(kind)
        if bucket is not None:
            wait = bucket.take()
            if wait > 0:
                traffic.counts["throttled"] += 1
                await _send_throttled(send, wait)
                return
        if faults.drop_rate and roll() < faults.drop_rate:
            traffic.counts["fault_drop"] += 1
            await self._drop_after_handling(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _inject(self, fault: str, scope: Scope, receive: Receive, send: Send) -> None:
        self.traffic.counts[f"fault_{fault}"] += 1
        if fault == "drop":
            await self._drop_after_handling(scope, receive, send)
        elif fault == "error":
            await _send_json(send, 500, error_body(500, "Internal Server Error", "InternalError"))
        elif fault == "throttle":
            await _send_throttled(send, 1.0)
        else:
            await _send(send, 502, PROXY_502_PAGE, "text/html")

    async def _drop_after_handling(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle the request for real, then close the connection without answering.

        The nastiest network failure for a client: its write took effect but it
        never learns so. A retry must not duplicate the write.
        """

        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        # uvicorn passes its RequestResponseCycle.send; its transport is the socket.
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if isinstance(transport, asyncio.Transport):
            transport.abort()
            await asyncio.sleep(0)  # let uvicorn see the disconnect before it tidies up
            return
        # Under another server: start an answer and never finish it.
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
        )


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    all_headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})


async def _send_json(
    send: Send,
    status: int,
    payload: dict[str, Any],
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await _send(send, status, json.dumps(payload).encode(), "application/json", headers)


async def _send_throttled(send: Send, wait_s: float) -> None:
    retry_after = max(1, math.ceil(wait_s))
    await _send_json(
        send,
        429,
        error_body(429, TOO_MANY, "TooManyRequests"),
        [
            (b"retry-after", str(retry_after).encode()),
            (b"x-ratelimit-state", b"THROTTLED"),
            (b"x-ratelimit-period-in-sec", b"60"),
        ],
    )
