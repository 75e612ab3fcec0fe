"""The demo's estate and its scenario catalogue: what can go wrong, and where.

One table serves both the generated history (:func:`console.simulator.demo.generate_alerts`)
and the live mode (:class:`console.simulator.demo.LiveScenario`), so both produce the same
kinds of alerts. A :class:`Scenario` is a set of templates; :func:`render` fills them in
from a lazily built :class:`Ctx` (a team's services, hosts, databases, queues, domains and
Kubernetes objects) and from values scaled by the alert's priority. Stdlib only, no I/O.
"""

from __future__ import annotations

import random
import string
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from console.simulator.model import JsonScalar

T = TypeVar("T")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` without its rejection loop: one float per pick, and faster."""
    return seq[int(rng.random() * len(seq))]


def between_int(rng: random.Random, low: int, high: int) -> int:
    """An int in ``[low, high]``, like ``rng.randint``."""
    return low + int(rng.random() * (high - low + 1))


def take(rng: random.Random, seq: Sequence[T], k: int) -> list[T]:
    """``k`` distinct items in random order, like ``rng.sample`` but cheaper for small ``k``."""
    pool = list(seq)
    n = len(pool)
    k = min(k, n)
    for i in range(k):
        j = i + int(rng.random() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


class Weighted(Generic[T]):
    """A fixed weighted choice, picked with one float and a bisect."""

    __slots__ = ("cum", "items")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        total = sum(w for _, w in pairs)
        self.items = [item for item, _ in pairs]
        running = 0.0
        self.cum: list[float] = []
        for _, w in pairs:
            running += w
            self.cum.append(running / total)
        self.cum[-1] = 1.0  # random() < 1.0, so bisect never runs off the end

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect_right(self.cum, rng.random())]


PRIORITY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("P1", 5.0),
    ("P2", 15.0),
    ("P3", 45.0),
    ("P4", 25.0),
    ("P5", 10.0),
)
SEVERITY_LABEL = {
    "P1": "critical",
    "P2": "critical",
    "P3": "warning",
    "P4": "warning",
    "P5": "info",
}
# How bad things are, per priority: 1.0 for P1 down to 0.0 for P5.
SEVERITY: dict[str, float] = {"P1": 1.0, "P2": 0.75, "P3": 0.5, "P4": 0.25, "P5": 0.0}

# Source -> (integration name, integration type). Anything else comes in via the API.
INTEGRATIONS: dict[str, tuple[str, str]] = {
    "Prometheus": ("Prometheus", "Prometheus"),
    "kube-state-metrics": ("Prometheus", "Prometheus"),
    "Datadog": ("Datadog", "Datadog"),
    "CloudWatch": ("CloudWatch", "CloudWatch"),
    "Pingdom": ("Pingdom", "Pingdom"),
    "Grafana": ("Grafana", "Grafana"),
    "Sentry": ("Sentry", "Sentry"),
    "Nagios": ("Nagios", "Nagios"),
    "Heartbeat": ("Heartbeat", "Heartbeat"),
}
DEFAULT_INTEGRATION: tuple[str, str] = ("Default API", "API")


def integration_for(source: str) -> tuple[str, str]:
    return INTEGRATIONS.get(source, DEFAULT_INTEGRATION)


# --------------------------------------------------------------------------- the estate


@dataclass(frozen=True, slots=True)
class TeamEstate:
    """What one team runs. Empty tuples fall back to the shared pools below."""

    name: str
    slug: str
    services: tuple[str, ...]
    host_roles: tuple[str, ...]
    databases: tuple[tuple[str, str], ...] = ()  # (engine, cluster)
    topics: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    heartbeats: tuple[str, ...] = ()
    customer_facing: bool = False


TEAMS: tuple[TeamEstate, ...] = (
    TeamEstate(
        "Payments",
        "payments",
        ("payments-gateway", "checkout-api", "ledger-service", "refund-worker", "fraud-scorer"),
        ("pay-app", "pay-worker"),
        (("PostgreSQL", "pg-payments-main"), ("Redis", "redis-payments-idem")),
        ("payments.events", "ledger.entries"),
        ("refunds.requests", "payouts.batch"),
        ("pay.example.com", "checkout.example.com"),
        ("Checkout flow", "Card payment 3DS"),
        ("ledger-reconciliation", "payouts-nightly"),
        customer_facing=True,
    ),
    TeamEstate(
        "Platform",
        "platform",
        ("api-gateway", "config-service", "feature-flags", "service-mesh-ctrl"),
        ("k8s-node", "bastion", "api-gw"),
        (("PostgreSQL", "pg-platform"),),
        ("platform.audit",),
        (),
        ("api.example.com", "status.example.com"),
        ("Public API health",),
        ("terraform-drift-check",),
        customer_facing=True,
    ),
    TeamEstate(
        "Database Reliability",
        "dbre",
        ("db-proxy-api", "orchestrator", "backup-api", "schema-registry"),
        ("db", "db-replica", "pgbouncer"),
        (
            ("PostgreSQL", "pg-orders-main"),
            ("MySQL", "mysql-legacy-crm"),
            ("MongoDB", "mongo-catalog"),
            ("Redis", "redis-sessions"),
            ("PostgreSQL", "pg-analytics"),
        ),
        (),
        (),
        (),
        (),
        ("pg-basebackup-nightly", "wal-archive"),
    ),
    TeamEstate(
        "Edge",
        "edge",
        ("cdn-edge", "ingress-nginx", "waf-proxy", "image-resizer"),
        ("edge", "lb"),
        (),
        (),
        (),
        ("www.example.com", "static.example.com", "img.example.com"),
        ("Homepage load", "Static assets"),
        (),
        customer_facing=True,
    ),
    TeamEstate(
        "Identity",
        "identity",
        ("auth-service", "sso-proxy", "token-issuer", "user-profile"),
        ("auth", "idp"),
        (("PostgreSQL", "pg-identity"), ("Redis", "redis-sessions")),
        ("identity.user-events",),
        (),
        ("auth.example.com", "login.example.com"),
        ("Login flow", "Password reset"),
        ("key-rotation",),
        customer_facing=True,
    ),
    TeamEstate(
        "Data Pipeline",
        "data",
        ("ingest-worker", "etl-scheduler", "spark-runner", "cdc-connector"),
        ("etl", "spark"),
        (("MongoDB", "mongo-events"), ("PostgreSQL", "pg-warehouse-staging")),
        ("clickstream.raw", "orders.cdc", "inventory.snapshots"),
        (),
        (),
        (),
        ("hourly-etl", "dbt-nightly"),
    ),
    TeamEstate(
        "Mobile API",
        "mobile",
        ("mobile-bff", "push-notifier", "app-config"),
        ("mobile-api",),
        (("Redis", "redis-mobile-cache"),),
        ("mobile.push",),
        (),
        ("m.example.com", "app-api.example.com"),
        ("iOS login", "Android checkout"),
        (),
        customer_facing=True,
    ),
    TeamEstate(
        "Search",
        "search",
        ("search-api", "indexer", "autocomplete", "ranking-service"),
        ("search",),
        (("MongoDB", "mongo-catalog"),),
        ("catalog.updates",),
        (),
        ("search.example.com",),
        ("Search results",),
        ("reindex-nightly",),
        customer_facing=True,
    ),
    TeamEstate(
        "Observability",
        "observability",
        ("prometheus", "grafana", "loki", "otel-collector", "alertmanager"),
        ("mon", "logs"),
        (),
        ("otel.spans",),
        (),
        ("grafana.example.com",),
        (),
        ("alertmanager-deadman", "blackbox-exporter"),
    ),
    TeamEstate(
        "Security",
        "security",
        ("vault", "secrets-sync", "siem-forwarder"),
        ("vault", "sec-scan"),
        (),
        ("security.audit",),
        (),
        ("sso.example.com", "security.example.com"),
        (),
        ("cert-inventory",),
    ),
    TeamEstate(
        "Storage",
        "storage",
        ("object-gateway", "ceph-mgr", "backup-agent"),
        ("ceph-osd", "nfs", "backup"),
        (("MySQL", "mysql-storage-meta"),),
        (),
        (),
        ("files.example.com", "upload.example.com"),
        ("File upload",),
        ("restic-backup", "snapshot-prune"),
    ),
    TeamEstate(
        "Messaging",
        "messaging",
        ("notification-service", "email-sender", "sms-gateway", "webhook-dispatcher"),
        ("mq", "kafka-broker"),
        (("PostgreSQL", "pg-notifications"),),
        ("notifications.v2", "webhooks.outbound"),
        ("emails.outbound", "sms.outbound", "webhooks.retry"),
        ("hooks.example.com",),
        ("Webhook delivery",),
        ("email-digest",),
        customer_facing=True,
    ),
)
TEAM_BY_NAME: dict[str, TeamEstate] = {t.name: t for t in TEAMS}

ALL_DATABASES = tuple(dict.fromkeys(db for t in TEAMS for db in t.databases))
ALL_TOPICS = tuple(dict.fromkeys(x for t in TEAMS for x in t.topics))
ALL_QUEUES = tuple(dict.fromkeys(x for t in TEAMS for x in t.queues))
ALL_DOMAINS = tuple(dict.fromkeys(x for t in TEAMS for x in t.domains))
ALL_CHECKS = tuple(dict.fromkeys(x for t in TEAMS for x in t.checks))
ALL_HEARTBEATS = tuple(dict.fromkeys(x for t in TEAMS for x in t.heartbeats))

REGIONS = ("eu-west-1", "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2")
REGION_SHORT = {
    "eu-west-1": "euw1",
    "us-east-1": "use1",
    "us-west-2": "usw2",
    "eu-central-1": "euc1",
    "ap-southeast-2": "apse2",
}
ENVS: Weighted[str] = Weighted((("prod", 0.86), ("staging", 0.11), ("dev", 0.03)))
MOUNTS = ("/", "/var", "/var/lib/docker", "/data", "/var/log", "/srv", "/opt", "/var/lib/kubelet")
ENDPOINTS = (
    "GET /v1/orders",
    "POST /v1/payments",
    "GET /v2/search",
    "POST /v1/sessions",
    "GET /v1/users/{id}",
    "POST /v1/webhooks",
    "GET /v1/catalog/items",
    "PUT /v1/carts/{id}",
    "POST /oauth/token",
    "GET /healthz",
)
TABLES = ("orders", "payments", "ledger_entries", "sessions", "users", "inventory", "events")
EXCEPTIONS = (
    "NullPointerException in PaymentMapper.toDto",
    "TimeoutError: upstream call timed out after 30s",
    "KeyError: 'customer_id'",
    "OperationalError: server closed the connection unexpectedly",
    "IllegalStateException: Connection pool shut down",
    "TypeError: Cannot read properties of undefined (reading 'id')",
    "redis.exceptions.ConnectionError: Error 111 connecting",
    "SSLHandshakeException: PKIX path building failed",
    "OutOfMemoryError: Java heap space",
    "DeadlineExceeded: context deadline exceeded",
)
PROBES = ("Frankfurt, DE", "London, UK", "Ashburn, US", "Singapore, SG", "Sydney, AU", "Dallas, US")
STATEFULSETS = ("kafka", "postgres", "redis", "elasticsearch", "prometheus", "loki", "zookeeper")
ISSUERS = ("Let's Encrypt R3", "DigiCert TLS RSA SHA256 2020 CA1", "Amazon RSA 2048 M02")
HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"


# --------------------------------------------------------------------------- the context


class Ctx(dict[str, object]):
    """Template values, built on first use so an alert only pays for what it mentions."""

    __slots__ = ("rng", "team")

    def __init__(self, rng: random.Random, team: TeamEstate) -> None:
        super().__init__()
        self.rng = rng
        self.team = team

    def __missing__(self, key: str) -> object:
        make = _MAKERS.get(key)
        if make is None:
            raise KeyError(key)
        value = make(self)
        self[key] = value
        return value

    def text(self, key: str) -> str:
        return str(self[key])

    def num(self, key: str) -> float:
        value = self[key]
        return float(value) if isinstance(value, int | float) else float(str(value))

    def fork(self) -> Ctx:
        """A copy sharing everything resolved so far (used for related alerts)."""
        other = Ctx(self.rng, self.team)
        other.update(self)
        return other


def _pick(rng: random.Random, own: tuple[str, ...], fallback: tuple[str, ...]) -> str:
    return pick(rng, own or fallback)


def _hash(rng: random.Random, n: int, chars: str = HASH_CHARS) -> str:
    return "".join(rng.choices(chars, k=n))


def _database(c: Ctx) -> object:
    engine, name = pick(c.rng, c.team.databases or ALL_DATABASES)
    c["engine"] = engine
    return name


def _engine(c: Ctx) -> object:
    c.text("db")
    return c["engine"]


def _version(c: Ctx) -> object:
    r = c.rng
    if r.random() < 0.5:
        return f"v{between_int(r, 1, 4)}.{between_int(r, 0, 30)}.{between_int(r, 0, 12)}"
    return f"sha-{r.getrandbits(28):07x}"


def _node(c: Ctx) -> object:
    r = c.rng
    ip = f"10-{between_int(r, 0, 63)}-{between_int(r, 0, 255)}-{between_int(r, 1, 254)}"
    return f"ip-{ip}.{c['region']}.compute.internal"


def _pod(c: Ctx) -> object:
    h = _hash(c.rng, 15)
    return f"{c['deployment']}-{h[:10]}-{h[10:]}"


def _host(c: Ctx) -> object:
    role = pick(c.rng, c.team.host_roles)
    return f"{role}-{c['env']}-{between_int(c.rng, 1, 40)}"


_MAKERS: dict[str, Callable[[Ctx], object]] = {
    "team_name": lambda c: c.team.name,
    "team_slug": lambda c: c.team.slug,
    "env": lambda c: ENVS.pick(c.rng),
    "region": lambda c: pick(c.rng, REGIONS),
    "service": lambda c: pick(c.rng, c.team.services),
    "endpoint": lambda c: pick(c.rng, ENDPOINTS),
    "host": _host,
    "mount": lambda c: pick(c.rng, MOUNTS),
    "cores": lambda c: pick(c.rng, (4, 8, 16, 32, 64)),
    "db": _database,
    "engine": _engine,
    "db_host": lambda c: f"{c['db']}-{between_int(c.rng, 1, 3)}",
    "db_replica": lambda c: f"{c['db']}-replica-{between_int(c.rng, 1, 4)}",
    "table": lambda c: pick(c.rng, TABLES),
    "topic": lambda c: _pick(c.rng, c.team.topics, ALL_TOPICS),
    "group": lambda c: f"{c['service']}-{pick(c.rng, ('consumer', 'sink', 'projector'))}",
    "queue": lambda c: _pick(c.rng, c.team.queues, ALL_QUEUES),
    "vhost": lambda c: pick(c.rng, ("/", f"/{c.team.slug}")),
    "domain": lambda c: _pick(c.rng, c.team.domains, ALL_DOMAINS),
    "cluster": lambda c: f"{c['env']}-{REGION_SHORT[str(c['region'])]}-{pick(c.rng, 'abc')}",
    "namespace": lambda c: c.team.slug if c["env"] == "prod" else f"{c.team.slug}-{c['env']}",
    "deployment": lambda c: c["service"],
    "pod": _pod,
    "container": lambda c: c["deployment"] if c.rng.random() < 0.85 else "istio-proxy",
    "node": _node,
    "pvc": lambda c: f"data-{pick(c.rng, STATEFULSETS)}-{between_int(c.rng, 0, 5)}",
    "image": lambda c: f"registry.example.com/{c.team.slug}/{c['service']}:{c['version']}",
    "version": _version,
    "check": lambda c: _pick(c.rng, c.team.checks, ALL_CHECKS),
    "heartbeat": lambda c: _pick(c.rng, c.team.heartbeats, ALL_HEARTBEATS),
    "probe": lambda c: pick(c.rng, PROBES),
    "exception": lambda c: pick(c.rng, EXCEPTIONS),
    "issue": lambda c: f"{str(c['service']).upper()}-{_hash(c.rng, 3, '0123456789ABCDEFGH')}",
    "window": lambda c: pick(c.rng, ("1h", "6h", "30m", "3d")),
    "dashboard": lambda c: (
        f"https://grafana.example.com/d/{c.rng.getrandbits(36):09x}/{c.team.slug}-{c['service']}"
    ),
    "customer_facing": lambda c: c.team.customer_facing,
    "incident": lambda c: f"INC-{between_int(c.rng, 1200, 4800)}",
    "locations": lambda c: pick(c.rng, (3, 4, 5, 6)),
    "http_code": lambda c: pick(c.rng, (500, 502, 503, 504, 0)),
    "issuer": lambda c: pick(c.rng, ISSUERS),
    "cert_domain": lambda c: (
        c["domain"] if c.rng.random() < 0.4 else f"{c['service']}.{c['env']}.internal.example.net"
    ),
    "sli": lambda c: pick(c.rng, ("availability", "latency")),
    "broker": lambda c: f"rabbitmq-{c['env']}-{REGION_SHORT[str(c['region'])]}",
}


# --------------------------------------------------------------------------- scenarios

# (name, value at P5, value at P1, decimals): scaled by severity, jittered, rounded.
ValueSpec = tuple[str, float, float, int]


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str  # also the alias prefix
    category: str  # service | host | database | queue | certificate | kubernetes | synthetic
    message: str
    alias: str
    entity: str
    priorities: tuple[str, ...]
    sources: tuple[str, ...]
    summary: str
    steps: tuple[str, ...]
    actions: tuple[str, ...]
    extras: tuple[str, ...]
    values: tuple[ValueSpec, ...] = ()
    tags: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()  # preferred owners; anyone otherwise
    weight: float = 1.0


CATEGORY_TAG = {
    "service": "application",
    "host": "infrastructure",
    "database": "database",
    "queue": "messaging",
    "certificate": "tls",
    "kubernetes": "kubernetes",
    "synthetic": "synthetic",
}

_SVC = ("Prometheus", "Datadog", "Grafana")
_HOST = ("Nagios", "Datadog", "CloudWatch", "Prometheus")
_DB = ("Prometheus", "Datadog", "CloudWatch")
_K8S = ("kube-state-metrics", "Prometheus")
_DBRE = ("Database Reliability",)

# fmt: off
SCENARIOS: tuple[Scenario, ...] = (
    # ---- services
    Scenario(
        "http-5xx-rate", "service",
        "HTTP 5xx error rate {value}% on {service} in {region} (threshold {threshold}%)",
        "http-5xx-rate:{service}:{region}", "{service}",
        ("P1", "P2", "P3"), _SVC,
        "The share of requests to {service} answered with a 5xx status has been {value}% over "
        "the last 5 minutes, above the {threshold}% threshold. Clients retry, so the customer "
        "impact may be larger than the rate suggests.",
        ("Open the {service} dashboard and find the failing routes and when it started.",
         "Compare with the last deploy of {service} ({version}); roll back if it lines up.",
         "Check the dependencies (database {db}, caches, downstream APIs) for saturation."),
        ("Rollback deploy", "Restart pod", "Open incident", "Silence 1h"),
        ("service", "region", "cluster", "value", "threshold"),
        (("value", 2.5, 38.0, 1), ("threshold", 2.0, 2.0, 0)),
        ("http", "slo"), weight=1.6,
    ),
    Scenario(
        "latency-p99", "service",
        "p99 latency {value}ms on {service} {endpoint} (SLO {threshold}ms)",
        "latency-p99:{service}:{endpoint}", "{service}",
        ("P2", "P3", "P4"), _SVC,
        "The 99th percentile latency of {endpoint} on {service} is {value}ms against an SLO of "
        "{threshold}ms. Slow responses usually come from a saturated dependency or a noisy "
        "neighbour on the same nodes.",
        ("Check the traces for {endpoint} and find the slowest span.",
         "Look at database {db} for slow queries and lock waits.",
         "If CPU throttling shows up, raise the limits or scale out {deployment}."),
        ("Scale out", "Silence 1h", "RunPlaybook"),
        ("service", "endpoint", "value", "threshold", "region"),
        (("value", 650, 4800, 0), ("threshold", 500, 500, 0)),
        ("latency", "slo"), weight=1.4,
    ),
    Scenario(
        "slo-burn", "service",
        "Error budget burn rate {value}x on {service} {sli} SLO ({window} window)",
        "slo-burn:{service}:{sli}:{window}", "{service}",
        ("P1", "P2", "P3"), ("Grafana", "Datadog", "Prometheus"),
        "{service} is burning the monthly error budget of its {sli} SLO {value} times faster "
        "than sustainable over the {window} window. At this rate the budget runs out in "
        "{hours} hours.",
        ("Find which SLI is failing (availability or latency) on the SLO dashboard.",
         "Freeze non-urgent deploys of {service} until the burn rate drops below 1x.",
         "Post in #inc-{team_slug} if customers are affected."),
        ("Open incident", "Freeze deploys"),
        ("service", "window", "value", "hours"),
        (("value", 2.0, 16.0, 1), ("hours", 90, 4, 0)),
        ("slo", "error-budget"),
    ),
    Scenario(
        "sentry-issue", "service",
        "New issue in {service}: {exception}",
        "sentry:{service}:{issue}", "{service}",
        ("P3", "P4", "P5"), ("Sentry",),
        "A new issue {issue} was first seen in release {version} of {service} and has happened "
        "{value} times for {users} users in the last hour.",
        ("Open the issue in Sentry and read the stack trace and breadcrumbs.",
         "Assign it to the owner of the failing code path."),
        ("Create Jira issue", "Resolve in next release"),
        ("service", "issue", "version", "value", "users"),
        (("value", 12, 900, 0), ("users", 3, 400, 0)),
        ("sentry", "exception"),
    ),
    # ---- hosts
    Scenario(
        "cpu-high", "host",
        "CPU usage {value}% on {host} for {minutes}m",
        "cpu-high:{host}", "{host}",
        ("P3", "P4", "P5"), _HOST,
        "CPU on {host} has been above {threshold}% for {minutes} minutes ({cores} cores). "
        "Sustained saturation delays every process on the host, health checks included.",
        ("Run `top -o %CPU` on {host} and find the busiest process.",
         "If it is a runaway job, stop it; if it is real load, add capacity."),
        ("Restart service", "Silence 1h", "RunPlaybook"),
        ("host", "cores", "value", "threshold", "region", "environment"),
        (("value", 86, 99, 1), ("threshold", 85, 85, 0), ("minutes", 10, 45, 0)),
        ("cpu",), weight=1.3,
    ),
    Scenario(
        "memory-high", "host",
        "Memory usage {value}% on {host} (swap {swap}%)",
        "memory-high:{host}", "{host}",
        ("P2", "P3", "P4", "P5"), _HOST,
        "Available memory on {host} is down to {free} MiB and swap is {swap}% used. The OOM "
        "killer will start picking processes soon.",
        ("Check `free -m` and `ps aux --sort=-rss | head` on {host}.",
         "Restart the leaking process if there is one; otherwise move workloads away."),
        ("Restart service", "Drain host"),
        ("host", "value", "swap", "free", "environment"),
        (("value", 88, 99, 1), ("swap", 5, 90, 0)),
        ("memory",),
    ),
    Scenario(
        "disk-usage-high", "host",
        "Disk usage {value}% on {host}:{mount} ({free} GB free)",
        "disk-usage-high:{host}:{mount}", "{host}",
        ("P2", "P3", "P4"), _HOST,
        "The filesystem mounted on {mount} of {host} is {value}% full with {free} GB left. At "
        "the current growth it fills up in about {hours} hours.",
        ("Find the largest directories: `du -xh {mount} | sort -h | tail`.",
         "Rotate or ship old logs, prune container images with `docker system prune`.",
         "If the growth is real, grow the volume and the filesystem."),
        ("Clean up logs", "Extend volume", "Silence 1h"),
        ("host", "mount", "value", "threshold", "free", "environment"),
        (("value", 85, 99, 1), ("threshold", 85, 85, 0), ("hours", 72, 2, 0)),
        ("disk",), weight=1.5,
    ),
    Scenario(
        "load-high", "host",
        "Load average {value} on {host} ({cores} cores)",
        "load-high:{host}", "{host}",
        ("P3", "P4", "P5"), ("Nagios", "Prometheus"),
        "The 15-minute load average on {host} is {value} on {cores} cores. High load with idle "
        "CPU usually means processes stuck on I/O.",
        ("Check `vmstat 1` and `iostat -x 1` for I/O wait.",),
        ("Silence 1h",),
        ("host", "cores", "value", "environment"),
        (("value", 12.0, 96.0, 1),),
        ("load",), weight=0.8,
    ),
    Scenario(
        "ntp-drift", "host",
        "NTP clock drift {value}ms on {host}",
        "ntp-drift:{host}", "{host}",
        ("P4", "P5"), ("Nagios", "Prometheus"),
        "The clock of {host} is {value}ms away from the reference. Token validation and "
        "distributed locks start failing beyond 500ms.",
        ("Run `chronyc tracking` on {host} and check the upstream servers are reachable.",),
        ("Resync clock",),
        ("host", "value", "threshold"),
        (("value", 120, 900, 0), ("threshold", 100, 100, 0)),
        ("ntp",), weight=0.6,
    ),
    Scenario(
        "host-down", "host",
        "Host {host} is DOWN (no response for {minutes}m)",
        "host-down:{host}", "{host}",
        ("P1", "P2", "P3"), ("Nagios", "CloudWatch", "Datadog"),
        "{host} in {region} has not answered ping or the agent heartbeat for {minutes} minutes. "
        "Services on it have failed over if they are configured to.",
        ("Check the instance status in the cloud console; look for a scheduled retirement.",
         "Try the serial console before rebooting.",
         "Confirm the load balancer has taken {host} out of rotation."),
        ("Reboot instance", "Failover", "Open incident"),
        ("host", "region", "minutes", "environment"),
        (("minutes", 3, 20, 0),),
        ("availability",),
    ),
    # ---- databases
    Scenario(
        "replication-lag", "database",
        "{engine} replication lag {value}s on {db_replica}",
        "replication-lag:{db_replica}", "{db}",
        ("P1", "P2", "P3", "P4"), _DB,
        "The replica {db_replica} of {db} is {value} seconds behind the primary. Reads routed "
        "to it return stale data and a failover now would lose writes.",
        ("Check replication status on the replica (pg_stat_replication / SHOW REPLICA STATUS).",
         "Look for a long-running transaction or a vacuum blocking replay.",
         "Take the replica out of the read pool if lag keeps growing."),
        ("Failover", "Remove from pool", "RunPlaybook"),
        ("db", "engine", "db_replica", "value", "threshold", "region"),
        (("value", 45, 1800, 0), ("threshold", 30, 30, 0)),
        ("replication",), _DBRE, 1.2,
    ),
    Scenario(
        "db-connections", "database",
        "{engine} {db}: {used}/{max_conn} connections in use ({value}%)",
        "db-connections:{db}", "{db}",
        ("P1", "P2", "P3"), _DB,
        "{db} is at {value}% of max_connections. New connections will be refused once it hits "
        "the limit; the usual cause is a connection leak or a pool sized for the old replica "
        "count.",
        ("List the clients with the most connections (pg_stat_activity / processlist).",
         "Restart the leaking service or lower its pool size.",
         "Raise max_connections only together with memory headroom."),
        ("Kill idle connections", "Restart pgbouncer", "Open incident"),
        ("db", "engine", "used", "max_conn", "value"),
        (("value", 82, 100, 0),),
        ("connections",), _DBRE,
    ),
    Scenario(
        "slow-queries", "database",
        "Slow queries on {db}: {value} queries over {threshold}s in 5m",
        "slow-queries:{db}:{table}", "{db}",
        ("P3", "P4", "P5"), _DB,
        "{value} queries on {db} took longer than {threshold}s in the last 5 minutes, most of "
        "them on table {table}. A missing index or a changed query plan is the usual suspect.",
        ("Pull the top statements from the slow log / pg_stat_statements.",
         "EXPLAIN the worst one and compare with last week's plan."),
        ("RunPlaybook", "Silence 1h"),
        ("db", "table", "value", "threshold"),
        (("value", 15, 400, 0), ("threshold", 2, 2, 0)),
        ("performance",), _DBRE,
    ),
    Scenario(
        "deadlocks", "database",
        "{value} deadlocks/min on {db} (table {table})",
        "deadlocks:{db}:{table}", "{db}",
        ("P2", "P3", "P4"), _DB,
        "{db} reports {value} deadlocks per minute involving {table}. Transactions are retried "
        "by the application but throughput drops.",
        ("Read the deadlock report in the database log and identify the two statements.",),
        ("RunPlaybook",),
        ("db", "engine", "table", "value"),
        (("value", 3, 60, 0),),
        ("locks",), _DBRE, 0.7,
    ),
    Scenario(
        "db-disk", "database",
        "{engine} {db_host} data volume {value}% full ({free} GB free)",
        "db-disk:{db_host}", "{db_host}",
        ("P1", "P2", "P3"), _DB,
        "The data volume of {db_host} ({engine}) is {value}% full. When it fills up the "
        "database stops accepting writes.",
        ("Check for bloat and old WAL / binlogs held by a stale replication slot.",
         "Extend the volume online; do not delete data files by hand."),
        ("Extend volume", "Failover"),
        ("db", "engine", "db_host", "value", "free"),
        (("value", 80, 98, 1),),
        ("disk",), _DBRE,
    ),
    # ---- queues
    Scenario(
        "kafka-consumer-lag", "queue",
        "Kafka consumer lag {value} on {topic} (group {group})",
        "kafka-lag:{group}:{topic}", "{topic}",
        ("P2", "P3", "P4"), ("Prometheus", "Datadog"),
        "Consumer group {group} is {value} messages behind on {topic} and the lag is growing. "
        "Downstream data is delayed by roughly {minutes} minutes.",
        ("Check the consumers are running and not stuck in a rebalance loop.",
         "Scale the consumer deployment up to the partition count if needed."),
        ("Scale out", "Restart consumers"),
        ("topic", "group", "value", "threshold", "cluster"),
        (("value", 20000, 4500000, 0), ("threshold", 10000, 10000, 0), ("minutes", 3, 90, 0)),
        ("kafka",), weight=1.2,
    ),
    Scenario(
        "rabbitmq-queue-depth", "queue",
        "RabbitMQ queue {queue} depth {value} messages on {broker} vhost {vhost}",
        "rabbitmq-depth:{broker}:{vhost}:{queue}", "{broker}",
        ("P3", "P4", "P5"), ("Prometheus", "Datadog", "Nagios"),
        "{queue} holds {value} ready messages with {consumers} consumers attached. Publishers "
        "will be blocked by flow control when memory crosses the high watermark.",
        ("Check the consumers' logs for errors and their prefetch setting.",),
        ("Restart consumers", "Purge queue"),
        ("queue", "broker", "vhost", "value", "consumers"),
        (("value", 5000, 400000, 0), ("consumers", 8, 0, 0)),
        ("rabbitmq",),
    ),
    Scenario(
        "dead-letters", "queue",
        "{value} messages in dead-letter queue {queue}.dlq on {broker}",
        "dead-letters:{broker}:{queue}", "{broker}",
        ("P2", "P3", "P4"), ("Prometheus", "CloudWatch"),
        "Messages from {queue} are being dead-lettered: {value} in the last hour. Each one is "
        "a notification, webhook or job that was not processed.",
        ("Inspect a sample of dead letters for the error header.",
         "Fix the cause, then replay with the shovel."),
        ("Replay dead letters", "RunPlaybook"),
        ("queue", "broker", "value", "service"),
        (("value", 10, 5000, 0),),
        ("dlq",), weight=0.8,
    ),
    # ---- certificates
    Scenario(
        "tls-cert-expiry", "certificate",
        "TLS certificate for {cert_domain} expires in {value} days",
        "tls-expiry:{cert_domain}", "{cert_domain}",
        ("P1", "P2", "P3", "P4", "P5"), ("cert-manager", "Pingdom", "Prometheus", "Datadog"),
        "The certificate served on {cert_domain} expires in {value} days (issuer {issuer}). "
        "Renewal by cert-manager has not happened yet.",
        ("Check the Certificate and CertificateRequest objects: `kubectl describe certificate`.",
         "Look for failing ACME challenges (DNS or HTTP-01)."),
        ("Renew certificate",),
        ("cert_domain", "value", "issuer", "environment"),
        (("value", 30, 1, 0),),
        ("certificate", "customer-facing"), ("Security", "Edge"),
    ),
    # ---- kubernetes
    Scenario(
        "k8s-crashloop", "kubernetes",
        "Pod {namespace}/{pod} is in CrashLoopBackOff ({value} restarts)",
        "crashloop:{cluster}:{namespace}/{deployment}", "{cluster}",
        ("P2", "P3", "P4"), _K8S,
        "Container {container} of {pod} keeps exiting and Kubernetes is backing off restarts "
        "({value} so far). The last exit reason is in the container's previous logs.",
        ("kubectl -n {namespace} logs {pod} -c {container} --previous",
         "Check recent config or secret changes for {deployment}.",
         "Roll back the deployment if the crash started with a release."),
        ("Restart pod", "Rollback deploy"),
        ("cluster", "namespace", "pod", "container", "value"),
        (("value", 5, 140, 0),),
        ("k8s",), weight=1.4,
    ),
    Scenario(
        "k8s-oomkilled", "kubernetes",
        "Container {container} in {namespace}/{pod} OOMKilled (limit {limit}Mi)",
        "oomkilled:{cluster}:{namespace}/{deployment}", "{cluster}",
        ("P3", "P4"), _K8S,
        "{container} was killed for using more than its {limit}Mi memory limit. It restarts, "
        "but requests in flight are lost.",
        ("Compare the memory graph of {deployment} with the limit over the last week.",),
        ("Restart pod", "Raise memory limit"),
        ("cluster", "namespace", "pod", "container", "limit"),
        (("limit", 512, 2048, 0),),
        ("k8s", "memory"),
    ),
    Scenario(
        "k8s-node-notready", "kubernetes",
        "Kubernetes node {node} NotReady in {cluster}",
        "node-notready:{cluster}:{node}", "{cluster}",
        ("P1", "P2", "P3"), _K8S,
        "Node {node} in {cluster} has been NotReady for {minutes} minutes. Pods on it will be "
        "evicted after the toleration period.",
        ("kubectl describe node {node}: check conditions (DiskPressure, kubelet stopped).",
         "Cordon and drain the node if it does not come back; the autoscaler replaces it."),
        ("Cordon node", "Drain node"),
        ("cluster", "node", "region", "minutes"),
        (("minutes", 2, 15, 0),),
        ("k8s",), ("Platform",),
    ),
    Scenario(
        "k8s-pvc-full", "kubernetes",
        "PVC {namespace}/{pvc} is {value}% full in {cluster}",
        "pvc-full:{cluster}:{namespace}/{pvc}", "{cluster}",
        ("P2", "P3", "P4"), _K8S,
        "The persistent volume claim {pvc} is {value}% full. The StatefulSet will fail to "
        "write once it is full.",
        ("Expand the PVC (the storage class allows volume expansion).",),
        ("Expand volume",),
        ("cluster", "namespace", "pvc", "value"),
        (("value", 85, 99, 0),),
        ("k8s", "storage"),
    ),
    Scenario(
        "k8s-hpa-maxed", "kubernetes",
        "HPA {namespace}/{deployment} at max replicas ({value}/{value}) for {minutes}m",
        "hpa-maxed:{cluster}:{namespace}/{deployment}", "{cluster}",
        ("P3", "P4"), _K8S,
        "The autoscaler for {deployment} has been at its maximum of {value} replicas for "
        "{minutes} minutes with CPU still above target.",
        ("Raise maxReplicas if the cluster has room; check why load grew.",),
        ("Scale out",),
        ("cluster", "namespace", "deployment", "value"),
        (("value", 10, 60, 0), ("minutes", 15, 90, 0)),
        ("k8s", "capacity"),
    ),
    Scenario(
        "k8s-imagepull", "kubernetes",
        "ImagePullBackOff for {namespace}/{pod}",
        "imagepull:{cluster}:{namespace}/{deployment}", "{cluster}",
        ("P3", "P4", "P5"), _K8S,
        "Kubernetes cannot pull {image}. The tag may not exist or the registry credentials "
        "have expired.",
        ("Check the image tag exists in the registry and the imagePullSecret is valid.",),
        ("Rollback deploy",),
        ("cluster", "namespace", "pod", "image"),
        (),
        ("k8s", "deploy"), weight=0.7,
    ),
    # ---- synthetic checks and heartbeats
    Scenario(
        "synthetic-failing", "synthetic",
        "Synthetic check '{check}' failing from {value}/{locations} locations",
        "synthetic:{check}:{env}", "{check}",
        ("P1", "P2", "P3"), ("Pingdom", "Datadog"),
        "The browser test '{check}' has failed from {value} of {locations} locations in a row. "
        "The last failure was at step 3 waiting for the confirmation page.",
        ("Run the check manually and watch the recording.",
         "Check status pages of third parties involved in the flow."),
        ("Open incident", "Update status page"),
        ("check", "value", "locations", "customer_facing"),
        (("value", 1, 3, 0),),
        ("synthetic", "customer-facing"),
    ),
    Scenario(
        "endpoint-down", "synthetic",
        "{domain} is DOWN: HTTP {http_code} from {probe}",
        "endpoint-down:{domain}", "{domain}",
        ("P1", "P2"), ("Pingdom",),
        "Pingdom could not get a healthy answer from https://{domain}/ (HTTP {http_code}, "
        "0 means a timeout) from probe {probe}, confirmed from a second location.",
        ("Check the CDN and load balancer status; then the origin.",),
        ("Open incident", "Update status page"),
        ("domain", "probe", "http_code", "customer_facing"),
        (),
        ("uptime", "customer-facing"), ("Edge",), 0.8,
    ),
    Scenario(
        "heartbeat-missed", "synthetic",
        "Heartbeat '{heartbeat}' in {region} expired: no ping for {value}m",
        "heartbeat:{heartbeat}:{region}", "{heartbeat}",
        ("P2", "P3", "P4"), ("Heartbeat",),
        "The job '{heartbeat}' did not send its heartbeat for {value} minutes (expected every "
        "{threshold} minutes). It may be stuck or may not have started.",
        ("Check the scheduler for the last run of {heartbeat} and its exit code.",),
        ("Rerun job",),
        ("heartbeat", "region", "value", "threshold"),
        (("value", 20, 240, 0), ("threshold", 15, 15, 0)),
        ("heartbeat", "cron"),
    ),
)
# fmt: on
SCENARIO_BY_KEY: dict[str, Scenario] = {s.key: s for s in SCENARIOS}

# Several related alerts at once, for the live mode's P1 incidents: (scenario key, priority).
BURSTS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("db-connections", "P1"), ("http-5xx-rate", "P1"), ("synthetic-failing", "P2")),
    (("k8s-node-notready", "P2"), ("k8s-crashloop", "P2"), ("latency-p99", "P2")),
    (("host-down", "P1"), ("replication-lag", "P2"), ("http-5xx-rate", "P2")),
    (("kafka-consumer-lag", "P2"), ("dead-letters", "P2"), ("slo-burn", "P1")),
    (("endpoint-down", "P1"), ("http-5xx-rate", "P1"), ("slo-burn", "P2")),
)

NOTES: dict[str, tuple[str, ...]] = {
    "service": (
        "Rolled back {service} to the previous release, error rate dropping",
        "Traced to a bad config push on feature-flags, reverted",
        "Customer impact confirmed by support, status page updated",
    ),
    "host": (
        "Cleaned up old logs on {host}, back to normal",
        "Instance scheduled for retirement by AWS, replacing it",
        "Runaway backup job on {host} killed",
    ),
    "database": (
        "Failover started, watching replication",
        "Killed the long-running analytics query, lag recovering",
        "Raised pgbouncer pool size from 50 to 80 as a stop-gap",
    ),
    "queue": (
        "Scaled consumers from 6 to 12 replicas",
        "Poison message found and moved aside, replay running",
    ),
    "certificate": (
        "Renewal stuck on DNS challenge, fixed the Route53 permission",
        "Certificate renewed manually, cert-manager issue tracked separately",
    ),
    "kubernetes": (
        "Rolled back {deployment} to {version}",
        "Node drained and replaced by the autoscaler",
        "Memory limit raised to 1Gi, watching",
    ),
    "synthetic": (
        "Third-party 3DS provider degraded, nothing we can do but wait",
        "Check was flaky, confirmed manually that the flow works",
    ),
    "": (
        "Looking into it",
        "Linked to {incident}",
        "Same as last Tuesday, see the postmortem",
        "Known issue, fix is in review",
        "Handing over to the next on-call",
        "Maintenance window, false positive",
    ),
}

# Text that must be shown literally: markup, escapes, tabs, non-Latin scripts.
HOSTILE_MESSAGES: tuple[str, ...] = (
    "[bold red]disk[/] full on {entity}",
    "[link=http://x]click here[/link] to see why {entity} is slow",
    "\x1b[31mERROR\x1b[0m from legacy batch on {entity}: exit code 137",
    "Backup failed\tcode=23\tretry=3\ton {entity}",
    "🔥🚒 Checkout is on fire on {entity} 🔥",
    "支付网关错误率过高 — 5xx rate high on {entity}",
    "שגיאת שרת ב-{entity} — server error, خطأ في الخادم",
    "[/] unbalanced [red markup and a \\[escaped] bracket on {entity}",
)
HOSTILE_DESCRIPTION = (
    "Copied from the vendor's console:\n\x1b[1;31mFATAL\x1b[0m [bold]ignore[/bold] "
    "[link=http://x]this link[/link]\n\tindented with a tab\nUnicode: 🔥 ✅ 日本語 العربية עברית\n"
)


@dataclass(slots=True)
class Rendered:
    """One alert's worth of filled-in templates, before any lifecycle."""

    scenario: Scenario
    priority: str
    team: str
    message: str
    alias: str
    entity: str
    source: str
    description: str
    tags: list[str]
    actions: list[str]
    extra_properties: dict[str, JsonScalar]
    ctx: Ctx = field(repr=False)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _values(c: Ctx, specs: tuple[ValueSpec, ...], priority: str) -> None:
    s = SEVERITY[priority] - 0.12
    random_ = c.rng.random
    for name, low, high, decimals in specs:
        if low == high:
            raw = low
        else:
            x = s + 0.24 * random_()
            raw = low + (high - low) * (0.0 if x < 0.0 else 1.0 if x > 1.0 else x)
        c[name] = round(raw) if decimals == 0 else round(raw, decimals)


def _description(rng: random.Random, sc: Scenario, ctx: Ctx, source: str) -> str:
    roll = rng.random()
    if roll < 0.08:
        return ""
    parts = [sc.summary.format_map(ctx)]
    if roll > 0.3 and sc.steps:
        steps = "\n".join(f"{i}. {step.format_map(ctx)}" for i, step in enumerate(sc.steps, 1))
        parts.append("Runbook steps:\n" + steps)
    parts.append(f"Runbook: {ctx['runbook']}")
    if roll > 0.55:
        parts.append(f"Dashboard: {ctx['dashboard']}")
    if source in ("Prometheus", "kube-state-metrics") and roll > 0.7:
        labels = [f"  alertname = {sc.key}", f"  severity = {SEVERITY_LABEL[ctx.text('prio')]}"]
        labels += [f"  {k} = {ctx[k]}" for k in sc.extras[:3] if k in ctx]
        parts.append("Labels:\n" + "\n".join(labels))
    return "\n\n".join(parts)


def _free_gb(c: Ctx) -> None:
    size = pick(c.rng, (50, 100, 200, 500, 1000))
    c["size"] = size
    c["free"] = max(1, round(size * (100 - c.num("value")) / 100))


def _free_mib(c: Ctx) -> None:
    size = pick(c.rng, (8, 16, 32, 64))
    c["free"] = max(16, round(size * 1024 * (100 - c.num("value")) / 100))


def _connections(c: Ctx) -> None:
    limit = pick(c.rng, (200, 500, 1000, 2000))
    c["max_conn"] = limit
    c["used"] = round(limit * c.num("value") / 100)


# Values that follow from others (free space from the percentage used).
_DERIVED: dict[str, Callable[[Ctx], None]] = {
    "db-connections": _connections,
    "disk-usage-high": _free_gb,
    "db-disk": _free_gb,
    "memory-high": _free_mib,
}

COMMON_EXTRAS = ("environment", "region", "runbook", "dashboard", "customer_facing", "team")
EXTRA_KEY_ALIAS = {"environment": "env", "team": "team_name"}
TAG_COUNTS: Weighted[int] = Weighted(((0, 4), (1, 8), (2, 16), (3, 26), (4, 24), (5, 14), (6, 8)))
ACTION_COUNTS: Weighted[int] = Weighted(((0, 25), (1, 35), (2, 28), (3, 12)))


def prepare(
    rng: random.Random, sc: Scenario, priority: str, team: TeamEstate, base: Ctx | None = None
) -> Ctx:
    """The context of one alert, far enough to know its alias (``ctx["alias"]``).

    Cheap, so a caller that needs an unused alias can try again. ``base`` shares the
    estate already chosen for a related alert.
    """
    c = base.fork() if base is not None else Ctx(rng, team)
    if priority in ("P1", "P2") and "env" not in c:
        c["env"] = "prod"  # nobody pages anyone at P1 for staging
    _values(c, sc.values, priority)
    derive = _DERIVED.get(sc.key)
    if derive is not None:
        derive(c)
    c["prio"] = priority
    c["alias"] = clip(sc.alias.format_map(c), 512)
    return c


def render(rng: random.Random, sc: Scenario, c: Ctx) -> Rendered:
    """Fill in the rest of one scenario from a prepared context."""
    team = c.team
    priority = c.text("prio")
    c["runbook"] = f"https://runbooks.example.com/{sc.category}/{sc.key}"
    source = pick(rng, sc.sources)
    message = clip(sc.message.format_map(c), 130)
    entity = clip(sc.entity.format_map(c), 512)
    description = _description(rng, sc, c, source)

    candidates = [c.text("env"), c.text("region"), team.slug, CATEGORY_TAG[sc.category]]
    candidates += sc.tags
    if priority in ("P1", "P2"):
        candidates.append(SEVERITY_LABEL[priority])
    if team.customer_facing:
        candidates.append("customer-facing")
    candidates = list(dict.fromkeys(candidates))
    tags = take(rng, candidates, TAG_COUNTS.pick(rng))
    actions = take(rng, sc.actions, ACTION_COUNTS.pick(rng))

    n_extra = between_int(rng, 2, 8)
    keys = list(sc.extras[:n_extra])
    if len(keys) < n_extra:
        spare = [k for k in COMMON_EXTRAS if k not in keys]
        keys += take(rng, spare, n_extra - len(keys))
    extra: dict[str, JsonScalar] = {}
    for key in keys:
        value = c[EXTRA_KEY_ALIAS.get(key, key)]
        extra[key] = value if isinstance(value, str | int | float | bool) else str(value)
    return Rendered(
        sc, priority, team.name, message, c.text("alias"), entity, source,
        description, tags, actions, extra, c,
    )  # fmt: skip


# --------------------------------------------------------------------------- who runs what

# A template field that needs a team to own something of a kind, to stay consistent
# (a Kafka consumer group named after a service of a team that has no topics is odd).
_NEEDS: dict[str, str] = {
    "db": "databases",
    "db_host": "databases",
    "db_replica": "databases",
    "engine": "databases",
    "topic": "topics",
    "queue": "queues",
    "domain": "domains",
    "check": "checks",
    "heartbeat": "heartbeats",
}


def _fields(sc: Scenario) -> set[str]:
    texts = (sc.message, sc.alias, sc.entity, sc.summary, *sc.steps)
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def _eligible(sc: Scenario) -> tuple[TeamEstate, ...]:
    needs = {_NEEDS[f] for f in _fields(sc) if f in _NEEDS}
    teams = tuple(t for t in TEAMS if all(getattr(t, n) for n in needs))
    return teams or TEAMS


ELIGIBLE: dict[str, tuple[TeamEstate, ...]] = {sc.key: _eligible(sc) for sc in SCENARIOS}
PREFERRED: dict[str, tuple[TeamEstate, ...]] = {
    sc.key: tuple(TEAM_BY_NAME[name] for name in sc.teams) for sc in SCENARIOS
}


def team_for(rng: random.Random, sc: Scenario) -> TeamEstate:
    """Who owns this kind of problem: its specialists often, anyone able to have it otherwise."""
    preferred = PREFERRED[sc.key]
    if preferred and rng.random() < 0.6:
        return pick(rng, preferred)
    return pick(rng, ELIGIBLE[sc.key])
