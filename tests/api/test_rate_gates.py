"""Each service has its own rate-limit pause, and every message names whose limit it is
(issue 16, item 7): Jira's user search answering 429 with Retry-After 60 once held the alert
feed back for 35 s, and the header then said "rate limited" without naming Jira."""

from __future__ import annotations

import time

import pytest

from console.api import BasicCredentials, JsmClient, RetryPolicy, errors
from console.api.directory import DirectoryApi
from console.directory.names import reason
from console.live.feed import describe
from console.simulator.server import BackgroundSimulator
from tests.conftest import ACCOUNT
from tests.hostile import PREFIX, HostileServer, json_reply


async def test_a_jira_rate_limit_never_holds_back_the_alerts(
    client: JsmClient, hostile: HostileServer
) -> None:
    hostile.on(
        "GET",
        "/rest/api/3/user/search",
        json_reply({"message": "slow down"}, status=429, headers=[("Retry-After", "60")]),
    )
    directory = DirectoryApi(client, jira_url=f"{hostile.origin}{PREFIX}/rest/api/3")
    with pytest.raises(errors.RateLimited) as caught:
        await directory.search_users("nad")
    assert client.gates["jira"].remaining > 50  # Jira's own pause is kept…
    started = time.monotonic()
    listing = await client.list_alerts("status: open", size=5)  # …and the alerts go at once
    assert time.monotonic() - started < 1.0
    assert listing.alerts
    assert client.gate.remaining == 0
    # Whose limit it was, in what the picker and the directory say.
    said = reason(caught.value, jira=True)
    assert "rate limited by Jira" in said and "60 s" in said


async def test_an_alerts_rate_limit_is_named_as_the_alerts_apis(sim: BackgroundSimulator) -> None:
    sim.set_faults(throttle_rate=1.0)
    try:
        async with JsmClient(
            origin=sim.origin,
            cloud_id=sim.config.cloud_id,
            credentials=BasicCredentials(*ACCOUNT),
            retry=RetryPolicy(attempts=1),
        ) as client:
            with pytest.raises(errors.RateLimited) as caught:
                await client.list_alerts("status: open")
    finally:
        sim.set_faults(throttle_rate=0.0)
    assert describe(caught.value) == "429: rate limited by the alerts API"
    assert client.gates["jira"].remaining == 0 and client.gates["directory"].remaining == 0
