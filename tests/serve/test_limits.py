"""What a client can hold of ``alert-console serve`` before its key is checked, and for how
long: the server with its guard on real sockets, short deadlines (half a second) for speed;
and ``alert-console serve`` itself in a process, flooded from another."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import resource
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import pytest
from aiohttp import web

from console.base.sanitize import SafeFormatter
from console.serve.app import WallServer
from console.serve.limits import Connections, Limits, LimitsError, client_address, fit, listen
from console.serve.log import ThrottledHandler
from tests.corpus import BOUNDED_HEADS, HALF_OPEN_HEAD, text_controls
from tests.serve.support import KEY, ROOT, Served, fake, until, until_async

HALF_OPEN = Path(__file__).with_name("half_open.py")
DEADLINE = 1.0  # request_s and stall_s here; the server's own are 5 s and 10 s


@dataclass
class Guarded:
    port: int
    connections: Connections
    server: WallServer

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def guarded(
    tmp_path: Path, *, total: int = 12, per_address: int = 6
) -> AsyncIterator[Guarded]:
    """The server as ``serve`` runs it (its guard, its middleware, aiohttp's own limits), a
    stand-in wall behind it."""
    server = WallServer(fake(tmp_path / "record.jsonl"), KEY, max_browsers=2, spare=False)
    limits = Limits(total=total, per_address=per_address, request_s=DEADLINE, stall_s=DEADLINE)
    connections = Connections(limits)
    runner = web.AppRunner(
        server.application(connections.middleware), access_log=None, **limits.handler_args()
    )
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    listening = await listen(runner, sock, connections)
    try:
        yield Guarded(sock.getsockname()[1], connections, server)
    finally:
        listening.close()
        await server.close()
        await runner.cleanup()


@contextlib.contextmanager
def said(*names: str) -> Iterator[tuple[io.StringIO, ThrottledHandler]]:
    """What the server's log handler writes, for the loggers ``names``, as ``serve`` sets it."""
    stream = io.StringIO()
    handler = ThrottledHandler(stream)
    handler.setFormatter(SafeFormatter("%(message)s"))
    loggers = [logging.getLogger(name) for name in names]
    before = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        yield stream, handler
    finally:
        for logger, (level, propagate) in zip(loggers, before, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


async def connect(port: int, head: bytes = HALF_OPEN_HEAD, source: str = "127.0.0.1") -> Client:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    if head:
        writer.write(head)
        await writer.drain()
    return Client(reader, writer, time.monotonic())


@dataclass
class Client:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    opened: float

    async def closed_after(self, timeout: float = 5.0) -> float | None:
        """Seconds from opening until the server closed it (reading what it answers); None
        if it is still open at ``timeout``."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return None
        except ConnectionError:
            pass
        return time.monotonic() - self.opened

    async def is_open(self) -> bool:
        return await self.closed_after(0.1) is None

    async def answer(self) -> bytes:
        """One answer's head and body (by its Content-Length)."""
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 5)
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return head + await asyncio.wait_for(self.reader.readexactly(length), 5)

    def close(self) -> None:
        self.writer.close()


async def all_open(*clients: Client) -> bool:
    return all(await asyncio.gather(*(client.is_open() for client in clients)))


# ---------------------------------------------------------------------- deadlines


async def test_a_request_that_never_completes_is_closed_at_its_deadline(tmp_path: Path) -> None:
    with said("console") as (log, _handler):
        async with guarded(tmp_path) as served:
            half_open = await connect(served.port)
            silent = await connect(served.port, head=b"")
            page = await connect(
                served.port, f"GET /?key={KEY} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            )
            assert (await page.answer()).startswith(b"HTTP/1.1 200")  # answered at once
            for client in (half_open, silent):
                closed = await client.closed_after()
                assert closed is not None and 0.8 * DEADLINE < closed < DEADLINE + 1.0
            await until_async(lambda: len(served.connections) == 0)  # the page's too, idle
    lines = log.getvalue().splitlines()
    # The half-open one is said; a silent one is what a browser's unused preconnection is.
    assert lines == ["closed a connection from 127.0.0.1: its request was not complete within 1 s"]


async def test_the_next_request_and_an_unread_body_have_the_same_deadline(tmp_path: Path) -> None:
    async with guarded(tmp_path) as served:
        kept_alive = await connect(
            served.port, b"GET /assets/kiosk.css HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        assert (await kept_alive.answer()).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        kept_alive.writer.write(b"GET /assets/kiosk.js HTTP/1.1\r\nHost: x\r\n")  # never ends
        body = await connect(
            served.port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"
        )
        assert (await body.answer()).startswith(b"HTTP/1.1 403")  # the key: no body needed
        for client in (kept_alive, body):
            assert await client.closed_after() is not None
        assert time.monotonic() - started < DEADLINE + 1.0


async def test_a_client_that_reads_none_of_its_answer_is_cut_off(tmp_path: Path) -> None:
    with said("console") as (log, _handler):
        async with guarded(tmp_path) as served:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", served.port))
            # Forty times the 500 KB script, asked for at once, and not one byte read.
            sock.sendall(b"GET /assets/textual.js HTTP/1.1\r\nHost: x\r\n\r\n" * 40)
            try:
                await until_async(lambda: served.connections.stalled == 1, timeout=5)
                await until_async(lambda: len(served.connections) == 0)
            finally:
                sock.close()
    assert "closed a connection from 127.0.0.1: it read none of its answer for 1 s" in (
        log.getvalue()
    )


# ---------------------------------------------------------------------- caps


async def test_over_its_address_cap_a_connection_closes_the_longest_waiting(
    tmp_path: Path,
) -> None:
    async with guarded(tmp_path, total=12, per_address=6) as served:
        first, *others = [await connect(served.port) for _ in range(6)]
        another_address = await connect(served.port, source="127.0.0.2")
        assert len(served.connections) == 7
        seventh = await connect(served.port)
        closed = await first.closed_after(1.0)
        assert closed is not None and closed < DEADLINE  # at once, not at its deadline
        assert await all_open(*others, seventh, another_address)
        assert served.connections.by_address["127.0.0.1"] == 6
        # The page, with its key, makes room the same way: at once.
        async with httpx.AsyncClient() as browser:
            started = time.monotonic()
            page = await browser.get(f"{served.origin}/?key={KEY}", timeout=5)
            assert page.status_code == 200 and time.monotonic() - started < DEADLINE
        assert await others[0].closed_after(1.0) is not None
        assert served.connections.by_address["127.0.0.1"] <= 6
        assert served.connections.made_room == 2 and served.connections.refused == 0


async def test_the_total_cap_counts_every_address(tmp_path: Path) -> None:
    async with guarded(tmp_path, total=12, per_address=6) as served:
        clients = [
            await connect(served.port, source=f"127.0.0.{n}") for n in (2, 3, 4) for _ in range(4)
        ]
        assert len(served.connections) == 12
        newcomer = await connect(served.port, source="127.0.0.5")
        assert await clients[0].closed_after(1.0) is not None  # the longest waiting, anywhere
        assert await all_open(*clients[1:], newcomer)
        assert len(served.connections) == 12


async def test_connections_being_answered_are_never_closed_for_room(tmp_path: Path) -> None:
    with said("console") as (log, _handler):
        async with (
            guarded(tmp_path, total=4, per_address=2) as served,
            aiohttp.ClientSession() as session,
        ):
            walls = [await session.ws_connect(f"{served.origin}/ws/{KEY}") for _ in range(2)]
            for wall in walls:
                await wall.receive_bytes(timeout=10)
            refused = await connect(served.port)
            assert await refused.closed_after(1.0) is not None
            for wall in walls:  # both walls still answer
                await wall.send_str(json.dumps(["ping", "7"]))
                while (message := await wall.receive(timeout=5)).type != aiohttp.WSMsgType.TEXT:
                    pass
                assert message.data == '["pong", "7"]'
            assert served.connections.refused == 1 and served.connections.made_room == 0
            for wall in walls:
                await wall.close()
    assert (
        "refused a connection from 127.0.0.1: 2 open from that address, all answering"
        in log.getvalue()
    )


# ---------------------------------------------------------------------- what a request holds


async def test_request_heads_past_the_limits_get_400_and_one_line(tmp_path: Path) -> None:
    with said("aiohttp", "console") as (log, handler):
        async with guarded(tmp_path) as served:
            for name, head in BOUNDED_HEADS.items():
                client = await connect(served.port, head=b"")
                client.writer.write(head)
                with contextlib.suppress(ConnectionError):  # refused while still writing
                    await client.writer.drain()
                answer = b"(reset)"
                with contextlib.suppress(ConnectionError):
                    answer = await asyncio.wait_for(client.reader.read(100), 5)
                # The endless header may be cut off with a reset before its 400 is read.
                reset = name == "a header without end" and answer == b"(reset)"
                assert answer.startswith(b"HTTP/1.0 400 Bad Request") or reset, (name, answer)
                assert await client.closed_after(1.0) is not None, name
            assert served.server.started == 0
        handler.tick(final=True)
    text = log.getvalue()
    lines = text.splitlines()
    assert len(lines) == 2, text  # the first, and the count of the rest
    assert lines[0].startswith("refused a malformed request from 127.0.0.1: ")
    assert lines[1].endswith(f"(and {len(BOUNDED_HEADS) - 2} more like it in 0 s)")
    assert "Traceback" not in text
    assert text_controls(text) == []


# ---------------------------------------------------------------------- the log


def test_the_log_says_a_cause_once_a_minute_with_a_count() -> None:
    now = [0.0]
    stream = io.StringIO()
    handler = ThrottledHandler(stream, clock=lambda: now[0])
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tests.serve.throttled")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        for n in range(1000):
            logger.warning("refused a connection from %s", f"10.0.{n // 250}.{n % 250}")
        for _ in range(3):
            logger.warning("closed a connection: %s", "too slow")
        logger.info("a browser at %s", "10.0.0.1")  # information: never held back
        logger.info("a browser at %s", "10.0.0.2")
        now[0] = 30.0
        handler.tick()  # nothing has ended yet
        assert len(stream.getvalue().splitlines()) == 4
        now[0] = 60.0
        handler.tick()
        logger.warning("refused a connection from %s", "10.0.9.9")  # a new minute
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "refused a connection from 10.0.0.0",
        "closed a connection: too slow",
        "a browser at 10.0.0.1",
        "a browser at 10.0.0.2",
        "refused a connection from 10.0.3.249 (and 998 more like it in 60 s)",
        "closed a connection: too slow (and 1 more like it in 60 s)",
        "refused a connection from 10.0.9.9",
    ]


# ---------------------------------------------------------------------- the caps, fitted


def test_the_caps_fit_the_open_file_limit() -> None:
    assert fit(8, 1024, 1024) == (Limits(total=128, per_address=32, files=1024), 1024)
    assert fit(8, 1024, 524288)[1] == 8192  # raised toward the hard limit
    assert fit(8, 1024, None)[1] == 8192
    assert fit(8, 65536, 524288)[1] == 65536  # never lowered
    squeezed, _files = fit(8, 200, 200)  # 32 + 64 accepting + 9 walls × 8: 32 left
    assert (squeezed.total, squeezed.per_address) == (32, 32)
    with pytest.raises(LimitsError, match=r"open-file limit is 150, too low for --max-browsers 8"):
        fit(8, 150, 150)
    assert fit(100, 1024, 4096)[0] == Limits(total=496, per_address=124, files=4096)


@pytest.mark.parametrize(
    ("peer", "address"),
    [
        (("192.0.2.7", 50000), "192.0.2.7"),
        (("2001:db8:1:2:aaaa::1", 50000, 0, 0), "2001:db8:1:2::/64"),
        (("2001:db8:1:2:ffff::9", 50000, 0, 0), "2001:db8:1:2::/64"),  # the same host
        (("::ffff:192.0.2.7", 50000, 0, 0), "192.0.2.7"),
        (("fe80::1%eth0", 50000, 0, 2), "fe80::/64"),
        (None, "?"),
    ],
)
def test_a_client_counts_by_its_address_or_its_ipv6_64(peer: object, address: str) -> None:
    assert client_address(peer) == address


# ---------------------------------------------------------------------- the command


def hold_half_open(port: int, count: int, seconds: float) -> subprocess.Popen[str]:
    """``count`` half-open requests from another process; returns once they are open."""
    holder = subprocess.Popen(
        [sys.executable, str(HALF_OPEN), str(port), str(count), "--seconds", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().startswith("opened "), "the holder could not open them"
    return holder


async def test_half_open_connections_leave_room_for_the_page_and_its_wall(
    serve_env: dict[str, str],
) -> None:
    """250 half-open requests held by another process, more than the server has descriptors
    for (256): the page and its wall still come at once, every half-open one is closed by
    its deadline (5 s), and the log stays a few lines."""
    server = Served(
        ["--demo", "--key", KEY, "--max-browsers", "2", "--no-spare"],
        serve_env,
        open_files=(256, 256),
    )
    server.start()
    try:
        holder = hold_half_open(server.port, 250, seconds=12)
        started = time.monotonic()
        async with httpx.AsyncClient() as browser:
            page = await browser.get(server.url, timeout=5)
        assert page.status_code == 200 and time.monotonic() - started < 2.0
        async with aiohttp.ClientSession() as session:
            wall = await session.ws_connect(f"{server.origin}/ws/{KEY}")
            assert (await wall.receive_bytes(timeout=15)).startswith(b"\x1b[?1049h")
            await wall.close()
        out, _ = holder.communicate(timeout=30)
        held = json.loads(out)
        assert held["opened"] == 250 and held["still_open"] == 0
        assert held["closed_after_s"][2] < 5.0 + 1.5  # the last, by its deadline
    finally:
        server.stop()
    said = "".join(server.stderr)
    assert "limits: 256 open files; 104 connections, 26 per address" in "".join(server.stdout)
    assert len(said.encode()) < 5_000, said
    assert "Traceback" not in said and "Too many open files" not in said
    assert "its request was not complete within 5 s" in said


def test_the_open_file_limit_is_raised_and_running_out_is_one_line(
    serve_env: dict[str, str],
) -> None:
    server = Served(["--demo", "--key", KEY], serve_env, open_files=(512, 4096)).start()
    try:
        assert "limits: 4096 open files (raised from 512); 128 connections, 32 per address" in (
            "".join(server.stdout)
        )
        # Its descriptors made scarce from outside: accept() fails, again and again.
        in_use = len(list(Path(f"/proc/{server.pid}/fd").iterdir()))
        resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (in_use + 4, 4096))
        holder = hold_half_open(server.port, 60, seconds=3)

        def said_once() -> bool:
            return any("could not accept a connection" in line for line in server.stderr)

        said_once.__doc__ = "the server says it is out of descriptors"
        until(said_once, timeout=10)
        holder.communicate(timeout=30)
        resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (4096, 4096))
        page = httpx.get(server.url, timeout=5)  # it carries on
        assert page.status_code == 200
    finally:
        server.stop()
    said = "".join(server.stderr)
    out_of_files = [line for line in server.stderr if "could not accept" in line]
    assert len(out_of_files) == 2, said  # the first, and at the end the count of the rest
    assert "Too many open files" in out_of_files[0] and "more like it" in out_of_files[1]
    assert "Traceback" not in said, said
    assert len(said.encode()) < 5_000


def test_too_few_open_files_for_the_browsers_is_one_sentence(tmp_path: Path) -> None:
    """Where the hard limit leaves no room, the server says so before it serves anything."""
    result = subprocess.run(
        [sys.executable, "-m", "console", "serve", "--demo", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "XDG_STATE_HOME": str(tmp_path)},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (150, 150)),
    )
    assert result.returncode == 2
    assert result.stderr == (
        "alert-console serve: the open-file limit is 150, too low for --max-browsers 8 (it "
        "needs 296): lower --max-browsers or raise the limit (ulimit -n)\n"
    )
    assert "the wall on" not in result.stdout
