"""Heartbeats in the simulator, on a site whose clock the test moves: Pending until the first
ping, Responsive until an interval passes, then Unresponsive with the heartbeat's alert raised
once; the next ping clears it. Off and Pending are never silent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from console.simulator.server import BackgroundSimulator
from tests.conftest import ACCOUNT, TEST_CONFIG
from tests.helpers import eventually

FROZEN_MS = 1_780_000_000_000
MINUTE = 60_000


@pytest.fixture(scope="module")
def pinned() -> Iterator[BackgroundSimulator]:
    with BackgroundSimulator(replace(TEST_CONFIG, frozen_at_ms=FROZEN_MS)) as server:
        yield server


@pytest.fixture
def site(pinned: BackgroundSimulator) -> Iterator[Site]:
    pinned.reset()
    with httpx.Client(base_url=pinned.base_url, auth=ACCOUNT, timeout=10) as api:
        yield Site(pinned, api)


class Site:
    """The pinned site, its Payments team's heartbeats, and its clock."""

    def __init__(self, sim: BackgroundSimulator, api: httpx.Client) -> None:
        self.sim, self.api = sim, api
        teams = api.get("/v1/teams").json()["platformTeams"]
        self.team = next(t["teamId"] for t in teams if t["teamName"] == "Payments")
        self.path = f"/v1/teams/{self.team}/heartbeats"

    def create(self, name: str = "job", **fields: Any) -> dict[str, Any]:
        body = {"name": name, "interval": 5, "intervalUnit": "minutes", "enabled": True}
        response = self.api.post(self.path, json={**body, **fields})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def get(self, name: str = "job") -> dict[str, Any]:
        values = self.api.get(self.path, params={"name": name}).json()["values"]
        assert len(values) == 1, values
        found: dict[str, Any] = values[0]
        return found

    def status(self, name: str = "job") -> str:
        status: str = self.get(name)["status"]
        return status

    def ping(self, name: str = "job") -> None:
        response = self.api.get(f"{self.path}/ping", params={"name": name})
        assert response.status_code == 202, response.text
        assert response.json() == {"message": "PONG - Heartbeat received"}

    def advance(self, ms: int) -> None:
        self.sim.admin("clock", {"advance_ms": ms})

    def alerts(self, name: str = "job") -> list[dict[str, Any]]:
        """Every alert (open or closed) the heartbeat raised."""
        page = self.api.get("/v1/alerts", params={"query": f"entity: {name}", "size": 100})
        return [a for a in page.json()["values"] if a["alias"] == f"heartbeat:{self.team}:{name}"]


def test_pending_until_the_first_ping_and_never_silent(site: Site) -> None:
    assert site.create()["status"] == "Pending"
    site.advance(24 * 60 * MINUTE)
    assert site.status() == "Pending"
    assert site.alerts() == []


def test_off_is_never_silent_even_pinged(site: Site) -> None:
    assert site.create(enabled=False)["status"] == "Off"
    assert site.create("plain", enabled=None)["status"] == "Off"  # the spec's default: disabled
    site.ping()
    site.advance(60 * MINUTE)
    assert site.status() == "Off"
    assert site.alerts() == []


def test_a_silence_raises_the_heartbeats_alert_once_and_a_ping_clears_it(site: Site) -> None:
    site.create(alertMessage="job stopped", alertTags=["cron", "billing"], alertPriority="P1")
    site.ping()
    site.advance(5 * MINUTE - 1)
    assert site.status() == "Responsive"
    assert site.alerts() == []
    site.advance(1)
    assert site.status() == "Unresponsive"
    (alert,) = site.alerts()
    assert (alert["message"], alert["tags"], alert["priority"]) == (
        "job stopped",
        ["cron", "billing"],
        "P1",
    )
    assert alert["status"] == "open"
    assert {"id": site.team, "type": "team"} in alert["responders"]
    assert "Heartbeat job of Payments expects a ping every 5 minutes" in alert["description"]
    assert alert["integrationType"] == "Heartbeat"
    # Still silent, read again and again, an hour on: still the one alert, raised once.
    for _ in range(3):
        site.advance(20 * MINUTE)
        assert site.status() == "Unresponsive"
    (again,) = site.alerts()
    assert again["id"] == alert["id"] and again["count"] == 1
    assert site.sim.admin("heartbeats")["alerts_raised"] == 1
    site.ping()
    assert site.status() == "Responsive"
    (closed,) = site.alerts()
    assert closed["status"] == "closed"
    # A second silence is a second alert.
    site.advance(5 * MINUTE)
    assert site.status() == "Unresponsive"
    assert sorted(a["status"] for a in site.alerts()) == ["closed", "open"]


def test_a_silence_needs_no_request_to_raise_its_alert(site: Site) -> None:
    """The clock moved under the site (no admin call, no heartbeat read): the processor's loop
    finds the silence by itself; the test only reads alerts."""
    site.create()
    site.ping()
    clock = site.sim.simulator.clock
    assert clock.frozen_at_ms is not None
    clock.frozen_at_ms += 5 * MINUTE
    eventually(site.alerts, timeout=5, interval=0.05)
    assert site.sim.admin("heartbeats")["alerts_raised"] == 1


def test_a_read_that_says_unresponsive_comes_after_the_alert(site: Site) -> None:
    """The clock moved under the site, and a read at once (before the loop's next round):
    the request itself raises the silence, so what it says and the alerts agree."""
    site.create()
    site.ping()
    clock = site.sim.simulator.clock
    assert clock.frozen_at_ms is not None
    clock.frozen_at_ms += 5 * MINUTE
    assert site.status() == "Unresponsive"
    assert len(site.alerts()) == 1  # no waiting


def test_switched_on_again_it_is_watched_from_then(site: Site) -> None:
    site.create()
    site.ping()
    site.api.patch(site.path, params={"name": "job"}, json={"enabled": False})
    site.advance(60 * MINUTE)
    assert site.status() == "Off"
    response = site.api.patch(site.path, params={"name": "job"}, json={"enabled": True})
    assert response.status_code == 201 and response.json()["status"] == "Responsive"
    site.advance(5 * MINUTE - 1)
    assert site.status() == "Responsive"
    site.advance(1)
    assert site.status() == "Unresponsive"
    assert len(site.alerts()) == 1


def test_update_changes_what_it_is_given_and_never_the_name(site: Site) -> None:
    site.create(description="before")
    response = site.api.patch(
        site.path,
        params={"name": "job"},
        json={"name": "job", "interval": 2, "intervalUnit": "hours", "alertPriority": "P2"},
    )
    assert response.status_code == 201, response.text
    changed = response.json()
    assert (changed["interval"], changed["intervalUnit"], changed["alertPriority"]) == (
        2,
        "Hours",
        "P2",
    )
    assert changed["description"] == "before" and changed["alertMessage"] == "job is expired"
    renamed = site.api.patch(site.path, params={"name": "job"}, json={"name": "other"})
    assert renamed.status_code == 422
    assert renamed.json()["errors"][0]["field"] == "name"
    assert site.api.delete(site.path, params={"name": "job"}).status_code == 204
    assert site.api.delete(site.path, params={"name": "job"}).status_code == 404
    assert site.api.get(site.path, params={"name": "job"}).json()["values"] == []


def test_bad_input_names_each_field(site: Site) -> None:
    response = site.api.post(
        site.path,
        json={"name": " ", "interval": 0, "intervalUnit": "weeks", "alertTags": ["x" * 51]},
    )
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["name", "interval", "intervalUnit", "alertTags[0]"]
    titles = [e["title"] for e in response.json()["errors"]]
    assert titles[1] == "interval: must be between 1 and 2147483647"


def test_pages_follow_their_next_links(site: Site) -> None:
    for i in range(23):
        site.create(f"job-{i:02d}")
    names: list[str] = []
    url: str | None = f"{site.path}?size=10"
    while url:
        page = site.api.get(url).json()
        names += [b["name"] for b in page["values"]]
        url = page["links"].get("next")
    assert names == ["ledger-reconciliation", "payouts-nightly"] + [
        f"job-{i:02d}" for i in range(23)
    ]


def test_a_ping_for_a_name_nobody_has_is_accepted_and_counted(site: Site) -> None:
    site.ping("nobody-has-this")
    assert site.sim.admin("heartbeats")["pings_unmatched"] == 1


def test_stats_count_each_kind_of_read_apart(site: Site) -> None:
    sim, api = site.sim, site.api
    sim.admin("stats", method="DELETE")
    schedule = api.get("/v1/schedules").json()["values"][0]["id"]
    api.get(f"/v1/schedules/{schedule}/on-calls")
    api.get(f"/v1/schedules/{schedule}/next-on-calls")
    api.get(f"/v1/schedules/{schedule}/timeline")
    api.get(site.path)
    site.ping("ledger-reconciliation")
    site.create()
    api.get("/v1/alerts")
    api.get("/v1/alerts/count")
    counts = sim.stats()["requests"]
    assert counts["directory_reads"] == 1 and counts["oncall_reads"] == 3
    assert counts["heartbeat_reads"] == 1
    assert counts["heartbeat_pings"] == 1 and counts["heartbeat_writes"] == 1
    assert counts["alert_reads"] == 2 and counts["alert_lists"] == 1  # the count is no list


# ------------------------------------------------------------------ the demo's heartbeats


def _demo(sim: BackgroundSimulator) -> dict[str, dict[str, Any]]:
    return {b["name"]: b for b in sim.admin("heartbeats")["heartbeats"]}


def test_the_demos_jobs_keep_their_heartbeats_alive(site: Site) -> None:
    before = {n: b["status"] for n, b in _demo(site.sim).items()}
    assert before == {
        "ledger-reconciliation": "Responsive",
        "payouts-nightly": "Responsive",
        "alertmanager-deadman": "Responsive",
        "blackbox-exporter": "Off",
        "hourly-etl": "Responsive",
        "dbt-nightly": "Pending",
    }
    for _ in range(30):  # a day and more, an hour at a time: each job pings when due
        site.advance(60 * MINUTE)
    assert {n: b["status"] for n, b in _demo(site.sim).items()} == before
    assert site.sim.admin("heartbeats")["alerts_raised"] == 0


def test_in_the_live_demo_one_heartbeat_goes_silent_and_comes_back_when_pinged() -> None:
    config = replace(TEST_CONFIG, frozen_at_ms=FROZEN_MS, live=True, live_interval_s=3600)
    with (
        BackgroundSimulator(config) as sim,
        httpx.Client(base_url=sim.base_url, auth=ACCOUNT) as api,
    ):
        for _ in range(8):  # 4 minutes, half a minute at a time
            sim.admin("clock", {"advance_ms": 30_000})
        beats = _demo(sim)
        assert beats["ledger-reconciliation"]["status"] == "Responsive"
        # Its job died at 3:00; its last ping came at 2:30, two minutes before this.
        sim.admin("clock", {"advance_ms": 30_000})
        beats = _demo(sim)
        assert beats["ledger-reconciliation"]["status"] == "Unresponsive"
        assert beats["alertmanager-deadman"]["status"] == "Responsive"  # its job lives
        team = beats["ledger-reconciliation"]["team"]
        alias = f"heartbeat:{team}:ledger-reconciliation"
        alert = api.get("/v1/alerts/alias", params={"alias": alias}).json()
        assert alert["message"] == "Ledger reconciliation stopped reporting"
        # The README's curl: a ping by hand brings it back, and closes its alert.
        ping = api.get(
            f"/v1/teams/{team}/heartbeats/ping", params={"name": "ledger-reconciliation"}
        )
        assert ping.status_code == 202
        assert _demo(sim)["ledger-reconciliation"]["status"] == "Responsive"
        assert api.get(f"/v1/alerts/{alert['id']}").json()["status"] == "closed"


def test_a_plan_without_heartbeats_answers_402_from_the_start() -> None:
    with (
        BackgroundSimulator(replace(TEST_CONFIG, heartbeats_plan=False)) as sim,
        httpx.Client(base_url=sim.base_url, auth=ACCOUNT) as api,
    ):
        team = api.get("/v1/teams").json()["platformTeams"][0]["teamId"]
        response = api.get(f"/v1/teams/{team}/heartbeats")
        assert response.status_code == 402
        assert response.json()["message"] == "Your subscription plan does not include heartbeats"
        assert sim.admin("heartbeats", {"plan": True})["plan"] is True
        assert api.get(f"/v1/teams/{team}/heartbeats").status_code == 200
