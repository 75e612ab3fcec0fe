"""Fixtures of the client's tests: clients with their own settings, closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from console.api import BasicCredentials, JsmClient
from console.simulator.server import BackgroundSimulator
from tests.conftest import ACCOUNT, FAST_RETRY

MakeClient = Callable[..., JsmClient]


@pytest.fixture
async def make_client(sim: BackgroundSimulator) -> AsyncIterator[MakeClient]:
    """Build a ``JsmClient`` for the test's simulator with any settings; all closed afterwards.

    Defaults: the account's Basic credentials, the simulator's origin and cloud id, FAST_RETRY.
    """
    made: list[JsmClient] = []

    def make(**settings: Any) -> JsmClient:
        settings.setdefault("origin", sim.origin)
        settings.setdefault("cloud_id", sim.config.cloud_id)
        settings.setdefault("credentials", BasicCredentials(*ACCOUNT))
        settings.setdefault("retry", FAST_RETRY)
        client = JsmClient(**settings)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
