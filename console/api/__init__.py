"""The contract with JSM Ops: pydantic models, the async client, typed errors. No Textual here."""

from console.api.client import (
    DEFAULT_ORIGIN,
    BasicCredentials,
    BearerToken,
    Credentials,
    JsmClient,
    Listing,
    RetryPolicy,
    WriteRequest,
)
from console.api.errors import ApiError, InputError, ReadOnlyError

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
