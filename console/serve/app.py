"""The server behind ``alert-console serve``: the kiosk page, and a wall per browser.

A browser that opens ``/?key=KEY`` gets the page; the page opens the websocket
``ws/KEY``, and only then, with the key right, it is given a wall process of its own (the
spare, loaded ahead, when there is one; see :mod:`console.serve.wall`). The wall lives as
long as that websocket. A wrong or missing key gets 403 on both routes, and nothing is
started.

The page is a display. From the browser the server passes on only the terminal's size,
focus and its answers to the terminal queries Textual makes: no key and no click reaches
the wall (which could not send a write anyway: it is read-only in its client and its
tracker).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
from asyncio.subprocess import Process
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Middleware

from console.serve.page import PAGE, Asset, assets
from console.serve.wall import LOADED, WallCommand, WallProcess, discard, spawn

log = logging.getLogger(__name__)

MESSAGE_MAX = 64 * 1024  # from the browser: sizes and pings, nothing large
SPARE_LOAD_S = 30.0  # a spare wall process has this long to load its modules

# The only input passed on: a terminal's answer to Textual's query for synchronized output
# (DECRPM, "ESC [ ? 2026 ; 2 $ y"). Keys, clicks, pastes and everything else stay here.
TERMINAL_REPLY = re.compile(r"\x1b\[\?\d{1,5};\d\$y")

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Everything from this server only: no script, font or style from another host.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
}
ASSET_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
REFUSED = (
    "403: this page needs its access key: open the URL that alert-console serve printed "
    "(it ends in /?key=...)."
)


def rss_mb(pid: int | None) -> float | None:
    """A process's resident memory in MB (Linux's /proc), or None when it cannot be read."""
    if not pid:
        return None
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _size(raw: object, default: int, low: int, high: int) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        return default
    return min(high, max(low, value))


class WallServer:
    """The aiohttp application: the page, its assets, and a websocket per browser."""

    def __init__(
        self,
        command: WallCommand,
        key: str,
        *,
        max_browsers: int = 8,
        spare: bool = True,
        status: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.command = command
        self.polling = status or dict  # what the poller and relay say of themselves
        self.key = key.encode()
        self.max_browsers = max_browsers
        self.assets: dict[str, Asset] = assets()
        self.walls: set[WallProcess] = set()
        self.ending: set[asyncio.Future[None]] = set()  # walls being stopped
        self.started = 0  # wall processes started for browsers, ever
        self.keeps_spare = spare
        self.spare: Process | None = None  # loaded, waiting for the next browser
        self.readying: asyncio.Future[None] | None = None
        self.replenishing: set[asyncio.Future[None]] = set()

    def ready_spare(self) -> None:
        """Have a wall process loaded for the next browser (unless one is on its way)."""
        if not self.keeps_spare or (self.readying is not None and not self.readying.done()):
            return

        async def ready() -> None:
            if self.spare is not None and self.spare.returncode is None:
                return
            process = await spawn(self.command)
            assert process.stdout is not None
            try:  # a spare that hangs while loading must not hold the next one, nor the exit
                said = await asyncio.wait_for(process.stdout.readline(), SPARE_LOAD_S)
            except TimeoutError:
                said = b""
            if said != LOADED:
                await discard(process)  # it will say why when a browser needs it
                return
            self.spare = process
            log.info("wall process %s loaded for the next browser", process.pid)

        self.readying = asyncio.ensure_future(ready())

    def take_spare(self) -> Process | None:
        spare, self.spare = self.spare, None
        return spare if spare is not None and spare.returncode is None else None

    def replenish_after(self, wall: WallProcess) -> None:
        """The next spare is loaded once ``wall`` is up, a second after: not to slow the
        first page of the browser waiting for it."""
        if not self.keeps_spare:
            return

        async def after() -> None:
            waits = [asyncio.ensure_future(e.wait()) for e in (wall.ready, wall.ended)]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
            await asyncio.sleep(1.0)
            self.ready_spare()

        task = asyncio.ensure_future(after())
        self.replenishing.add(task)
        task.add_done_callback(self.replenishing.discard)

    def application(self, *middlewares: Middleware) -> web.Application:
        """The routes; ``middlewares`` see every request first (the connection limits')."""
        app = web.Application(client_max_size=64 * 1024, middlewares=middlewares)
        app.add_routes(
            [
                web.get("/", self.page),
                web.get("/ws/{key}", self.websocket),
                web.get("/assets/{name}", self.asset),
                web.get("/status", self.status),
            ]
        )
        return app

    def allowed(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.key)

    async def page(self, request: web.Request) -> web.StreamResponse:
        if not self.allowed(request.query.get("key")):
            log.warning("refused the page to %s: wrong or missing key", request.remote)
            return web.Response(status=403, text=REFUSED, headers=PAGE_HEADERS)
        return web.Response(text=PAGE, content_type="text/html", headers=PAGE_HEADERS)

    async def status(self, request: web.Request) -> web.StreamResponse:
        """Behind the key: the pages open, each wall's memory, the views polled, the
        requests per minute the service sees, the last error per view."""
        if not self.allowed(request.query.get("key")):
            log.warning("refused the status to %s: wrong or missing key", request.remote)
            return web.Response(status=403, text=REFUSED, headers=PAGE_HEADERS)
        walls = [{"pid": w.pid, "rss_mb": rss_mb(w.pid)} for w in self.walls if w.pid]
        spare = self.spare.pid if self.spare is not None else None
        body = {
            "pages_open": len(self.walls),
            "walls": walls,
            "spare": None if spare is None else {"pid": spare, "rss_mb": rss_mb(spare)},
            "pages_started": self.started,
            "server_rss_mb": rss_mb(os.getpid()),
            **self.polling(),
        }
        return web.json_response(body, headers=PAGE_HEADERS)

    async def asset(self, request: web.Request) -> web.StreamResponse:
        found = self.assets.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound(text="404: no such file")
        headers = {**ASSET_HEADERS, "ETag": found.etag}
        if request.headers.get("If-None-Match") == found.etag:
            return web.Response(status=304, headers=headers)  # the browser's copy is current
        return web.Response(body=found.body, content_type=found.content_type, headers=headers)

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        if not self.allowed(request.match_info["key"]):
            log.warning("refused a websocket to %s: wrong key", request.remote)
            return web.Response(status=403, text=REFUSED)
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            # Another site's page in the same browser: the key alone must not be enough.
            log.warning("refused a websocket to %s: opened from another site", request.remote)
            return web.Response(status=403, text="403: opened from another site")
        if len(self.walls) >= self.max_browsers:
            log.warning(
                "refused a websocket to %s: %d browsers open", request.remote, len(self.walls)
            )
            return web.Response(status=503, text="503: too many browsers on this wall")
        width = _size(request.query.get("width"), 80, 20, 1000)
        height = _size(request.query.get("height"), 24, 8, 500)
        socket = web.WebSocketResponse(heartbeat=15, max_msg_size=MESSAGE_MAX)
        await socket.prepare(request)
        wall = WallProcess(
            self.command,
            write_bytes=socket.send_bytes,
            write_str=socket.send_str,
            close=socket.close,
            spare=self.take_spare(),
        )
        self.replenish_after(wall)
        self.walls.add(wall)
        try:
            await wall.start(width, height)
            self.started += 1
            log.info(
                "a browser at %s: wall process %s started (%d open)",
                request.remote,
                wall.pid,
                len(self.walls),
            )
            await self.relay(socket, wall)
        finally:
            # aiohttp cancels this handler when the browser's connection goes: the wall is
            # stopped all the same, on a task of its own.
            ending = asyncio.ensure_future(self._ended(wall))
            self.ending.add(ending)
            ending.add_done_callback(self.ending.discard)
            await asyncio.shield(ending)
        return socket

    async def _ended(self, wall: WallProcess) -> None:
        try:
            await wall.stop()
        finally:
            self.walls.discard(wall)
        if not wall.ready.is_set():
            log.warning("the wall process did not start: %s", wall.failure)
        log.info("wall process %s stopped (%d open)", wall.pid, len(self.walls))

    async def relay(self, socket: web.WebSocketResponse, wall: WallProcess) -> None:
        """From the browser to the wall: its size, focus and terminal answers; nothing else."""
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "resize" and isinstance(data, dict):
                await wall.set_terminal_size(
                    _size(data.get("width"), 80, 20, 1000), _size(data.get("height"), 24, 8, 500)
                )
            elif kind == "ping" and isinstance(data, str) and data.isdigit() and len(data) <= 20:
                await socket.send_json(["pong", data])
            elif kind == "focus":
                await wall.focus()
            elif kind == "blur":
                await wall.blur()
            elif kind == "stdin" and isinstance(data, str) and TERMINAL_REPLY.fullmatch(data):
                await wall.send_bytes(data.encode())

    async def close(self) -> None:
        """Stop every wall process (each browser sees its websocket close, and reconnects)."""
        self.keeps_spare = False
        for task in list(self.replenishing):
            task.cancel()
        if self.readying is not None:
            await asyncio.wait({self.readying}, timeout=SPARE_LOAD_S)
        if self.spare is not None:
            await discard(self.spare)
        await asyncio.gather(*(wall.stop() for wall in list(self.walls)))
        await asyncio.gather(*list(self.ending), return_exceptions=True)
