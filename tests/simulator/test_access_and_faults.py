"""Credentials, the read-only viewer, rate limits, and every injected fault."""

from __future__ import annotations

import base64

import httpx
import pytest

from console.simulator.server import BackgroundSimulator
from tests.conftest import VIEWER
from tests.helpers import write


def test_missing_credentials_are_401_with_the_spec_body(sim: BackgroundSimulator) -> None:
    response = httpx.get(f"{sim.base_url}/v1/alerts")
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Unauthorized"}


@pytest.mark.parametrize(
    "header",
    [
        "Basic " + base64.b64encode(b"demo@example.com:wrong").decode(),
        "Basic " + base64.b64encode(b"someone@example.com:demo-token").decode(),
        "Basic !!!notbase64",
        "Bearer wrong",
        "GenieKey demo-token",
        "demo-token",
    ],
)
def test_wrong_credentials_are_401(sim: BackgroundSimulator, header: str) -> None:
    response = httpx.get(f"{sim.base_url}/v1/alerts", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == 401


def test_bearer_token_is_accepted(sim: BackgroundSimulator) -> None:
    response = httpx.get(
        f"{sim.base_url}/v1/alerts", headers={"Authorization": "Bearer demo-oauth-token"}
    )
    assert response.status_code == 200


WRITES = [
    ("POST", "", {"message": "x"}),
    ("DELETE", "/{id}", None),
    ("POST", "/{id}/acknowledge", None),
    ("POST", "/{id}/unacknowledge", None),
    ("POST", "/{id}/close", None),
    ("POST", "/{id}/assign", {"accountId": "a"}),
    ("POST", "/{id}/responders", {"id": "a", "type": "user"}),
    ("POST", "/{id}/escalate", {"escalationId": "e"}),
    ("POST", "/{id}/snooze", {"endTime": "2099-01-01T00:00:00Z"}),
    ("POST", "/{id}/action", {"actionName": "a"}),
    ("POST", "/{id}/tags", {"tags": ["a"]}),
    ("DELETE", "/{id}/tags", {"tags": ["a"]}),
    ("POST", "/{id}/extra-properties", {"extraProperties": {"a": "b"}}),
    ("DELETE", "/{id}/extra-properties", {"keys": ["a"]}),
    ("PATCH", "/{id}/message", {"message": "m"}),
    ("PATCH", "/{id}/description", {"description": "d"}),
    ("PATCH", "/{id}/priority", {"priority": "P1"}),
    ("POST", "/{id}/notes", {"note": "n"}),
    ("PATCH", "/{id}/notes/1", {"note": "n"}),
    ("DELETE", "/{id}/notes/1", None),
]


def test_the_viewer_reads_everything_and_every_write_is_403(
    sim: BackgroundSimulator, api: httpx.Client
) -> None:
    with httpx.Client(base_url=sim.base_url, auth=VIEWER) as viewer:
        listing = viewer.get("/v1/alerts")
        assert listing.status_code == 200
        alert = listing.json()["values"][0]
        assert viewer.get(f"/v1/alerts/{alert['id']}").status_code == 200
        assert viewer.get(f"/v1/alerts/{alert['id']}/notes").status_code == 200
        assert viewer.get(f"/v1/alerts/{alert['id']}/logs").status_code == 200
        before = api.get(f"/v1/alerts/{alert['id']}").json()
        for method, path, body in WRITES:
            response = viewer.request(method, "/v1/alerts" + path.format(id=alert["id"]), json=body)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["errors"][0]["title"]
        assert sim.stats()["pending"] == 0
        assert api.get(f"/v1/alerts/{alert['id']}").json() == before


def test_a_token_without_delete_scope_gets_401_on_deletes() -> None:
    with (
        BackgroundSimulator(alerts=3, token_delete_scope=False, processing_delay_ms=10) as sim,
        httpx.Client(base_url=sim.base_url, auth=("demo@example.com", "demo-token")) as api,
    ):
        alert = api.get("/v1/alerts").json()["values"][0]
        response = api.request("DELETE", f"/v1/alerts/{alert['id']}/tags", json={"tags": ["x"]})
        assert response.status_code == 401
        assert "scope does not match" in response.json()["message"]
        assert api.post(f"/v1/alerts/{alert['id']}/tags", json={"tags": ["x"]}).status_code == 202


def test_rate_limit_gives_429_with_retry_after_and_recovers(
    sim: BackgroundSimulator, api: httpx.Client
) -> None:
    sim.admin("rate-limit", {"reads": 60, "writes": 600})  # a bucket of 10 reads, one more a second
    statuses = [api.get("/v1/alerts", params={"size": 1}).status_code for _ in range(15)]
    assert statuses[:10] == [200] * 10
    assert 429 in statuses[10:]
    throttled = api.get("/v1/alerts")
    assert throttled.status_code == 429
    assert throttled.headers["X-RateLimit-State"] == "THROTTLED"
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "too many requests" in throttled.json()["message"]
    # Writes have their own bucket.
    alert_id = "x"
    assert api.post(f"/v1/alerts/{alert_id}/acknowledge").status_code == 202
    sim.admin("rate-limit", {})
    assert api.get("/v1/alerts").status_code == 200


def test_faults_can_be_read_and_changed_at_runtime(sim: BackgroundSimulator) -> None:
    assert sim.admin("faults") == {
        "latency_ms": 0,
        "error_rate": 0.0,
        "drop_rate": 0.0,
        "throttle_rate": 0.0,
        "proxy_502_rate": 0.0,
        "next_writes": [],
    }
    assert sim.admin("faults", {"error_rate": 0.5})["error_rate"] == 0.5
    assert sim.admin("faults", {"next_writes": ["drop", "error"]})["next_writes"] == [
        "drop",
        "error",
    ]
    refused = httpx.post(f"{sim.origin}/_admin/faults", json={"next_writes": ["explode"]})
    assert refused.status_code == 422 and "next_writes" in refused.json()["message"]
    refused = httpx.post(f"{sim.origin}/_admin/faults", json={"error_rate": 3})
    assert refused.status_code == 422
    refused = httpx.post(f"{sim.origin}/_admin/faults", json={"explode": 1})
    assert refused.status_code == 422 and "unknown fault" in refused.json()["message"]


def test_error_rate_gives_json_500s(sim: BackgroundSimulator, api: httpx.Client) -> None:
    sim.set_faults(error_rate=1.0)
    response = api.get("/v1/alerts")
    assert response.status_code == 500
    assert response.json()["message"] == "Internal Server Error"
    sim.set_faults(error_rate=0.0)
    assert api.get("/v1/alerts").status_code == 200


def test_proxy_502_is_an_html_page(sim: BackgroundSimulator, api: httpx.Client) -> None:
    sim.set_faults(proxy_502_rate=1.0)
    response = api.get("/v1/alerts")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text


def test_throttle_rate_gives_429_bursts(sim: BackgroundSimulator, api: httpx.Client) -> None:
    sim.set_faults(throttle_rate=1.0)
    response = api.get("/v1/alerts")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.headers["X-RateLimit-State"] == "THROTTLED"


def test_latency_is_added(sim: BackgroundSimulator, api: httpx.Client) -> None:
    sim.set_faults(latency_ms=300)
    response = api.get("/v1/alerts", params={"size": 1})
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        api.get("/v1/alerts", timeout=0.1)


def test_drop_closes_the_connection_after_the_write_took_effect(
    sim: BackgroundSimulator, api: httpx.Client
) -> None:
    sim.set_faults(drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/v1/alerts", json={"message": "dropped but real", "alias": "dropped-1"})
    sim.set_faults(drop_rate=0.0)

    def found() -> bool:
        return api.get("/v1/alerts/alias", params={"alias": "dropped-1"}).status_code == 200

    from tests.helpers import eventually

    assert eventually(found)
    # A retry with the same alias deduplicates instead of making a second alert.
    write(
        api, "POST", "/v1/alerts", {"message": "dropped but real", "alias": "dropped-1"}, expect=200
    )
    listed = api.get("/v1/alerts", params={"query": "alias: dropped-1"}).json()
    assert listed["count"] == 1 and listed["values"][0]["count"] == 2


def test_faults_spare_the_admin_paths_and_are_counted(
    sim: BackgroundSimulator, api: httpx.Client
) -> None:
    sim.set_faults(error_rate=1.0)
    for _ in range(3):
        api.get("/v1/alerts")
    stats = sim.stats()
    assert stats["requests"]["fault_error"] == 3
    assert stats["requests"]["reads"] == 3


def test_faults_from_the_command_line_syntax() -> None:
    from console.simulator.config import Faults, KnobError, RateLimits

    faults = Faults.parse(
        "latency_ms=200,error_rate=0.2,drop_rate=0.1,throttle_rate=0.1,proxy_502_rate=0.05"
    )
    assert faults.to_json() == {
        "latency_ms": 200,
        "error_rate": 0.2,
        "drop_rate": 0.1,
        "throttle_rate": 0.1,
        "proxy_502_rate": 0.05,
    }
    assert RateLimits.parse("reads=600,writes=120").writes == 120
    for bad in ("error_rate", "error_rate=x", "error_rate=2", "bogus=1", "latency_ms=-1"):
        with pytest.raises(KnobError):
            Faults.parse(bad)
    with pytest.raises(KnobError):
        RateLimits.parse("reads=0")
