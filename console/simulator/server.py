"""Running the simulator: in the foreground (``alert-console simulate``) or on a thread.

:class:`BackgroundSimulator` serves it with uvicorn on its own thread and event
loop, on an ephemeral loopback port by default. The console's ``--demo`` uses
it, and so do the tests: their own event loops come and go, the simulator's
stays up, and everything between them is real HTTP.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.request
from dataclasses import replace
from typing import Any

import uvicorn

from console.simulator.app import Simulator
from console.simulator.config import API_PREFIX, SimulatorConfig


def _uvicorn_config(app: Simulator, sock_host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=sock_host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        # The h11 implementation ships with uvicorn; no compiled extras needed.
        http="h11",
        timeout_graceful_shutdown=2,
    )


def run_foreground(config: SimulatorConfig, *, announce: bool = True) -> None:
    """Serve until interrupted (Ctrl+C)."""
    simulator = Simulator(config)
    sock = _bind(config.host, config.port)
    # Listening before the address is announced: a client that reads it and connects at once
    # waits in the backlog until uvicorn accepts, instead of being refused (seen under load).
    sock.listen(2048)
    if announce:
        print(describe(config, sock.getsockname()[1], simulator), flush=True)
    server = uvicorn.Server(_uvicorn_config(simulator, config.host, config.port, "warning"))
    server.run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    """Bind before serving, so the port is known (``0`` picks a free one) and nobody takes it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only
    # when the listening socket says TCP, and without it every answer larger than one
    # segment waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def describe(config: SimulatorConfig, port: int, simulator: Simulator | None = None) -> str:
    origin = f"http://{config.host}:{port}"
    lines = [
        f"JSM Ops alerts simulator on {origin}",
        f"  API base:    {origin}{API_PREFIX}/{config.cloud_id}/v1/alerts",
        # A command that works as printed: the credentials go in the environment.
        f"  console:     ALERT_CONSOLE_EMAIL={config.account.email} "
        f"ALERT_CONSOLE_API_TOKEN={config.account.token} "
        f"alert-console --url {origin} --cloud-id {config.cloud_id}",
        f"  credentials: {config.account.email} / {config.account.token}   (HTTP Basic)",
    ]
    if config.viewer is not None:
        lines.append(f"  read-only:   {config.viewer.email} / {config.viewer.token}")
    if config.bearer_token:
        lines.append(
            f"  bearer:      {config.bearer_token}   (stands in for an OAuth access token)"
        )
    lines.append(
        f"  admin:       {origin}/_admin/faults  /_admin/stats  /_admin/reset  /_admin/processing"
    )
    details = [
        f"{config.alerts} demo alerts (seed {config.seed})"
        if config.state_file is None or not config.state_file.exists()
        else f"state from {config.state_file}"
    ]
    if config.live:
        details.append("live")
    if config.faults.active:
        details.append(
            "faults " + ",".join(f"{k}={v}" for k, v in config.faults.to_json().items() if v)
        )
    lines.append("  data:        " + ", ".join(details))
    silent = simulator.heartbeats.jobs.dying() if simulator is not None else None
    if silent is not None:
        team_id, name = silent
        lines.append(
            f"  heartbeat:   curl -u {config.account.email}:{config.account.token} "
            f"'{origin}{API_PREFIX}/{config.cloud_id}/v1/teams/{team_id}/heartbeats/ping"
            f"?name={name}'"
            + ("   (silent from a few minutes after the start)" if config.live else "")
        )
    return "\n".join(lines)


class BackgroundSimulator:
    """A simulator serving on a thread of its own. Use as a context manager, or start()/stop()."""

    def __init__(self, config: SimulatorConfig | None = None, **overrides: Any) -> None:
        base = config or SimulatorConfig(port=0)
        self.config = replace(base, **overrides)
        self.simulator = Simulator(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def origin(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Everything before ``/v1/alerts``: ``http://127.0.0.1:PORT/jsm/ops/api/demo``."""
        return f"{self.origin}{API_PREFIX}/{self.config.cloud_id}"

    def start(self, timeout: float = 10.0) -> BackgroundSimulator:
        """Serve; started again after stop(), it comes back on the same port with the same
        alerts and pending writes (a restart, as clients see one)."""
        sock = _bind(self.config.host, self.port or self.config.port)
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(
            _uvicorn_config(self.simulator, self.config.host, self.port, "error")
        )
        self._server = server
        started = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(server.serve(sockets=[sock]))
            finally:
                started.set()
                loop.close()

        self._thread = threading.Thread(target=serve, name=f"simulator:{self.port}", daemon=True)
        self._thread.start()
        waited = 0.0
        while not server.started and waited < timeout and self._thread.is_alive():
            started.wait(0.01)
            waited += 0.01
        if not server.started:
            raise RuntimeError("the simulator did not start")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> BackgroundSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Admin calls, over HTTP like everything else (stdlib, so tests need no client of ours).

    def admin(
        self, path: str, body: dict[str, Any] | None = None, method: str | None = None
    ) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 (our own http:// origin)
            f"{self.origin}/_admin/{path}",
            data=data,
            method=method or ("POST" if body is not None else "GET"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return json.loads(response.read() or b"null")

    def reset(
        self, alerts: int | None = None, seed: int | None = None, dialect: str | None = None
    ) -> None:
        body: dict[str, Any] = {}
        if alerts is not None:
            body["alerts"] = alerts
        if seed is not None:
            body["seed"] = seed
        if dialect is not None:
            body["dialect"] = dialect
        self.admin("reset", body)

    def set_faults(self, **faults: float) -> None:
        self.admin("faults", dict(faults))

    def script_writes(self, *faults: str) -> None:
        """The next writes meet these faults, one each, in order ("drop", "error",
        "throttle", "proxy_502", "none")."""
        self.admin("faults", {"next_writes": list(faults)})

    def set_processing(self, **settings: Any) -> None:
        self.admin("processing", settings)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("stats")
        return result


def demo_simulator() -> BackgroundSimulator:
    """The built-in demo (``--demo``): 300 live alerts on a free loopback port, started."""
    return BackgroundSimulator(SimulatorConfig(port=0, live=True, alerts=300, seed=1)).start()
