"""Command line: ``alert-console`` runs the console, ``alert-console simulate`` the simulator.

Thin on purpose: it parses arguments, turns bad input into one clear sentence
and a non-zero exit, and hands over to the layer that does the work.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.actions import Journal
    from console.api.client import JsmClient
    from console.settings.config import Config, Resolved
    from console.settings.start import Settings
    from console.settings.target import Target
    from console.simulator.server import BackgroundSimulator
    from console.tui.app import AlertConsole

from console import __version__
from console.base.errors import UsageError
from console.base.sanitize import clean
from console.cli.lean import collector_off_for_the_start, lean_start
from console.settings.options import check_view_options
from console.settings.secrets import ENV_ACCESS_TOKEN, ENV_EMAIL, ENV_TOKEN


def _console_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alert-console",
        description="A terminal console for Jira Service Management Operations alerts.",
        epilog=f"Credentials come from a profile of the config file, or from {ENV_EMAIL} and "
        f"{ENV_TOKEN} (HTTP Basic), or {ENV_ACCESS_TOKEN} (an OAuth access token). "
        "'alert-console config path|check|init|set-token' manages the config file; "
        "'alert-console simulate --help' runs the built-in simulator.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in simulator (live demo data) and open the console on it "
        "(the same as --profile demo)",
    )
    # A wall that 'alert-console serve --demo' started shows that server's simulator (at
    # --url, on this machine): it names it as --demo does, never by its loopback address.
    parser.add_argument("--served-demo", action="store_true", help=argparse.SUPPRESS)
    # A wall of 'alert-console serve' reads the server's relay (at --url, on this machine), not
    # the service: it names the site as the server does, and keeps no page of its own on disk.
    parser.add_argument("--relayed", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile",
        action="append",
        default=None,
        help="a profile of the config file (default: default_profile); 'none' for no profile "
        "(flags, the environment and [defaults] only). Give it again for several sites in one "
        "table: --profile prod --profile eu",
    )
    parser.add_argument(
        "--config", default=None, help="the config file (default: see 'alert-console config path')"
    )
    parser.add_argument(
        "--url", default=None, help="origin of the API (default https://api.atlassian.com)"
    )
    parser.add_argument("--cloud-id", default=None, help="the site's cloud id")
    parser.add_argument(
        "--query", default=None, help="the JSM query to show (default: status: open)"
    )
    parser.add_argument("--view", default=None, help="a saved view of the config file to open")
    parser.add_argument(
        "--refresh", type=float, default=None, help="seconds between refreshes (>= 1; 15)"
    )
    parser.add_argument(
        "--page-size", type=int, default=None, help="alerts per page (1..100, default 50)"
    )
    parser.add_argument(
        "--theme",
        default=None,
        help="a theme: alert-dark (the default), alert-light, wall-contrast (the wall's "
        "default), okabe-ito (colour-blind safe), Textual's own, or one of yours",
    )
    parser.add_argument(
        "--read-only", action="store_true", help="send no change at all: reading only"
    )
    parser.add_argument(
        "--wall",
        action="store_true",
        help="the wall display: read-only, big counts and their freshness, for a screen "
        "across the room",
    )
    parser.add_argument(
        "--notify-priority",
        default=None,
        choices=("P1", "P2", "P3", "P4", "P5"),
        help="on the wall: ring and notify for new alerts at this priority or above (P1)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="write a debug log (no bodies, no credentials)"
    )
    parser.add_argument("--version", action="version", version=f"alert-console {__version__}")
    return parser


def _debug_log() -> Path:
    import logging.handlers  # with --debug only: not at every start

    from console.base.paths import log_dir, open_private
    from console.base.sanitize import SafeFormatter

    class PrivateRotatingLog(logging.handlers.RotatingFileHandler):
        """A rotating log whose every file is created mode 600 in a 700 directory."""

        def _open(self) -> TextIOWrapper:
            return open_private(Path(self.baseFilename), "a")

    path = log_dir() / "debug.log"
    handler = PrivateRotatingLog(path, maxBytes=2_000_000, backupCount=3)
    # Every line through the sanitiser: alert text and server messages are logged too.
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # httpcore's trace lines add nothing we need; keep them out.
    logging.getLogger("httpcore").setLevel(logging.INFO)
    return path


def console(argv: Sequence[str]) -> int:
    collector_off_for_the_start()
    args = _console_parser().parse_args(argv)
    from console.settings.config import DEMO
    from console.settings.target import resolve_site, resolved_start

    check_view_options(args.refresh, args.page_size, args.query)
    asked = args.profile or []
    if args.demo and (args.url or args.cloud_id):
        raise UsageError("--demo starts its own simulator: leave out --url and --cloud-id")
    if args.demo and any(p != DEMO for p in asked):
        raise UsageError("--demo is the demo profile: leave out --profile")
    if args.served_demo and not (args.url and args.wall):
        raise UsageError("--served-demo is for the walls of 'alert-console serve --demo'")
    if args.relayed is not None and not (args.url and args.wall):
        raise UsageError("--relayed is for the walls of 'alert-console serve'")
    flags: dict[str, object] = {
        "read_only": args.read_only or None,
        "theme": args.theme,
        "refresh": args.refresh,
        "page_size": args.page_size,
        "notify_priority": args.notify_priority,
    }
    first = DEMO if args.demo else (asked[0] if asked else None)
    config, resolved, view_name = resolved_start(args.config, first, view=args.view, flags=flags)
    names = _site_names(asked, config, view_name, wall=args.wall)
    if len(names) > 1:
        if args.url or args.cloud_id or args.served_demo or args.relayed is not None:
            raise UsageError(
                "several sites come from their profiles: leave out --url and --cloud-id"
            )
        if names[0] != resolved.name:
            config, resolved, view_name = resolved_start(
                args.config, names[0], view=view_name, flags=flags
            )
    if resolved.theme:
        from console.tui.themes import known_names

        known = known_names()
        if resolved.theme not in known:
            raise UsageError(f"unknown theme {resolved.theme!r}; known: {', '.join(known)}")
    if args.debug:
        try:
            print(f"alert-console: debug log in {_debug_log()}", file=sys.stderr)
        except OSError as error:  # UnsafePath: a link, or someone else's, in its place
            raise UsageError(f"no debug log: {error}") from None
    try:
        if len(names) > 1:
            sites = [(name, resolve_site(config, name, flags)) for name in names]
            targets = [_target(each, config, args) for _name, each in sites]
            return asyncio.run(_run_sites(targets, [r for _n, r in sites], args, view_name))
        target = _target(resolved, config, args)
        return asyncio.run(_run_console(target, resolved, args, view_name))
    finally:
        while _SIMULATORS:
            _SIMULATORS.pop().stop()


def _target(resolved: Resolved, config: Config, args: argparse.Namespace) -> Target:
    """The built-in demo's simulator, started here; or the profile's site (settings.target)."""
    from console.settings.target import demo_target, target_for

    if resolved.profile.demo:
        from console.simulator.server import demo_simulator

        simulator = demo_simulator()
        _SIMULATORS.append(simulator)
        account = simulator.config.account
        return demo_target(
            simulator.origin,
            simulator.config.cloud_id,
            account.email,
            account.token,
            resolved.profile.site_url,
        )
    return target_for(
        resolved,
        config,
        url=args.url,
        cloud_id=args.cloud_id,
        served_demo=args.served_demo,
        relayed=args.relayed,
    )


_SIMULATORS: list[BackgroundSimulator] = []  # the demo's, stopped when the console ends


def _site_names(asked: list[str], config: Config, view: str | None, *, wall: bool) -> list[str]:
    """The sites a start shows: --profile given more than once; else the saved view's
    ``profiles`` it opens on; else, on the wall, ``[wall] profiles``. One name: one site."""
    from console.settings.config import MAX_SITES

    names = list(asked)
    if len(names) < 2 and view is not None and view in config.file.views:
        names = list(config.file.views[view].profiles) or names
    if len(names) < 2 and wall:
        names = list(config.file.wall.profiles) or names
    if len(names) < 2:
        return names
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"the profile {twice[0]!r} is named twice: each site once")
    if len(names) > MAX_SITES:
        raise UsageError(f"{len(names)} sites: at most {MAX_SITES} in one table")
    return names


async def _run_console(
    target: Target, resolved: Resolved, args: argparse.Namespace, view_name: str | None
) -> int:
    """The console, until it quits; its exit status (128 + the signal's number after SIGTERM,
    SIGHUP or SIGINT: see console/tui/signals.py)."""
    from console.settings.start import settings_for

    read_only = resolved.read_only or args.wall
    async with target.client(read_only=read_only) as client:
        settings = settings_for(
            resolved,
            query=args.query,
            view=view_name,
            wall=args.wall,
            demo=target.demo,
            site=target.site,
            site_url=target.site_url,
            user=target.credentials.who,
            keep_pages=not target.relayed,
            site_key=target.site_key,
        )
        return await _run_app(await open_console(client, settings))


async def _run_sites(
    targets: list[Target], resolved: list[Resolved], args: argparse.Namespace, view: str | None
) -> int:
    """Several sites in one table: a client for each, with its own credentials; the first
    site's profile gives the view, the pace and the theme."""
    from contextlib import AsyncExitStack

    from console.settings.start import SiteInfo, settings_for

    sites = tuple(
        SiteInfo(
            name=r.name,
            color=r.color,
            site=t.site,
            user=t.credentials.who,
            read_only=r.read_only or args.wall,
            site_url=t.site_url,
            alert_url=r.alert_url,
            demo=t.demo,
            teams=r.teams,
        )
        for t, r in zip(targets, resolved, strict=True)
    )
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(t.client(read_only=info.read_only))
            for t, info in zip(targets, sites, strict=True)
        ]
        first = targets[0]
        settings = settings_for(
            resolved[0],
            query=args.query,
            view=view,
            wall=args.wall,
            demo=all(t.demo for t in targets),
            site=" · ".join(info.name for info in sites),
            site_url=first.site_url,
            user=first.credentials.who,
            sites=sites,
        )
        return await _run_app(await open_sites(clients, settings))


async def _run_app(app: AlertConsole) -> int:
    from console.tui.signals import SignalExit

    signals = SignalExit(app)
    signals.install()
    try:
        await app.run_async()
    finally:
        signals.terminal_back()
        await app.tracker.aclose()
        if app.tracker.journal is not None:
            app.tracker.journal.close()
        signals.uninstall()
    return signals.status or app.return_code or 0


def _journal(journal: bool) -> Journal | None:
    from console.actions import Journal

    try:
        return Journal() if journal else None
    except OSError as error:  # UnsafePath: a link, or someone else's, in the journal's place
        raise UsageError(f"cannot keep the action journal: {error}") from None


async def open_console(
    client: JsmClient, settings: Settings, *, journal: bool = True
) -> AlertConsole:
    """The console, built so that its first page is on its way while Textual loads: the page
    is asked for, and written out, before the UI's modules are imported (that import holds
    the event loop; importing on a thread instead was slower: the two fight over the GIL)."""
    from console.settings.start import feed_for

    feed = feed_for(client, settings)
    feed.start_early()
    await client.wait_sent(within=0.5)
    from console.actions import ActionTracker
    from console.tui.app import AlertConsole

    tracker = ActionTracker(client, journal=_journal(journal), read_only=settings.read_only)
    return AlertConsole(client, tracker, settings, feed=feed)


async def open_sites(
    clients: Sequence[JsmClient], settings: Settings, *, journal: bool = True
) -> AlertConsole:
    """The console of several sites (``settings.sites``, a client each in the same order):
    every site's first page on its way at once, before the UI loads; a tracker per site with
    that site's credentials, one journal for all."""
    from console.settings.start import sites_feed_for

    feed = sites_feed_for(clients, settings)
    feed.start_early()
    await asyncio.gather(*(c.wait_sent(within=0.5) for c in clients))
    from console.actions import ActionTracker, TrackerSet
    from console.tui.app import AlertConsole

    kept = _journal(journal)
    trackers = [
        ActionTracker(c, journal=kept, read_only=info.read_only or settings.read_only)
        for c, info in zip(clients, settings.sites, strict=True)
    ]
    for tracker, info in zip(trackers, settings.sites, strict=True):
        tracker.site_name = info.name
    return AlertConsole(
        clients[0], TrackerSet(trackers), settings, feed=feed, clients=list(clients)
    )


def main(argv: Sequence[str] | None = None) -> int:
    lean_start()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "simulate":
            from console.simulator.command import simulate  # beside the simulator it runs

            return simulate(args[1:])
        if args and args[0] == "serve":
            from console.serve.command import serve  # the wall in a browser (aiohttp)

            return serve(args[1:])
        if args and args[0] == "config":
            from console.cli.config_command import config_command

            return config_command(args[1:])
        return console(args)
    except UsageError as error:
        # Config text (profile, view and key names) can be in it: shown through the sanitiser.
        print(f"alert-console: {clean(str(error))}", file=sys.stderr)
        return 2
