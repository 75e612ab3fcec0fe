"""Typed errors, credentials that never leak, and permissions, against the simulator."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from console.api import BasicCredentials, BearerToken, JsmClient, ReadOnlyError, RetryPolicy, errors
from console.simulator.server import BackgroundSimulator
from tests.api.conftest import MakeClient
from tests.api.support import closed_port, create_and_get, ops, requests_seen
from tests.conftest import VIEWER
from tests.helpers import get

ONCE = RetryPolicy(attempts=1, base_s=0.001, cap_s=0.001, budget_s=5.0)
WRONG_TOKEN = "wrong-secret-token-123"


def basic_forms(email: str, token: str) -> list[str]:
    """The token and the base64 Basic header value that carries it."""
    return [token, base64.b64encode(f"{email}:{token}".encode()).decode()]


def assert_no_secret(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text)


# ----------------------------------------------------------------------------- credentials


async def test_a_wrong_token_is_unauthorized_naming_the_email_not_the_token(
    make_client: MakeClient, sim: BackgroundSimulator
) -> None:
    client = make_client(credentials=BasicCredentials("demo@example.com", WRONG_TOKEN))
    with pytest.raises(errors.Unauthorized) as caught:
        await client.list_alerts()
    error = caught.value
    assert error.status == 401
    assert "demo@example.com" in str(error)
    assert not error.retryable
    assert_no_secret(
        [str(error), repr(error), error.message, *error.details, repr(client.credentials)],
        basic_forms("demo@example.com", WRONG_TOKEN),
    )
    assert requests_seen(sim)["total"] == 1  # a 401 is not retried


async def test_a_wrong_bearer_token_is_unauthorized_without_showing_it(
    make_client: MakeClient,
) -> None:
    client = make_client(credentials=BearerToken(WRONG_TOKEN))
    with pytest.raises(errors.Unauthorized) as caught:
        await client.get_alert("whatever")
    assert "access token" in str(caught.value)
    assert_no_secret(
        [str(caught.value), repr(caught.value), repr(client.credentials)], [WRONG_TOKEN]
    )


async def test_the_viewer_is_forbidden_to_write_and_nothing_changes(
    make_client: MakeClient, api: httpx.Client
) -> None:
    viewer = make_client(credentials=BasicCredentials(*VIEWER))
    listing = await viewer.list_alerts(size=100)
    target = next(a for a in listing.alerts if a.is_open and not a.acknowledged)
    before = get(api, target.id)
    for attempt in (
        ops(viewer).acknowledge(target.id),
        ops(viewer).add_tags(target.id, ["x"]),
        ops(viewer).create_alert({"message": "from the viewer"}),
        ops(viewer).add_note(target.id, "a note"),
    ):
        with pytest.raises(errors.Forbidden) as caught:
            await attempt
        assert caught.value.status == 403
        assert "permission" in str(caught.value)
        assert not caught.value.retryable
    assert get(api, target.id) == before
    assert (await viewer.list_alerts(size=1)).total == 40


async def test_a_token_without_delete_scope_is_unauthorized_on_deletes() -> None:
    with BackgroundSimulator(alerts=3, token_delete_scope=False, processing_delay_ms=5) as other:
        async with JsmClient(
            origin=other.origin,
            cloud_id=other.config.cloud_id,
            credentials=BasicCredentials("demo@example.com", "demo-token"),
            retry=ONCE,
        ) as client:
            alert = (await client.list_alerts()).alerts[0]
            with pytest.raises(errors.Unauthorized) as caught:
                await ops(client).remove_tags(alert.id, ["x"])
            assert "scope does not match" in str(caught.value)
            assert "demo-token" not in str(caught.value)
            with pytest.raises(errors.Unauthorized):
                await ops(client).delete_alert(alert.id)
            # Adding is no delete: it still works.
            assert (await ops(client).add_tags(alert.id, ["x"])).request_id


async def test_a_read_only_client_sends_no_write(
    make_client: MakeClient, sim: BackgroundSimulator
) -> None:
    client = make_client(read_only=True)
    assert (await client.list_alerts(size=1)).total == 40
    with pytest.raises(ReadOnlyError):
        await ops(client).acknowledge("any")
    with pytest.raises(ReadOnlyError):
        await ops(client).add_note("any", "text")
    assert requests_seen(sim) == {"total": 1, "reads": 1, "alert_reads": 1, "alert_lists": 1}


# ----------------------------------------------------------------------------- each error class


async def test_not_found_for_an_empty_alias(client: JsmClient) -> None:
    # The spec lists 200, 401, 403 and 404 for this call: no alias finds no alert.
    with pytest.raises(errors.NotFound) as caught:
        await client.get_alert_by_alias("")
    assert caught.value.status == 404
    assert "alias" in str(caught.value)


async def test_not_found_for_a_missing_alert(client: JsmClient, sim: BackgroundSimulator) -> None:
    with pytest.raises(errors.NotFound) as caught:
        await client.get_alert("no-such-alert")
    error = caught.value
    assert error.status == 404
    assert error.message == "Alert does not exist"
    assert error.request_id
    assert error.method == "GET"
    assert error.path == "/v1/alerts/no-such-alert"
    assert requests_seen(sim)["total"] == 1  # not retried


async def test_not_found_by_alias(client: JsmClient) -> None:
    with pytest.raises(errors.NotFound):
        await client.get_alert_by_alias("never-used-alias")


async def test_unprocessable_query_carries_the_position(
    client: JsmClient, sim: BackgroundSimulator
) -> None:
    with pytest.raises(errors.Unprocessable) as caught:
        await client.list_alerts("status: (open")
    error = caught.value
    assert error.status == 422
    assert "Invalid query" in str(error)
    assert "position 8" in str(error)
    assert requests_seen(sim)["total"] == 1


async def test_unprocessable_sort(client: JsmClient) -> None:
    with pytest.raises(errors.Unprocessable) as caught:
        await client.list_alerts(sort="colour")
    assert "colour" in str(caught.value)
    assert any("sort" in detail for detail in caught.value.details)


async def test_unprocessable_delete_of_a_missing_note(client: JsmClient) -> None:
    alert, _ = await create_and_get(client)
    with pytest.raises(errors.Unprocessable) as caught:
        await client.delete_note(alert.id, "12345")
    assert "note does not exist" in str(caught.value)


async def test_rate_limited_with_retry_after(
    make_client: MakeClient, sim: BackgroundSimulator
) -> None:
    sim.admin("rate-limit", {"reads": 60})  # a bucket of ten reads
    client = make_client(retry=ONCE)
    for _ in range(10):
        await client.list_alerts(size=1)
    with pytest.raises(errors.RateLimited) as caught:
        await client.list_alerts(size=1)
    error = caught.value
    assert error.status == 429
    assert error.retry_after is not None and error.retry_after >= 1
    assert error.retryable
    assert "too many requests" in str(error)
    assert client.gate.remaining > 0  # the whole client holds back
    assert requests_seen(sim)["throttled"] == 1


async def test_server_error_after_one_attempt(
    make_client: MakeClient, sim: BackgroundSimulator
) -> None:
    sim.set_faults(error_rate=1.0)
    client = make_client(retry=ONCE)
    with pytest.raises(errors.ServerError) as caught:
        await client.list_alerts()
    error = caught.value
    assert error.status == 500
    assert error.message == "Internal Server Error"
    assert error.retryable
    assert requests_seen(sim)["fault_error"] == 1


async def test_server_error_after_every_attempt(
    client: JsmClient, sim: BackgroundSimulator
) -> None:
    sim.set_faults(error_rate=1.0)
    with pytest.raises(errors.ServerError):
        await client.list_alerts()
    assert requests_seen(sim)["fault_error"] == client.retry.attempts == 6


async def test_malformed_response_from_a_proxy_page(
    make_client: MakeClient, sim: BackgroundSimulator
) -> None:
    sim.set_faults(proxy_502_rate=1.0)
    client = make_client(retry=ONCE)
    with pytest.raises(errors.MalformedResponse) as caught:
        await client.get_alert("any")
    error = caught.value
    assert error.status == 502
    assert "text/html" in str(error)
    assert "not JSON" in str(error)
    assert error.retryable


async def test_transport_error_when_nothing_listens(make_client: MakeClient) -> None:
    client = make_client(origin=f"http://127.0.0.1:{closed_port()}", retry=ONCE)
    with pytest.raises(errors.TransportError) as caught:
        await client.list_alerts()
    error = caught.value
    assert error.reached_server is False
    assert error.status is None
    assert "cannot connect" in str(error)
    assert error.retryable


async def test_transport_error_when_the_answer_is_dropped(
    make_client: MakeClient, sim: BackgroundSimulator
) -> None:
    sim.set_faults(drop_rate=1.0)
    client = make_client(retry=ONCE)
    with pytest.raises(errors.TransportError) as caught:
        await client.list_alerts()
    assert caught.value.reached_server is True
    assert caught.value.status is None
    assert requests_seen(sim)["fault_drop"] == 1


# ----------------------------------------------------------------------------- secrets


async def test_a_token_echoed_by_the_server_is_redacted(
    client: JsmClient, sim: BackgroundSimulator
) -> None:
    # The simulator quotes the bad query back, token and all; the client must not repeat it.
    with pytest.raises(errors.Unprocessable) as caught:
        await client.list_alerts("demo-token: (")
    error = caught.value
    assert "***" in error.message
    assert_no_secret(
        [str(error), repr(error), error.message, *error.details],
        basic_forms("demo@example.com", "demo-token"),
    )


async def test_logs_never_show_the_token(
    make_client: MakeClient, sim: BackgroundSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = make_client()
    wrong = make_client(credentials=BasicCredentials("demo@example.com", WRONG_TOKEN))
    bearer = make_client(credentials=BearerToken("demo-oauth-token"))
    raised: list[Exception] = []
    await good.list_alerts(size=2)
    await bearer.list_alerts(size=2)
    with pytest.raises(errors.Unauthorized) as unauthorized:
        await wrong.list_alerts()
    raised.append(unauthorized.value)
    with pytest.raises(errors.NotFound) as missing:
        await bearer.get_alert("no-such-alert")
    raised.append(missing.value)
    sim.set_faults(error_rate=1.0)
    with pytest.raises(errors.ServerError) as server:
        await ops(good).acknowledge("any")
    raised.append(server.value)
    with pytest.raises(errors.ServerError):
        await bearer.list_alerts()
    assert "retry" in caplog.text  # the retries were logged
    assert "-> 200" in caplog.text  # and so were the requests
    secrets = [
        *basic_forms("demo@example.com", "demo-token"),
        *basic_forms("demo@example.com", WRONG_TOKEN),
        "demo-oauth-token",
    ]
    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    texts += [str(e) for e in raised] + [repr(e) for e in raised]
    texts += [repr(c.credentials) for c in (good, wrong, bearer)]
    assert_no_secret(texts, secrets)
