"""'alert-console simulate': the simulator in the foreground, as a command of its own."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from console.base.errors import UsageError


def _simulate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alert-console simulate",
        description="Run a local simulator of the JSM Ops alerts REST API in the foreground.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: loopback only)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one")
    parser.add_argument("--cloud-id", default="demo", help="the {cloudId} in every API path")
    parser.add_argument("--email", default="demo@example.com", help="account email for HTTP Basic")
    parser.add_argument("--token", default="demo-token", help="API token for HTTP Basic")
    parser.add_argument(
        "--viewer-email",
        default="viewer@example.com",
        help="email of the read-only credential (may read, gets 403 on writes)",
    )
    parser.add_argument(
        "--viewer-token", default="viewer-token", help="token of the read-only credential"
    )
    parser.add_argument(
        "--no-viewer", action="store_true", help="do not accept a read-only credential"
    )
    parser.add_argument(
        "--bearer-token",
        default="demo-oauth-token",
        help="accepted as 'Authorization: Bearer', standing in for an OAuth access token",
    )
    parser.add_argument(
        "--token-without-delete-scope",
        action="store_true",
        help="the API token lacks the delete scopes, as real Atlassian API tokens do",
    )
    parser.add_argument(
        "--alerts", type=int, default=200, help="demo alerts to generate (default 200)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo data (default 1)")
    parser.add_argument(
        "--live",
        action="store_true",
        help="alerts keep arriving, repeating and closing, like a real site",
    )
    parser.add_argument(
        "--live-interval", type=float, default=3.0, help="seconds between live events"
    )
    parser.add_argument(
        "--faults",
        default="",
        help="latency_ms=200,error_rate=0.2,drop_rate=0.1,throttle_rate=0.1,proxy_502_rate=0.05",
    )
    parser.add_argument(
        "--rate-limit", default="", help="requests per minute, e.g. reads=600,writes=120"
    )
    parser.add_argument(
        "--state", type=Path, default=None, help="keep the alerts in this file across restarts"
    )
    parser.add_argument(
        "--processing-delay",
        type=int,
        default=300,
        help="milliseconds before a write is applied (default 300)",
    )
    parser.add_argument(
        "--processing-jitter",
        type=int,
        default=150,
        help="plus or minus this many milliseconds (default 150)",
    )
    parser.add_argument(
        "--status-dialect",
        choices=("flags", "spec"),
        default="flags",
        help="how states are told: status open/closed plus acknowledged and snoozed flags "
        "(as live tools observe), or the spec's status enum (open, acked, snoozed, closed)",
    )
    parser.add_argument(
        "--handover-in",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="the demo's first on-call handover comes this long after the start (default 300)",
    )
    parser.add_argument(
        "--heartbeat-silent-after",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help="with --live, the demo's ledger-reconciliation job stops pinging this long after "
        "the start (default 180); its heartbeat turns Unresponsive two minutes later",
    )
    parser.add_argument(
        "--no-heartbeats",
        action="store_true",
        help="the site's plan has no heartbeats: every heartbeat path answers 402",
    )
    parser.add_argument(
        "--create-status",
        type=int,
        choices=(200, 202),
        default=200,
        help="status of a create: 200 as the spec says, or 202 as Opsgenie did",
    )
    return parser


def simulate(argv: Sequence[str]) -> int:
    from console.simulator.config import (
        Credentials,
        Faults,
        KnobError,
        RateLimits,
        SimulatorConfig,
    )
    from console.simulator.server import run_foreground

    args = _simulate_parser().parse_args(argv)
    try:
        faults = Faults.parse(args.faults)
        limits = RateLimits.parse(args.rate_limit)
    except KnobError as error:
        raise UsageError(str(error)) from None
    if args.alerts < 0 or args.alerts > 200_000:
        raise UsageError("--alerts must be between 0 and 200000")
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    for flag, seconds in (
        ("--handover-in", args.handover_in),
        ("--heartbeat-silent-after", args.heartbeat_silent_after),
    ):
        if not 0 <= seconds <= 7 * 86_400:  # also refuses nan
            raise UsageError(f"{flag} must be between 0 and 604800 seconds")
    config = SimulatorConfig(
        host=args.host,
        port=args.port,
        cloud_id=args.cloud_id,
        account=Credentials(args.email, args.token),
        viewer=None if args.no_viewer else Credentials(args.viewer_email, args.viewer_token),
        bearer_token=args.bearer_token or None,
        token_delete_scope=not args.token_without_delete_scope,
        alerts=args.alerts,
        seed=args.seed,
        live=args.live,
        live_interval_s=args.live_interval,
        faults=faults,
        rate_limits=limits,
        state_file=args.state,
        processing_delay_ms=args.processing_delay,
        processing_jitter_ms=args.processing_jitter,
        create_status=args.create_status,
        status_dialect=args.status_dialect,
        handover_in_s=args.handover_in,
        heartbeat_silent_after_s=args.heartbeat_silent_after,
        heartbeats_plan=not args.no_heartbeats,
    )
    from console.base.bounded import FileProblem

    try:
        run_foreground(config)
    except FileProblem as error:
        raise UsageError(f"the --state file cannot be used: {error}") from None
    except OSError as error:
        raise UsageError(
            f"cannot serve on {args.host}:{args.port}: {error.strerror or error}"
        ) from None
    except KeyboardInterrupt:
        pass
    return 0
