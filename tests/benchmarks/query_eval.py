"""Time compiled queries over 20,000 realistic alert documents.

Not collected by pytest (the name does not start with ``test_``). Run with
``python tests/query/bench_query.py`` from the repository root. The target is
a median under 15 ms per 4-clause query over all documents.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from console.query import compile_query

N_DOCS = 20_000
RUNS = 25
TARGET_MS = 15.0
BASE_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z

QUERIES = (
    "status: open AND priority: P1 OR priority: P2 AND NOT acknowledged: true AND tag: database",
    "message: disk AND entity: db-* AND createdAt > 1704500000000 AND tag: database",
    "message: disk OR entity: db-* OR createdAt > 1706500000000 OR tag: database",
    "message: disk AND status: open AND priority < P4 AND tag: prod",
    "entity: db-* AND createdAt > 1704500000000 AND NOT acknowledged: true AND teams: Payments",
    'message: "disk full" OR description: timeout AND owner: NULL AND count >= 5',
    "message:*Redis* OR entity: web-* AND source: Datadog AND status: unacked",
    "status:open owner:NULL tag:database priority:P1",
    "details.region: eu-* AND status: open AND priority >= P3 AND seen: false",
    "disk AND status: open AND NOT tag: noise AND createdAt > 2024-01-05T07:00:00Z",
)

_MESSAGES = (
    "Disk full on {host}",
    "High CPU usage on {host}",
    "Redis-server down on {host}",
    "Connection timeout talking to {host}",
    "Memory pressure: swap above 80% on {host}",
    "HTTP 5xx rate above threshold for {host}",
    "Certificate expires in 7 days for {host}",
    "Replication lag 120s on {host}",
)
_DESCRIPTIONS = (
    "The monitor crossed its critical threshold. Check the dashboard for details.",
    "Automated alert from the synthetic check; retries exhausted after timeout.",
    "",
    "Investigate the upstream dependency before restarting the service.",
)
_HOSTS = ("db", "web", "cache", "queue", "api", "search")
_TAGS = ("database", "network", "prod", "staging", "eu", "us", "noise", "payments", "critical")
_TEAMS = ("Payments", "Platform", "Search", "Storefront", "SRE")
_SOURCES = ("Datadog", "Prometheus", "Grafana", "CloudWatch", "API")
_PEOPLE = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra")


def make_doc(rng: random.Random, i: int) -> dict[str, Any]:
    """One alert shaped like the simulator's query document."""
    host = f"{rng.choice(_HOSTS)}-{rng.randint(1, 40):02d}"
    status = "open" if rng.random() < 0.6 else "closed"
    acknowledged = rng.random() < 0.4
    created = BASE_MS + rng.randint(0, 30 * 86_400_000)
    team = rng.choice(_TEAMS)
    person = rng.choice(_PEOPLE)
    owner = [person, f"acc-{i % 97}", person.split()[0].lower() + "@example.com"]
    return {
        "id": f"{i:08x}-4b1c-9a7e-{rng.getrandbits(48):012x}-{created}",
        "tinyId": str(i + 1),
        "alias": f"{host}-{rng.choice(('disk', 'cpu', 'mem', 'http'))}",
        "message": rng.choice(_MESSAGES).format(host=host),
        "description": rng.choice(_DESCRIPTIONS),
        "entity": host,
        "source": rng.choice(_SOURCES),
        "owner": owner if rng.random() < 0.5 else [],
        "status": status,
        "acknowledged": acknowledged,
        "snoozed": rng.random() < 0.05,
        "seen": rng.random() < 0.5,
        "priority": rng.choice(("P1", "P2", "P3", "P3", "P4", "P5")),
        "count": rng.randint(1, 50),
        "createdAt": created,
        "updatedAt": created + rng.randint(0, 86_400_000),
        "lastOccurredAt": created + rng.randint(0, 3_600_000),
        "snoozedUntil": None,
        "ackTime": created + 60_000 if acknowledged else None,
        "closeTime": created + 120_000 if status == "closed" else None,
        "tags": rng.sample(_TAGS, rng.randint(0, 4)),
        "actions": ["Restart", "Ping"] if rng.random() < 0.3 else [],
        "responders": [f"team-{team.lower()}", team, person],
        "teams": [f"team-{team.lower()}", team],
        "visibleTo": [team, person],
        "extraProperties": {
            "region": rng.choice(("eu-west-1", "us-east-1", "ap-south-1")),
            "runbook": "https://runbooks.example.com/" + host,
            "retries": rng.randint(0, 5),
            "synthetic": rng.random() < 0.2,
        },
        "integration.name": rng.choice(_SOURCES) + " integration",
        "integration.type": "API",
        "acknowledgedBy": [person] if acknowledged else [],
        "closedBy": [person] if status == "closed" else [],
    }


def measure(runs: int = RUNS, n_docs: int = N_DOCS) -> list[dict[str, Any]]:
    """Median and best time of each query in QUERIES over ``n_docs`` documents.

    Importable so that a benchmark runner can report the same figures.
    """
    rng = random.Random(20240105)
    docs = [make_doc(rng, i) for i in range(n_docs)]
    results = []
    for query in QUERIES:
        predicate = compile_query(query)
        timings = []
        matched = 0
        for _ in range(runs):
            start = time.perf_counter()
            matched = len([doc for doc in docs if predicate(doc)])
            timings.append((time.perf_counter() - start) * 1000)
        results.append(
            {
                "query": query,
                "median_ms": statistics.median(timings),
                "min_ms": min(timings),
                "hits": matched,
            }
        )
    return results


def main() -> int:
    print(f"{N_DOCS} documents, {RUNS} runs each, target: median < {TARGET_MS:.0f} ms")
    print(" median     best    hits  query")
    results = measure()
    for r in results:
        print(f"{r['median_ms']:7.2f} {r['min_ms']:8.2f} {r['hits']:7d}  {r['query']}")
    worst = max(r["median_ms"] for r in results)
    print(f"worst median: {worst:.2f} ms ({'OK' if worst < TARGET_MS else 'OVER TARGET'})")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
