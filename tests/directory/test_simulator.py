"""The simulator's people, as Jira's user APIs answer (the shapes that
docs/contributors/simulator.md documents), and consistent with the demo alerts: every owner an
alert names is a person Jira finds."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from console.simulator.server import BackgroundSimulator
from tests.conftest import ACCOUNT, VIEWER
from tests.directory.conftest import entries, knobs

USER = {
    "type": "object",
    "required": ["self", "accountId", "accountType", "displayName", "active"],
    "properties": {
        "self": {"type": "string"},
        "accountId": {"type": "string", "minLength": 1},
        "accountType": {"enum": ["atlassian", "app", "customer"]},
        "emailAddress": {"type": "string"},
        "displayName": {"type": "string"},
        "active": {"type": "boolean"},
        "timeZone": {"type": "string"},
        "locale": {"type": "string"},
    },
}
SEARCH = {"type": "array", "items": USER}
BULK = {
    "type": "object",
    "required": ["maxResults", "startAt", "total", "isLast", "values"],
    "properties": {
        "self": {"type": "string"},
        "nextPage": {"type": "string"},
        "maxResults": {"type": "integer"},
        "startAt": {"type": "integer"},
        "total": {"type": "integer"},
        "isLast": {"type": "boolean"},
        "values": {"type": "array", "items": USER},
    },
}
ERROR = {
    "type": "object",
    "required": ["errorMessages"],
    "properties": {"errorMessages": {"type": "array", "items": {"type": "string"}}},
}


@pytest.fixture
def jira(sim: BackgroundSimulator) -> Any:
    with httpx.Client(
        base_url=f"{sim.origin}/ex/jira/{sim.config.cloud_id}/rest/api/3", auth=ACCOUNT
    ) as client:
        yield client


def test_every_owner_of_the_demo_alerts_is_a_person_jira_finds(
    sim: BackgroundSimulator, api: httpx.Client, jira: httpx.Client
) -> None:
    owners = {a["owner"] for a in api.get("/v1/alerts", params={"size": 100}).json()["values"]}
    owners.discard("")
    assert owners
    for owner in owners:
        found = jira.get("/user/search", params={"query": owner.split()[-1]}).json()
        assert owner in {u["displayName"] for u in found}, owner


def test_search_matches_the_start_of_any_word_or_of_the_email(jira: httpx.Client) -> None:
    response = jira.get("/user/search", params={"query": "a", "maxResults": 5})
    assert response.status_code == 200
    jsonschema.validate(response.json(), SEARCH)
    assert len(response.json()) == 5
    for user in jira.get("/user/search", params={"query": "a", "maxResults": 1000}).json():
        words = user["displayName"].lower().replace("-", " ").split()
        email = user.get("emailAddress", "")
        assert any(w.startswith("a") for w in words) or email.startswith("a"), user
    # Jira lists nobody without a query.
    everyone = jira.get("/user/search", params={"query": "", "maxResults": 1})
    assert everyone.status_code == 400
    jsonschema.validate(everyone.json(), ERROR)


def test_bulk_answers_a_page_of_the_people_asked_for(
    sim: BackgroundSimulator, jira: httpx.Client
) -> None:
    people = entries(sim, "user")[:12]
    ids = [p.id for p in people] + ["nobody-known"]
    first = jira.get("/user/bulk", params=[("accountId", i) for i in ids])
    jsonschema.validate(first.json(), BULK)
    body = first.json()
    assert (body["maxResults"], body["total"], body["isLast"]) == (10, 12, False)
    assert [u["displayName"] for u in body["values"]] == [p.name for p in people[:10]]
    rest = httpx.get(body["nextPage"], auth=ACCOUNT).json()
    assert [u["displayName"] for u in rest["values"]] == [p.name for p in people[10:]]
    assert rest["isLast"]
    # Some people hide their email (Jira's profile visibility).
    everyone = [("accountId", p.id) for p in entries(sim, "user")] + [("maxResults", 200)]
    users = jira.get("/user/bulk", params=everyone).json()["values"]
    hidden = [u for u in users if "emailAddress" not in u]
    assert 0 < len(hidden) < len(users) // 2


def test_a_person_added_for_a_test_shows_or_hides_their_email_as_told(
    sim: BackgroundSimulator, jira: httpx.Client
) -> None:
    shown = {"type": "user", "name": "Oona Shown", "email": "oona@example.com"}
    hidden = {"type": "user", "name": "Hal Hidden", "email": "hal@example.com"}
    knobs(sim, add=[{**shown, "hides_email": False}, {**hidden, "hides_email": True}])
    found = {u["displayName"]: u for u in jira.get("/user/search", params={"query": "h"}).json()}
    assert found["Hal Hidden"].get("emailAddress") is None  # found by his name, no email
    oona = jira.get("/user/search", params={"query": "oona@"}).json()
    assert [u.get("emailAddress") for u in oona] == ["oona@example.com"]
    assert jira.get("/user/search", params={"query": "hal@"}).json() == []  # nor found by it


@pytest.mark.parametrize(
    ("setting", "auth", "status", "schema"),
    [
        ({}, ("demo@example.com", "wrong"), 401, None),
        ({"jira_users": "no-scope"}, ACCOUNT, 401, None),
        ({"jira_users": "no-permission"}, ACCOUNT, 403, ERROR),
        ({}, VIEWER, 200, SEARCH),  # a viewer may read people
    ],
)
def test_refusals_come_in_jiras_shapes(
    sim: BackgroundSimulator,
    setting: dict[str, str],
    auth: tuple[str, str],
    status: int,
    schema: dict[str, Any] | None,
) -> None:
    knobs(sim, **setting)
    response = httpx.get(
        f"{sim.origin}/ex/jira/demo/rest/api/3/user/search", params={"query": "a"}, auth=auth
    )
    assert response.status_code == status
    if schema is not None:
        jsonschema.validate(response.json(), schema)
    else:  # the gateway's answer to a token it does not accept
        assert set(response.json()) == {"code", "message"}
    other_site = httpx.get(
        f"{sim.origin}/ex/jira/elsewhere/rest/api/3/user/search", params={"query": "a"}, auth=auth
    )
    assert other_site.status_code == 404


def test_directory_reads_are_traffic_like_any_other(sim: BackgroundSimulator) -> None:
    """The Operations reads count, fail and slow down as the alerts' do (Jira's are another
    service: they do not)."""
    with httpx.Client(base_url=sim.base_url, auth=ACCOUNT) as api:
        sim.admin("stats", method="DELETE")
        api.get("/v1/teams")
        api.get("/v1/schedules")
        httpx.get(f"{sim.origin}/ex/jira/demo/rest/api/3/user/search?query=a", auth=ACCOUNT)
        assert sim.stats()["requests"]["reads"] == 2
        sim.set_faults(error_rate=1.0)
        assert api.get("/v1/teams").status_code == 500


def test_the_admin_refuses_what_it_cannot_do(sim: BackgroundSimulator) -> None:
    for body in (
        {"jira_users": "maybe"},
        {"add": [{"type": "robot", "name": "x"}]},
        {"add": [{"type": "user", "name": "x", "hides_email": "no"}]},
    ):
        with pytest.raises(Exception, match="422"):
            sim.admin("directory", body)
    assert sim.admin("directory") == {"ops_config": "ok", "jira_users": "ok"}
