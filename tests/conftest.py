"""Shared fixtures: a real simulator on an ephemeral loopback port, and HTTP clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from console.api import BasicCredentials, JsmClient, RetryPolicy
from console.simulator.config import SimulatorConfig
from console.simulator.server import BackgroundSimulator
from tests.hostile import HostileServer

# Fast enough for tests, slow enough that "pending" is observable.
TEST_CONFIG = SimulatorConfig(
    port=0, alerts=40, seed=7, processing_delay_ms=30, processing_jitter_ms=10
)
ACCOUNT = ("demo@example.com", "demo-token")
VIEWER = ("viewer@example.com", "viewer-token")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--snapshot-update",
        action="store_true",
        help="write the screens' SVG snapshots anew (look at the diff before committing)",
    )


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own state, cache, config and log directories (platformdirs reads
    these variables): nothing a test writes lands in the developer's own."""
    home = tmp_path_factory.mktemp("home")
    for variable, name in (
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
    ):
        monkeypatch.setenv(variable, str(home / name))
    return home


@pytest.fixture(scope="module")
def simulator_server() -> Iterator[BackgroundSimulator]:
    """One simulator per test module, started once."""
    with BackgroundSimulator(TEST_CONFIG) as server:
        yield server


@pytest.fixture
def sim(simulator_server: BackgroundSimulator) -> BackgroundSimulator:
    """The module's simulator, back to its starting state (data, faults, limits, processing)."""
    simulator_server.reset()
    return simulator_server


@pytest.fixture
def api(sim: BackgroundSimulator) -> Iterator[httpx.Client]:
    """Plain httpx with the account's credentials: the simulator's tests need nothing of ours."""
    # No keep-alive: a pooled connection the simulator closed while it sat idle (uvicorn's
    # 5 s) would fail the next request with a ReadError on a loaded machine. The console's
    # own client retries a read on that (tests/api/test_keep_alive.py); this one need not.
    with httpx.Client(
        base_url=sim.base_url,
        auth=ACCOUNT,
        timeout=10,
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        yield client


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A hostile HTTP server on loopback (see tests/hostile.py), with no routes yet."""
    with HostileServer() as server:
        yield server


@pytest.fixture
async def hostile_client(hostile: HostileServer) -> AsyncIterator[JsmClient]:
    """Our client on the hostile server: one try per request, a 1 s deadline per attempt."""
    async with JsmClient(
        origin=hostile.origin,
        cloud_id="demo",
        credentials=BasicCredentials("me@example.com", "hostile-api-token"),
        retry=RetryPolicy(attempts=1, base_s=0.01, cap_s=0.05, budget_s=10.0, attempt_s=1.0),
    ) as api_client:
        yield api_client


# Quick retries, so that tests of retry behaviour take milliseconds, not seconds.
FAST_RETRY = RetryPolicy(attempts=6, base_s=0.01, cap_s=0.1, budget_s=10.0)


@pytest.fixture
async def client(sim: BackgroundSimulator) -> AsyncIterator[JsmClient]:
    """Our own API client, talking to the simulator over loopback HTTP."""
    async with JsmClient(
        origin=sim.origin,
        cloud_id=sim.config.cloud_id,
        credentials=BasicCredentials(*ACCOUNT),
        retry=FAST_RETRY,
    ) as api_client:
        yield api_client
