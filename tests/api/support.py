"""Async helpers of the client's tests: follow a write to its outcome, wait for the simulator."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from console.actions import OPS
from console.api import JsmClient
from console.api.models import Alert, CreateAlert, Note, Receipt, RequestStatus
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
    receipt, _alias = await ops(client).create_alert(
        {"message": "api test alert", **(fields or {})}
    )
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


class Ops:
    """The registry's operations as named calls on one client, for the client's tests:
    ``await ops(client).acknowledge(alert_id)``. Each builds its body with the registry's
    request (``OPS[name].request``), exactly as the tracker does."""

    def __init__(self, client: JsmClient) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)  # reads and notes: the client's own calls

    async def send(self, name: str, alert_id: str | None, data: Mapping[str, Any] | None) -> Any:
        request = OPS[name].request
        return await self.client.send(request, alert_id, self.client.prepare(request, data))

    async def create_alert(self, fields: Mapping[str, Any] | CreateAlert) -> tuple[Receipt, str]:
        request = OPS["create"].request
        body = self.client.prepare(request, fields)
        assert body is not None
        return await self.client.send(request, None, body), body["alias"]

    async def acknowledge(self, alert_id: str) -> Receipt:
        return await self.send("acknowledge", alert_id, None)

    async def unacknowledge(self, alert_id: str) -> Receipt:
        return await self.send("unacknowledge", alert_id, None)

    async def close(self, alert_id: str) -> Receipt:
        return await self.send("close", alert_id, None)

    async def delete_alert(self, alert_id: str) -> Receipt:
        return await self.send("delete", alert_id, None)

    async def assign(self, alert_id: str, account_id: str) -> Receipt:
        return await self.send("assign", alert_id, {"accountId": account_id})

    async def add_responder(self, alert_id: str, kind: str, ident: str) -> Receipt:
        return await self.send("add_responder", alert_id, {"type": kind, "id": ident})

    async def escalate(self, alert_id: str, escalation_id: str) -> Receipt:
        return await self.send("escalate", alert_id, {"escalationId": escalation_id})

    async def snooze(self, alert_id: str, until: datetime) -> Receipt:
        return await self.send("snooze", alert_id, {"endTime": until})

    async def execute_action(self, alert_id: str, name: str) -> Receipt:
        return await self.send("custom_action", alert_id, {"actionName": name})

    async def add_tags(self, alert_id: str, tags: list[str]) -> Receipt:
        return await self.send("add_tags", alert_id, {"tags": tags})

    async def remove_tags(self, alert_id: str, tags: list[str]) -> Receipt:
        return await self.send("remove_tags", alert_id, {"tags": tags})

    async def add_extra_properties(self, alert_id: str, properties: Mapping[str, Any]) -> Receipt:
        return await self.send("add_extra_properties", alert_id, {"extraProperties": properties})

    async def remove_extra_properties(self, alert_id: str, keys: list[str]) -> Receipt:
        return await self.send("remove_extra_properties", alert_id, {"keys": keys})

    async def update_message(self, alert_id: str, message: str) -> Receipt:
        return await self.send("update_message", alert_id, {"message": message})

    async def update_description(self, alert_id: str, description: str) -> Receipt:
        return await self.send("update_description", alert_id, {"description": description})

    async def update_priority(self, alert_id: str, priority: str) -> Receipt:
        return await self.send("update_priority", alert_id, {"priority": priority})

    async def add_note(self, alert_id: str, text: str) -> Note:
        note: Note = await self.send("add_note", alert_id, {"note": text})
        return note


ops = Ops
