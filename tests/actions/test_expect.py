"""The optimistic row (each op's ``expect`` in the registry) against what the site shows
afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from console.actions import OPS, ActionTracker, State
from console.api import InputError, JsmClient
from tests.actions.support import find, settled

SHOWN = ("acknowledged", "status", "owner", "tags", "snoozed", "snoozed_until", "priority")
SHOWN_TOO = ("message", "extra_properties", "description")
UNTIL = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)

VISIBLE: dict[str, tuple[str, dict[str, Any] | None]] = {
    "acknowledge": ("status:open AND acknowledged:false", None),
    "unacknowledge": ("status:open AND acknowledged:true", None),
    "close": ("status:open", None),
    # An account the site does not know: the service shows the id itself as the owner.
    "assign": ("status:open", {"accountId": "acct-unknown-to-the-site"}),
    "add_tags": ("status:open", {"tags": ["prod", "optimistic"]}),
    "remove_tags": ("status:open AND tags:prod", {"tags": ["prod"]}),
    "snooze": ("status:open AND snoozed:false", {"endTime": UNTIL}),
    "update_priority": ("status:open AND NOT priority:P5", {"priority": "P5"}),
    "update_message": ("status:open", {"message": "Optimistically renamed"}),
    "update_description": ("status:open", {"description": "Optimistically described"}),
    "add_extra_properties": ("status:open", {"extraProperties": {"shard": 7, "hot": True}}),
    "remove_extra_properties": ("status:open", {"keys": ["service", "no-such-key"]}),
}


@pytest.mark.parametrize("op", list(VISIBLE))
async def test_the_expected_row_is_what_the_site_shows_after_success(
    op: str, api: httpx.Client, client: JsmClient, tracker: ActionTracker
) -> None:
    query, data = VISIBLE[op]
    before = await client.get_alert(find(api, query, 1)[0]["id"])
    hoped = OPS[op].expected(before, data)
    assert hoped is not None
    assert hoped.id == before.id
    batch = tracker.submit(op, [(before.id, f"#{before.tiny_id}")], data)
    (action,) = await settled(tracker, batch)
    assert action.state is State.SUCCEEDED, action.reason
    after = await client.get_alert(before.id)
    for name in (*SHOWN, *SHOWN_TOO):
        assert getattr(hoped, name) == getattr(after, name), name
    assert any(getattr(hoped, n) != getattr(before, n) for n in (*SHOWN, *SHOWN_TOO))


@pytest.mark.parametrize("op", sorted(set(OPS) - set(VISIBLE)))
async def test_ops_that_change_nothing_in_a_row_expect_nothing(
    op: str, api: httpx.Client, client: JsmClient
) -> None:
    alert = await client.get_alert(find(api, "status:open", 1)[0]["id"])
    assert OPS[op].expected(alert, {}) is None


async def test_validate_checks_like_submit_and_sends_nothing(
    client: JsmClient, tracker: ActionTracker
) -> None:
    with pytest.raises(InputError) as raised:
        tracker.validate("add_tags", {"tags": ["x" * 51]})
    assert raised.value.fields == ("tags[0]",)
    tracker.validate("add_tags", {"tags": ["fine"]})
    tracker.validate("acknowledge", None)
    tracker.validate("add_note", {"note": "fine"})
    assert tracker.actions == {}
    assert client.requests_sent == 0
