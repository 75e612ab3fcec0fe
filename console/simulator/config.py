"""Settings of one simulator instance, and the ``key=value,...`` knobs of its command line."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

API_PREFIX = "/jsm/ops/api"


class KnobError(ValueError):
    """A ``--faults`` or ``--rate-limit`` value that cannot be used, with the reason."""


@dataclass(frozen=True, slots=True)
class Faults:
    """Failures injected on purpose, for resilience tests. Rates are shares of API requests."""

    latency_ms: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    throttle_rate: float = 0.0
    proxy_502_rate: float = 0.0

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def parse(cls, text: str) -> Faults:
        """``latency_ms=200,error_rate=0.2`` (the ``--faults`` syntax)."""
        return cls.from_mapping(_pairs(text, "--faults"))

    @classmethod
    def from_mapping(cls, values: dict[str, Any], base: Faults | None = None) -> Faults:
        """Apply known keys over ``base``; unknown keys and out-of-range values are refused."""
        known = {f.name: f.type for f in fields(cls)}
        changes: dict[str, Any] = {}
        for key, raw in values.items():
            if key not in known:
                raise KnobError(f"unknown fault {key!r}; known: {', '.join(known)}")
            if key == "latency_ms":
                number: float = _number(key, raw)
                if number < 0 or number > 120_000:
                    raise KnobError("latency_ms must be between 0 and 120000")
                changes[key] = int(number)
            else:
                number = _number(key, raw)
                if not 0.0 <= number <= 1.0:
                    raise KnobError(f"{key} must be between 0 and 1")
                changes[key] = float(number)
        return replace(base or cls(), **changes)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests per minute for each kind of request; ``None`` means unlimited."""

    reads: int | None = None
    writes: int | None = None
    # Bucket size in seconds of budget: how large a burst passes before 429s begin.
    burst_seconds: float = 10.0

    @classmethod
    def parse(cls, text: str) -> RateLimits:
        """``reads=600,writes=120`` (the ``--rate-limit`` syntax); ``burst_seconds`` optional."""
        values = _pairs(text, "--rate-limit")
        result = cls()
        for key, raw in values.items():
            number = _number(key, raw)
            if key in ("reads", "writes"):
                if number < 1:
                    raise KnobError(f"{key} must be at least 1 request per minute")
                result = replace(result, **{key: int(number)})
            elif key == "burst_seconds":
                if number <= 0:
                    raise KnobError("burst_seconds must be positive")
                result = replace(result, burst_seconds=number)
            else:
                raise KnobError(f"unknown rate-limit kind {key!r}; known: reads, writes")
        return result


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str
    token: str


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    cloud_id: str = "demo"
    account: Credentials = field(
        default_factory=lambda: Credentials("demo@example.com", "demo-token")
    )
    # May read everything; every write answers 403.
    viewer: Credentials | None = field(
        default_factory=lambda: Credentials("viewer@example.com", "viewer-token")
    )
    # Stands in for an OAuth 2.0 (3LO) access token: Authorization: Bearer <this>.
    bearer_token: str | None = "demo-oauth-token"  # noqa: S105 (a demo value, printed at start)
    # Real Atlassian API tokens lack the delete scopes (API-NOTES §1): False makes
    # every DELETE with the API token answer 401 "scope does not match", as there.
    token_delete_scope: bool = True
    alerts: int = 200
    seed: int = 1
    live: bool = False
    live_interval_s: float = 3.0
    faults: Faults = field(default_factory=Faults)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    state_file: Path | None = None
    # Writes are applied this long after their receipt, plus or minus the jitter.
    processing_delay_ms: int = 300
    processing_jitter_ms: int = 150
    # Request-status records kept: this many at most, and for this long.
    request_retention: int = 100_000
    request_retention_s: float = 24 * 3600
    # The spec lists 200 for create; Opsgenie answered 202. Clients must accept either.
    create_status: int = 200
    # How an alert's state is told: "flags" (status open/closed plus the acknowledged and
    # snoozed flags, as live tools observe) or "spec" (the spec's status enum, no flags).
    status_dialect: str = "flags"
    # Epoch milliseconds the site's clock stands still at (screenshots, snapshots); None: now.
    frozen_at_ms: int | None = None
    # The demo's first on-call handover comes this long after the start (or a reset).
    handover_in_s: float = 300.0
    # False: the site's plan has no heartbeats, and every heartbeat path answers 402.
    heartbeats_plan: bool = True
    # With ``live``, the demo's one heartbeat whose job dies stops being pinged this long
    # after the start; it turns Unresponsive one interval (2 minutes) after its last ping.
    heartbeat_silent_after_s: float = 180.0


def _pairs(text: str, flag: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise KnobError(f"{flag} takes key=value pairs separated by commas, not {part!r}")
        result[key.strip()] = value.strip()
    return result


def _number(key: str, raw: Any) -> float:
    if isinstance(raw, bool):
        raise KnobError(f"{key} must be a number")
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise KnobError(f"{key} must be a number, not {raw!r}") from None
