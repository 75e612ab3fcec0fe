"""When a request is tried again, and how long everyone waits.

A :class:`RetryPolicy` says how often and how long (a capped exponential backoff with
jitter, never shorter than a Retry-After, within a total budget that also caps each
attempt); a :class:`RateGate` is the pause a 429 puts on every request to one service (the
alerts API, the Operations directory, Jira: each has its own). A watcher may be told of
every failed attempt that will be retried (:func:`watching_retries`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from console.api import errors

log = logging.getLogger(__name__)

RETRY_AFTER_CAP_S = 3600.0  # what we believe of any Retry-After at all


READ_HOLD_CAP_S = 60.0  # the longest the client (and the feed) waits on one Retry-After


Retry = Literal["safe", "unsafe"]


# Whose rate limit a request counts against: each has its own pause, so a 429 from Jira's
# user search never holds back the alert feed (and every message names whose limit it is).
# Heartbeats are apart from the directory (teams, schedules, on-call), as Opsgenie counted
# them in a domain of their own: a heartbeat panel's 429 never holds back names or on-call.
Service = Literal["alerts", "directory", "jira", "heartbeats"]


SERVICE_NAMES: dict[Service, str] = {
    "alerts": "the alerts API",
    "directory": "the Operations directory",
    "jira": "Jira",
    "heartbeats": "the heartbeats API",
}


# Told of every failed attempt that will be retried: (the error, the attempt that failed,
# seconds until the next). The feed sets it around its own reads, so a screen can say
# "retrying" at the first failure rather than when the whole retry budget is spent.
RetryWatch = Callable[[errors.ApiError, int, float], None]


RETRY_WATCH: ContextVar[RetryWatch | None] = ContextVar("retry_watch", default=None)


@contextlib.contextmanager
def watching_retries(watch: RetryWatch) -> Iterator[None]:
    """Within this block (and the tasks it starts), ``watch`` hears of every retry."""
    token = RETRY_WATCH.set(watch)
    try:
        yield
    finally:
        RETRY_WATCH.reset(token)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a request is tried again: attempts, backoff and deadlines."""

    attempts: int = 5  # tries in all, the first included
    base_s: float = 0.2
    cap_s: float = 5.0
    budget_s: float = 30.0  # never keep a caller waiting longer than this, retries included
    attempt_s: float = 20.0  # the whole of one attempt: connect, send, and the entire body

    def backoff(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Full jitter over a capped exponential, never less than what the server asked."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(attempt, 30))
        wait = rng.uniform(ceiling / 2, ceiling)
        return max(wait, retry_after or 0.0)


class RateGate:
    """A pause shared by every request of one client: a 429 holds them all back.

    When the pause ends, the waiting requests go on one by one over a random spread
    (half the pause) rather than all at once into the next 429.
    """

    def __init__(self, rng: random.Random | None = None) -> None:
        self.until = 0.0
        self.spread = 0.0
        self.rng = rng or random.Random()

    def hold(self, seconds: float) -> None:
        self.until = max(self.until, time.monotonic() + seconds)
        self.spread = max(0.1, seconds / 2)

    @property
    def remaining(self) -> float:
        return max(0.0, self.until - time.monotonic())

    async def wait(self) -> None:
        # A loop, not an Event: another 429 may push the end further while we sleep.
        waited = False
        while (left := self.remaining) > 0:
            waited = True
            await asyncio.sleep(left)
        if waited:
            await asyncio.sleep(self.rng.uniform(0, self.spread))


def may_have_arrived(error: errors.ApiError) -> bool:
    """Could the service have acted on the attempt that ended in ``error``? A dropped
    connection or a timeout after sending, or a 2xx whose answer could not be read."""
    if isinstance(error, errors.TransportError):
        return error.reached_server
    return error.status is not None and 200 <= error.status < 300


def tell_watcher(error: errors.ApiError, attempt: int, wait: float) -> None:
    watch = RETRY_WATCH.get()
    if watch is not None:
        try:
            watch(error, attempt, wait)
        except Exception:  # a watcher's bug must not cost the request
            log.exception("retry watcher failed")


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait, from a number or an HTTP date; never more than RETRY_AFTER_CAP_S
    (``inf``, ``nan`` or a date in the year 9999 read as the cap), never negative."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:  # An HTTP date.
            from email.utils import parsedate_to_datetime

            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if not math.isfinite(seconds) or seconds > RETRY_AFTER_CAP_S:
        return RETRY_AFTER_CAP_S if seconds == seconds else None  # nan: no advice at all
    return max(0.0, seconds)
