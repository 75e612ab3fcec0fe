"""What a client of ``alert-console serve`` can hold before its key is checked, and for how long.

Anyone who reaches the port can open connections; the key is checked only once a request
has arrived. So, on every connection, before and after the key:

- **A request within a deadline.** Whenever no request of a connection is being answered
  (from the moment it is accepted, and after each answer), its next request, head and body,
  must arrive within ``request_s`` (5 s), else it is closed. A half-open request, a
  dripped header or an unread body ends there.
- **An answer read.** A client that reads nothing of its answer for ``stall_s`` (10 s, the
  transport's write buffer full all that time) is cut off: no handler waits on it forever.
- **Caps on open connections**, in total and per client address (an IPv6 client by its
  /64). A connection over a cap makes room by closing the one of its address (or of all)
  that has waited longest for its request; when none is waiting (every connection is being
  answered: a wall's websocket, say) the newcomer is closed. Closed, never answered with a
  traceback: a flood of half-open connections cannot keep a real browser out.
- **A bounded request head**: the request line and each header at most 8,190 bytes, at most
  32 headers (aiohttp's own parser; more is a 400 and the connection closed).
- **Enough file descriptors.** At start the soft open-file limit is raised toward the hard
  one, and the caps are made to fit what it allows (one line at start says the figures).
- **Said briefly.** Every refusal and closing is one line, through the log of
  :mod:`console.serve.log` (once per cause a minute, with a count); so is ``accept()``
  running out of file descriptors.

Why not aiohttp's ``SockSite`` alone: aiohttp's server has no deadline for a request that
never completes (before 3.10 none at all; since, its keep-alive timeout, an hour by
default) and no connection cap; and asyncio's accept loop (``loop.create_server``) logs a
traceback for every failed ``accept()``, up to its backlog at a time, and leaves a restart
timer behind for each that raises again once the server is closed. So :class:`Listener`
accepts the connections itself, counts them against the caps before anything is built for
them, and hands each to ``loop.connect_accepted_socket`` with a :class:`Guard` around
aiohttp's protocol for it: the guard times the connection and passes every byte on
untouched, and a middleware tells it when a request is being answered. Only public
interfaces: the runner's protocol factory, the loop's readers and transports.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import functools
import ipaddress
import logging
import socket
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

REQUEST_S = 5.0  # a request (head and body) must arrive within this, once nothing is answered
STALL_S = 10.0  # a client may leave its answer unread this long
MAX_LINE = 8190  # bytes of the request line (the URL) and of each header (a cookie)
MAX_HEADERS = 32
BACKLOG = 128  # connections the kernel holds for us to accept
ACCEPT_BATCH = 16  # accepted at a time, then the loop reads what the others sent
ACCEPT_RETRY_S = 0.5  # out of file descriptors: accept again after this

# File descriptors: what the server needs beyond its connections (the interpreter, the
# loop, the listening socket, the demo simulator), and per wall process (three pipes, its
# websocket, and with --demo its connections to the simulator): measured 16 and about 6;
# and room for the sockets accepted but not yet counted or closed.
FILES_BASE = 32
FILES_ACCEPTING = 64
FILES_PER_WALL = 8
FILES_WANTED = 8192  # the soft limit is raised this far, if the hard limit allows
MIN_CONNECTIONS = 16
OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class LimitsError(Exception):
    """The open-file limit leaves too little room: one sentence."""


@dataclass(frozen=True)
class Limits:
    """The server's limits, checked against the open-file limit at start."""

    total: int  # open connections at most
    per_address: int  # open connections from one client address at most
    files: int = 0  # the soft open-file limit in force (0: not known)
    raised_from: int | None = None  # the soft limit before we raised it
    request_s: float = REQUEST_S
    stall_s: float = STALL_S

    def handler_args(self) -> dict[str, Any]:
        """aiohttp's own knobs (``web.AppRunner(**...)``), set to the same limits: the
        guard's deadline already closes an idle connection, these are the second line."""
        return {
            "keepalive_timeout": self.request_s,
            "lingering_time": self.request_s,
            "max_line_size": MAX_LINE,
            "max_field_size": MAX_LINE,
            "max_headers": MAX_HEADERS,
        }

    def describe(self) -> str:
        files = f"{self.files} open files" if self.files else "open files: not known"
        if self.raised_from is not None:
            files += f" (raised from {self.raised_from})"
        return (
            f"limits: {files}; {self.total} connections, {self.per_address} per address; "
            f"a request within {self.request_s:g} s"
        )


def fit(max_browsers: int, soft: int, hard: int | None) -> tuple[Limits, int]:
    """The caps for ``max_browsers``, made to fit the open-file limit, and the soft limit to
    ask for (``hard`` None: no hard limit). Pure; :func:`checked_limits` applies it."""
    per_address = 24 + max_browsers  # a browser loading the page opens 6 or 7; a proxy, all
    total = 4 * per_address
    walls = FILES_PER_WALL * (max_browsers + 1)  # and the spare
    needed = FILES_BASE + FILES_ACCEPTING + walls + total
    wanted = max(soft, FILES_WANTED if hard is None else min(hard, FILES_WANTED))
    if wanted < needed:
        total = wanted - FILES_BASE - FILES_ACCEPTING - walls
        if total < MIN_CONNECTIONS:
            raise LimitsError(
                f"the open-file limit is {wanted}, too low for --max-browsers {max_browsers} "
                f"(it needs {needed}): lower --max-browsers or raise the limit (ulimit -n)"
            )
        per_address = min(per_address, total)
    limits = Limits(total=total, per_address=per_address, files=wanted)
    return limits, wanted


def checked_limits(max_browsers: int) -> Limits:
    """:func:`fit` against this process's open-file limit, the soft limit raised toward the
    hard one where it is allowed."""
    try:
        import resource
    except ImportError:  # not on a POSIX system: the caps alone
        return dataclasses.replace(fit(max_browsers, FILES_WANTED, None)[0], files=0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    infinite = resource.RLIM_INFINITY
    limits, wanted = fit(
        max_browsers, FILES_WANTED if soft == infinite else soft, None if hard == infinite else hard
    )
    if soft == infinite or wanted <= soft:
        return limits
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):  # not allowed here: fit what there is
        return fit(max_browsers, soft, soft)[0]
    return Limits(limits.total, limits.per_address, files=wanted, raised_from=soft)


def open_file_limit() -> str:
    """This process's soft open-file limit, now."""
    try:
        import resource
    except ImportError:
        return "?"
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return "no limit" if soft == resource.RLIM_INFINITY else str(soft)


def client_address(peer: object) -> str:
    """Whom a connection counts against, from its peer name: its IPv4 address, or its IPv6
    /64 (one host can hold a whole /64)."""
    if not isinstance(peer, tuple) or not peer:
        return "?"
    try:
        address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
    except ValueError:
        return str(peer[0])
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class Guard(asyncio.Protocol):
    """One connection, counted in: aiohttp's protocol for it, timed, and handed every byte.

    It is *waiting* while no request of it is being answered and its next one has not
    arrived (no end of a head among its bytes yet): then its deadline runs, and it may be
    closed to make room."""

    def __init__(
        self, connections: Connections, make: Callable[[], asyncio.Protocol], address: str
    ) -> None:
        self.connections = connections
        self.make = make
        self.address = address
        self.inner: asyncio.Protocol | None = None
        self.transport: asyncio.Transport | None = None
        self.counted = True  # in the connections' counts (admitted before it was built)
        self.answering = 0  # requests of this connection in a handler now
        self.arrived = False  # a request's head is among the bytes since the last answer
        self.received = 0  # bytes since the last answer
        self.tail = b""  # the last bytes seen, to find a head's end across reads
        self.deadline: asyncio.TimerHandle | None = None
        self.stall: asyncio.TimerHandle | None = None
        self.closed = False

    # ------------------------------------------------------------------ asyncio's side

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.closed:  # closed to make room while it was being built
            transport.abort()
            return
        self.connections.guards[transport] = self
        self.inner = self.make()
        self.inner.connection_made(transport)
        self.wait()

    def data_received(self, data: bytes) -> None:
        if self.inner is None:
            return
        if not self.answering and not self.arrived:
            self.received += len(data)
            seen = self.tail + data
            if b"\r\n\r\n" in seen:  # a request's head is in: no longer one to close for room
                self.arrived = True
                self.connections.not_waiting(self)
            self.tail = seen[-3:]
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return None if self.inner is None else self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.cancel_timers()
        self.connections.forget(self)
        inner, self.inner = self.inner, None
        if inner is not None:
            inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self.stall is None and not self.closed:
            loop = asyncio.get_running_loop()
            self.stall = loop.call_later(self.connections.limits.stall_s, self.stalled)
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.stall is not None:
            self.stall.cancel()
            self.stall = None
        if self.inner is not None:
            self.inner.resume_writing()

    # ------------------------------------------------------------------ the middleware's side

    def answer_started(self) -> None:
        self.answering += 1
        self.connections.not_waiting(self)
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def answer_ended(self) -> None:
        self.answering -= 1
        if not self.answering and not self.closed:
            self.wait()

    # ------------------------------------------------------------------ limits

    def wait(self) -> None:
        """Nothing is answered now: the next request has ``request_s`` to arrive."""
        self.arrived = False
        self.received = 0
        self.tail = b""
        self.connections.waiting_now(self)
        self.arm(self.connections.limits.request_s)

    def arm(self, delay: float) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = asyncio.get_running_loop().call_later(delay, self.expired)

    def expired(self) -> None:
        self.deadline = None
        if self.closed or self.answering or self.transport is None:
            return
        if self.transport.get_write_buffer_size():  # still sending its last answer: the
            self.arm(self.connections.limits.request_s)  # stall deadline governs that
            return
        if self.received:  # some of a request, not all: a slow or half-open client
            self.connections.expired += 1
            log.warning(
                "closed a connection from %s: its request was not complete within %g s",
                self.address,
                self.connections.limits.request_s,
            )
        # Otherwise an idle keep-alive connection, or a browser's unused preconnection.
        self.close()

    def stalled(self) -> None:
        self.stall = None
        if self.closed:
            return
        self.connections.stalled += 1
        log.warning(
            "closed a connection from %s: it read none of its answer for %g s",
            self.address,
            self.connections.limits.stall_s,
        )
        self.close(abort=True)

    def close(self, *, abort: bool = False) -> None:
        self.closed = True
        self.cancel_timers()
        self.connections.forget(self)
        if self.transport is not None:
            if abort:
                self.transport.abort()
            else:
                self.transport.close()

    def cancel_timers(self) -> None:
        for timer in (self.deadline, self.stall):
            if timer is not None:
                timer.cancel()
        self.deadline = self.stall = None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Connections:
    """The open connections of one server, counted against its :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.open = 0
        self.by_address: Counter[str] = Counter()
        self.guards: dict[asyncio.BaseTransport, Guard] = {}  # for the middleware
        # Waiting for a request, the longest-waiting first (dicts keep their order).
        self.waiting: dict[Guard, None] = {}
        self.waiting_by_address: dict[str, dict[Guard, None]] = {}
        # Counts, for the log's context and the tests.
        self.refused = self.made_room = self.expired = self.stalled = self.out_of_files = 0

    def __len__(self) -> int:
        return self.open

    def admit(self, address: str) -> bool:
        """Count a connection from ``address`` in, closing the longest-waiting connection of
        that address (or of all) if that is what makes room; False (said) if nothing does."""
        if self.by_address[address] >= self.limits.per_address and not self.make_room(
            self.waiting_by_address.get(address, {})
        ):
            return self.refuse(
                "refused a connection from %s: %d open from that address, all answering",
                address,
                self.by_address[address],
            )
        if self.open >= self.limits.total and not self.make_room(self.waiting):
            return self.refuse(
                "refused a connection from %s: %d open, all answering", address, self.open
            )
        self.open += 1
        self.by_address[address] += 1
        return True

    def refuse(self, message: str, *args: object) -> bool:
        self.refused += 1
        log.warning(message, *args)
        return False

    def make_room(self, waiting: dict[Guard, None]) -> bool:
        oldest = next(iter(waiting), None)
        if oldest is None:
            return False
        self.made_room += 1
        log.warning(
            "closed a connection from %s that was waiting longest for its request, to make "
            "room (%d open)",
            oldest.address,
            self.open,
        )
        oldest.close(abort=True)
        return True

    def waiting_now(self, guard: Guard) -> None:
        self.not_waiting(guard)  # to the end: the most recent
        if guard.counted:
            self.waiting[guard] = None
            self.waiting_by_address.setdefault(guard.address, {})[guard] = None

    def not_waiting(self, guard: Guard) -> None:
        self.waiting.pop(guard, None)
        mine = self.waiting_by_address.get(guard.address)
        if mine is not None:
            mine.pop(guard, None)
            if not mine:
                del self.waiting_by_address[guard.address]

    def forget(self, guard: Guard) -> None:
        self.not_waiting(guard)
        if not guard.counted:
            return
        guard.counted = False
        self.open -= 1
        self.by_address[guard.address] -= 1
        if self.by_address[guard.address] <= 0:
            del self.by_address[guard.address]
        if guard.transport is not None and self.guards.get(guard.transport) is guard:
            del self.guards[guard.transport]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Tells a connection's guard that one of its requests is being answered."""
        guard = self.guards.get(request.transport) if request.transport is not None else None
        if guard is None:
            return await handler(request)
        guard.answer_started()
        try:
            return await handler(request)
        finally:
            guard.answer_ended()


class Listener:
    """The accept loop: takes connections from the bound socket, at most ``ACCEPT_BATCH`` at
    a time, counts each in (or closes it at once) and builds its guarded protocol. Out of
    file descriptors it says so (once a minute, by the log) and tries again in half a
    second; the connections waiting meanwhile stay queued in the kernel."""

    def __init__(
        self, sock: socket.socket, connections: Connections, make: Callable[[], asyncio.Protocol]
    ) -> None:
        self.sock = sock
        self.connections = connections
        self.make = make
        self.loop = asyncio.get_running_loop()
        self.retry: asyncio.TimerHandle | None = None
        self.building: set[asyncio.Task[None]] = set()
        self.closed = False
        sock.setblocking(False)
        sock.listen(BACKLOG)
        self.loop.add_reader(sock.fileno(), self.accept)

    def accept(self) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                conn, peer = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                self.cannot_accept(error)
                return
            address = client_address(peer)
            if not self.connections.admit(address):
                conn.close()
                continue
            guard = Guard(self.connections, self.make, address)
            self.connections.waiting_now(guard)  # it may make room for the next already
            building = self.connect(guard, conn)
            task = self.loop.create_task(building)
            self.building.add(task)
            task.add_done_callback(functools.partial(self.built, guard, conn))

    async def connect(self, guard: Guard, conn: socket.socket) -> None:
        await self.loop.connect_accepted_socket(lambda: guard, conn)

    def built(self, guard: Guard, conn: socket.socket, task: asyncio.Task[None]) -> None:
        self.building.discard(task)
        if task.cancelled() or task.exception() is not None:  # gone before it was built
            self.connections.forget(guard)
            conn.close()

    def cannot_accept(self, error: OSError) -> None:
        if error.errno in OUT_OF_FILES:
            self.connections.out_of_files += 1
            log.warning(
                "could not accept a connection: %s (%d connections open, %s open files at most)",
                error.strerror or error,
                self.connections.open,
                open_file_limit(),
            )
        else:
            log.warning("could not accept a connection: %s", error.strerror or error)
        self.loop.remove_reader(self.sock.fileno())
        self.retry = self.loop.call_later(ACCEPT_RETRY_S, self.resume)

    def resume(self) -> None:
        self.retry = None
        if not self.closed:
            self.loop.add_reader(self.sock.fileno(), self.accept)

    def close(self) -> None:
        """Accept no more (the connections open are ``runner.cleanup()``'s to close)."""
        if self.closed:
            return
        self.closed = True
        if self.retry is not None:
            self.retry.cancel()
        else:
            self.loop.remove_reader(self.sock.fileno())
        for task in self.building:
            task.cancel()
        self.sock.close()


async def listen(runner: web.BaseRunner, sock: socket.socket, connections: Connections) -> Listener:
    """Serve ``runner``'s application on the bound socket ``sock``, every connection counted
    and guarded (instead of aiohttp's ``SockSite``); close the listener returned before
    ``runner.cleanup()``."""
    make = runner.server
    if make is None:
        raise RuntimeError("call runner.setup() first")
    return Listener(sock, connections, make)
