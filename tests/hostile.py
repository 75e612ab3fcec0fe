"""A small hostile HTTP server for tests: what a broken proxy or a compromised service sends.

Raw asyncio on a thread of its own (so it outlives each test's event loop, like the
simulator), HTTP/1.1 with ``Connection: close``. Routes map a method and a path (below
``/jsm/ops/api/demo``) to a :class:`Reply`, which can drip its body a byte at a time,
declare more bytes than it sends, stream an endless body, break gzip, redirect, or send
any bytes at all. Every request it saw is kept in ``requests``.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PREFIX = "/jsm/ops/api/demo"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # below PREFIX, without the query
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = "application/json"
    drip_s: float | None = None  # send the body one byte at a time, this far apart
    declared_length: int | None = None  # Content-Length to claim (more than sent: truncated)
    endless_bytes: int = 0  # then stream this many more bytes of filler, chunked
    delay_s: float = 0.0  # before the status line


def json_reply(value: Any, status: int = 200, **kwargs: Any) -> Reply:
    return Reply(status=status, body=json.dumps(value).encode(), **kwargs)


Route = Callable[[Seen], Reply]


class HostileServer:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Route]] = []
        self.requests: list[Seen] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self, method: str, pattern: str, reply: Reply | Route) -> None:
        """Answer ``method`` on paths matching ``pattern`` (a full match, below PREFIX)."""
        route = reply if callable(reply) else (lambda _seen, r=reply: r)
        self.routes.insert(0, (method, re.compile(pattern), route))

    def seen(self, method: str, pattern: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # ------------------------------------------------------------------ serving

    def start(self) -> HostileServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", self.port)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            # Answers still dripping or streaming end here, not as tasks destroyed pending.
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="hostile-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            body = await reader.readexactly(length) if length else b""
            path, _, query = target.partition("?")
            seen = Seen(method, path.removeprefix(PREFIX), query, headers, body)
            self.requests.append(seen)
            reply = self._route(seen)
            await self._reply(writer, reply)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _route(self, seen: Seen) -> Reply:
        for method, pattern, route in self.routes:
            if method == seen.method and pattern.fullmatch(seen.path):
                return route(seen)
        return json_reply({"message": f"No handler found for {seen.method} {seen.path}"}, 404)

    async def _reply(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        head = [f"HTTP/1.1 {reply.status} Whatever"]
        if reply.content_type:
            head.append(f"Content-Type: {reply.content_type}")
        head += [f"{name}: {value}" for name, value in reply.headers]
        head.append("Connection: close")
        if reply.endless_bytes:
            head.append("Transfer-Encoding: chunked")
        else:
            declared = len(reply.body) if reply.declared_length is None else reply.declared_length
            head.append(f"Content-Length: {declared}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        if reply.endless_bytes:
            await self._chunks(writer, reply.body, reply.endless_bytes)
        elif reply.drip_s is not None:
            for index in range(len(reply.body)):
                writer.write(reply.body[index : index + 1])
                await writer.drain()
                await asyncio.sleep(reply.drip_s)
        else:
            writer.write(reply.body)
            await writer.drain()

    async def _chunks(self, writer: asyncio.StreamWriter, start: bytes, total: int) -> None:
        filler = b" " * 65536
        for piece in [start] if start else []:
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        sent = 0
        while sent < total:
            writer.write(b"%x\r\n%s\r\n" % (len(filler), filler))
            await writer.drain()
            sent += len(filler)
        writer.write(b"0\r\n\r\n")
        await writer.drain()
