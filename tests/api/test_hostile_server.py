"""The client against a hostile server: no request hangs, no body is unbounded, no page is lost
to one bad alert, no Retry-After holds it forever, no redirect is followed."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from typing import Any

import pytest

from console.api import JsmClient, RetryPolicy, errors
from console.api.retry import READ_HOLD_CAP_S, RETRY_AFTER_CAP_S
from tests.hostile import HostileServer, Reply, json_reply


def page(*alerts: dict[str, Any]) -> Reply:
    return json_reply({"values": list(alerts), "count": len(alerts), "links": {}})


GOOD = {
    "id": "good",
    "tinyId": "1",
    "message": "fine",
    "status": "open",
    "createdAt": "2026-11-27T10:00:00Z",
}


async def test_a_dripped_body_ends_at_the_total_deadline(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    body = json.dumps({"values": [GOOD], "count": 1}).encode()
    # One byte every 0.3 s: no gap ever reaches the 20 s read timeout, yet it would take 20 s.
    hostile.on("GET", "/v1/alerts", Reply(body=body, drip_s=0.3))
    started = time.monotonic()
    with pytest.raises(errors.TransportError) as caught:
        await hostile_client.list_alerts()
    assert time.monotonic() - started < 2.0
    assert "no complete answer" in caught.value.message and "within 1 s" in caught.value.message
    # The next request, to a healthy server, works.
    hostile.on("GET", "/v1/alerts", page(GOOD))
    assert [a.id for a in (await hostile_client.list_alerts()).alerts] == ["good"]


async def test_a_truncated_body_is_a_transport_failure(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    body = json.dumps({"values": [GOOD], "count": 1}).encode()
    hostile.on("GET", "/v1/alerts", Reply(body=body[:20], declared_length=len(body)))
    with pytest.raises(errors.TransportError) as caught:
        await hostile_client.list_alerts()
    assert caught.value.reached_server


async def test_broken_gzip_is_a_malformed_answer(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    hostile.on(
        "GET",
        "/v1/alerts",
        Reply(body=b"\x1f\x8b\x08 this is not gzip", headers=[("Content-Encoding", "gzip")]),
    )
    with pytest.raises(errors.MalformedResponse) as caught:
        await hostile_client.list_alerts()
    assert caught.value.status == 200
    assert "could not be decoded" in caught.value.message


async def test_good_gzip_is_read(hostile_client: JsmClient, hostile: HostileServer) -> None:
    body = gzip.compress(json.dumps({"values": [GOOD], "count": 1}).encode())
    hostile.on("GET", "/v1/alerts", Reply(body=body, headers=[("Content-Encoding", "gzip")]))
    assert (await hostile_client.list_alerts()).alerts[0].message == "fine"


async def test_a_huge_answer_is_refused_with_memory_bounded(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    hostile.on("GET", "/v1/alerts", Reply(body=b'{"values": [', endless_bytes=50_000_000))
    tracemalloc.start()
    try:
        with pytest.raises(errors.ResponseTooLarge) as caught:
            await hostile_client.list_alerts()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "larger than 5 MB" in caught.value.message
    assert peak < 25_000_000, f"peak {peak:,} bytes while refusing a 50 MB answer"


async def test_a_huge_declared_length_is_refused_before_reading(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    hostile.on("GET", "/v1/alerts", Reply(body=b"{}", declared_length=50_000_000))
    with pytest.raises(errors.ResponseTooLarge) as caught:
        await hostile_client.list_alerts()
    assert "50,000,000" in caught.value.message


async def test_one_bad_alert_never_costs_the_page(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    alerts = [
        {**GOOD, "id": "null-message", "message": None},
        {**GOOD, "id": "null-ack", "acknowledged": None},
        {**GOOD, "id": "number-tags", "tags": [1]},
        {**GOOD, "id": "nested", "extraProperties": {"a": {"b": [1, 2]}, "plain": "x"}},
        {**GOOD, "id": "naive", "createdAt": "2026-11-27T10:00:00"},
        {**GOOD, "id": "number-date", "createdAt": 1795860000000},
        {**GOOD, "id": "bad-date", "createdAt": "yesterday"},
        {key: value for key, value in GOOD.items() if key != "tinyId"} | {"id": "no-tiny"},
        {"message": "no id at all"},
        "not even an object",
        GOOD,
    ]
    hostile.on("GET", "/v1/alerts", page(*alerts))
    listing = await hostile_client.list_alerts()
    by_id = {a.id: a for a in listing.alerts}
    assert list(by_id) == [a["id"] for a in alerts if isinstance(a, dict) and "id" in a]
    assert listing.unreadable == 2
    assert by_id["null-message"].unreadable == {"message"}
    assert by_id["null-message"].tiny_id == "1"  # the rest of the alert is there
    assert by_id["null-ack"].unreadable == {"acknowledged"}
    assert by_id["number-tags"].unreadable == {"tags"}
    assert by_id["nested"].extra_properties == {"a": '{"b":[1,2]}', "plain": "x"}
    naive = by_id["naive"].created_at
    assert naive is not None and naive.utcoffset() is not None and naive.hour == 10  # as UTC
    assert by_id["number-date"].created_at is not None
    assert by_id["bad-date"].unreadable == {"createdAt"}
    assert by_id["bad-date"].created_at is None
    assert by_id["no-tiny"].tiny_id is None and not by_id["no-tiny"].unreadable
    assert by_id["good"].unreadable == frozenset()


async def test_notes_and_logs_are_read_item_by_item(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    hostile.on(
        "GET",
        "/v1/alerts/x/notes",
        json_reply({"values": [{"id": "1", "note": None}, {"note": "no id"}, {"id": "2"}]}),
    )
    notes = await hostile_client.list_notes("x")
    assert [n.id for n in notes.values] == ["1", "2"]
    assert notes.values[0].unreadable == {"note"}


@pytest.mark.parametrize(
    "value", ["inf", "1e400", "nan", "Fri, 31 Dec 9999 23:59:59 GMT", "999999999"]
)
async def test_retry_after_never_holds_the_client_beyond_its_cap(
    hostile_client: JsmClient, hostile: HostileServer, value: str
) -> None:
    hostile.on(
        "GET",
        "/v1/alerts",
        json_reply({"message": "slow down"}, 429, headers=[("Retry-After", value)]),
    )
    hostile_client.retry = RetryPolicy(attempts=5, base_s=0.01, cap_s=0.05, budget_s=2.0)
    started = time.monotonic()
    with pytest.raises(errors.RateLimited) as caught:
        await hostile_client.list_alerts()
    if value == "nan":  # no advice at all: retried a second apart, within the budget
        assert caught.value.retry_after is None
        assert time.monotonic() - started < 2.5
    else:  # read as the cap: over the budget at once, not waited out
        assert caught.value.retry_after == RETRY_AFTER_CAP_S
        assert time.monotonic() - started < 1.0
    assert hostile_client.gate.remaining <= READ_HOLD_CAP_S


async def test_a_redirect_is_not_followed(
    hostile_client: JsmClient, hostile: HostileServer
) -> None:
    elsewhere = f"{hostile.origin}/steal"
    hostile.on("GET", "/v1/alerts", Reply(status=302, headers=[("Location", elsewhere)]))
    with pytest.raises(errors.ApiError) as caught:
        await hostile_client.list_alerts()
    assert caught.value.status == 302
    assert "redirected" in caught.value.message and "not followed" in caught.value.message
    assert [r.path for r in hostile.requests] == ["/v1/alerts"]  # nothing went to /steal
