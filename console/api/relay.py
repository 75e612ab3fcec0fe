"""The wire between ``alert-console serve`` and the walls it starts: a read-only relay.

The server polls the service once for every screen (console.serve.relay) and answers the
walls' reads from its latest answers. Two headers carry what a wall must not lose on the
way: ``X-Alert-Console-As-Of``, when the service gave the answer (so every screen says the
same "as of", not the moment it asked the relay), and ``X-Alert-Console-Relayed``, the
kind of the service's failure (so a wall says STALE with the service's own reason: cannot
connect, 401, 429 with its wait…, never "the relay said 503"). Both sides read this module;
no Textual, no server here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from console.api import errors

AS_OF = "X-Alert-Console-As-Of"
RELAYED = "X-Alert-Console-Relayed"
RELAY_STATUS = 503  # how a relayed failure travels (the header says whose and what)

KINDS: dict[str, type[errors.ApiError]] = {
    "transport": errors.TransportError,
    "malformed": errors.MalformedResponse,
    "unauthorized": errors.Unauthorized,
    "forbidden": errors.Forbidden,
    "not-found": errors.NotFound,
    "rate-limited": errors.RateLimited,
    "server": errors.ServerError,
    "bad-request": errors.BadRequest,
    "unprocessable": errors.Unprocessable,
    "error": errors.ApiError,
}
_NAMES = {cls: name for name, cls in KINDS.items()}


def as_of(response: httpx.Response) -> datetime | None:
    """When the service gave the answer a relay passes on (None: not from a relay)."""
    text = response.headers.get(AS_OF)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def failure_body(error: errors.ApiError) -> tuple[int, dict[str, str], bytes]:
    """How the relay passes on the service's failure: status, headers, body."""
    kind = _NAMES.get(type(error), "error")
    for cls in type(error).__mro__:  # a subclass (ResponseTooLarge) travels as its base
        if cls in _NAMES:
            kind = _NAMES[cls]
            break
    headers = {RELAYED: kind}
    if error.retry_after is not None:
        headers["Retry-After"] = f"{error.retry_after:.0f}"
    body = {"message": error.message, "status": "" if error.status is None else str(error.status)}
    if error.service:
        body["service"] = error.service
    return RELAY_STATUS, headers, json.dumps(body).encode()


def relayed_error(response: httpx.Response, method: str, path: str) -> errors.ApiError | None:
    """The service's failure, as the relay passed it on (None: not a relayed failure)."""
    kind = response.headers.get(RELAYED)
    if kind is None:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or "the relay's poller failed")[:500]
    raw_status = str(body.get("status") or "")
    status = int(raw_status) if raw_status.isdigit() else None
    cls = KINDS.get(kind, errors.ApiError)
    retry_after = response.headers.get("Retry-After")
    wait = float(retry_after) if retry_after and retry_after.isdigit() else None
    error: errors.ApiError
    if cls is errors.TransportError:
        error = errors.TransportError(message, reached_server=True, method=method, path=path)
    else:
        error = cls(message, status=status, method=method, path=path, retry_after=wait)
    error.service = str(body.get("service") or "")[:60]
    return error
