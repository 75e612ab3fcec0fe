"""One answer read within bounds: its size capped, its JSON read if it is JSON."""

from __future__ import annotations

from typing import Any

import httpx

# A page of 100 alerts with every field at the service's limits is about 2.5 MB decoded.
MAX_BODY_BYTES = 5_000_000


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


# Headers that describe the body on the wire, not the decoded bytes we keep.
FRAMING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The decoded body, or TooLarge as soon as it passes ``cap`` bytes (a declared length
    over the cap is refused before reading anything)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise TooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def json_or_none(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # not JSON, or nested past what Python parses
        return None
