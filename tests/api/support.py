"""Async helpers of the client's tests: follow a write to its outcome, wait for the simulator."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from typing import Any

import httpx

from console.api import JsmClient
from console.api.models import Alert, RequestStatus
from console.simulator.server import BackgroundSimulator


async def settled(client: JsmClient, request_id: str, within: float = 5.0) -> RequestStatus:
    """The request-status record of a write once processed (``None`` until then); fails late."""
    async with asyncio.timeout(within):
        while True:
            status = await client.request_status(request_id)
            if status is not None:
                return status
            await asyncio.sleep(0.01)


async def create_and_get(
    client: JsmClient, fields: Mapping[str, Any] | None = None
) -> tuple[Alert, RequestStatus]:
    """Create an alert with our client, wait until it is processed, and read it back."""
    receipt, _alias = await client.create_alert({"message": "api test alert", **(fields or {})})
    status = await settled(client, receipt.request_id)
    assert status.is_success, status
    assert status.alert_id
    return await client.get_alert(status.alert_id), status


async def drained(sim: BackgroundSimulator, within: float = 5.0) -> None:
    """Wait until the simulator has applied every write it accepted (admin calls see no faults)."""
    async with asyncio.timeout(within):
        while True:
            if sim.stats()["pending"] == 0:
                return
            await asyncio.sleep(0.01)


def read(api: httpx.Client, path: str, **params: Any) -> Any:
    """A plain GET of the simulator's state (not through our client); the JSON answer."""
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def status_code(api: httpx.Client, path: str) -> int:
    return api.get(path).status_code


def requests_seen(sim: BackgroundSimulator) -> dict[str, int]:
    """The simulator's request counters since the last reset (a missing key is zero)."""
    counts: dict[str, int] = sim.stats()["requests"]
    return counts


def closed_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
