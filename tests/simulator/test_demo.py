"""The demo data generator: deterministic, realistic in its mix, and always within limits."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from console.simulator.demo import build_directory, generate_alerts
from console.simulator.demo_catalogue import CATEGORY_TAG, SCENARIOS
from console.simulator.demo_live import AckEvent, CloseEvent, CreateEvent, LiveEvent, LiveScenario
from console.simulator.model import DirectoryEntry, StoredAlert
from console.simulator.validation import FieldError, check_create, extra_properties_size

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WEEK = 7 * 24 * 3_600_000
N = 2_000
ID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-(\d{13})$"
)
OFFSET_RE = re.compile(r"^(\d{13})_(\d{19})$")
EMAIL_RE = re.compile(r"^[a-z]+\.[a-z-]+@example\.com$")
HOSTILE_CHARS = re.compile(r"[\[\x1b\t]|[^\x00-\x7f]")


@pytest.fixture(scope="module")
def directory() -> list[DirectoryEntry]:
    return build_directory(1)


@pytest.fixture(scope="module")
def alerts(directory: list[DirectoryEntry]) -> list[StoredAlert]:
    return generate_alerts(N, 7, NOW, directory)


@pytest.fixture(scope="module")
def open_alerts(alerts: list[StoredAlert]) -> list[StoredAlert]:
    return [a for a in alerts if a.is_open]


def share(items: Sequence[Any], predicate: Any) -> float:
    return sum(1 for item in items if predicate(item)) / len(items)


# ------------------------------------------------------------------ directory


def test_directory_has_teams_people_escalations_and_schedules() -> None:
    entries = build_directory(1)
    kinds = Counter(e.type for e in entries)
    assert kinds == {"team": 12, "user": 30, "escalation": 8, "schedule": 8}
    assert len({e.id for e in entries}) == len(entries)
    assert len({e.name for e in entries}) == len(entries)
    teams = {e.name for e in entries if e.type == "team"}
    assert {"Payments", "Platform", "Database Reliability", "Messaging"} <= teams
    for entry in entries:
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", entry.id
        )
        if entry.type == "user":
            assert " " in entry.name
            assert EMAIL_RE.match(entry.email), entry.email
        else:
            assert entry.email == ""
        if entry.type in ("escalation", "schedule"):
            assert any(entry.name.startswith(team) for team in teams)
    emails = [e.email for e in entries if e.type == "user"]
    assert len(set(emails)) == len(emails)


def test_directory_is_deterministic_per_seed() -> None:
    assert build_directory(5) == build_directory(5)
    assert build_directory(5) != build_directory(6)


# ------------------------------------------------------------------ generated history


def test_generation_is_deterministic(
    directory: list[DirectoryEntry], alerts: list[StoredAlert]
) -> None:
    again = generate_alerts(N, 7, NOW, directory)
    assert again == alerts  # every field, notes and logs included
    other = generate_alerts(N, 8, NOW, directory)
    assert [a.message for a in other] != [a.message for a in alerts]
    assert {a.id for a in other}.isdisjoint({a.id for a in alerts})


def test_small_counts(directory: list[DirectoryEntry]) -> None:
    assert generate_alerts(0, 1, NOW, directory) == []
    [one] = generate_alerts(1, 1, NOW, directory)
    assert one.tiny_id == "1"
    assert one.created_at_ms <= NOW


def test_tiny_ids_follow_creation_order(alerts: list[StoredAlert]) -> None:
    assert [a.tiny_id for a in alerts] == [str(i) for i in range(1, N + 1)]
    created = [a.created_at_ms for a in alerts]
    assert all(b > a for a, b in itertools.pairwise(created))
    assert created[0] >= NOW - WEEK
    assert created[-1] <= NOW
    # A few in the last minutes, and more in the last day than in the first.
    assert 1 <= sum(1 for c in created if c >= NOW - 15 * 60_000) <= 60
    last_day = sum(1 for c in created if c >= NOW - 86_400_000)
    first_day = sum(1 for c in created if c < NOW - WEEK + 86_400_000)
    assert last_day > 2 * first_day


def test_ids_are_unique_and_shaped_like_the_service(alerts: list[StoredAlert]) -> None:
    assert len({a.id for a in alerts}) == N
    for a in alerts:
        match = ID_RE.match(a.id)
        assert match, a.id
        assert int(match.group(1)) == a.created_at_ms


def test_priority_mix(alerts: list[StoredAlert]) -> None:
    counts = Counter(a.priority for a in alerts)
    bounds = {"P1": (0.02, 0.09), "P2": (0.10, 0.21), "P3": (0.37, 0.53), "P4": (0.18, 0.32),
              "P5": (0.05, 0.15)}  # fmt: skip
    for priority, (low, high) in bounds.items():
        assert low <= counts[priority] / N <= high, (priority, counts)


def test_status_mix(alerts: list[StoredAlert], open_alerts: list[StoredAlert]) -> None:
    assert 0.45 <= len(open_alerts) / N <= 0.65
    assert 0.20 <= share(open_alerts, lambda a: a.acknowledged) <= 0.40
    assert 0.04 <= share(open_alerts, lambda a: a.snoozed) <= 0.13
    closed = [a for a in alerts if not a.is_open]
    assert all(a.status == "closed" for a in closed)
    assert all(a.close_time_ms is not None and a.closed_by for a in closed)
    assert 0.65 <= share(closed, lambda a: a.ack_time_ms is not None) <= 0.95
    # Older alerts are more likely to be closed.
    third = N // 3
    assert (
        share(alerts[:third], lambda a: not a.is_open)
        > share(alerts[-third:], lambda a: not a.is_open) + 0.2
    )
    # Seen: all acked and closed ones, some open ones.
    assert all(a.seen for a in alerts if a.acknowledged or not a.is_open)
    unacked = [a for a in open_alerts if not a.acknowledged]
    assert 0.2 <= share(unacked, lambda a: a.seen) <= 0.6


def test_owners_and_ackers_are_directory_users(
    directory: list[DirectoryEntry], alerts: list[StoredAlert], open_alerts: list[StoredAlert]
) -> None:
    users = {e.id: e for e in directory if e.type == "user"}
    names = {e.name for e in users.values()} | {e.email for e in users.values()}
    assert 0.25 <= share(open_alerts, lambda a: bool(a.owner)) <= 0.45
    acked_open = [a for a in open_alerts if a.acknowledged]
    assert share(acked_open, lambda a: bool(a.owner)) >= 0.75
    for a in alerts:
        if a.owner:
            assert a.owner_account_id in users
            assert users[a.owner_account_id].name == a.owner
        else:
            assert a.owner_account_id == ""
        if a.acknowledged:
            assert a.acknowledged_by in names
        else:
            assert a.acknowledged_by == ""


def test_open_aliases_are_unique(alerts: list[StoredAlert], open_alerts: list[StoredAlert]) -> None:
    aliases = [a.alias for a in open_alerts]
    assert len(set(aliases)) == len(aliases)
    assert all(a.alias for a in alerts)
    # Aliases are stable dedup keys built from the scenario: "<kind>:<what>[:<detail>]".
    prefixes = {a.alias.split(":", 1)[0] for a in alerts}
    assert len(prefixes) >= 25
    assert all(":" in a.alias for a in alerts)


def test_counts_and_occurrences(alerts: list[StoredAlert]) -> None:
    repeated = [a for a in alerts if a.count > 1]
    assert 0.10 <= len(repeated) / N <= 0.20
    assert all(1 <= a.count <= 250 for a in alerts)
    assert all(a.last_occurred_at_ms > a.created_at_ms for a in repeated)
    assert all(a.last_occurred_at_ms == a.created_at_ms for a in alerts if a.count == 1)
    # Long-tailed: most repeat a few times, some a lot.
    assert sum(1 for a in repeated if a.count <= 5) > len(repeated) / 2
    assert any(a.count >= 50 for a in repeated)


def test_timestamps_are_consistent(alerts: list[StoredAlert]) -> None:
    for a in alerts:
        assert a.created_at_ms <= a.last_occurred_at_ms <= a.updated_at_ms <= NOW, a.tiny_id
        if a.ack_time_ms is not None:
            assert a.created_at_ms <= a.ack_time_ms <= a.updated_at_ms
        assert (a.ack_time_ms is not None) == a.acknowledged
        if a.close_time_ms is not None:
            assert not a.is_open
            assert a.created_at_ms <= a.close_time_ms <= a.updated_at_ms
            assert a.close_time_ms >= (a.ack_time_ms or a.created_at_ms)
            assert a.last_occurred_at_ms <= a.close_time_ms
        else:
            assert a.is_open
        if a.snoozed:
            assert a.is_open
            assert a.snoozed_until_ms is not None and a.snoozed_until_ms > NOW
        else:
            assert a.snoozed_until_ms is None
        for note in a.notes:
            assert a.created_at_ms <= note.created_at_ms <= note.updated_at_ms <= a.updated_at_ms
        for entry in a.logs:
            assert a.created_at_ms <= entry.log_time_ms <= a.updated_at_ms


def _check_limits(a: StoredAlert, directory: list[DirectoryEntry]) -> None:
    by_id = {e.id: e for e in directory}
    assert 1 <= len(a.message) <= 130 and a.message.strip()
    assert len(a.alias) <= 512
    assert len(a.description) <= 15_000
    assert 0 < len(a.entity) <= 512
    assert 0 < len(a.source) <= 100
    assert a.priority in ("P1", "P2", "P3", "P4", "P5")
    assert len(a.tags) <= 6 + 1 and len(a.tags) <= 20
    assert all(tag.strip() and len(tag) <= 50 for tag in a.tags)
    assert len(set(a.tags)) == len(a.tags)
    assert len(a.actions) <= 3
    assert all(action.strip() and len(action) <= 50 for action in a.actions)
    assert 1 <= len(a.responders) <= 3
    assert a.responders[0].type == "team"
    for r in a.responders:
        assert r.type in ("team", "user", "escalation", "schedule")
        assert by_id[r.id].type == r.type
    assert len({r.id for r in a.responders}) == len(a.responders)
    assert len(a.visible_to) <= 2
    for r in a.visible_to:
        assert r.type in ("team", "user")
        assert by_id[r.id].type == r.type
    props = a.extra_properties
    assert 2 <= len(props) <= 8
    assert all(key.strip() for key in props)
    assert all(isinstance(v, str | int | float | bool) for v in props.values())
    assert len(json.dumps(props)) < 8_000
    assert extra_properties_size(props) < 8_000


def test_every_field_is_within_the_limits(
    directory: list[DirectoryEntry], alerts: list[StoredAlert]
) -> None:
    for a in alerts:
        _check_limits(a, directory)
    for a in alerts[::10]:
        json.dumps(a.to_api())  # serialisable as the service answers it
        assert StoredAlert.from_state(a.to_state()) == a


def test_variety(alerts: list[StoredAlert]) -> None:
    assert len({a.message for a in alerts}) > N * 0.9
    sources = Counter(a.source for a in alerts)
    assert len(sources) >= 8
    assert {
        "Prometheus",
        "Datadog",
        "Pingdom",
        "Sentry",
        "cert-manager",
        "kube-state-metrics",
    } <= set(sources)
    by_source = {a.source: (a.integration_name, a.integration_type) for a in alerts}
    assert by_source["Prometheus"] == ("Prometheus", "Prometheus")
    assert by_source["Datadog"] == ("Datadog", "Datadog")
    assert by_source["cert-manager"] == ("Default API", "API")
    tags = {tag for a in alerts for tag in a.tags}
    assert {"prod", "eu-west-1", "database", "customer-facing"} <= tags
    assert set(CATEGORY_TAG.values()) <= tags
    prop_types = {type(v) for a in alerts for v in a.extra_properties.values()}
    assert {str, int, float, bool} <= prop_types
    keys = {k for a in alerts for k in a.extra_properties}
    assert {"region", "runbook", "host", "cluster", "namespace", "value", "threshold"} <= keys
    runbooks = [a.extra_properties["runbook"] for a in alerts if "runbook" in a.extra_properties]
    assert runbooks and all(str(url).startswith("https://") for url in runbooks)
    assert 0.02 <= share(alerts, lambda a: a.description == "") <= 0.2
    assert any(len(a.description) > 400 for a in alerts)
    assert any(not a.tags for a in alerts) and any(not a.actions for a in alerts)
    assert any(len(a.responders) > 1 for a in alerts)
    kinds = Counter(r.type for a in alerts for r in a.responders)
    assert kinds["team"] > kinds["user"] > 0 and kinds["escalation"] > 0 and kinds["schedule"] > 0
    assert 0.1 <= share(alerts, lambda a: bool(a.visible_to)) <= 0.5


def test_every_scenario_appears(directory: list[DirectoryEntry]) -> None:
    many = generate_alerts(4_000, 3, NOW, directory)
    prefixes = Counter(a.alias.split(":", 1)[0] for a in many)
    # Alias prefixes name the scenario (the catalogue's key, or a short form of it).
    for scenario in SCENARIOS:
        prefix = scenario.alias.split(":", 1)[0]
        assert prefixes[prefix] > 0, prefix


def test_notes(alerts: list[StoredAlert]) -> None:
    with_notes = [a for a in alerts if a.notes]
    assert 0.12 <= len(with_notes) / N <= 0.28
    ids: set[str] = set()
    for a in with_notes:
        assert 1 <= len(a.notes) <= 3
        times = [n.created_at_ms for n in a.notes]
        assert times == sorted(times)
        end = a.close_time_ms if a.close_time_ms is not None else NOW
        for note in a.notes:
            assert note.id.isdigit() and int(note.id) // 1_000_000 == note.created_at_ms
            assert note.id not in ids
            ids.add(note.id)
            assert note.created_at_ms <= note.updated_at_ms <= end
            assert 0 < len(note.note) <= 25_000
            assert "@" in note.owner


def test_logs_tell_the_alerts_story(alerts: list[StoredAlert]) -> None:
    for a in alerts:
        logs = a.logs
        assert logs, a.tiny_id
        first = logs[0]
        assert first.log_time_ms == a.created_at_ms
        assert first.log_type == "system"
        assert first.log.startswith(f"Alert created via {a.integration_name}")
        keys = []
        for entry in logs:
            match = OFFSET_RE.match(entry.offset)
            assert match, entry.offset
            assert int(match.group(1)) == entry.log_time_ms
            keys.append((int(match.group(1)), int(match.group(2))))
            assert entry.log_type in ("system", "alertAction", "note")
            assert entry.log and entry.owner
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        offsets = [e.offset for e in logs]
        assert offsets == sorted(offsets)
        texts = [e.log for e in logs]
        if a.acknowledged:
            assert f"Alert acknowledged by {a.acknowledged_by}" in texts
        if not a.is_open:
            assert logs[-1].log == f"Alert closed by {a.closed_by}"
        if a.snoozed:
            assert any(t.startswith("Alert snoozed until ") for t in texts)
        if a.count > 1:
            assert f"Alert count incremented to {a.count}" in texts
        if a.owner:
            assert f"Alert owner set to {a.owner}" in texts
        assert sum(1 for e in logs if e.log_type == "note") == len(a.notes)
        assert max(e.log_time_ms for e in logs) <= a.updated_at_ms


def test_a_few_alerts_carry_hostile_text(alerts: list[StoredAlert]) -> None:
    hostile = [a for a in alerts if HOSTILE_CHARS.search(a.message)]
    assert 0.005 <= len(hostile) / N <= 0.02
    messages = " ".join(a.message for a in hostile)
    assert "[bold red]" in messages or "[link=" in messages
    assert "\x1b[" in messages
    assert "\t" in messages
    assert any(ord(ch) > 0x3000 for ch in messages)  # CJK or emoji
    # The rest is ordinary printable ASCII.
    ordinary = [a for a in alerts if a not in hostile]
    assert all(a.message.isascii() and a.message.isprintable() for a in ordinary)


def test_other_directories(directory: list[DirectoryEntry]) -> None:
    assert all(a.responders == [] for a in generate_alerts(50, 1, NOW, []))
    users_only = [e for e in directory if e.type == "user"][:3]
    for a in generate_alerts(50, 1, NOW, users_only):
        assert 1 <= len(a.responders) <= 3
        assert {r.type for r in a.responders} == {"user"}
    custom = [
        DirectoryEntry("t-1", "team", "Night Shift"),
        DirectoryEntry("u-1", "user", "Ada Byron", "ada@x.io"),
    ]
    for a in generate_alerts(50, 1, NOW, custom):
        assert a.responders[0].id == "t-1"
        assert not a.owner or a.owner_account_id == "u-1"


def test_twenty_thousand_alerts(directory: list[DirectoryEntry]) -> None:
    many = generate_alerts(20_000, 11, NOW, directory)
    assert len(many) == 20_000
    assert many[-1].tiny_id == "20000"
    open_aliases = [a.alias for a in many if a.is_open]
    assert len(set(open_aliases)) == len(open_aliases)
    assert len({a.id for a in many}) == 20_000
    assert all(len(a.message) <= 130 for a in many)


# ------------------------------------------------------------------ live mode


def _payload_errors(body: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    check_create(body, errors)
    return errors


def _check_payload(body: dict[str, Any], directory: list[DirectoryEntry]) -> None:
    known = {"message", "alias", "description", "responders", "visibleTo", "tags", "actions",
             "entity", "source", "priority", "extraProperties", "note"}  # fmt: skip
    assert set(body) <= known
    assert _payload_errors(body) == []
    by_id = {e.id: e for e in directory}
    assert isinstance(body["message"], str) and 0 < len(body["message"]) <= 130
    assert len(body.get("alias", "")) <= 512
    assert len(body.get("description", "")) <= 15_000
    assert len(body.get("entity", "")) <= 512
    assert len(body.get("source", "")) <= 100
    assert len(body.get("note", "")) <= 25_000
    assert len(body.get("tags", [])) <= 20 and all(0 < len(t) <= 50 for t in body.get("tags", []))
    assert len(body.get("actions", [])) <= 10 and all(
        0 < len(t) <= 50 for t in body.get("actions", [])
    )
    assert body.get("priority", "P3") in ("P1", "P2", "P3", "P4", "P5")
    for r in body.get("responders", []):
        assert r["type"] in ("team", "user", "escalation", "schedule")
        assert by_id[r["id"]].type == r["type"]
    for r in body.get("visibleTo", []):
        assert r["type"] in ("team", "user")
    assert len(json.dumps(body.get("extraProperties", {}))) <= 8_000
    json.dumps(body)


def _drive(scenario: LiveScenario, alerts: list[StoredAlert], ticks: int) -> list[list[LiveEvent]]:
    open_alerts = [a for a in alerts if a.is_open]
    return [scenario.next_events(open_alerts, NOW + i * 3_000) for i in range(ticks)]


def test_live_scenario_is_deterministic(
    directory: list[DirectoryEntry], alerts: list[StoredAlert]
) -> None:
    one = _drive(LiveScenario(4, directory), alerts, 300)
    two = _drive(LiveScenario(4, directory), alerts, 300)
    assert one == two
    assert _drive(LiveScenario(5, directory), alerts, 300) != one


def test_live_events_are_plausible_and_valid(
    directory: list[DirectoryEntry], alerts: list[StoredAlert]
) -> None:
    ticks = _drive(LiveScenario(9, directory), alerts, 1_500)
    open_by_id = {a.id: a for a in alerts if a.is_open}
    open_aliases = {a.alias for a in open_by_id.values()}
    sizes = Counter(len(t) for t in ticks)
    assert set(sizes) <= {0, 1, 2, 3}
    assert sizes[0] > 0 and sizes[1] > sizes[3]
    kinds: Counter[str] = Counter()
    bursts = 0
    for events in ticks:
        targets = [e.alert_id for e in events if isinstance(e, AckEvent | CloseEvent)]
        assert len(targets) == len(set(targets))
        p1_creates = 0
        for event in events:
            if isinstance(event, CreateEvent):
                _check_payload(event.payload, directory)
                # A repeat resends an open alert's alias; a new alert never takes one.
                repeat = event.payload.get("alias") in open_aliases
                kinds["repeat" if repeat else "new"] += 1
                p1_creates += event.payload["priority"] == "P1"
            elif isinstance(event, AckEvent):
                kinds["ack"] += 1
                assert event.alert_id in open_by_id
                assert not open_by_id[event.alert_id].acknowledged
                assert event.user
            else:
                assert isinstance(event, CloseEvent)
                kinds["close"] += 1
                assert event.alert_id in open_by_id
                assert event.user
        bursts += len(events) == 3 and p1_creates >= 1
    assert kinds["repeat"] > kinds["ack"] > 0
    # New alerts and closes roughly balance, so a long demo does not pile up open alerts.
    assert kinds["new"] > 0 and kinds["close"] > 0
    assert 0.6 <= kinds["new"] / kinds["close"] <= 1.7
    assert bursts >= 5


def test_live_repeats_resend_the_same_alert(
    directory: list[DirectoryEntry], alerts: list[StoredAlert]
) -> None:
    by_alias = {a.alias: a for a in alerts if a.is_open}
    repeats = 0
    for events in _drive(LiveScenario(2, directory), alerts, 300):
        if len(events) == 3 and all(isinstance(e, CreateEvent) for e in events):
            continue  # maybe an incident burst: fresh alerts that may hit an open alias
        for event in events:
            if isinstance(event, CreateEvent) and event.payload.get("alias") in by_alias:
                original = by_alias[event.payload["alias"]]
                body = event.payload
                assert (body["message"], body["priority"], body.get("entity")) == (
                    original.message,
                    original.priority,
                    original.entity,
                )
                assert body.get("description", "") == original.description
                assert body["extraProperties"] == original.extra_properties
                repeats += 1
    assert repeats > 50


def test_live_with_nothing_open_only_creates(directory: list[DirectoryEntry]) -> None:
    scenario = LiveScenario(1, directory)
    events = [e for i in range(200) for e in scenario.next_events([], NOW + i * 3_000)]
    assert events and all(isinstance(e, CreateEvent) for e in events)
    for event in events:
        assert isinstance(event, CreateEvent)
        _check_payload(event.payload, directory)


def test_live_leaves_fresh_alerts_alone(
    directory: list[DirectoryEntry], open_alerts: list[StoredAlert]
) -> None:
    scenario = LiveScenario(3, directory)
    oldest = min(a.created_at_ms for a in open_alerts)
    for i in range(300):
        # Every open alert fired less than 20 s ago: nothing to ack or close yet.
        events = scenario.next_events(open_alerts, oldest + 10_000 + i)
        assert all(isinstance(e, CreateEvent) for e in events)
