"""A pooled keep-alive connection the server closed while it sat idle: the next read on it
fails at once (no answer, the connection reset). The client tries a read again on a new
connection, so one such reset costs one retry, never the refresh."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator

import pytest

from console.api import BasicCredentials, JsmClient, RetryPolicy, errors

PAGE = json.dumps({"values": [], "count": 0, "links": {}}).encode()


class DroppingServer:
    """Answers the first request of each connection (keep-alive), then closes the connection
    when the second one comes, without a word: what a server does when its keep-alive
    timeout and the client's reuse cross."""

    def __init__(self) -> None:
        self.port = 0
        self.connections = 0
        self.answered = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            if served == 1:  # the reused connection: dropped unanswered
                writer.transport.abort()
                return
            served += 1
            self.answered += 1
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(PAGE)}\r\n\r\n".encode()
                + PAGE
            )
            await writer.drain()

    def start(self) -> DroppingServer:
        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def main() -> None:
                server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
                self.port = server.sockets[0].getsockname()[1]
                self._ready.set()
                async with server:
                    await server.serve_forever()

            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                loop.run_until_complete(main())

        threading.Thread(target=run, daemon=True).start()
        self._ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            for task in asyncio.all_tasks(self._loop):
                self._loop.call_soon_threadsafe(task.cancel)


@pytest.fixture
def dropping() -> Iterator[DroppingServer]:
    server = DroppingServer().start()
    yield server
    server.stop()


def client(server: DroppingServer, attempts: int) -> JsmClient:
    return JsmClient(
        origin=f"http://127.0.0.1:{server.port}",
        cloud_id="demo",
        credentials=BasicCredentials("me@example.com", "t"),
        retry=RetryPolicy(attempts=attempts, base_s=0.01, cap_s=0.05, budget_s=5.0),
    )


async def test_a_read_on_a_connection_the_server_dropped_is_tried_again_once(
    dropping: DroppingServer,
) -> None:
    async with client(dropping, attempts=5) as api:
        await api.list_alerts()
        before = api.requests_sent
        await api.list_alerts()  # the pooled connection is dropped; a new one answers
        assert api.requests_sent - before == 2  # one retry, no more
        assert dropping.connections == 2 and dropping.answered == 2


async def test_without_retries_the_same_reset_is_a_transport_error(
    dropping: DroppingServer,
) -> None:
    """The control: the reset is real, and it reaches a client that may not retry."""
    async with client(dropping, attempts=1) as api:
        await api.list_alerts()
        with pytest.raises(errors.TransportError) as caught:
            await api.list_alerts()
        assert caught.value.reached_server
