"""``alert-console serve``: the wall in a browser, for the TVs that have no terminal.

It serves the wall (always read-only) with textual-serve: a browser that opens the printed
URL gets a page that starts a wall process of its own (``alert-console --wall`` with the
same options) and shows it, full screen, reconnecting by itself. Loopback only unless
``--host`` says otherwise; a random access key, or ``--key`` / ``ALERT_CONSOLE_SERVE_KEY``,
is required in the URL. ``--demo`` starts one simulator here and points every wall at it.

Thin like the rest of the command line: it checks the options, starts the wall once to
be sure it can start (so a missing token is one sentence here, not a blank page on a TV),
then serves until Ctrl+C or SIGTERM. The server is :mod:`console.serve.app`, its wall
processes :mod:`console.serve.wall`, the page :mod:`console.serve.page`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import re
import secrets
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.base.errors import UsageError
from console.base.sanitize import SafeFormatter, clean
from console.settings.options import check_view_options, checked_origin
from console.settings.secrets import ENV_ACCESS_TOKEN, ENV_EMAIL, ENV_TOKEN

if TYPE_CHECKING:
    from console.serve.app import WallServer
    from console.serve.limits import Limits, Listener
    from console.serve.log import ThrottledHandler
    from console.serve.relay import Relay
    from console.serve.wall import WallCommand
    from console.settings.config import Resolved
    from console.settings.target import Target

ENV_KEY = "ALERT_CONSOLE_SERVE_KEY"
DEFAULT_PORT = 8731
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
WILDCARDS = ("", "0.0.0.0", "::")  # noqa: S104 (named to warn about them)
FIRST_POLL_WAIT_S = 20.0  # the first pages draw from the first poll: wait for it this long

log = logging.getLogger(__name__)


class ServeError(UsageError):
    """Bad start-up input, or a wall that cannot start: one sentence, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alert-console serve",
        description="Serve the wall (read-only) to browsers: a kiosk browser on a TV opens "
        "the printed URL. One wall process per open page.",
        epilog=f"The access key: --key, else ${ENV_KEY}, else a random one at each start "
        "(give one so that a TV's URL survives a restart). Credentials are found as the "
        "console finds them and never reach the browser.",
    )
    wall = parser.add_argument_group("the wall (as 'alert-console --wall')")
    wall.add_argument(
        "--demo", action="store_true", help="start the built-in simulator and show it"
    )
    wall.add_argument("--profile", default=None, help="a profile of the config file")
    wall.add_argument("--config", default=None, help="the config file")
    wall.add_argument("--url", default=None, help="origin of the API")
    wall.add_argument("--cloud-id", default=None, help="the site's cloud id")
    wall.add_argument("--query", default=None, help="the JSM query (default: status: open)")
    wall.add_argument("--view", default=None, help="a saved view of the config file")
    wall.add_argument("--refresh", type=float, default=None, help="seconds between refreshes")
    wall.add_argument("--page-size", type=int, default=None, help="alerts per page (1..100)")
    wall.add_argument("--theme", default=None, help="a theme (default: wall-contrast)")
    wall.add_argument(
        "--notify-priority",
        default=None,
        choices=("P1", "P2", "P3", "P4", "P5"),
        help="highlight new alerts at this priority or above",
    )
    wall.add_argument("--debug", action="store_true", help="each wall writes a debug log")
    server = parser.add_argument_group("the server")
    server.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: loopback only)"
    )
    server.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT}; 0: a free one)"
    )
    server.add_argument("--key", default=None, help="the access key (16+ of A-Z a-z 0-9 _ -)")
    server.add_argument(
        "--max-browsers", type=int, default=8, help="browsers open at once (default 8)"
    )
    server.add_argument(
        "--no-spare",
        action="store_true",
        help="keep no wall process loaded for the next browser (saves its memory, about "
        "60 MB; a page then takes about 0.6 s longer to draw)",
    )
    return parser


@dataclass
class Plan:
    """What will be served, checked."""

    host: str
    port: int
    key: str
    max_browsers: int
    spare: bool
    wall_options: list[str]  # passed to every wall process
    shows: str  # what the page shows, for the warning and the banner
    args: argparse.Namespace  # where the site and its views come from (resolved at start)


def _plan(args: argparse.Namespace) -> Plan:
    check_view_options(args.refresh, args.page_size, args.query)
    # Checked here, not only in each wall: a URL carrying a user or password would otherwise
    # sit in every wall's command line, readable by anyone on the machine.
    url = None if args.url is None else checked_origin(args.url)
    if args.demo and (args.url or args.cloud_id or args.profile or args.config):
        raise ServeError(
            "--demo starts its own simulator: leave out --url, --cloud-id, --profile and --config"
        )
    if not 0 <= args.port <= 65535:
        raise ServeError("--port must be between 0 and 65535")
    if not 1 <= args.max_browsers <= 100:
        raise ServeError("--max-browsers must be between 1 and 100")
    key = args.key if args.key is not None else os.environ.get(ENV_KEY, "").strip()
    if key and not KEY_SHAPE.fullmatch(key):
        where = "--key" if args.key is not None else ENV_KEY
        raise ServeError(f"{where} must be 16 to 128 of A-Z a-z 0-9 _ - (it goes in a URL)")
    options: list[str] = []
    for flag, value in (
        ("--query", args.query),
        ("--view", args.view),
        ("--theme", args.theme),
    ):
        if value is not None:
            options += [flag, str(value)]
    if args.debug:
        options.append("--debug")
    del url  # checked above; the server connects, the walls read its relay
    return Plan(
        host=args.host,
        port=args.port,
        key=key or secrets.token_urlsafe(24),
        max_browsers=args.max_browsers,
        spare=not args.no_spare,
        wall_options=options,
        shows=_shows(args),
        args=args,
    )


def _shows(args: argparse.Namespace) -> str:
    if args.demo:
        site = "the built-in demo simulator"
    elif args.profile:
        site = f"profile {args.profile!r}"
    elif args.cloud_id:
        site = f"site {args.cloud_id}"
    else:
        site = "the default profile's site"
    if args.query is not None:
        what = f"matching {args.query!r}"
    elif args.view is not None:
        what = f"of the view {args.view!r}"
    else:
        what = "matching the default query (status: open, or the profile's view)"
    return clean(
        f"the alerts of {site} {what}: their messages, priorities, entities, owners, tags "
        "and ages, the counts by priority and their 12-hour trend"
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may well resolve to more than this machine


def exposure_warning(host: str, shows: str) -> str | None:
    """What binding to ``host`` exposes, said before anything is served; None on loopback."""
    if is_loopback(host):
        return None
    where = "every address of this machine" if host in WILDCARDS else clean(host)
    return (
        f"warning: serving on {where}, so to other machines too. Whoever reaches it with the "
        f"URL and its key sees the wall: {shows}. The page and its key travel in clear "
        "(plain http): on a network you do not trust, keep to loopback and put a TLS proxy "
        "in front."
    )


def _url(host: str, port: int, key: str) -> str:
    shown = socket.gethostname() if host in WILDCARDS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/?key={key}"


def _listen(host: str, port: int) -> socket.socket:
    """Bound before anything else starts: the port is known, and a busy one is said at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot serve on {host}:{port}: {error.strerror or error}") from None
    return sock


def _limits(max_browsers: int) -> Limits:
    """The connection caps, fitted to the open-file limit (raised toward the hard limit)."""
    from console.serve.limits import LimitsError, checked_limits

    try:
        return checked_limits(max_browsers)
    except LimitsError as error:
        raise ServeError(str(error)) from None


def _logging() -> ThrottledHandler:
    """Our lines, aiohttp's and asyncio's, cleaned, and each warning once a minute by cause
    (a flood of hostile connections costs a few lines, not megabytes)."""
    from console.serve.log import ThrottledHandler

    handler = ThrottledHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("alert-console serve: %(message)s"))
    for name, level in (
        ("console", logging.INFO),
        ("aiohttp", logging.WARNING),
        ("asyncio", logging.WARNING),
    ):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    return handler


@dataclass
class Source:
    """What the server polls: the site, its credentials, the views its walls show."""

    target: Target
    resolved: Resolved
    view_name: str | None
    queries: list[str]  # the query of every view a wall may show (its rotation's too)


@contextlib.contextmanager
def _source(plan: Plan) -> Iterator[Source]:
    """The site and views to poll, resolved as the console resolves them (profile, flags,
    environment, keyring); with ``--demo``, the built-in simulator, started here."""
    from console.settings.config import DEMO
    from console.settings.start import settings_for
    from console.settings.target import demo_target, resolved_start, target_for

    args = plan.args
    config, resolved, view_name = resolved_start(
        args.config,
        DEMO if args.demo else args.profile,
        view=args.view,
        flags={
            "read_only": True,
            "theme": args.theme,
            "refresh": args.refresh,
            "page_size": args.page_size,
            "notify_priority": args.notify_priority,
        },
    )
    simulator = None
    if resolved.profile.demo:
        from console.simulator.server import demo_simulator

        simulator = demo_simulator()
        account = simulator.config.account
        target = demo_target(
            simulator.origin, simulator.config.cloud_id, account.email, account.token
        )
    else:
        target = target_for(resolved, config, url=args.url, cloud_id=args.cloud_id)
    settings = settings_for(
        resolved,
        query=args.query,
        view=view_name,
        wall=True,
        demo=target.demo,
        site=target.site,
        site_url=None,
        user="",
    )
    views = dict(settings.views)
    queries = [settings.query, *(views[name].query for name in settings.wall_views)]
    try:
        yield Source(target, resolved, view_name, list(dict.fromkeys(queries)))
    finally:
        if simulator is not None:
            simulator.stop()


def _wall_config(source: Source, folder: Path) -> Path:
    """The walls' config file: the saved views and the rotation, no profile, no credential."""
    from console.base import paths

    lines = ["# alert-console serve: the walls' views (they read the server's relay)"]
    for name, view in source.resolved.views.items():
        lines.append(f"[views.{json.dumps(name)}]")
        lines.append(f"query = {json.dumps(view.query)}")
        lines.append(f"sort = {json.dumps(view.sort)}")
        lines.append(f"order = {json.dumps(view.order)}")
        if view.key is not None:
            lines.append(f"key = {view.key}")
    if source.resolved.wall_views:
        lines.append("[wall]")
        lines.append(f"views = {json.dumps(list(source.resolved.wall_views))}")
        lines.append(f"rotate_seconds = {source.resolved.rotate_seconds!r}")
    path = folder / "config.toml"
    paths.write_private(path, "\n".join(lines) + "\n")
    return path


def _walls_command(plan: Plan, source: Source, relay: Relay, config: Path) -> WallCommand:
    """The wall processes' command: they read the relay (on this machine, with its own
    random credential), never the service; no credential of the site's is in their
    environment, their command line or their files."""
    from console.serve.relay import RELAY_EMAIL
    from console.serve.wall import WallCommand

    resolved, target = source.resolved, source.target
    # Each wall is loaded ahead and waits for its size (console.cli.warm), then runs as
    # 'alert-console --wall --read-only OPTIONS'.
    argv = [
        sys.executable,
        "-m",
        "console.cli.warm",
        "--wall",
        "--read-only",
        "--relayed",
        target.origin,
        "--url",
        relay.origin,
        "--cloud-id",
        target.cloud_id,
        "--config",
        str(config),
        "--refresh",
        f"{resolved.refresh:g}",
        "--page-size",
        str(resolved.page_size),
        "--notify-priority",
        resolved.notify_priority,
        *plan.wall_options,
    ]
    if target.demo:
        argv.append("--served-demo")  # named as the demo, not by its loopback address
    if source.view_name is not None and "--view" not in plan.wall_options:
        argv += ["--view", source.view_name]
    ours = frozenset(k for k in os.environ if k.startswith("ALERT_CONSOLE_"))
    return WallCommand(
        tuple(argv),
        env={ENV_EMAIL: RELAY_EMAIL, ENV_TOKEN: relay.token},
        unset=ours | {ENV_KEY, ENV_ACCESS_TOKEN},
        secrets=(plan.key, relay.token, target.credentials.secret),
    )


async def _run(plan: Plan, sock: socket.socket, limits: Limits, said: ThrottledHandler) -> None:
    from console.serve.app import WallServer
    from console.serve.page import AssetError
    from console.serve.relay import Poller, relaying
    from console.serve.wall import preflight

    with (
        _source(plan) as source,
        tempfile.TemporaryDirectory(prefix="alert-console-serve-") as folder,
    ):
        target, resolved = source.target, source.resolved
        async with target.client(read_only=True) as client:
            poller = Poller(
                client,
                source.queries,
                size=resolved.page_size,
                interval_s=resolved.refresh,
                teams=resolved.teams,
            )
            async with relaying(poller) as relay:
                command = _walls_command(plan, source, relay, _wall_config(source, Path(folder)))
                try:
                    server = WallServer(
                        command,
                        plan.key,
                        max_browsers=plan.max_browsers,
                        spare=plan.spare,
                        status=lambda: {**poller.status(), "relay": relay.status()},
                    )
                except AssetError as error:
                    raise ServeError(str(error)) from None
                failure = await preflight(command)
                if failure is not None:
                    raise ServeError(f"the wall cannot start: {failure}")
                # The first pages draw at once from the first poll (a service that does not
                # answer is said by the walls, as STALE with its reason).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(poller.first.wait(), FIRST_POLL_WAIT_S)
                await _serving(plan, sock, server, target, limits, said)


async def _serving(
    plan: Plan,
    sock: socket.socket,
    server: WallServer,
    target: Target,
    limits: Limits,
    said: ThrottledHandler,
) -> None:
    from aiohttp import web

    from console.serve.limits import Connections, listen

    connections = Connections(limits)
    runner = web.AppRunner(
        server.application(connections.middleware),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=2.0,
        **limits.handler_args(),
    )
    await runner.setup()
    port = sock.getsockname()[1]
    listening: Listener | None = None
    try:
        server.ready_spare()
        listening = await listen(runner, sock, connections)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        url = _url(plan.host, port, plan.key)
        print(f"alert-console serve: the wall on {url}")
        print("  open it in a browser (a kiosk browser on the TV): one wall process per page")
        print(
            "  one poller for every page: the service is asked once per view and refresh; "
            f"the walls hold no credential. Status: {url.replace('/?key=', '/status?key=')}"
        )
        if target.demo:
            print(f"  demo: the built-in simulator on {target.origin} (faults: /_admin/faults)")
        print(f"  {limits.describe()}")
        print("  Ctrl+C stops", flush=True)
        while not stop.is_set():  # each second, the log's held-back counts are said
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            said.tick()
    finally:
        if listening is not None:
            listening.close()
        await server.close()
        await runner.cleanup()
        said.tick(final=True)


def serve(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        plan = _plan(args)
        warning = exposure_warning(plan.host, plan.shows)
        if warning is not None:
            print(f"alert-console serve: {warning}", file=sys.stderr, flush=True)
        limits = _limits(plan.max_browsers)
        sock = _listen(plan.host, plan.port)
        said = _logging()
        try:
            asyncio.run(_run(plan, sock, limits, said))
        finally:
            sock.close()
    except UsageError as error:  # ours and ServeError: one sentence, made safe
        print(f"alert-console serve: {clean(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
