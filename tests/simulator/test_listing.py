"""Listing: sort, order, paging through links.next, time filters, the 20,000 window, queries."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from console.simulator.server import BackgroundSimulator
from tests.helpers import create, write


def all_pages(api: httpx.Client, **params: object) -> Iterator[dict]:
    page = api.get("/v1/alerts", params=params).json()
    yield page
    while page["links"].get("next"):
        page = api.get(page["links"]["next"]).json()
        yield page


def test_defaults_twenty_newest_first_with_the_total(api: httpx.Client) -> None:
    page = api.get("/v1/alerts").json()
    assert page["count"] == 40
    assert len(page["values"]) == 20
    created = [a["createdAt"] for a in page["values"]]
    assert created == sorted(created, reverse=True)
    assert page["links"]["next"].startswith("/v1/alerts?")


@pytest.mark.parametrize(
    "sort", ["createdAt", "insertedAt", "lastOccurredAt", "updatedAt", "count", "tinyId"]
)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_and_order(api: httpx.Client, sort: str, order: str) -> None:
    values = api.get("/v1/alerts", params={"sort": sort, "order": order, "size": 100}).json()[
        "values"
    ]
    field = {"insertedAt": "createdAt"}.get(sort, sort)
    keys = [int(a[field]) if field == "tinyId" else a[field] for a in values]
    assert keys == sorted(keys, reverse=order == "desc")


def test_priority_sort_desc_puts_p1_first(api: httpx.Client) -> None:
    values = api.get(
        "/v1/alerts", params={"sort": "priority", "order": "desc", "size": 100}
    ).json()["values"]
    priorities = [a["priority"] for a in values]
    assert priorities == sorted(priorities)
    assert priorities[0] == "P1" or "P1" not in priorities


def test_paging_to_the_end_visits_every_alert_once_and_keeps_query_sort_order(
    api: httpx.Client,
) -> None:
    params = {
        "query": "status: open OR status: closed",
        "sort": "lastOccurredAt",
        "order": "asc",
        "size": 7,
    }
    pages = list(all_pages(api, **params))
    ids = [a["id"] for page in pages for a in page["values"]]
    assert len(ids) == 40 == len(set(ids))
    assert len(pages) == 6  # 5 pages of 7, one of 5
    assert "next" not in pages[-1]["links"]
    link = urlparse(pages[0]["links"]["next"])
    assert link.path == "/v1/alerts"
    query = parse_qs(link.query)
    assert query == {
        "offset": ["7"],
        "size": ["7"],
        "query": [params["query"]],
        "sort": ["lastOccurredAt"],
        "order": ["asc"],
    }
    times = [a["lastOccurredAt"] for page in pages for a in page["values"]]
    assert times == sorted(times)


def test_from_and_to_filter_on_created_at_in_ms_or_seconds(api: httpx.Client) -> None:
    values = api.get(
        "/v1/alerts", params={"size": 100, "sort": "createdAt", "order": "asc"}
    ).json()["values"]
    from datetime import datetime

    def ms(alert: dict) -> int:
        return int(
            datetime.fromisoformat(alert["createdAt"].replace("Z", "+00:00")).timestamp() * 1000
        )

    lo, hi = ms(values[10]), ms(values[20])
    inside = api.get("/v1/alerts", params={"from": lo, "to": hi, "size": 100}).json()
    assert inside["count"] == 10
    assert all(lo <= ms(a) < hi for a in inside["values"])
    in_seconds = api.get("/v1/alerts", params={"from": lo // 1000 + 1, "size": 100}).json()
    assert all(ms(a) >= (lo // 1000 + 1) * 1000 for a in in_seconds["values"])


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"size": 0}, "size"),
        ({"size": 101}, "size"),
        ({"size": "x"}, "size"),
        ({"offset": -1}, "offset"),
        ({"sort": "bogus"}, "sort"),
        ({"order": "up"}, "order"),
        ({"from": "yesterday"}, "from"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(
    api: httpx.Client, params: dict, word: str
) -> None:
    response = api.get("/v1/alerts", params=params)
    assert response.status_code == 422
    assert word in response.json()["message"] or word in response.text


def test_opsgenie_sort_fields_are_accepted(api: httpx.Client) -> None:
    for sort in (
        "status",
        "acknowledged",
        "isSeen",
        "snoozed",
        "owner",
        "source",
        "alias",
        "message",
        "integration.name",
        "report.ackTime",
        "lastOccuredAt",
    ):
        assert api.get("/v1/alerts", params={"sort": sort}).status_code == 200, sort


def test_malformed_query_is_422_pointing_at_the_error(api: httpx.Client) -> None:
    response = api.get("/v1/alerts", params={"query": "status: open AND (priority: P1"})
    assert response.status_code == 422
    body = response.json()
    assert "position" in body["message"]
    assert isinstance(body["errors"][0]["position"], int)


QUERIES = {
    "status: open": lambda a: a["status"] == "open",
    "status: closed": lambda a: a["status"] == "closed",
    "acknowledged: true": lambda a: a["acknowledged"],
    "NOT acknowledged: true": lambda a: not a["acknowledged"],
    "priority: P1 OR priority: P2": lambda a: a["priority"] in ("P1", "P2"),
    "status: open priority: P3": lambda a: a["status"] == "open" and a["priority"] == "P3",
    "status: open AND (priority: P1 OR priority: P2)": lambda a: (
        a["status"] == "open" and a["priority"] in ("P1", "P2")
    ),
    "count > 1": lambda a: a["count"] > 1,
    "count <= 1": lambda a: a["count"] <= 1,
    "count != 1": lambda a: a["count"] != 1,
    "snoozed: true": lambda a: a["snoozed"],
    "seen: false": lambda a: not a["seen"],
    "isSeen: true": lambda a: a["seen"],
    "tag: prod": lambda a: any(t.lower() == "prod" for t in a["tags"]),
    "tags: prod": lambda a: any(t.lower() == "prod" for t in a["tags"]),
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_queries_match_what_they_say(api: httpx.Client, query: str) -> None:
    everything = api.get("/v1/alerts", params={"size": 100}).json()["values"]
    expected = {a["id"] for a in everything if QUERIES[query](a)}
    found = api.get("/v1/alerts", params={"size": 100, "query": query}).json()
    assert {a["id"] for a in found["values"]} == expected
    assert found["count"] == len(expected)


def test_query_constructs_over_http(api: httpx.Client) -> None:
    a = create(
        api,
        message="Replication lag on [pg-main] 40s",
        entity="pg-main-1",
        source="Datadog",
        tags=["database", "eu-west-1"],
        extraProperties={"region": "eu-west-1", "customer_facing": True},
        description="Check the replica",
        alias="repl-lag-pg-main",
    )
    b = create(
        api,
        message="Disk almost full",
        entity="web-7",
        source="Nagios",
        priority="P1",
        tags=["web"],
        extraProperties={"region": "us-east-1"},
    )

    def ids(query: str) -> set[str]:
        response = api.get("/v1/alerts", params={"query": query, "size": 100})
        assert response.status_code == 200, response.text
        return {x["id"] for x in response.json()["values"]}

    assert a["id"] in ids("message: replication") and b["id"] not in ids("message: replication")
    assert ids('message: "lag on"') >= {a["id"]}
    assert a["id"] in ids("message: *lag*")
    assert a["id"] in ids("entity: pg-main-*")
    assert ids("source: nagios") >= {b["id"]}
    assert a["id"] in ids("replica")  # free text reaches the description
    assert a["id"] in ids("repl-lag-pg-main")  # and the alias
    assert a["id"] in ids("details.region: eu-west-1")
    assert a["id"] in ids("extraProperties.customer_facing: true")
    assert b["id"] in ids("extraProperties.region: us-east-1")
    assert b["id"] in ids(f"tinyId: {b['tinyId']}")
    assert a["id"] in ids(f"createdAt >= {_ms(a['createdAt'])}")
    assert a["id"] not in ids(f"createdAt > {_ms(b['createdAt'])}")
    assert ids("NOT tag: database AND tag: web") >= {b["id"]}
    assert a["id"] not in ids("NOT tag: database")
    assert a["id"] in ids("(tag: database OR tag: web) AND priority: P3")


def _ms(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def test_the_list_reflects_writes(api: httpx.Client) -> None:
    alert = create(api, message="fresh", priority="P1")
    top = api.get("/v1/alerts", params={"size": 1}).json()["values"][0]
    assert top["id"] == alert["id"]
    write(api, "POST", f"/v1/alerts/{alert['id']}/close")
    found = api.get(
        "/v1/alerts", params={"query": "status: open AND priority: P1", "size": 100}
    ).json()
    assert alert["id"] not in {a["id"] for a in found["values"]}


@pytest.fixture(scope="module")
def big(simulator_server: BackgroundSimulator) -> Iterator[BackgroundSimulator]:
    simulator_server.reset(alerts=20_050)
    yield simulator_server
    simulator_server.reset()


def test_the_20000_window(big: BackgroundSimulator) -> None:
    with httpx.Client(base_url=big.base_url, auth=("demo@example.com", "demo-token")) as api:
        ok = api.get("/v1/alerts", params={"offset": 19_900, "size": 100}).json()
        assert ok["count"] == 20_050
        assert len(ok["values"]) == 100
        assert "next" not in ok["links"]  # past the window, even though more alerts match
        refused = api.get("/v1/alerts", params={"offset": 19_950, "size": 100})
        assert refused.status_code == 422
        assert "20000" in refused.json()["message"]
        # With an awkward page size the last page in the window shrinks so it stays reachable.
        near = api.get("/v1/alerts", params={"offset": 19_950, "size": 30}).json()
        assert parse_qs(urlparse(near["links"]["next"]).query)["size"] == ["20"]
        last = api.get(near["links"]["next"]).json()
        assert len(last["values"]) == 20 and "next" not in last["links"]
