"""Every input limit gives a 422 that names the field; bad JSON a 400; unknown routes a JSON 404."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import create

OVER_LIMIT: list[tuple[str, dict[str, Any]]] = [
    ("message", {"message": "m" * 131}),
    ("message", {"message": ""}),
    ("message", {"message": "   "}),
    ("message", {}),
    ("message", {"message": 42}),
    ("alias", {"alias": "a" * 513}),
    ("description", {"description": "d" * 15_001}),
    ("entity", {"entity": "e" * 513}),
    ("source", {"source": "s" * 101}),
    ("note", {"note": "n" * 25_001}),
    ("tags", {"tags": [f"t{i}" for i in range(21)]}),
    ("tags[0]", {"tags": ["t" * 51]}),
    ("tags", {"tags": "prod"}),
    ("actions", {"actions": [f"a{i}" for i in range(11)]}),
    ("actions[1]", {"actions": ["ok", "a" * 51]}),
    ("extraProperties", {"extraProperties": {"k": "v" * 8000}}),
    ("extraProperties.nested", {"extraProperties": {"nested": {"a": 1}}}),
    ("responders", {"responders": [{"id": f"u{i}", "type": "user"} for i in range(51)]}),
    ("responders[0].type", {"responders": [{"id": "u1", "type": "group"}]}),
    ("responders[0].id", {"responders": [{"type": "team"}]}),
    ("visibleTo", {"visibleTo": [{"id": f"u{i}", "type": "user"} for i in range(51)]}),
    ("visibleTo[0].type", {"visibleTo": [{"id": "e1", "type": "escalation"}]}),
    ("priority", {"priority": "P6"}),
    ("priority", {"priority": "high"}),
]


@pytest.mark.parametrize(
    ("field", "overrides"), OVER_LIMIT, ids=[f"{f}-{i}" for i, (f, _) in enumerate(OVER_LIMIT)]
)
def test_create_limits(api: httpx.Client, field: str, overrides: dict[str, Any]) -> None:
    # An entry about the message is the whole body; any other adds to a valid one.
    body = overrides if field == "message" else {"message": "ok", **overrides}
    response = api.post("/v1/alerts", json=body)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["message"] == "Request body is not processable. Please check the errors."
    fields = [error["field"] for error in payload["errors"]]
    assert field in fields
    assert all(error["title"].startswith(error["field"]) for error in payload["errors"])
    assert api.get("/v1/alerts", params={"size": 1}).json()["count"] == 40  # nothing was created


def test_values_at_the_limits_are_accepted(api: httpx.Client) -> None:
    response = api.post(
        "/v1/alerts",
        json={
            "message": "m" * 130,
            "alias": "a" * 512,
            "description": "d" * 15_000,
            "entity": "e" * 512,
            "source": "s" * 100,
            "note": "n" * 25_000,
            "tags": [f"{i:02d}" + "t" * 48 for i in range(20)],
            "actions": [f"{i}" + "a" * 49 for i in range(10)],
            "extraProperties": {"k": "v" * 7999},
            "responders": [{"id": f"u{i}", "type": "user"} for i in range(50)],
            "visibleTo": [{"id": f"u{i}", "type": "user"} for i in range(50)],
            "priority": "P5",
        },
    )
    assert response.status_code == 200, response.text


ACTION_BODIES: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "assign", {}, "accountId"),
    ("POST", "assign", {"accountId": ""}, "accountId"),
    ("POST", "responders", {"id": "x"}, "type"),
    ("POST", "responders", {"type": "team"}, "id"),
    ("POST", "escalate", {}, "escalationId"),
    ("POST", "snooze", {}, "endTime"),
    ("POST", "snooze", {"endTime": "tomorrow"}, "endTime"),
    ("POST", "action", {}, "actionName"),
    ("POST", "tags", {"tags": []}, "tags"),
    ("POST", "tags", {"tags": ["x" * 51]}, "tags[0]"),
    ("DELETE", "tags", {}, "tags"),
    ("POST", "extra-properties", {"extraProperties": {}}, "extraProperties"),
    ("POST", "extra-properties", {"extraProperties": {"k": "v" * 8000}}, "extraProperties"),
    ("DELETE", "extra-properties", {"keys": "host"}, "keys"),
    ("PATCH", "message", {"message": "m" * 131}, "message"),
    ("PATCH", "description", {"description": "d" * 15_001}, "description"),
    ("PATCH", "priority", {"priority": "P0"}, "priority"),
    ("POST", "notes", {"note": ""}, "note"),
    ("POST", "notes", {"note": "n" * 25_001}, "note"),
]


@pytest.mark.parametrize(
    ("method", "route", "body", "field"),
    ACTION_BODIES,
    ids=[f"{m}-{r}-{f}" for m, r, _, f in ACTION_BODIES],
)
def test_action_body_limits(
    api: httpx.Client, method: str, route: str, body: dict[str, Any], field: str
) -> None:
    alert = api.get("/v1/alerts", params={"size": 1}).json()["values"][0]
    response = api.request(method, f"/v1/alerts/{alert['id']}/{route}", json=body)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


def test_malformed_json_is_400(api: httpx.Client) -> None:
    response = api.post(
        "/v1/alerts", content=b'{"message": "x"', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid JSON body"


def test_a_json_array_body_is_422(api: httpx.Client) -> None:
    response = api.post("/v1/alerts", json=["message"])
    assert response.status_code == 422


def test_unknown_route_is_a_json_404(api: httpx.Client) -> None:
    response = api.get("/v1/incidents")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "No handler found" in response.json()["message"]


def test_unsupported_method_is_a_json_405(api: httpx.Client) -> None:
    response = api.put("/v1/alerts")
    assert response.status_code == 405
    assert response.json()["message"] == "Request method 'PUT' is not supported"


def test_wrong_cloud_id_is_404(sim: object, api: httpx.Client) -> None:
    url = str(api.base_url).replace("/api/demo", "/api/other-site")
    response = api.get(f"{url}/v1/alerts")
    assert response.status_code == 404


def test_markup_and_escape_sequences_round_trip_unchanged(api: httpx.Client) -> None:
    hostile = "[bold red]disk[/] full \x1b[31mred\x1b[0m\ttab [link=http://x]y[/link] שלום 🔥"
    alert = create(
        api,
        message=hostile[:130],
        description=hostile,
        tags=["[x]"],
        extraProperties={"[k]": "\x1b[2J"},
    )
    assert alert["message"] == hostile[:130]
    assert alert["description"] == hostile
    assert alert["tags"] == ["[x]"]
    assert alert["extraProperties"] == {"[k]": "\x1b[2J"}
