"""The directory's reads (console.api.directory) against the simulator and a hostile server:
every page followed, people asked for in batches, and no link followed off the site."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from console.api import BasicCredentials, JsmClient, RetryPolicy, errors
from console.api.directory import DirectoryApi
from console.simulator.server import BackgroundSimulator
from tests.directory.conftest import entries, knobs
from tests.hostile import HostileServer, json_reply


async def test_teams_escalations_and_schedules_are_the_sites_own(
    sim: BackgroundSimulator, client: JsmClient
) -> None:
    api = DirectoryApi(client)
    teams = await api.teams()
    assert {(t.team_id, t.team_name) for t in teams} == {
        (e.id, e.name) for e in entries(sim, "team")
    }
    escalations = {e.id: e.name for t in teams for e in await api.escalations(t.team_id)}
    assert escalations == {e.id: e.name for e in entries(sim, "escalation")}
    schedules = await api.schedules()
    assert {s.id: s.name for s in schedules} == {e.id: e.name for e in entries(sim, "schedule")}
    # Asked for with their rotations: the participants are the team's people.
    people = {e.id for e in entries(sim, "user")}
    participants = {p.id for s in schedules for r in s.rotations for p in r.participants}
    assert participants and participants <= people
    assert all(s.team_id in {t.team_id for t in teams} for s in schedules)


async def test_every_page_is_followed(sim: BackgroundSimulator, client: JsmClient) -> None:
    team = entries(sim, "team")[0]
    knobs(
        sim,
        add=[{"type": "escalation", "name": f"extra {i}", "team": team.id} for i in range(130)]
        + [{"type": "schedule", "name": f"rota {i}"} for i in range(70)],
    )
    api = DirectoryApi(client)
    sent = client.requests_sent
    escalations = await api.escalations(team.id)
    assert {f"extra {i}" for i in range(130)} <= {e.name for e in escalations}
    assert client.requests_sent - sent == 2  # pages of 100
    schedules = await api.schedules()
    assert len(schedules) == len(entries(sim, "schedule"))
    assert len({s.id for s in schedules}) == len(schedules)


async def test_people_are_searched_and_looked_up_in_batches(
    sim: BackgroundSimulator, client: JsmClient
) -> None:
    api = DirectoryApi(client)
    person = entries(sim, "user")[0]
    surname = person.name.split()[-1]
    found = await api.search_users(surname[:3].lower())
    assert person.id in {u.account_id for u in found}
    assert all(u.display_name for u in found)

    added = knobs(sim, add=[{"type": "user", "name": f"Person {i:03d}"} for i in range(70)])
    ids = [a["id"] for a in added["added"]] + ["not-a-known-account-1"]
    sent = client.requests_sent
    people = await api.users(ids)
    assert sorted(u.display_name or "" for u in people) == [f"Person {i:03d}" for i in range(70)]
    assert client.requests_sent - sent == 2  # 50, then 21: every id is one query parameter


async def test_a_missing_scope_is_a_typed_error(
    sim: BackgroundSimulator, client: JsmClient
) -> None:
    api = DirectoryApi(client)
    knobs(sim, ops_config="no-scope", jira_users="no-permission")
    with pytest.raises(errors.Unauthorized, match="scope does not match"):
        await api.teams()
    with pytest.raises(errors.Forbidden):
        await api.search_users("so")


@pytest.fixture
async def one_try(hostile: HostileServer) -> AsyncIterator[JsmClient]:
    async with JsmClient(
        origin=hostile.origin,
        cloud_id="demo",
        credentials=BasicCredentials("me@example.com", "hostile-api-token"),
        retry=RetryPolicy(attempts=1, budget_s=5.0, attempt_s=1.0),
    ) as client:
        yield client


@pytest.mark.parametrize(
    "link",
    [
        "http://evil.example/v1/schedules?offset=1&size=1",
        "/../../steal?offset=1",
        "/v1/../../../ex/jira/demo/rest/api/3/user/search?query=a",
        "/v1/%2e%2e/%2e%2e/steal",
        "/v2/elsewhere?offset=1",
    ],
)
async def test_a_next_link_off_the_api_is_not_followed(
    hostile: HostileServer, one_try: JsmClient, link: str
) -> None:
    hostile.on(
        "GET",
        "/v1/schedules",
        json_reply({"values": [{"id": "s1", "name": "Only"}], "links": {"next": link}}),
    )
    schedules = await DirectoryApi(one_try).schedules()
    assert [s.name for s in schedules] == ["Only"]
    assert len(hostile.requests) == 1


async def test_items_without_an_id_are_left_out_and_odd_answers_are_typed(
    hostile: HostileServer, one_try: JsmClient
) -> None:
    hostile.on(
        "GET",
        "/v1/teams",
        json_reply({"platformTeams": [{"teamName": "no id"}, {"teamId": "t1"}, "junk"]}),
    )
    assert [t.team_id for t in await DirectoryApi(one_try).teams()] == ["t1"]
    hostile.on("GET", "/ex/jira/demo/rest/api/3/user/search", json_reply({"not": "a list"}))
    with pytest.raises(errors.MalformedResponse, match="not a list"):
        await DirectoryApi(one_try).search_users("so")
