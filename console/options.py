"""Start-up options both commands check (the console and ``serve``): each problem one
sentence, exit status 2. Light on purpose: nothing here loads the client or the screen."""

from __future__ import annotations

import math

from console.secrets import ENV_EMAIL, ENV_TOKEN

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class UsageError(Exception):
    """Bad start-up input: printed as one sentence, exit status 2."""


def check_view_options(refresh: float | None, page_size: int | None, query: str | None) -> None:
    if refresh is not None and (not math.isfinite(refresh) or refresh < 1):
        raise UsageError("--refresh must be a number of seconds, at least 1")
    if page_size is not None and not 1 <= page_size <= 100:
        raise UsageError("--page-size must be between 1 and 100")
    if query is not None:
        from console.query import QuerySyntaxError, parse

        try:
            parse(query)
        except QuerySyntaxError as error:
            raise UsageError(f"--query: {error}") from None


def checked_origin(url: str) -> str:
    """``--url`` as an origin we may send credentials to, or one sentence saying why not."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except Exception:
        raise UsageError(f"--url {url!r} is not a URL") from None
    if parsed.userinfo:
        # A URL is printed, logged and shown in headers: no credential may ride in it.
        raise UsageError(
            "--url must not carry a user name or password; give credentials in "
            f"{ENV_EMAIL} and {ENV_TOKEN}"
        )
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(
            f"--url {url!r} must be an http(s) origin such as https://api.atlassian.com"
        )
    if parsed.path not in ("", "/") or parsed.query:
        raise UsageError(f"--url {url!r} must be an origin only, without a path")
    if parsed.scheme == "http" and parsed.host not in LOOPBACK:
        raise UsageError(
            f"--url {url!r}: credentials are only sent over https (or to this machine)"
        )
    return str(parsed).rstrip("/")
