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


def figure(name: str, value: float, unit: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, **extra}


@contextlib.contextmanager
def simulator_process(*args: str) -> Iterator[str]:
    """``alert-console simulate`` in a process of its own, as users run it; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "simulate", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
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
