"""Start-up options both commands check (the console and ``serve``): each problem one
sentence, exit status 2. Light on purpose: nothing here loads the client or the screen."""

from __future__ import annotations

import math

from console.base.errors import UsageError
from console.settings.secrets import ENV_EMAIL, ENV_TOKEN


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

    from console.settings.config import origin_problem  # the same rule as a profile's origin

    problem = origin_problem(url)
    if problem and "password" in problem:
        # Not repeated: the URL holds a credential.
        raise UsageError(f"--url {problem}; give credentials in {ENV_EMAIL} and {ENV_TOKEN}")
    if problem:
        raise UsageError(f"--url {url!r} {problem}")
    return str(httpx.URL(url)).rstrip("/")
