"""The directory (console.directory) against the simulator: names for ids, picks by name with
recent choices first, a private cache that outlives the process and a dead service, and
failures that say why (a missing scope by its name)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from console.api import BasicCredentials, JsmClient, RetryPolicy
from console.base.paths import set_aside_notes
from console.directory import JIRA_SCOPE, OPS_SCOPE, Directory, Unresolved, looks_like_id
from console.simulator.server import BackgroundSimulator
from tests.conftest import ACCOUNT
from tests.directory.conftest import entries, knobs


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_refresh_names_every_team_escalation_schedule_and_rota_member(
    sim: BackgroundSimulator, names: Directory
) -> None:
    await names.refresh()
    assert names.problems == {}
    for kind in ("team", "escalation", "schedule"):
        for entry in entries(sim, kind):
            assert names.name(kind, entry.id) == entry.name
    # People come from Jira: those on a rota are looked up with the schedules.
    members = [e for e in entries(sim, "user") if names.name("user", e.id)]
    assert len(members) >= len(entries(sim, "user")) // 2
    escalation = entries(sim, "escalation")[0]
    team = escalation.name.split("_")[0].split(" critical")[0]
    assert names.entries[("escalation", escalation.id)].detail == team


async def test_people_are_found_by_the_start_of_any_word_of_their_name_without_accents(
    sim: BackgroundSimulator, names: Directory
) -> None:
    accented = knobs(sim, add=[{"type": "user", "name": "Zoë Çelik-Ångström", "email": "z@x.io"}])
    person_id = accented["added"][0]["id"]
    assert await names.search("user", "ang")  # Jira's own matching: a word's start
    assert [s.entry.id for s in names.suggest("user", "angstr")] == [person_id]
    assert [s.entry.id for s in names.suggest("user", "zoe cel")][:1] == [person_id]
    for inside in ("zcl", "elik", "ngstr"):  # letters in order, or from inside a word: no
        assert person_id not in [s.entry.id for s in names.suggest("user", inside)], inside
    assert names.resolve("user", "zoë çelik-ångström") == person_id
    assert names.owner_name(person_id) == "Zoë Çelik-Ångström"


async def test_recent_choices_come_first_the_latest_on_top(
    sim: BackgroundSimulator, names: Directory, tmp_path: Path
) -> None:
    await names.refresh()
    first, second = entries(sim, "escalation")[:2]
    names.remember("escalation", first.id)
    names.remember("escalation", second.id)
    shown = names.suggest("escalation", "")
    assert [s.entry.id for s in shown[:2]] == [second.id, first.id]
    assert shown[0].recent and shown[1].recent and not shown[2].recent
    # They outlive the process.
    again = Directory(names.api.client, directory=names.directory)
    assert [s.entry.id for s in again.suggest("escalation", "")[:2]] == [second.id, first.id]


async def test_typing_resolves_a_full_name_keeps_an_id_and_refuses_a_guess(
    sim: BackgroundSimulator, names: Directory
) -> None:
    await names.refresh()
    escalation = entries(sim, "escalation")[0]
    assert names.resolve("escalation", escalation.name.upper()) == escalation.id
    assert names.resolve("escalation", escalation.id) == escalation.id
    assert names.resolve("escalation", "5b10ac8d82e05b22cc7d4ef5") == "5b10ac8d82e05b22cc7d4ef5"
    with pytest.raises(Unresolved, match=f"did you mean {escalation.name}"):
        names.resolve("escalation", escalation.name[:5])
    with pytest.raises(Unresolved, match="no team called 'Nobody' is known"):
        names.resolve("team", "Nobody")
    twins = knobs(sim, add=[{"type": "team", "name": "Twins"}, {"type": "team", "name": "Twins"}])
    await names.refresh()
    assert len(twins["added"]) == 2
    with pytest.raises(Unresolved, match="2 teams are called 'Twins'"):
        names.resolve("team", "Twins")


def test_what_counts_as_an_id() -> None:
    for text in ("5b10ac8d82e05b22cc", "557058:f58131cb-b67d", "sched-42", "a@b.example"):
        assert looks_like_id(text)
    for text in ("Nadia", "O'Brien", "Al-Sayed", "Nadia Haddad", "", "Ångström"):
        assert not looks_like_id(text)


async def test_the_cache_is_private_and_names_outlive_a_dead_service(tmp_path: Path) -> None:
    server = BackgroundSimulator(alerts=5).start()
    try:
        async with JsmClient(
            origin=server.origin,
            cloud_id="demo",
            credentials=BasicCredentials(*ACCOUNT),
            retry=RetryPolicy(attempts=2, base_s=0.01, budget_s=1.0, attempt_s=0.5),
        ) as client:
            names = Directory(client, directory=tmp_path / "directory")
            await names.refresh()
            path = names.path()
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
            text = path.read_text()
            assert json.loads(text)["site"] == client.site and "demo-token" not in text
            team = entries(server, "team")[0]
            server.stop()

            # The next start, with the service down: the names are there at once, and the
            # failed read says why without losing any of them.
            offline = Directory(client, directory=tmp_path / "directory")
            assert offline.name("team", team.id) == team.name
            await offline.refresh()
            assert "cannot connect" in (offline.problem_for("team") or "")
            assert offline.name("team", team.id) == team.name
    finally:
        server.stop()


async def test_a_missing_scope_is_named_and_ids_stay_ids(
    sim: BackgroundSimulator, names: Directory
) -> None:
    knobs(sim, ops_config="no-scope", jira_users="no-scope")
    user = entries(sim, "user")[0]
    assert names.name("user", user.id) is None  # wanted: looked up with the next refresh
    await names.refresh()
    assert names.problem_for("team") == f"401: the token lacks the {OPS_SCOPE} scope"
    assert names.problem_for("escalation") == names.problem_for("team")
    assert names.problem_for("schedule") == names.problem_for("team")
    assert names.problem_for("user") == f"401: the token lacks the {JIRA_SCOPE} scope"
    assert names.describe("user", user.id) == user.id
    with pytest.raises(Unresolved, match=OPS_SCOPE):
        names.resolve("escalation", "Payments escalation")
    assert names.resolve("escalation", "esc-123") == "esc-123"  # an id still works


async def test_jira_refusing_the_user_lookup_says_what_it_needs(
    sim: BackgroundSimulator, client: JsmClient, tmp_path: Path
) -> None:
    clock = Clock()
    names = Directory(client, directory=tmp_path / "d", clock=clock)
    knobs(sim, jira_users="no-permission")
    assert await names.search("user", "so")
    problem = names.problem_for("user") or ""
    assert problem.startswith("403:") and JIRA_SCOPE in problem and "Browse users" in problem
    # Not asked again at every key; asked again a while later, and then it works.
    knobs(sim, jira_users="ok")
    assert not await names.search("user", "sof")
    clock.now += 60
    assert await names.search("user", "so")
    assert names.problem_for("user") is None


async def test_the_background_reads_only_what_is_due(
    sim: BackgroundSimulator, client: JsmClient, tmp_path: Path
) -> None:
    clock = Clock()
    names = Directory(client, directory=tmp_path / "d", clock=clock)
    assert names.due
    await names.tick()
    assert not names.due
    sent = client.requests_sent
    await names.tick()
    assert client.requests_sent == sent  # nothing due, nobody wanted: no request
    # An owner sent as an account id is wanted, and named on the next turn.
    person = knobs(sim, add=[{"type": "user", "name": "Mirela Ionescu", "id": "acct-771"}])
    assert names.owner_name(person["added"][0]["id"]) is None
    await names.tick()
    assert names.owner_name("acct-771") == "Mirela Ionescu"
    clock.now += 31 * 60
    assert names.due


@pytest.mark.parametrize(
    ("fetched_at", "kind"),
    [("1e999", "not-finite"), ("1" + "0" * 400, "not-names"), ("Infinity", "not-finite")],
)
async def test_a_cache_with_a_time_past_any_range_is_set_aside_and_never_fatal(
    client: JsmClient, tmp_path: Path, fetched_at: str, kind: str
) -> None:
    names = Directory(client, directory=tmp_path / "d")
    names.path().parent.mkdir(parents=True)
    head = json.dumps({"version": 1, "site": client.site, "entries": [["team", "t1", "Ops"]]})
    names.path().write_text(f'{head[:-1]}, "fetched_at": {fetched_at}}}')
    again = Directory(client, directory=tmp_path / "d")  # before: OverflowError
    assert again.entries == {} and again.fetched_at is None
    assert names.path().with_name(f"{names.path().name}.bad-{kind}").exists()
    assert any(n.startswith("Started without the directory cache: ") for n in set_aside_notes())


@pytest.mark.parametrize(
    "content", ["not json", '{"version": 1, "site": "elsewhere", "entries": []}', '{"version": 1}']
)
async def test_a_damaged_or_foreign_cache_is_ignored(
    sim: BackgroundSimulator, client: JsmClient, tmp_path: Path, content: str
) -> None:
    names = Directory(client, directory=tmp_path / "d")
    names.path().parent.mkdir(parents=True)
    names.path().write_text(content)
    again = Directory(client, directory=tmp_path / "d")
    assert again.entries == {} and again.fetched_at is None
    await again.refresh()  # and the next good read replaces it
    assert json.loads(again.path().read_text())["site"] == client.site
