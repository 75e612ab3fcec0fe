"""Fixtures for the tracker's tests: trackers and extra clients that tidy up after themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from console.actions import ActionTracker, Journal
from console.api import BasicCredentials, Credentials, JsmClient, RetryPolicy
from console.simulator.server import BackgroundSimulator
from tests.actions.support import Recorder, close_tracker
from tests.conftest import ACCOUNT, FAST_RETRY

TrackerFactory = Callable[..., ActionTracker]
ClientFactory = Callable[..., JsmClient]


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.jsonl"


@pytest.fixture
async def make_client(sim: BackgroundSimulator) -> AsyncIterator[ClientFactory]:
    """Another JsmClient for the simulator (other credentials, retries, read-only...)."""
    made: list[JsmClient] = []

    def make(
        credentials: Credentials | None = None,
        *,
        retry: RetryPolicy = FAST_RETRY,
        read_only: bool = False,
    ) -> JsmClient:
        client = JsmClient(
            origin=sim.origin,
            cloud_id=sim.config.cloud_id,
            credentials=credentials or BasicCredentials(*ACCOUNT),
            retry=retry,
            read_only=read_only,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
async def make_tracker(client: JsmClient, journal_path: Path) -> AsyncIterator[TrackerFactory]:
    """``make_tracker(api_client=None, journal=True, **settings)``; closed at the end of the test.

    Each tracker gets its own Journal object on the test's journal file (so that two
    trackers in a row are two console runs on one journal).
    """
    made: list[tuple[ActionTracker, Journal | None]] = []

    def make(
        api_client: JsmClient | None = None, *, journal: bool = True, **settings: Any
    ) -> ActionTracker:
        book = Journal(journal_path) if journal else None
        tracker = ActionTracker(api_client or client, journal=book, **settings)
        made.append((tracker, book))
        return tracker

    yield make
    for tracker, book in made:
        await close_tracker(tracker)
        if book is not None:
            book.close()


@pytest.fixture
def tracker(make_tracker: TrackerFactory) -> ActionTracker:
    return make_tracker(deadline_s=10.0)


@pytest.fixture
def recorder(tracker: ActionTracker) -> Recorder:
    events = Recorder()
    tracker.subscribe(events)
    return events
