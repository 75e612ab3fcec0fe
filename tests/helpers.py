"""Small helpers for tests that talk to the simulator with plain httpx."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from console.api import BasicCredentials, JsmClient
from console.simulator.config import Credentials, SimulatorConfig
from console.simulator.server import BackgroundSimulator

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def processed(client: httpx.Client, request_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """The request-status record once the simulator has processed ``request_id``."""

    def probe() -> dict[str, Any] | None:
        response = client.get(f"/v1/alerts/requests/{request_id}")
        if response.status_code == 404:
            assert response.headers.get("X-Opsgenie-Errortype") == "RequestNotProcessed", (
                response.text
            )
            return None
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return eventually(probe, timeout)


def write(
    client: httpx.Client,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    expect: int = 202,
) -> dict[str, Any]:
    """Send a write, check its receipt, and return the processed request status."""
    response = client.request(method, path, json=body)
    assert response.status_code == expect, response.text
    receipt = response.json()
    assert receipt["result"] == "Request will be processed"
    return processed(client, receipt["requestId"])


def create(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """Create an alert and return it as GET answers it."""
    body = {"message": "test alert", **fields}
    status = write(client, "POST", "/v1/alerts", body, expect=200)
    assert status["isSuccess"], status
    alert: dict[str, Any] = client.get(f"/v1/alerts/{status['alertId']}").json()
    return alert


def get(client: httpx.Client, alert_id: str) -> dict[str, Any]:
    """The alert as the simulator answers it, in the flags dialect whichever it speaks: a
    status of acked or snoozed (the spec's dialect) also sets the flag it stands for."""
    response = client.get(f"/v1/alerts/{alert_id}")
    assert response.status_code == 200, response.text
    alert: dict[str, Any] = response.json()
    status = alert.get("status")
    if "acknowledged" not in alert:
        alert["acknowledged"] = status == "acked"
        alert["snoozed"] = status == "snoozed"
        alert["status"] = "closed" if status == "closed" else "open"
    return alert


def wall_first_message(base_url: str, auth: tuple[str, str]) -> str:
    """The message of the wall's first row, asked of a simulator (``base_url`` ends with the
    cloud id)."""
    return wall_top_messages(base_url, auth, 1)[0]


def wall_top_messages(base_url: str, auth: tuple[str, str], count: int) -> list[str]:
    """The messages of the wall's first ``count`` rows, in the wall's order: the open,
    unacknowledged alerts by priority, newest first within one."""
    response = httpx.get(
        f"{base_url}/v1/alerts",
        params={
            "query": "status: open AND acknowledged: false",
            "sort": "priority",
            "order": "desc",
            "size": 100,
        },
        auth=auth,
        timeout=10,
    )
    response.raise_for_status()
    values = sorted(
        response.json()["values"], key=lambda a: (a["priority"], -_epoch(a["createdAt"]))
    )
    return [str(a["message"]) for a in values[:count]]


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def own_home(root: Path) -> dict[str, str]:
    """This process's environment, with none of the developer's credentials or settings
    (no ALERT_CONSOLE_* variable) and state, cache, config and data directories below
    ``root``: for a console or server started as a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALERT_CONSOLE_")}
    for variable, name in (
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
    ):
        env[variable] = str(root / name)
    return env


def site_config(name: str, alerts: int, seed: int, **extra: Any) -> SimulatorConfig:
    """One site of several: its own cloud id (``cloud-NAME``), account (``NAME@example.com``,
    token ``NAME-token``) and data; quick to process writes."""
    base: dict[str, Any] = {"processing_delay_ms": 20, "processing_jitter_ms": 0}
    return SimulatorConfig(
        port=0,
        cloud_id=f"cloud-{name}",
        account=Credentials(f"{name}@example.com", f"{name}-token"),
        alerts=alerts,
        seed=seed,
        **{**base, **extra},
    )


def site_client(server: BackgroundSimulator, **options: Any) -> JsmClient:
    """Our client on one site's simulator, with that site's own account."""
    account = server.config.account
    return JsmClient(
        origin=server.origin,
        cloud_id=server.config.cloud_id,
        credentials=BasicCredentials(account.email, account.token),
        **options,
    )
