"""Every benchmark of the project. One JSON object per line on stdout:

    {"name": ..., "value": ..., "unit": ..., "target": ..., ...}

``--quick`` runs fewer repetitions (each line says how many) and keeps the whole
run under five minutes on a 2-core machine. ``--only NAME`` runs one benchmark.
Figures are printed, never asserted: they are not part of the test run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx

Benchmark = Callable[[bool], Iterator[dict[str, Any]]]
BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    def register(fn: Benchmark) -> Benchmark:
        BENCHMARKS[name] = fn
        return fn

    return register


# As installed, the console's modules are byte-compiled once; a sandbox that forbids writing
# bytecode would time the compiler on every start instead of the console.
RUN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def figure(name: str, value: float, unit: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, **extra}


@contextlib.contextmanager
def simulator_process(*args: str, cloud_id: str = "demo") -> Iterator[str]:
    """``alert-console simulate`` in a process of its own, as users run it; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "simulate", "--port", "0", "--cloud-id", cloud_id, *args],
        stdout=subprocess.PIPE,
        text=True,
        env=RUN_ENV,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if " on http" not in first:
            raise RuntimeError(f"the simulator did not start: {first!r}")
        origin = first.rsplit(" ", 1)[1].strip()
        yield f"{origin}/jsm/ops/api/{cloud_id}"
    finally:
        process.terminate()
        process.wait(timeout=10)


FOUR_CLAUSES = [
    "status: open AND priority: P1 OR priority: P2 AND NOT acknowledged: true AND tag: prod",
    "status: open AND message: disk AND NOT snoozed: true AND count > 1",
    "entity: db-* AND status: open AND (priority: P1 OR priority: P3)",
    "acknowledged: false AND createdAt > 1 AND tag: database AND source: Prometheus",
]


@benchmark("sim_list_query_ms")
def sim_list_query(quick: bool) -> Iterator[dict[str, Any]]:
    """Median time of one listed page with a four-clause query over 20,000 stored alerts."""
    repetitions = 20 if quick else 100
    with (
        simulator_process("--alerts", "20000", "--seed", "1") as base_url,
        httpx.Client(
            base_url=base_url, auth=("demo@example.com", "demo-token"), timeout=30
        ) as client,
    ):
        timings: list[float] = []
        per_query: dict[str, float] = {}
        for query in FOUR_CLAUSES:
            client.get("/v1/alerts", params={"query": query, "size": 50})  # warm the sorted view
            mine: list[float] = []
            for _ in range(repetitions):
                started = time.perf_counter()
                response = client.get("/v1/alerts", params={"query": query, "size": 50})
                mine.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            per_query[query] = round(statistics.median(mine), 2)
            timings.extend(mine)
    yield figure(
        "sim_list_query_ms",
        statistics.median(timings),
        "ms",
        "< 30",
        repetitions=repetitions * len(FOUR_CLAUSES),
        alerts=20_000,
        page_size=50,
        per_query=per_query,
    )


@benchmark("query_eval_ms")
def query_eval(quick: bool) -> Iterator[dict[str, Any]]:
    """The query evaluator alone: the slowest median of ten queries over 20,000 documents."""
    from tests.benchmarks.query_eval import measure

    runs = 5 if quick else 25
    results = measure(runs=runs)
    worst = max(results, key=lambda r: r["median_ms"])
    yield figure(
        "query_eval_ms",
        worst["median_ms"],
        "ms",
        "informational (the simulator's list budget is 30 ms)",
        repetitions=runs,
        documents=20_000,
        worst_query=worst["query"],
    )


def _admin(base_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    origin = base_url.split("/jsm/")[0]
    method = "POST" if body is not None else "GET"
    response = httpx.request(method, f"{origin}/_admin/{path}", json=body, timeout=30)
    return response.json()


@benchmark("bulk_ack_100")
def bulk_ack_100(quick: bool) -> Iterator[dict[str, Any]]:
    """Acknowledge 100 alerts through the tracker at the default processing delay (300 ± 150 ms)."""
    import asyncio

    from console.actions import ActionTracker
    from console.api import BasicCredentials, JsmClient

    runs = 2 if quick else 5
    seconds: list[float] = []
    per_action: list[float] = []
    server_per_action: list[float] = []

    async def once(base_url: str) -> None:
        origin = base_url.split("/jsm/")[0]
        credentials = BasicCredentials("demo@example.com", "demo-token")
        async with JsmClient(origin=origin, cloud_id="demo", credentials=credentials) as client:
            listing = await client.list_alerts("status: open AND acknowledged: false", size=100)
            targets = [(a.id, f"#{a.tiny_id}") for a in listing.alerts]
            assert len(targets) == 100, len(targets)
            tracker = ActionTracker(client)
            _admin(base_url, "stats", None)
            httpx.delete(f"{origin}/_admin/stats")  # noqa: ASYNC210 (before the clock starts)
            client.requests_sent = 0
            started = time.perf_counter()
            batch = tracker.submit("acknowledge", targets)
            actions = await tracker.wait_batch(batch)
            seconds.append(time.perf_counter() - started)
            assert all(a.state == "succeeded" for a in actions)
            per_action.append(client.requests_sent / 100)
            server_per_action.append(_admin(base_url, "stats")["total"] / 100)
            await tracker.aclose()

    for run in range(runs):
        with simulator_process("--alerts", "1000", "--seed", str(run + 1)) as base_url:
            asyncio.run(once(base_url))
    yield figure(
        "bulk_ack_100_seconds",
        statistics.median(seconds),
        "s",
        "< 5",
        repetitions=runs,
        all=[round(x, 2) for x in seconds],
        processing_delay_ms="300 ± 150",
    )
    yield figure(
        "bulk_ack_100_requests_per_action",
        statistics.median(per_action),
        "requests",
        "< 3",
        repetitions=runs,
        ideal=2,
        counted_by_the_simulator=statistics.median(server_per_action),
    )


ACCOUNT = ("demo@example.com", "demo-token")
NEEDLE_CHARACTERS = 30  # of the newest alert's message: what is looked for on the screen
PEER_TIMEOUT_S = 10.0  # jsm-tui's start that has not shown the text by then counts as not shown


def installed_command() -> Path:
    """The ``alert-console`` that pip installed beside this Python: what a user runs."""
    command = Path(sys.executable).with_name("alert-console")
    if not command.exists():
        raise RuntimeError(
            f"no {command}: run run.py with the Python of the venv the console is installed in"
        )
    return command


def console_env() -> dict[str, str]:
    """The simulator's account, where a user without a profile puts theirs."""
    from console.settings.secrets import ENV_EMAIL, ENV_TOKEN

    return {ENV_EMAIL: ACCOUNT[0], ENV_TOKEN: ACCOUNT[1]}


@contextlib.contextmanager
def fresh_home() -> Iterator[tuple[Path, dict[str, str]]]:
    """A user with nothing on disk yet (no config, and no last page in the cache to show
    first): a folder to start in, and the environment that points every XDG folder into it."""
    with tempfile.TemporaryDirectory(prefix="alert-console-bench-") as name:
        home = Path(name)
        yield home, {f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in XDG_KINDS}


XDG_KINDS = ("CONFIG", "CACHE", "STATE", "DATA")


def newest_open_message(base_url: str) -> str:
    """The message of the newest open alert: the first row of the console's first page."""
    response = httpx.get(
        f"{base_url}/v1/alerts",
        params={"query": "status: open", "size": 1},
        auth=ACCOUNT,
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["values"][0]["message"])


def _peer() -> tuple[Any, str | None]:
    """jsm-tui, installed (from JSM_TUI_SOURCE, else its public repository); or None and the
    reason it cannot be had here."""
    from tests.benchmarks.peer import Unavailable, jsm_tui

    try:
        return jsm_tui(os.environ.get("JSM_TUI_SOURCE")), None
    except Unavailable as reason:
        return None, str(reason)


@benchmark("first_rows")
def first_rows(quick: bool) -> Iterator[dict[str, Any]]:
    """As a user starts it: the installed ``alert-console --url ORIGIN --cloud-id demo`` (the
    account in the environment, nothing on disk) in a 160x48 terminal, from process start to
    the newest alert's text on the screen, on a simulator of 5,000 alerts; and the same for a
    bare Textual app showing that text in a 50-row DataTable, and for jsm-tui when it can be
    had, alternating in the same run (pty_probe.py)."""
    from tests.benchmarks.pty_probe import NotShown, terminal_env, time_to_text

    runs = 7 if quick else 11
    bare_app = Path(__file__).with_name("first_rows_probe.py")
    peer, skipped = _peer()
    with simulator_process("--alerts", "5000") as base_url:
        origin = base_url.split("/jsm/")[0]
        message = newest_open_message(base_url)
        needle = message[:NEEDLE_CHARACTERS]
        starts: dict[str, tuple[list[str], dict[str, str]]] = {
            "console": (
                [str(installed_command()), "--url", origin, "--cloud-id", "demo"],
                console_env(),
            ),
            "bare": ([sys.executable, str(bare_app), "--bare", message], {}),
            "libraries": ([sys.executable, str(bare_app), "--libraries", origin], console_env()),
        }
        if peer is not None:
            starts["jsm_tui"] = (peer.command, peer.env(origin, *ACCOUNT))

        not_shown: list[str] = []  # the peer's starts that never showed the text

        def once(kind: str) -> float | None:
            argv, extra = starts[kind]
            with fresh_home() as (home, xdg):
                env = terminal_env(RUN_ENV, **xdg, **extra)
                if kind != "jsm_tui":
                    return time_to_text(argv, env, needle, home)
                try:
                    return time_to_text(argv, env, needle, home, timeout=PEER_TIMEOUT_S)
                except NotShown as error:  # ours failing is an error; the peer's, a figure
                    not_shown.append(" | ".join(x.strip() for x in error.shown[1:3]))
                    return None

        kinds = list(starts)
        for kind in kinds:
            once(kind)  # bytecode written, files in the page cache: for each alike
        timings: dict[str, list[float | None]] = {kind: [] for kind in kinds}
        for run in range(runs):
            # Each round starts with another of them, so that none always follows the same one.
            for kind in kinds[run % len(kinds) :] + kinds[: run % len(kinds)]:
                timings[kind].append(once(kind))

    def median(kind: str) -> float:
        return statistics.median(x for x in timings[kind] if x is not None)

    def paired(kind: str, other: str) -> float:
        # This machine is shared and its speed drifts over seconds: each round's pair too.
        pairs = zip(timings[kind], timings[other], strict=True)
        return round(statistics.median(a / b for a, b in pairs if a and b), 3)

    def every(kind: str) -> list[float | None]:
        return [None if x is None else round(x, 3) for x in timings[kind]]

    def seconds(name: str, kind: str, target: str, **extra: Any) -> dict[str, Any]:
        return figure(name, median(kind), "s", target, repetitions=runs, all=every(kind), **extra)

    def ratio(name: str, kind: str, other: str, target: str) -> dict[str, Any]:
        return figure(
            name,
            median(kind) / median(other),
            "ratio",
            target,
            repetitions=runs,
            median_of_paired_ratios=paired(kind, other),
        )

    how = "installed command, 160x48 pty, to the newest alert's text on screen"
    yield seconds("first_rows_seconds", "console", "< 1.5", alerts=5000, page_size=50, how=how)
    yield seconds("bare_textual_first_rows_seconds", "bare", "the floor")
    yield ratio("first_rows_ratio", "console", "bare", "< 1.6")
    # What the brief's libraries cost before anything of ours: the bare app showing the same
    # first page, asked for with httpx and read with pydantic (first_rows_probe --libraries).
    yield seconds("libraries_first_rows_seconds", "libraries", "the floor with httpx and pydantic")
    yield ratio("libraries_ratio", "libraries", "bare", "what first_rows_ratio cannot go under")
    yield ratio("first_rows_vs_libraries", "console", "libraries", "ours on top of the libraries")
    if peer is None:
        yield {
            "name": "first_rows_vs_jsm_tui",
            "value": None,
            "unit": "ratio",
            "target": "< 1.0",
            "skipped": f"jsm-tui cannot be had here: {skipped}",
        }
        return
    yield seconds(
        "jsm_tui_first_rows_seconds",
        "jsm_tui",
        "the peer",
        commit=peer.commit[:12],
        page_size=100,
        # Some of its starts draw the table with every column at its heading's width, the
        # message cut to a few letters, until its next refresh (30 s): the text is not shown.
        not_shown=len(not_shown),
        not_shown_screen=not_shown[-1] if not_shown else None,
    )
    yield ratio("first_rows_vs_jsm_tui", "console", "jsm_tui", "< 1.0")


@benchmark("first_rows_headless")
def first_rows_headless(quick: bool) -> Iterator[dict[str, Any]]:
    """Diagnosis, not the figure (``first_rows`` is): the console built by a probe, headless, from
    process start to the first 50 rows drawn, on a simulator of 5,000 alerts; and the same for a
    bare Textual app drawing a 50-row DataTable, alternating, in the same run. It skips what the
    real start does around the app (arguments, config, secrets, journal, the terminal)."""
    runs = 5 if quick else 11
    probe = Path(__file__).with_name("first_rows_probe.py")
    timings: dict[str, list[float]] = {"console": [], "bare": []}

    def once(kind: str, argument: str) -> None:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(probe), argument],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
            env=RUN_ENV,
        )
        elapsed = time.perf_counter() - started
        if "drawn" not in result.stdout:
            raise RuntimeError(f"the {kind} probe did not draw: {result.stderr[-500:]}")
        timings[kind].append(elapsed)

    with simulator_process("--alerts", "5000") as base_url:
        origin = base_url.split("/jsm/")[0]
        once("bare", "--bare")  # warm the file cache for both
        once("console", origin)
        timings = {"console": [], "bare": []}
        for _ in range(runs):
            once("console", origin)
            once("bare", "--bare")
    console, bare = statistics.median(timings["console"]), statistics.median(timings["bare"])
    yield figure(
        "first_rows_headless_seconds",
        console,
        "s",
        "diagnosis",
        repetitions=runs,
        all=[round(x, 3) for x in timings["console"]],
        alerts=5000,
        page_size=50,
    )
    yield figure(
        "first_rows_headless_bare_seconds",
        bare,
        "s",
        "diagnosis",
        repetitions=runs,
        all=[round(x, 3) for x in timings["bare"]],
    )
    # This machine is shared: its speed drifts over seconds. Each console start is paired with
    # the bare start right after it, and the median of those ratios is given too.
    pairs = zip(timings["console"], timings["bare"], strict=True)
    paired = statistics.median(c / b for c, b in pairs)
    yield figure(
        "first_rows_headless_ratio",
        console / bare,
        "ratio",
        "diagnosis",
        repetitions=runs,
        median_of_paired_ratios=round(paired, 3),
    )


@benchmark("browser_first_rows")
def browser_first_rows(quick: bool) -> Iterator[dict[str, Any]]:
    """The wall in headless Chromium through ``alert-console serve``: from opening the URL to
    the first rows painted; and, alternating in the same run, the installed ``alert-console
    --wall`` in a 160x48 terminal from process start to the same row's text on its screen. A
    simulator of 5,000 alerts; no last page on disk."""
    from tests.benchmarks.browser_probe import compare, summary

    runs = 5 if quick else 11
    with simulator_process("--alerts", "5000") as base_url:
        timings = compare(base_url.split("/jsm/")[0], runs)
    figures = summary(timings)
    yield figure(
        "browser_first_rows_seconds",
        figures["browser"],
        "s",
        "ratio to the terminal wall < 2",
        repetitions=runs,
        all=[round(x, 3) for x in timings["browser"]],
        alerts=5000,
        page_size=50,
    )
    yield figure(
        "browser_first_rows_cold_seconds",
        figures["cold"],
        "s",
        "informational: serve --no-spare (no wall process loaded ahead)",
        repetitions=runs,
        all=[round(x, 3) for x in timings["cold"]],
        ratio_to_the_terminal_wall=round(figures["cold_ratio"], 3),
    )
    yield figure(
        "wall_first_rows_seconds",
        figures["terminal"],
        "s",
        "the comparison",
        repetitions=runs,
        all=[round(x, 3) for x in timings["terminal"]],
    )
    yield figure(
        "browser_first_rows_ratio",
        figures["ratio"],
        "ratio",
        "< 2",
        repetitions=runs,
        median_of_paired_ratios=round(figures["paired"], 3),
    )


@benchmark("serve_room")
def serve_room(quick: bool) -> Iterator[dict[str, Any]]:
    """A room of screens through one server: requests per minute with 10 pages over 1, memory
    per page, and a new page's first rows with 9 open against the terminal wall's."""
    from tests.benchmarks.room_probe import room

    seconds, runs = (30.0, 3) if quick else (60.0, 7)
    with simulator_process("--alerts", "5000") as base_url:
        found = room(base_url.split("/jsm/")[0], seconds, runs)
    ratio = found["per_minute_10"] / found["per_minute_1"]
    yield figure(
        "serve_requests_per_minute_10_vs_1",
        ratio,
        "ratio",
        "<= 1.1",
        one_page=round(found["per_minute_1"], 1),
        ten_pages=round(found["per_minute_10"], 1),
        seconds_each=seconds,
        refresh_s=5,
    )
    yield figure(
        "serve_memory_mb_per_page",
        found["per_page_mb"],
        "MB",
        "< 70",
        walls=found["wall_rss_mb"],
        server_rss_mb=found["server_rss_mb"],
    )
    page, terminal = statistics.median(found["new_page_s"]), statistics.median(found["terminal_s"])
    yield figure(
        "serve_new_page_first_rows_seconds",
        page,
        "s",
        "< the terminal wall's first rows",
        pages_already_open=9,
        all=[round(x, 3) for x in found["new_page_s"]],
        terminal_wall_seconds=round(terminal, 3),
        terminal_all=[round(x, 3) for x in found["terminal_s"]],
        repetitions=runs,
        median_of_paired_ratios=round(
            statistics.median(
                p / t for p, t in zip(found["new_page_s"], found["terminal_s"], strict=True)
            ),
            3,
        ),
    )


@benchmark("sites")
def sites(quick: bool) -> Iterator[dict[str, Any]]:
    """Three sites in one table against one (sites_probe.py): first rows, an unchanged
    refresh's CPU, and the list requests per site per refresh while one site is slow."""
    from tests.benchmarks.sites_probe import sites

    yield from sites(quick)


@benchmark("panels")
def panels(quick: bool) -> Iterator[dict[str, Any]]:
    """The on-call and heartbeat reads' budgets, counted by the simulator: on-call reads over a
    simulated hour with one handover (the feed's own pace, the site's clock moved on to each
    next read), and heartbeat reads per refresh per team."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from console.api import BasicCredentials, JsmClient
    from console.live.oncall import HeartbeatFeed, OnCallFeed
    from console.simulator.server import BackgroundSimulator

    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    refreshes = 10 if quick else 40

    async def measure(sim: BackgroundSimulator) -> tuple[float, float, int, int]:
        moment = [start]
        async with JsmClient(
            origin=sim.origin, cloud_id="demo", credentials=BasicCredentials(*ACCOUNT_PAIR)
        ) as client:
            oncall = OnCallFeed.of(client, clock=lambda: moment[0])
            from console.api.oncall import OnCallApi

            teams = await OnCallApi(client).teams()
            schedules = await OnCallApi(client).schedules()
            one = schedules[0].team_id or ""
            oncall.set_teams([one])  # one team in view, with its schedules
            in_view = [s for s in schedules if s.team_id == one]
            sim.admin("stats", method="DELETE")
            end = start + timedelta(hours=1)
            while moment[0] < end:
                await oncall.refresh()
                delay = max(1.0, oncall.next_delay())
                sim.admin("clock", {"advance_ms": int(delay * 1000)})
                moment[0] += timedelta(seconds=delay)
            reads = sim.stats()["requests"].get("oncall_reads", 0)
            heartbeats = HeartbeatFeed.of(client, 15.0)
            await heartbeats.refresh()  # the list of teams, read once an hour
            sim.admin("stats", method="DELETE")
            for _ in range(refreshes):
                await heartbeats.refresh()
            beats = sim.stats()["requests"].get("heartbeat_reads", 0)
        return reads / len(in_view), beats / refreshes / len(teams), len(in_view), len(teams)

    with BackgroundSimulator(
        alerts=20, frozen_at_ms=int(start.timestamp() * 1000), handover_in_s=1800
    ) as sim:
        per_schedule, per_team, schedules, teams = asyncio.run(measure(sim))
    yield figure(
        "oncall_requests_per_hour",
        per_schedule,
        "requests per schedule",
        "<= 14",
        schedules_in_view=schedules,
        handovers_in_the_hour=1,
    )
    yield figure(
        "heartbeat_requests_per_refresh",
        per_team,
        "requests per team",
        "<= 1",
        teams=teams,
        refreshes=refreshes,
    )


ACCOUNT_PAIR = ("demo@example.com", "demo-token")


@benchmark("browser_under_flood")
def browser_under_flood(quick: bool) -> Iterator[dict[str, Any]]:
    """The wall in headless Chromium through ``alert-console serve --demo`` (open-file limit
    1,024, soft and hard) while another process holds 1,000 half-open requests: seconds to
    the newest alert's row painted, and the server's stderr over the run."""
    from tests.benchmarks.flood_probe import measure

    floods = (
        ("none", "held") if quick else ("none", "held", "reopened", "reopened_from_another_address")
    )
    for run in measure(1000, floods):
        common = {
            "flood": run["name"],
            "half_open": run["half_open"],
            "server_descriptors": run["server_descriptors"],
            "limits": run["limits"],
        }
        if run["first_rows_s"] is None:  # not drawn within 30 s: what the page showed
            common["not_drawn"] = run["not_drawn"]
            common["stderr"] = run["stderr"]
        yield figure(
            f"browser_first_rows_under_flood_{run['name']}_seconds",
            run["first_rows_s"] if run["first_rows_s"] is not None else float("inf"),
            "s",
            "< 5" if run["name"] != "none" else "the comparison",
            **common,
        )
        yield figure(
            f"serve_stderr_under_flood_{run['name']}_bytes",
            run["stderr_bytes"],
            "bytes",
            "< 100000",
            lines=run["stderr_lines"],
            tracebacks=run["tracebacks"],
            flood=run["name"],
        )


def _idle(quick: bool, *flags: str) -> float:
    seconds = 30 if quick else 60
    probe = Path(__file__).with_name("idle_probe.py")
    with simulator_process("--alerts", "5000") as base_url:
        origin = base_url.split("/jsm/")[0]
        result = subprocess.run(
            [sys.executable, str(probe), origin, str(seconds), *flags],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            cwd=Path(__file__).resolve().parents[2],
            env=RUN_ENV,
        )
    line = next((x for x in result.stdout.splitlines() if x.startswith("cpu ")), None)
    if line is None:
        raise RuntimeError(f"the idle probe said nothing: {result.stderr[-500:]}")
    return float(line.split()[1])


def _idle_in_terminal(quick: bool, bare: bool = False) -> float:
    """The installed console (or the bare Textual app) in a 160x48 terminal at the default
    refresh, on a simulator where nothing changes: its share of one core over a minute (30 s
    with --quick), from /proc (the process and any children), once its start has settled."""
    from console.directory import FIRST_TICK_S
    from tests.benchmarks.pty_probe import cpu_seconds, terminal, terminal_env

    seconds = 30 if quick else 60
    with simulator_process("--alerts", "5000") as base_url:
        origin = base_url.split("/jsm/")[0]
        message = newest_open_message(base_url)
        if bare:
            argv = [sys.executable, str(Path(__file__).with_name("first_rows_probe.py"))]
            argv += ["--bare", message]
            extra: dict[str, str] = {}
        else:
            argv = [str(installed_command()), "--url", origin, "--cloud-id", "demo"]
            extra = console_env()
        with (
            fresh_home() as (home, xdg),
            terminal(argv, terminal_env(RUN_ENV, **xdg, **extra), home) as term,
        ):
            term.wait_for(message[:NEEDLE_CHARACTERS])
            term.stop_watching()
            assert term.process is not None
            # Start work settles first: the first page's detail and history, and the
            # directory's first background read, FIRST_TICK_S after start (then every 30
            # minutes, so no part of the idle figure).
            time.sleep(3.0 if bare else FIRST_TICK_S + 3.0)
            cpu, since = cpu_seconds(term.process.pid), time.monotonic()
            time.sleep(seconds)
            used = cpu_seconds(term.process.pid) - cpu
            return 100 * used / (time.monotonic() - since)


@benchmark("idle_cpu_percent")
def idle_cpu(quick: bool) -> Iterator[dict[str, Any]]:
    """Share of one core the installed console uses in a terminal over a minute (30 s with
    --quick) at the default refresh interval (15 s) while nothing changes; the bare Textual
    app's the same way (Textual's own floor in a terminal); and, for diagnosis, the console
    built by a probe, headless (those two in full runs only)."""
    seconds = 30 if quick else 60
    yield figure(
        "idle_cpu_percent",
        _idle_in_terminal(quick),
        "% of one core",
        "< 0.3",
        seconds=seconds,
        refresh_s=15,
        how="installed command in a 160x48 pty, CPU of its process from /proc",
    )
    if quick:
        return  # the floor and the diagnosis take a minute and a half more: full runs only
    yield figure(
        "bare_idle_cpu_percent",
        _idle_in_terminal(quick, bare=True),
        "% of one core",
        "the floor",
        seconds=seconds,
    )
    yield figure(
        "idle_cpu_headless_percent",
        _idle(quick),
        "% of one core",
        "diagnosis",
        seconds=seconds,
        refresh_s=15,
    )


@benchmark("wall_idle_cpu_percent")
def wall_idle_cpu(quick: bool) -> Iterator[dict[str, Any]]:
    """The same for the wall: counts, trend, clock and all."""
    yield figure(
        "wall_idle_cpu_percent",
        _idle(quick, "--wall"),
        "% of one core",
        "< 0.3",
        seconds=30 if quick else 60,
        refresh_s=15,
    )


@benchmark("soak")
def soak(quick: bool) -> Iterator[dict[str, Any]]:
    """The wall against the live simulator, refreshed back to back 5,000 times (1,000 with
    --quick): RSS growth after the first 100, and requests per refresh (the simulator's count)."""
    refreshes = 1000 if quick else 5000
    probe = Path(__file__).with_name("soak_probe.py")
    with simulator_process("--alerts", "2000", "--live", "--live-interval", "1") as base_url:
        origin = base_url.split("/jsm/")[0]
        with httpx.Client(timeout=10) as admin:
            admin.delete(f"{origin}/_admin/stats")
            result = subprocess.run(
                [sys.executable, str(probe), origin, str(refreshes)],
                capture_output=True,
                text=True,
                timeout=3600,
                cwd=Path(__file__).resolve().parents[2],
                env=RUN_ENV,
            )
            stats = admin.get(f"{origin}/_admin/stats").json()["requests"]
    line = next((x for x in result.stdout.splitlines() if x.startswith("rss ")), None)
    if line is None:
        raise RuntimeError(f"the soak probe said nothing: {result.stderr[-500:]}")
    _, after_100, end, _, count = line.split()
    yield figure(
        "soak_rss_growth_mb",
        (int(end) - int(after_100)) / 1_000_000,
        "MB",
        "< 5",
        refreshes=int(count),
        rss_after_100_mb=round(int(after_100) / 1_000_000, 1),
        rss_end_mb=round(int(end) / 1_000_000, 1),
    )
    # The first page and counts, then one full refresh after another.
    yield figure(
        "wall_requests_per_refresh",
        stats["reads"] / (int(count) + 1),
        "requests",
        "<= 6",
        refreshes=int(count) + 1,
        writes=stats.get("writes", 0),
    )


@benchmark("refresh_cpu")
def refresh_cpu(quick: bool) -> Iterator[dict[str, Any]]:
    """CPU time of one refresh cycle (fetch, parse, diff, draw) for a page of 100."""
    import asyncio

    from console.actions import ActionTracker
    from console.api import BasicCredentials, JsmClient
    from console.tui.app import AlertConsole, Settings
    from tests.api.support import ops

    reps = 10 if quick else 40
    results: dict[str, list[float]] = {"unchanged": [], "changed": [], "rebuild": []}

    async def measure(base_url: str) -> None:
        origin = base_url.split("/jsm/")[0]
        credentials = BasicCredentials("demo@example.com", "demo-token")
        async with JsmClient(origin=origin, cloud_id="demo", credentials=credentials) as client:
            app = AlertConsole(
                client,
                ActionTracker(client),
                Settings(query="", page_size=100, refresh_s=3600, site="b", user="b"),
            )
            async with app.run_test(size=(160, 48)) as pilot:
                while app.feed.last is None or app.feed.busy:
                    await pilot.pause(0.05)
                await pilot.pause(0.2)

                expected: list[str] = []

                async def drawn() -> None:
                    # Every pending message handled, then the frame drawn at once. (Pilot's
                    # pause() would also poll the CPU until the process looks idle, which
                    # costs ~1.6 ms of CPU of its own per call.)
                    await pilot._wait_for_screen()
                    app.screen._on_timer_update()

                async def cycle(kind: str) -> None:
                    cpu = time.process_time()
                    update = await app.feed.refresh()
                    assert update is not None
                    if kind == "rebuild":
                        app.main.table.clear()
                        app.main.table._rendered.clear()
                        app.main.table.show(update.alerts, update.order, fresh_view=True)
                    else:
                        app.main.apply(update)
                        if kind == "changed":
                            assert len(update.changed) == 10, (update.changed, expected)
                    await drawn()
                    results[kind].append((time.process_time() - cpu) * 1000)

                for rep in range(reps):
                    await cycle("unchanged")
                    ids = app.main.table.order[1:11]  # not the selected row: the table alone
                    expected[:] = ids
                    async with asyncio.TaskGroup() as group:
                        # A new message: visible in the row, and never against a limit.
                        receipts = [
                            group.create_task(
                                ops(client).update_message(i, f"benchmark change {rep}")
                            )
                            for i in ids
                        ]
                    for receipt in receipts:
                        while await client.request_status(receipt.result().request_id) is None:  # noqa: ASYNC110
                            await asyncio.sleep(0.02)
                    await cycle("changed")
                    await cycle("rebuild")

    with simulator_process(
        "--alerts", "5000", "--processing-delay", "0", "--processing-jitter", "0"
    ) as url:
        asyncio.run(measure(url))
    unchanged = statistics.median(results["unchanged"])
    rebuild = statistics.median(results["rebuild"])
    yield figure(
        "refresh_cpu_ms_unchanged",
        unchanged,
        "ms",
        "< rebuild_cpu_ms / 10",
        repetitions=reps,
        ratio_to_rebuild=round(unchanged / rebuild, 3),
    )
    changed = statistics.median(results["changed"])
    yield figure(
        "refresh_cpu_ms_10_changed",
        changed,
        "ms",
        "< rebuild_cpu_ms / 4",
        repetitions=reps,
        ratio_to_rebuild=round(changed / rebuild, 3),
        note="10 rows other than the selected one (whose detail reloads)",
    )
    yield figure("rebuild_cpu_ms", rebuild, "ms", "the comparison", repetitions=reps)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions; under 5 minutes in all"
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only these"
    )
    parser.add_argument(
        "--jsm-tui",
        metavar="SOURCE",
        help="a clone of leoxtc/jsm-tui on this machine, for first_rows_vs_jsm_tui (default: "
        "$JSM_TUI_SOURCE, else its public repository)",
    )
    args = parser.parse_args()
    if args.jsm_tui:
        os.environ["JSM_TUI_SOURCE"] = args.jsm_tui
    mode = "quick" if args.quick else "full"
    failed = 0
    for name, run in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        try:
            for result in run(args.quick):
                print(json.dumps({**result, "mode": mode}), flush=True)
        except Exception as error:  # one broken benchmark does not cost the others' figures
            failed += 1
            lines = str(error).strip().splitlines() or [type(error).__name__]
            print(json.dumps({"benchmark": name, "error": lines[0], "mode": mode}), flush=True)
            print(f"{name}: {error!r}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
