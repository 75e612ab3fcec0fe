"""The contract with JSM Ops: pydantic models, the async client, typed errors.

No Textual; imports nothing of ours but the version.
"""

import sys

# httpx imports its command-line client (and with it rich's syntax highlighting, ~50 ms)
# whenever click is installed, which uvicorn brings along. We never run it: an entry of
# None makes that import fail at once, and httpx carries on without its CLI.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from console.api.client import (  # noqa: E402 (after the httpx._main entry above)
    DEFAULT_ORIGIN,
    BasicCredentials,
    BearerToken,
    Credentials,
    JsmClient,
    Listing,
    RetryPolicy,
    WriteRequest,
)
from console.api.errors import ApiError, InputError, ReadOnlyError  # noqa: E402

__all__ = [
    "DEFAULT_ORIGIN",
    "ApiError",
    "BasicCredentials",
    "BearerToken",
    "Credentials",
    "InputError",
    "JsmClient",
    "Listing",
    "ReadOnlyError",
    "RetryPolicy",
    "WriteRequest",
]
