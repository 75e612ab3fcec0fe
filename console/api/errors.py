"""Everything that can go wrong talking to JSM Ops, as typed exceptions a person can act on.

Each carries the HTTP status (None when no answer came), the server's message,
the request id the server gave it, and any Retry-After. None of them ever holds
a credential: the client redacts the token from every text before it gets here.
"""

from __future__ import annotations

from collections.abc import Sequence


class ApiError(Exception):
    """A request that did not give the answer we needed."""

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        request_id: str | None = None,
        retry_after: float | None = None,
        details: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.request_id = request_id
        self.retry_after = retry_after
        self.details = tuple(details)
        # Set by the client: an attempt of this request may have reached the service (so a
        # write it carried may have taken effect, whatever this last error says).
        self.may_have_applied = False
        # Whose limit a 429 is ("Jira", "the alerts API"), set by the client.
        self.service = ""

    def __str__(self) -> str:
        head = f"{self.status}: {self.message}" if self.status is not None else self.message
        if self.details and not any(d in self.message for d in self.details):
            head += " (" + "; ".join(self.details[:3]) + ")"
        return head

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, "
            f"method={self.method!r}, path={self.path!r}, request_id={self.request_id!r})"
        )

    @property
    def retryable(self) -> bool:
        """Would the same request, sent again later, plausibly succeed?"""
        return False


class TransportError(ApiError):
    """No usable answer: cannot connect, timed out, or the connection dropped."""

    kind = "transport"

    def __init__(self, message: str, *, reached_server: bool, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        # False only when the request surely never left (connect refused or timed out).
        self.reached_server = reached_server

    @property
    def retryable(self) -> bool:
        return True


class MalformedResponse(ApiError):
    """An answer that is not the JSON the API promises (a proxy's HTML page, a broken body)."""

    kind = "malformed"

    @property
    def retryable(self) -> bool:
        return self.status is not None and self.status >= 500


class ResponseTooLarge(MalformedResponse):
    """An answer past the client's size cap: refused unread, never retried."""

    kind = "too-large"

    @property
    def retryable(self) -> bool:
        return False


class BadRequest(ApiError):
    kind = "bad-request"


class Unauthorized(ApiError):
    """401: the credentials were rejected (or lack the scope for this operation)."""

    kind = "unauthorized"


class PaymentRequired(ApiError):
    """402: the site's plan does not include this feature (heartbeats, on plans without
    them). Not a fault to retry or a credential to fix: say so, and stop asking."""

    kind = "plan"


class Forbidden(ApiError):
    """403: the credentials are good but may not do this."""

    kind = "forbidden"


class NotFound(ApiError):
    kind = "not-found"


class Unprocessable(ApiError):
    """422: the service understood the request but refused its content."""

    kind = "unprocessable"


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` says how long to wait."""

    kind = "rate-limited"

    @property
    def retryable(self) -> bool:
        return True


class ServerError(ApiError):
    kind = "server"

    @property
    def retryable(self) -> bool:
        return self.status != 501


class InputError(ValueError):
    """Input the service would refuse, caught before anything was sent. Names each field."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{field}: {text}" for field, text in self.problems))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.problems)


class ReadOnlyError(Exception):
    """A write was asked for while the console is read-only. Nothing was sent."""


BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    402: PaymentRequired,
    403: Forbidden,
    404: NotFound,
    422: Unprocessable,
    429: RateLimited,
}


def error_class(status: int) -> type[ApiError]:
    if status >= 500:
        return ServerError
    return BY_STATUS.get(status, ApiError)
