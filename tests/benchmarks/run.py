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
def simulator_process(*args: str) -> Iterator[str]:
    """``alert-console simulate`` in a process of its own, as users run it; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "simulate", "--port", "0", *args],
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
        yield f"{origin}/jsm/ops/api/demo"
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


@benchmark("first_rows")
def first_rows(quick: bool) -> Iterator[dict[str, Any]]:
    """Process start to the first 50 rows drawn, headless, on a simulator of 5,000 alerts; and
    the same for a bare Textual app drawing a 50-row DataTable, alternating, in the same run."""
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
        "first_rows_seconds",
        console,
        "s",
        "< 1.5",
        repetitions=runs,
        all=[round(x, 3) for x in timings["console"]],
        alerts=5000,
        page_size=50,
    )
    yield figure(
        "bare_textual_first_rows_seconds",
        bare,
        "s",
        "the floor",
        repetitions=runs,
        all=[round(x, 3) for x in timings["bare"]],
    )
    # This machine is shared: its speed drifts over seconds. Each console start is paired with
    # the bare start right after it, and the median of those ratios is given too.
    pairs = zip(timings["console"], timings["bare"], strict=True)
    paired = statistics.median(c / b for c, b in pairs)
    yield figure(
        "first_rows_ratio",
        console / bare,
        "ratio",
        "< 1.6",
        repetitions=runs,
        median_of_paired_ratios=round(paired, 3),
    )


@benchmark("browser_first_rows")
def browser_first_rows(quick: bool) -> Iterator[dict[str, Any]]:
    """The wall in headless Chromium through ``alert-console serve``: from opening the URL to
    the first rows painted; and, alternating in the same run, the terminal wall from process
    start to its first rows drawn. A simulator of 5,000 alerts; no last page on disk."""
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


@benchmark("idle_cpu_percent")
def idle_cpu(quick: bool) -> Iterator[dict[str, Any]]:
    """Share of one core the console uses over a minute (30 s with --quick) at the default
    refresh interval (15 s) while nothing changes."""
    yield figure(
        "idle_cpu_percent",
        _idle(quick),
        "% of one core",
        "< 0.3",
        seconds=30 if quick else 60,
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
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    for name, run in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        for result in run(args.quick):
            print(json.dumps({**result, "mode": mode}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
