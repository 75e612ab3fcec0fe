"""The async client of the JSM Ops alerts API.

One :class:`JsmClient` holds one ``httpx.AsyncClient`` (pooled keep-alive
connections) for one site: an origin (``https://api.atlassian.com`` by default,
or a simulator's ``http://127.0.0.1:PORT``) and a cloud id. It authenticates
with HTTP Basic (email and API token) or a Bearer access token.

Retries follow what is safe. Reads, and writes that cannot duplicate
(idempotent ones, and creates, which always carry an alias), are retried on
connection errors, timeouts, 5xx but 501, and 429. Other writes are retried
only when they surely never reached the service: a refused connection, or a
429. Every retry waits a capped exponential backoff with jitter, at least the
Retry-After the service asked for, within an overall time budget; a 429 pauses
every request to the same service, not just the one that got it (console.api.retry).
Credentials are in console.api.auth, the bounded reading of an answer in
console.api.transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote, urlencode

import httpx
import pydantic

from console import __version__
from console.api import errors, relay
from console.api.auth import BasicCredentials, BearerToken, Credentials, secret_forms
from console.api.models import (
    Alert,
    AlertPage,
    CreateAlert,
    ErrorBody,
    Incoming,
    LogEntry,
    LogsPage,
    Note,
    NotesPage,
    NoteText,
    Outgoing,
    Receipt,
    RequestStatus,
    read_tolerantly,
)
from console.api.retry import (
    READ_HOLD_CAP_S,
    SERVICE_NAMES,
    RateGate,
    Retry,
    RetryPolicy,
    Service,
    may_have_arrived,
    retry_after_seconds,
    tell_watcher,
    watching_retries,
)
from console.api.transport import (
    FRAMING_HEADERS,
    MAX_BODY_BYTES,
    TooLarge,
    json_or_none,
    read_capped,
    reason,
)

log = logging.getLogger(__name__)

__all__ = [  # what other modules take from here, besides the client itself
    "DEFAULT_ORIGIN",
    "LIST_WINDOW",
    "READ_HOLD_CAP_S",
    "BasicCredentials",
    "BearerToken",
    "Credentials",
    "JsmClient",
    "Listing",
    "RetryPolicy",
    "WriteRequest",
    "watching_retries",
]

DEFAULT_ORIGIN = "https://api.atlassian.com"
LIST_WINDOW = 20_000
Model = TypeVar("Model", bound=pydantic.BaseModel)
Item = TypeVar("Item", bound=Incoming)
ItemPage = TypeVar("ItemPage", NotesPage, LogsPage)


Answer = TypeVar("Answer", Receipt, Note)


@dataclass(frozen=True)
class WriteRequest(Generic[Answer]):
    """How one write of the API is sent: the contract's part of an operation. The operations
    themselves (names, wording, badges, keys) are described once, in console.actions.ops."""

    method: str
    path: str  # below /v1/alerts; {id} is the alert
    body: type[Outgoing] | None
    retry: Retry  # "safe": may be repeated; "unsafe": only when it surely never arrived
    answer: type[Answer]  # Receipt (a request id to follow), or the Note itself for notes


@dataclass(frozen=True)
class Listing:
    """One page of alerts, where it sits, and where the next one is."""

    alerts: list[Alert]
    total: int
    offset: int
    size: int
    next_path: str | None
    unreadable: int = 0  # alerts of the page that could not be read at all (no id)
    # When the service gave it, when that is not now: a page a relay passed on (serve's
    # walls) carries the time the server's poller got it (console.api.relay).
    as_of: datetime | None = None

    @property
    def has_next(self) -> bool:
        return self.next_path is not None

    @property
    def window_reached(self) -> bool:
        """More alerts match, but the service will not page past 20,000: narrow the query."""
        return self.next_path is None and self.offset + len(self.alerts) < self.total


# pydantic reports a value that fits no member of a union once per member ("...k.str",
# "...k.int", ...); for the JSON-scalar unions of the API that is one problem: say it once.
_SCALAR_MEMBERS = frozenset({"str", "int", "float", "bool", "none"})


def input_error(error: pydantic.ValidationError) -> errors.InputError:
    problems: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"]
        message = _plain(item["msg"])
        if loc and loc[-1] in _SCALAR_MEMBERS:
            loc = loc[:-1]
            message = "must be a string, number or boolean"
        problems.setdefault(_where(loc), message)
    return errors.InputError(list(problems.items()))


def _where(loc: tuple[int | str, ...]) -> str:
    """``("tags", 0)`` as ``tags[0]``, with the API's camelCase names."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = _CAMEL.get(part, part)
            text += f".{name}" if text else name
    return text or "body"


_CAMEL = {
    "visible_to": "visibleTo",
    "extra_properties": "extraProperties",
    "account_id": "accountId",
    "escalation_id": "escalationId",
    "end_time": "endTime",
    "action_name": "actionName",
}


def build(model: type[Model], data: Mapping[str, Any] | Model) -> Model:
    """Validate input against the service's limits; InputError names each bad field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        raise input_error(error) from None


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ")


def _verify(origin: str, ca_bundle: str | None) -> bool | ssl.SSLContext:
    if origin.startswith("http://"):
        return False
    if ca_bundle is None:
        return True
    return ssl.create_default_context(cafile=ca_bundle)


def next_link(link: str | None, base_url: str) -> tuple[str | None, dict[str, str]]:
    """The path (below the API's ``/v1/``) and query of a ``links.next``, or (None, {}) when it
    leads anywhere else: another host, another API, or a path climbing out with ``..``. A
    link is the service's text: followed with our credentials only where we would go."""
    if not link:
        return None, {}
    url = httpx.URL(link)
    if url.is_absolute_url:
        base = httpx.URL(base_url)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            return None, {}
        path = url.path.removeprefix(base.path.rstrip("/"))
    else:
        path = url.path
    # Below /v1/ and staying there: no "." or ".." segment (quoted or not) may climb out.
    segments = unquote(path).split("/")
    if not path.startswith("/v1/") or "." in segments or ".." in segments:
        return None, {}
    return path, dict(url.params)


URL_CACHE_SIZE = 64  # built URLs kept (views, counts, status polls of one page)


class JsmClient:
    def __init__(
        self,
        *,
        cloud_id: str,
        credentials: Credentials,
        origin: str = DEFAULT_ORIGIN,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        read_only: bool = False,
        max_connections: int = 10,
        max_body_bytes: int = MAX_BODY_BYTES,
        rng: random.Random | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        self.origin = origin.rstrip("/")
        self.cloud_id = cloud_id
        self.credentials = credentials
        self.read_only = read_only
        self.max_body_bytes = max_body_bytes
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random()
        self.gates: dict[Service, RateGate] = {name: RateGate(self.rng) for name in SERVICE_NAMES}
        self.base_url = f"{self.origin}/jsm/ops/api/{quote(cloud_id, safe='')}"
        self._secrets = secret_forms(credentials)
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=credentials.auth(),
            timeout=self._timeout,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={"Accept": "application/json", "User-Agent": f"alert-console/{__version__}"},
            follow_redirects=False,
            # Plain http (a simulator on this machine) has no TLS: no need to load the CA store
            # (~25 ms at start). For https, verification is always on, against the system's
            # CAs or a corporate proxy's bundle.
            verify=_verify(self.origin, ca_bundle),
        )
        self.requests_sent = 0  # every HTTP request, retries included (benchmarks read it)
        self._sent = asyncio.Event()  # set once a request has been written out whole
        # The last pages, raw and parsed, by their URL (the wall asks for two lists and the
        # console for one: each page is compared with its own last answer).
        self._parsed: dict[str, dict[str, tuple[Any, Alert]]] = {}
        self._last_listing: dict[str, tuple[bytes, Listing]] = {}
        self._urls: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.URL] = {}

    @property
    def secret_forms(self) -> list[str]:
        """The credential in every form it could leak in: for masking, never for showing."""
        return list(self._secrets)

    @property
    def gate(self) -> RateGate:
        """The alerts API's rate-limit pause (the one the alert feed waits on)."""
        return self.gates["alerts"]

    @property
    def site(self) -> str:
        """Which site this client talks to, for journals and screens (never the credentials)."""
        return f"{self.origin}/{self.cloud_id}"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> JsmClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ transport

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        retry: Retry = "safe",
        service: Service = "alerts",
    ) -> httpx.Response:
        """Send one request, retrying as ``retry`` allows; a 2xx answer or a typed error.

        The error raised is the last attempt's; its ``may_have_applied`` is true when any
        attempt may have reached the service (a dropped connection, a timeout, a 2xx that
        could not be read), so a write is never reported failed on the last error alone.
        """
        if self.read_only and method not in ("GET", "HEAD"):
            raise errors.ReadOnlyError(f"read-only: {method} {path} was not sent")
        gate = self.gates[service]
        started = time.monotonic()
        tries = 0  # every failed try: the backoff grows with it
        counted = 0  # tries that count against ``attempts`` (a refused connection does not)
        arrived = False  # an attempt may have reached the service
        while True:
            await gate.wait()
            left = self.retry.budget_s - (time.monotonic() - started)
            try:
                response = await self._send(method, path, params, body, left)
                if response.is_success:
                    keep = ANSWERS.get()
                    if keep is not None:
                        keep(response)
                    return response
                error = self._error(method, path, response)
            except errors.TransportError as failure:
                error = failure
            except errors.ApiError as failure:
                # An answer too large or undecodable: not retried (as before), but it came.
                failure.may_have_applied = arrived or may_have_arrived(failure)
                raise
            arrived |= may_have_arrived(error)
            error.may_have_applied = arrived
            if isinstance(error, errors.RateLimited):
                error.service = SERVICE_NAMES[service]
                # "Come back later" is not a failed attempt: the shared gate waits it out
                # (never longer than READ_HOLD_CAP_S at a time), and only the time budget
                # bounds how often that may happen.
                gate.hold(min(error.retry_after or 1.0, READ_HOLD_CAP_S))
                over_budget = time.monotonic() - started + gate.remaining > self.retry.budget_s
                if self.retry.attempts <= 1 or over_budget:  # one attempt: no retry at all
                    raise error
                log.info(
                    "%s %s: rate limited by %s; waiting %.1f s",
                    method,
                    path,
                    SERVICE_NAMES[service],
                    gate.remaining,
                )
                tries += 1
                tell_watcher(error, tries, gate.remaining)
                continue
            tries += 1
            # A refused connection surely sent nothing: it is retried for the whole budget
            # (a service restarting for 15 s loses no write), not for a count of tries.
            refused = isinstance(error, errors.TransportError) and not error.reached_server
            counted += 0 if refused and self.retry.attempts > 1 else 1
            if not self._may_retry(error, retry) or counted >= self.retry.attempts:
                raise error
            wait = self.retry.backoff(tries - 1, error.retry_after, self.rng)
            if time.monotonic() - started + wait > self.retry.budget_s:
                raise error
            log.info("%s %s: %s; retry %d in %.1f s", method, path, error, tries, wait)
            tell_watcher(error, tries, wait)
            await asyncio.sleep(wait)

    def _url(self, path: str, params: Mapping[str, Any] | None) -> httpx.URL:
        """The request's whole URL, built once per path and parameters: a wall asks the same
        six every refresh, and httpx's merging and quoting cost more than the rest of the
        request's own work (~0.15 ms each)."""
        cleaned = _clean(params) or {}
        key = (path, tuple(sorted((k, repr(v)) for k, v in cleaned.items())))
        url = self._urls.get(key)
        if url is None:
            url = self._http.build_request("GET", path, params=cleaned or None).url
            if len(self._urls) >= URL_CACHE_SIZE:
                self._urls.pop(next(iter(self._urls)))  # the oldest first
            self._urls[key] = url
        return url

    def _may_retry(self, error: errors.ApiError, retry: Retry) -> bool:
        if not error.retryable:
            return False
        if retry == "safe":
            return True
        # A write that may not be repeated: only when it surely was not processed.
        if isinstance(error, errors.RateLimited):
            return True
        return isinstance(error, errors.TransportError) and not error.reached_server

    async def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any, left: float
    ) -> httpx.Response:
        """One attempt, within a total deadline (connect, send and the whole body: a body
        dripped a byte at a time cannot hold it longer) and a cap on the body's size."""
        self.requests_sent += 1
        clock = time.perf_counter()
        deadline = max(0.05, min(self.retry.attempt_s, left))
        timeout = httpx.Timeout(
            min(self._timeout.read or deadline, deadline),
            connect=min(self._timeout.connect or deadline, deadline),
        )
        request = self._http.build_request(
            method,
            self._url(path, params),
            json=body,
            timeout=timeout,
            # Only until a first request has gone out (see wait_sent): then no more callbacks.
            extensions={} if self._sent.is_set() else {"trace": self._trace},
        )
        status: int | None = None
        try:
            async with asyncio.timeout(deadline):
                streamed = await self._http.send(request, stream=True)
                status = streamed.status_code
                try:
                    content = await read_capped(streamed, self.max_body_bytes)
                finally:
                    await streamed.aclose()
        except (TimeoutError, TooLarge, httpx.HTTPError) as exc:
            raise self._failure(exc, deadline, status, method, path) from None
        log.debug(
            "%s %s -> %d in %.0f ms",
            method,
            path,
            streamed.status_code,
            (time.perf_counter() - clock) * 1000,
        )
        # The body is decoded already: the framing headers no longer describe it.
        headers = [
            (k, v) for k, v in streamed.headers.multi_items() if k.lower() not in FRAMING_HEADERS
        ]
        return httpx.Response(
            streamed.status_code,
            headers=headers,
            content=content,
            request=request,
            extensions=streamed.extensions,
        )

    async def _trace(self, event: str, info: Any) -> None:
        # httpcore's progress report: note when a request has left, whole.
        if event.endswith("send_request_body.complete"):
            self._sent.set()

    async def wait_sent(self, within: float) -> None:
        """Until a request has been written out whole (or ``within`` seconds have passed):
        after that, work that holds the event loop no longer delays it."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._sent.wait()

    def _failure(
        self, exc: Exception, deadline: float, status: int | None, method: str, path: str
    ) -> errors.ApiError:
        """What went wrong with one attempt, as the typed error a person can act on."""
        if isinstance(exc, TimeoutError):  # our total deadline, not one of httpx's
            text, reached = f"no complete answer from {self.origin} within {deadline:.0f} s", True
        elif isinstance(exc, TooLarge):
            return errors.ResponseTooLarge(
                f"the answer was larger than {self.max_body_bytes // 1_000_000} MB "
                f"({exc.size:,} bytes or more); refused",
                status=status,
                method=method,
                path=path,
            )
        elif isinstance(exc, httpx.DecodingError):
            # A broken gzip, say: the service answered, but not with anything readable.
            return errors.MalformedResponse(
                self._redact(f"the answer could not be decoded: {reason(exc)}"),
                status=status,
                method=method,
                path=path,
            )
        elif isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            text, reached = f"cannot connect to {self.origin}: {reason(exc)}", False
        elif isinstance(exc, httpx.TimeoutException):
            text, reached = f"no answer from {self.origin} in time ({type(exc).__name__})", True
        else:
            text, reached = f"the connection to {self.origin} failed: {reason(exc)}", True
        return errors.TransportError(
            self._redact(text), reached_server=reached, method=method, path=path
        )

    def _error(self, method: str, path: str, response: httpx.Response) -> errors.ApiError:
        relayed = relay.relayed_error(response, method, path)
        if relayed is not None:  # the service's own failure, passed on by serve's relay
            return relayed
        status = response.status_code
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        kind = errors.error_class(status)
        if 300 <= status < 400:
            # The API never redirects; following one could carry the credentials elsewhere.
            where = response.headers.get("Location", "nowhere")[:200]
            return errors.ApiError(
                self._redact(f"the service redirected to {where}; not followed"),
                status=status,
                method=method,
                path=path,
            )
        body = json_or_none(response)
        if body is None:
            reason = response.reason_phrase or "error"
            content = response.headers.get("content-type", "no content type").split(";")[0]
            return errors.MalformedResponse(
                f"{reason} (the answer was {content}, not JSON)",
                status=status,
                method=method,
                path=path,
                retry_after=retry_after,
            )
        try:
            parsed = ErrorBody.model_validate(body if isinstance(body, dict) else {})
        except pydantic.ValidationError:
            parsed = ErrorBody.model_validate({})
        message = parsed.message or response.reason_phrase or f"HTTP {status}"
        if status == 401:
            message = f"{message}: credentials rejected for {self.credentials.who}"
        return kind(
            self._redact(message),
            status=status,
            method=method,
            path=path,
            request_id=parsed.request_id,
            retry_after=retry_after,
            details=[self._redact(d) for d in parsed.details()],
        )

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _parse(self, model: type[Model], response: httpx.Response) -> Model:
        return self._parse_body(model, json_or_none(response), response)

    def _parse_item(self, model: type[Item], response: httpx.Response) -> Item:
        """One item read field by field (see ``read_tolerantly``); malformed only without an id."""
        body = json_or_none(response)
        item = read_tolerantly(model, body)
        if item is None:
            self._parse_body(model, body, response)  # raises, naming what is wrong
            raise errors.MalformedResponse(  # pragma: no cover (validation just failed above)
                "the answer did not have the expected shape",
                status=response.status_code,
                method=response.request.method,
                path=response.request.url.path,
            )
        return item

    def _parse_items(
        self, model: type[ItemPage], item: type[Item], response: httpx.Response
    ) -> ItemPage:
        """A page whose items are each read field by field; an item without an id is left out."""
        body = json_or_none(response)
        raw = body.get("values") if isinstance(body, dict) else None
        page = self._parse_body(
            model, {**body, "values": []} if isinstance(body, dict) else body, response
        )
        items = [read_tolerantly(item, r) for r in (raw if isinstance(raw, list) else [])]
        return page.model_copy(update={"values": [i for i in items if i is not None]})

    def _parse_body(self, model: type[Model], body: Any, response: httpx.Response) -> Model:
        method, path = response.request.method, response.request.url.path
        if body is None:
            raise errors.MalformedResponse(
                "the answer was not JSON", status=response.status_code, method=method, path=path
            )
        try:
            return model.model_validate(body)
        except pydantic.ValidationError as error:
            first = error.errors()[0]
            where = _where(first["loc"])
            raise errors.MalformedResponse(
                f"the answer did not have the expected shape ({where}: {first['msg']})",
                status=response.status_code,
                method=method,
                path=path,
            ) from None

    # ------------------------------------------------------------------ reading

    async def list_alerts(
        self,
        query: str = "",
        *,
        sort: str = "createdAt",
        order: str = "desc",
        offset: int = 0,
        size: int = 50,
        from_ms: int | None = None,
        to_ms: int | None = None,
    ) -> Listing:
        problems = []
        if not 1 <= size <= 100:
            problems.append(("size", "must be between 1 and 100"))
        if offset < 0:
            problems.append(("offset", "must not be negative"))
        elif offset + size > LIST_WINDOW:
            problems.append(
                ("offset", f"offset + size may not pass {LIST_WINDOW:,}: narrow the query")
            )
        if order not in ("asc", "desc"):
            problems.append(("order", "must be asc or desc"))
        if problems:
            raise errors.InputError(problems)
        params = {
            "query": query.strip() or None,
            "sort": sort,
            "order": order,
            "offset": offset,
            "size": size,
            "from": from_ms,
            "to": to_ms,
        }
        response = await self.request("GET", "/v1/alerts", params=params)
        return self._listing(response, offset, size)

    async def count_alerts(self, query: str = "") -> int:
        """How many alerts match ``query``: the service's own ``count`` (one alert is asked
        for, and not even read)."""
        params = {"query": query.strip() or None, "size": 1}
        response = await self.request("GET", "/v1/alerts", params=params)
        body = json_or_none(response)
        count = body.get("count") if isinstance(body, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise errors.MalformedResponse(
                "the answer had no count of the alerts",
                status=response.status_code,
                method="GET",
                path="/v1/alerts",
            )
        return count

    async def next_page(self, listing: Listing) -> Listing | None:
        """The page after ``listing``, following ``links.next`` as the service wrote it."""
        if listing.next_path is None:
            return None
        path, _, query = listing.next_path.partition("?")
        params = dict(httpx.QueryParams(query))
        response = await self.request("GET", path, params=params)
        return self._listing(
            response, int(params.get("offset", 0)), int(params.get("size", listing.size))
        )

    async def pages(self, query: str = "", **kwargs: Any) -> AsyncIterator[Listing]:
        """Every page to the end (or to the 20,000 window: check ``window_reached`` on the last)."""
        listing: Listing | None = await self.list_alerts(query, **kwargs)
        while listing is not None:
            yield listing
            listing = await self.next_page(listing)

    def _listing(self, response: httpx.Response, offset: int, size: int) -> Listing:
        # The very same bytes as last time (a page where nothing happened): the same Listing,
        # without decoding 100 alerts again.
        url = str(response.request.url)
        last = self._last_listing.get(url)
        same_page = last is not None and (last[1].offset, last[1].size) == (offset, size)
        if last is not None and same_page and last[0] == response.content:
            when = relay.as_of(response)
            # Unchanged, and through a relay perhaps confirmed again at another moment.
            return last[1] if last[1].as_of == when else replace(last[1], as_of=when)
        body = json_or_none(response)
        raw_values = body.get("values") if isinstance(body, dict) else None
        if not isinstance(raw_values, list):
            raw_values = []
        # The envelope is checked on its own; each alert is parsed only if the service sent
        # something new for it: the same JSON as last time gives back the same Alert.
        page = self._parse_body(
            AlertPage, {**body, "values": []} if isinstance(body, dict) else body, response
        )
        known = self._parsed.get(url, {})
        alerts: list[Alert] = []
        parsed: dict[str, tuple[Any, Alert]] = {}
        unreadable = 0
        for raw in raw_values:
            cached = known.get(str(raw.get("id"))) if isinstance(raw, dict) else None
            alert = cached[1] if cached is not None and cached[0] == raw else None
            if alert is None:
                # One alert with a field the service got wrong must not cost the whole page:
                # the field shows as missing, the rest of the alert and the page show.
                alert = read_tolerantly(Alert, raw)
                if alert is None:
                    unreadable += 1
                    continue
                if alert.unreadable:
                    log.info("alert %s: unreadable fields %s", alert.id, sorted(alert.unreadable))
            if alert.id in parsed:
                continue  # the same alert twice on one page: once is enough
            parsed[alert.id] = (raw, alert)
            alerts.append(alert)
        _keep(self._parsed, url, parsed)
        page.values = alerts
        # An absolute link is tolerated (the spec's narrative shows one), if it is ours.
        path, query = next_link(page.links.next, self.base_url)
        next_path = f"{path}?{urlencode(query)}" if path and query else path
        listing = Listing(
            page.values,
            page.count,
            offset,
            size,
            next_path or None,
            unreadable=unreadable,
            as_of=relay.as_of(response),
        )
        _keep(self._last_listing, url, (response.content, listing))
        return listing

    async def get_alert(self, alert_id: str) -> Alert:
        return self._parse_item(Alert, await self.request("GET", f"/v1/alerts/{_seg(alert_id)}"))

    async def get_alert_by_alias(self, alias: str) -> Alert:
        response = await self.request("GET", "/v1/alerts/alias", params={"alias": alias})
        return self._parse_item(Alert, response)

    async def request_status(self, request_id: str) -> RequestStatus | None:
        """The outcome of a write, or None while the service has not processed it yet."""
        try:
            response = await self.request("GET", f"/v1/alerts/requests/{_seg(request_id)}")
        except errors.NotFound:
            # With X-Opsgenie-Errortype: RequestNotProcessed, or plain shortly after a
            # write: either way, not known yet. The caller decides how long to wait.
            return None
        return self._parse(RequestStatus, response)

    async def list_notes(
        self, alert_id: str, *, after: str | None = None, size: int = 20
    ) -> NotesPage:
        params = {"after": after, "size": size}
        response = await self.request("GET", f"/v1/alerts/{_seg(alert_id)}/notes", params=params)
        return self._parse_items(NotesPage, Note, response)

    async def list_logs(
        self, alert_id: str, *, after: str | None = None, size: int = 20
    ) -> LogsPage:
        params = {"after": after, "size": size}
        response = await self.request("GET", f"/v1/alerts/{_seg(alert_id)}/logs", params=params)
        return self._parse_items(LogsPage, LogEntry, response)

    # ------------------------------------------------------------------ writing

    def prepare(
        self, request: WriteRequest[Any], data: Mapping[str, Any] | Outgoing | None = None
    ) -> dict[str, Any] | None:
        """A write's body checked against the limits (else InputError); None if it takes none."""
        if request.body is None:
            return None
        payload = build(request.body, data if data is not None else {})
        body = payload.to_json()
        if request.body is CreateAlert and not body.get("alias"):
            # An alias makes a retried create deduplicate instead of making a second alert.
            import uuid  # at the first create: not a cost of the start

            body["alias"] = f"alert-console-{uuid.uuid4()}"
        return body

    async def send(
        self,
        request: WriteRequest[Answer],
        alert_id: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> Answer:
        """Send a write whose body went through :meth:`prepare`; its answer, parsed."""
        path = "/v1/alerts" + request.path.format(id=_seg(alert_id or ""))
        response = await self.request(request.method, path, body=body, retry=request.retry)
        return self._parse(request.answer, response)

    # Notes are synchronous: the answer is the note itself.

    async def update_note(self, alert_id: str, note_id: str, text: str) -> Note:
        body = build(NoteText, {"note": text}).to_json()
        path = f"/v1/alerts/{_seg(alert_id)}/notes/{_seg(note_id)}"
        return self._parse(Note, await self.request("PATCH", path, body=body))

    async def delete_note(self, alert_id: str, note_id: str) -> None:
        path = f"/v1/alerts/{_seg(alert_id)}/notes/{_seg(note_id)}"
        await self.request("DELETE", path, retry="unsafe")


# Told of every answer a read got (serve's relay keeps them to answer its walls with). Set
# around a block of reads with keeping_answers(); tasks started inside inherit it.
ANSWERS: ContextVar[Callable[[httpx.Response], None] | None] = ContextVar("answers", default=None)


@contextlib.contextmanager
def keeping_answers(keep: Callable[[httpx.Response], None]) -> Iterator[None]:
    token = ANSWERS.set(keep)
    try:
        yield
    finally:
        ANSWERS.reset(token)


PAGES_KEPT = 8  # the last answers kept for comparison: a wall asks for two lists a refresh

Kept = TypeVar("Kept")


def _keep(store: dict[str, Kept], url: str, value: Kept) -> None:
    """Keep ``value`` as the last answer of ``url``, the newest few URLs only."""
    store.pop(url, None)
    store[url] = value
    while len(store) > PAGES_KEPT:
        store.pop(next(iter(store)))


def _seg(value: str) -> str:
    """One path segment, escaped: an id can never reach another route."""
    return quote(value, safe="")


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}
