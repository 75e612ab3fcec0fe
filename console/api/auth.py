"""Who we are to the service: HTTP Basic (email and API token) or a Bearer access token.

The secret never shows in a repr, and :func:`secret_forms` gives every form in which it
could leak into a text (raw, and inside a Basic header), for masking, never for showing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class BasicCredentials:
    """Email and API token for HTTP Basic. The token never shows in a repr."""

    email: str
    token: str = field(repr=False)

    @property
    def secret(self) -> str:
        return self.token

    @property
    def who(self) -> str:
        return self.email

    def auth(self) -> httpx.Auth:
        return httpx.BasicAuth(self.email, self.token)


@dataclass(frozen=True)
class BearerToken:
    """An OAuth 2.0 access token. Never shown in a repr."""

    token: str = field(repr=False)

    @property
    def secret(self) -> str:
        return self.token

    @property
    def who(self) -> str:
        return "the access token"

    def auth(self) -> httpx.Auth:
        return _Bearer(self.token)


Credentials = BasicCredentials | BearerToken


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = self._header
        yield request


def secret_forms(credentials: Credentials) -> list[str]:
    """Every form in which the secret could leak into a text: raw, and inside a Basic header."""
    forms = [credentials.secret]
    if isinstance(credentials, BasicCredentials):
        forms.append(base64.b64encode(f"{credentials.email}:{credentials.token}".encode()).decode())
    return [f for f in forms if f]
