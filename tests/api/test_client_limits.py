"""Input limits checked before sending, the 20,000-alert window, and alert text kept literally."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from console.api import InputError, JsmClient
from console.simulator.server import BackgroundSimulator
from tests.api.support import create_and_get, ops, requests_seen, settled
from tests.helpers import get

Call = Callable[[JsmClient], Awaitable[object]]


def create(**fields: Any) -> Call:
    return lambda c: ops(c).create_alert({"message": "limits", **fields})


def responders(n: int, kind: str = "user") -> list[dict[str, str]]:
    return [{"id": f"id-{i}", "type": kind} for i in range(n)]


LIMITS: list[tuple[str, Call, str]] = [
    # create: the spec's lengths
    ("message-131", lambda c: ops(c).create_alert({"message": "m" * 131}), "message"),
    ("message-empty", lambda c: ops(c).create_alert({"message": ""}), "message"),
    ("message-blank", lambda c: ops(c).create_alert({"message": " \t "}), "message"),
    ("message-missing", lambda c: ops(c).create_alert({"alias": "a"}), "message"),
    ("alias-513", create(alias="a" * 513), "alias"),
    ("description-15001", create(description="d" * 15_001), "description"),
    ("entity-513", create(entity="e" * 513), "entity"),
    ("source-101", create(source="s" * 101), "source"),
    ("note-25001", create(note="n" * 25_001), "note"),
    # tags and actions: count and length of each
    ("tags-21", create(tags=[f"t{i}" for i in range(21)]), "tags"),
    ("tag-51", create(tags=["t" * 51]), "tags[0]"),
    ("tag-blank", create(tags=["ok", "fine", " "]), "tags[2]"),
    ("actions-11", create(actions=[f"a{i}" for i in range(11)]), "actions"),
    ("action-51", create(actions=["ok", "a" * 51]), "actions[1]"),
    # extraProperties: 8,000 characters of keys plus values, scalar values, no empty key
    ("extra-8001", create(extraProperties={"k": "v" * 8_000}), "extraProperties"),
    ("extra-8001-numbers", create(extraProperties={"k" * 7_996: 12_345}), "extraProperties"),
    ("extra-empty-key", create(extraProperties={" ": "v"}), "extraProperties"),
    # recipients: 50 at most, known types, an id
    ("responders-51", create(responders=responders(51)), "responders"),
    ("visible-to-51", create(visibleTo=responders(51, "team")), "visibleTo"),
    ("responder-type", create(responders=[{"id": "x", "type": "group"}]), "responders[0].type"),
    ("responder-id", create(responders=[{"id": "", "type": "team"}]), "responders[0].id"),
    ("responders-not-a-list", create(responders={"id": "x", "type": "team"}), "responders"),
    ("visible-to-type", create(visibleTo=[{"id": "x", "type": "escalation"}]), "visibleTo[0].type"),
    ("priority-P6", create(priority="P6"), "priority"),
    ("unknown-field", create(colour="red"), "colour"),
    # every other write
    ("update-message-131", lambda c: ops(c).update_message("id", "m" * 131), "message"),
    ("update-message-empty", lambda c: ops(c).update_message("id", ""), "message"),
    ("update-description", lambda c: ops(c).update_description("id", "d" * 15_001), "description"),
    ("update-priority-P0", lambda c: ops(c).update_priority("id", "P0"), "priority"),
    ("update-priority-lower", lambda c: ops(c).update_priority("id", "p1"), "priority"),
    ("add-note-25001", lambda c: ops(c).add_note("id", "n" * 25_001), "note"),
    ("add-note-empty", lambda c: ops(c).add_note("id", ""), "note"),
    ("update-note-blank", lambda c: ops(c).update_note("id", "1", "  "), "note"),
    ("add-tags-none", lambda c: ops(c).add_tags("id", []), "tags"),
    ("add-tags-21", lambda c: ops(c).add_tags("id", [f"t{i}" for i in range(21)]), "tags"),
    ("add-tag-51", lambda c: ops(c).add_tags("id", ["t" * 51]), "tags[0]"),
    ("remove-tag-empty", lambda c: ops(c).remove_tags("id", ["a", ""]), "tags[1]"),
    ("add-extra-none", lambda c: ops(c).add_extra_properties("id", {}), "extraProperties"),
    (
        "add-extra-8001",
        lambda c: ops(c).add_extra_properties("id", {"k": "v" * 8_000}),
        "extraProperties",
    ),
    ("remove-extra-none", lambda c: ops(c).remove_extra_properties("id", []), "keys"),
    ("assign-empty", lambda c: ops(c).assign("id", ""), "accountId"),
    ("add-responder-type", lambda c: ops(c).add_responder("id", "group", "x"), "type"),
    ("add-responder-id", lambda c: ops(c).add_responder("id", "team", ""), "id"),
    ("escalate-empty", lambda c: ops(c).escalate("id", ""), "escalationId"),
    ("action-empty", lambda c: ops(c).execute_action("id", ""), "actionName"),
    ("action-51", lambda c: ops(c).execute_action("id", "a" * 51), "actionName"),
    (
        "snooze-naive",
        lambda c: ops(c).snooze("id", datetime.now() + timedelta(hours=1)),
        "endTime",
    ),
    # listing
    ("size-0", lambda c: ops(c).list_alerts(size=0), "size"),
    ("size-101", lambda c: ops(c).list_alerts(size=101), "size"),
    ("offset-negative", lambda c: ops(c).list_alerts(offset=-1), "offset"),
    ("window", lambda c: ops(c).list_alerts(offset=19_950, size=100), "offset"),
    ("window-edge", lambda c: ops(c).list_alerts(offset=19_901, size=100), "offset"),
    ("order", lambda c: ops(c).list_alerts(order="up"), "order"),
]


@pytest.mark.parametrize(
    ("call", "field"), [case[1:] for case in LIMITS], ids=[c[0] for c in LIMITS]
)
async def test_input_over_a_limit_is_refused_before_sending(
    client: JsmClient, sim: BackgroundSimulator, call: Call, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        await call(client)
    assert caught.value.fields == (field,), caught.value.problems
    assert field in str(caught.value)
    assert requests_seen(sim).get("total", 0) == 0
    assert client.requests_sent == 0


async def test_several_problems_are_all_named(client: JsmClient, sim: BackgroundSimulator) -> None:
    with pytest.raises(InputError) as caught:
        await ops(client).create_alert(
            {"message": "", "tags": ["ok", "t" * 51], "priority": "urgent", "source": "s" * 101}
        )
    assert set(caught.value.fields) == {"message", "tags[1]", "priority", "source"}
    assert requests_seen(sim).get("total", 0) == 0


@pytest.mark.parametrize("nested", [{"a": 1}, [1, 2]], ids=["object", "list"])
async def test_nested_extra_properties_are_refused_before_sending(
    client: JsmClient, sim: BackgroundSimulator, nested: object
) -> None:
    with pytest.raises(InputError) as caught:
        await ops(client).create_alert({"message": "x", "extraProperties": {"k": nested}})
    assert caught.value.fields
    assert all(f.startswith("extraProperties") for f in caught.value.fields)
    with pytest.raises(InputError):
        await ops(client).add_extra_properties("id", {"ok": 1, "k": nested})
    assert requests_seen(sim).get("total", 0) == 0


async def test_a_nested_extra_property_is_named_once_by_its_key(client: JsmClient) -> None:
    # Regression (fixed): console/api/client.py input_error()/_where() turned each member of the
    # pydantic union JsonScalar (console/api/models.py) into a "field": a nested value under
    # key "k" gives fields ('extraProperties.k.str', 'extraProperties.k.int',
    # 'extraProperties.k.float', 'extraProperties.k.bool') and four messages ("Input should be
    # a valid string; ... a valid integer; ..."), none of which says the value may not be
    # nested. It should name the field once, as the service does: 'extraProperties.k'.
    with pytest.raises(InputError) as caught:
        await ops(client).create_alert({"message": "x", "extraProperties": {"k": {"a": 1}}})
    assert caught.value.fields == ("extraProperties.k",), caught.value.problems


async def test_every_limit_exactly_reached_is_accepted_by_client_and_service(
    client: JsmClient, api: httpx.Client
) -> None:
    fields: dict[str, Any] = {
        "message": "m" * 130,
        "alias": "a" * 512,
        "description": "d" * 15_000,
        "entity": "e" * 512,
        "source": "s" * 100,
        "note": "n" * 25_000,
        "tags": [f"{i:02d}" + "t" * 48 for i in range(20)],
        "actions": [f"{i:02d}" + "a" * 48 for i in range(10)],
        "responders": responders(50),
        "visibleTo": responders(50, "team"),
        "extraProperties": {"k": "v" * 7_989, "n": 123_456_789},  # 1 + 7989 + 1 + 9
        "priority": "P5",
    }
    assert sum(len(k) + len(str(v)) for k, v in fields["extraProperties"].items()) == 8_000
    alert, _ = await create_and_get(client, fields)
    stored = get(api, alert.id)
    for key in ("message", "alias", "description", "entity", "source", "tags", "actions"):
        assert stored[key] == fields[key], key
    assert stored["extraProperties"] == fields["extraProperties"]
    assert len(stored["responders"]) == 50
    note = await client.list_notes(alert.id)
    assert [len(n.note) for n in note.values] == [25_000]


# ----------------------------------------------------------------------------- the window


async def test_the_20000_window(client: JsmClient, sim: BackgroundSimulator) -> None:
    sim.reset(alerts=20_050)
    listing = await client.list_alerts(offset=19_800, size=100)
    assert listing.total == 20_050
    assert listing.has_next and not listing.window_reached
    seen = [a.id for a in listing.alerts]
    last = listing
    while (following := await client.next_page(last)) is not None:
        seen += [a.id for a in following.alerts]
        last = following
    assert (last.offset, last.size, len(last.alerts)) == (19_900, 100, 100)
    assert not last.has_next
    assert last.window_reached  # 150 more match, beyond reach: narrow the query
    assert len(seen) == len(set(seen)) == 200
    sim.admin("stats", method="DELETE")
    with pytest.raises(InputError) as caught:
        await client.list_alerts(offset=19_950, size=100)
    assert caught.value.fields == ("offset",)
    assert "20,000" in str(caught.value)
    assert requests_seen(sim).get("total", 0) == 0
    # The last page inside the window shrinks so that all 20,000 can be reached.
    odd = await client.list_alerts(offset=19_850, size=100)
    tail = await client.next_page(odd)
    assert tail is not None
    assert (tail.offset, tail.size, len(tail.alerts)) == (19_950, 50, 50)
    assert tail.window_reached


# ----------------------------------------------------------------------------- literal text

MARKUP = "[bold red]x[/] [link=http://x]y[/link]"
ANSI = "\x1b[31mred\x1b[0m \x1b[2J"
CONTROL = "tab\there bell\x07 nul-free"
UNICODE = "עברית \u202eevil\u202c مرحبا 🚨🔥 👩\u200d💻"
TEXT = f"{MARKUP} | {ANSI} | {CONTROL} | {UNICODE}"


async def test_markup_escapes_and_unicode_round_trip_unchanged(
    client: JsmClient, api: httpx.Client
) -> None:
    assert len(TEXT) <= 130
    fields: dict[str, Any] = {
        "message": TEXT,
        "alias": f"alias {TEXT}",
        "description": f"{TEXT}\n\nsecond paragraph {MARKUP}",
        "entity": ANSI,
        "source": UNICODE,
        "tags": [MARKUP, ANSI, CONTROL, "עברית", "🚨"],
        "extraProperties": {MARKUP: ANSI, "emoji 🚨": UNICODE, "ctl": CONTROL, "[b]": True},
        "note": TEXT,
    }
    alert, _ = await create_and_get(client, fields)
    for name in ("message", "alias", "description", "entity", "source"):
        assert getattr(alert, name) == fields[name], name
    assert alert.tags == fields["tags"]
    assert alert.extra_properties == fields["extraProperties"]
    assert (await client.get_alert_by_alias(fields["alias"])).id == alert.id
    stored = get(api, alert.id)  # and the service holds exactly what was sent
    assert stored["message"] == TEXT
    assert stored["tags"] == fields["tags"]
    assert stored["extraProperties"] == fields["extraProperties"]
    note = await ops(client).add_note(alert.id, f"note {TEXT}")
    assert note.note == f"note {TEXT}"
    notes = await client.list_notes(alert.id)
    assert [n.note for n in notes.values] == [TEXT, f"note {TEXT}"]
    updated = await client.update_note(alert.id, note.id, UNICODE)
    assert updated.note == UNICODE
    await settled(client, (await ops(client).update_message(alert.id, MARKUP + ANSI)).request_id)
    await settled(client, (await ops(client).update_description(alert.id, CONTROL)).request_id)
    again = await client.get_alert(alert.id)
    assert (again.message, again.description) == (MARKUP + ANSI, CONTROL)
