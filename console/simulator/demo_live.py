"""Live mode of the demo: new alerts arrive, known ones repeat, some are acknowledged and closed.

:class:`LiveScenario` decides what happens on each tick; the processor applies its
events through the same code paths as API requests. It draws alerts from the same
scenario catalogue as the generated history.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from console.simulator.demo import PRIORITY_MIX, SECOND, People, render_scenario
from console.simulator.demo_catalogue import (
    BURSTS,
    INTEGRATIONS,
    SCENARIO_BY_KEY,
    TEAMS,
    Ctx,
    Rendered,
    Weighted,
    clip,
    pick,
    prepare,
    render,
)
from console.simulator.model import (
    PRIORITIES,
    VISIBLE_TO_TYPES,
    DirectoryEntry,
    JsonScalar,
    Responder,
    StoredAlert,
)
from console.simulator.validation import (
    ACTION_MAX,
    ACTIONS_MAX,
    ALIAS_MAX,
    DESCRIPTION_MAX,
    ENTITY_MAX,
    EXTRA_PROPERTIES_MAX,
    MESSAGE_MAX,
    NOTE_MAX,
    RECIPIENTS_MAX,
    SOURCE_MAX,
    TAG_MAX,
    TAGS_MAX,
)


@dataclass(frozen=True, slots=True)
class CreateEvent:
    """A CreateAlertRequest body, as a monitoring tool would POST it."""

    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AckEvent:
    alert_id: str
    user: str


@dataclass(frozen=True, slots=True)
class CloseEvent:
    alert_id: str
    user: str


LiveEvent = CreateEvent | AckEvent | CloseEvent


_TICK_COUNTS: Weighted[int] = Weighted(((0, 30), (1, 45), (2, 18), (3, 7)))
_SETTLE_MS = 20 * SECOND
_TICK_KINDS: Weighted[str] = Weighted((("repeat", 40), ("new", 22), ("ack", 13), ("close", 25)))


def _scalar(value: Any) -> JsonScalar:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _clean_strings(values: Sequence[Any], count: int, each: int) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str) and value.strip() and value not in out:
            out.append(clip(value, each))
    return out[:count]


def _recipients(values: Sequence[Responder], types: tuple[str, ...]) -> list[dict[str, str]]:
    return [r.to_api() for r in values if r.type in types and r.id.strip()][:RECIPIENTS_MAX]


def _extra(props: dict[str, JsonScalar]) -> dict[str, JsonScalar]:
    """Extra properties trimmed to the 8,000 limit, however the service measures it."""
    out: dict[str, JsonScalar] = {}
    size = 2
    for key, value in props.items():
        if not key.strip():
            continue
        item = _scalar(value)
        cost = len(json.dumps({key: item})) + 1
        if size + cost > EXTRA_PROPERTIES_MAX:
            break
        out[key] = item
        size += cost
    return out


def _payload(
    *,
    message: str,
    alias: str,
    description: str,
    responders: Sequence[Responder],
    visible_to: Sequence[Responder],
    tags: Sequence[str],
    actions: Sequence[str],
    entity: str,
    source: str,
    priority: str,
    extra: dict[str, JsonScalar],
    note: str = "",
) -> dict[str, Any]:
    """A CreateAlertRequest body within every limit of the service."""
    body: dict[str, Any] = {"message": clip(message.strip() or "Alert", MESSAGE_MAX)}
    if alias:
        body["alias"] = clip(alias, ALIAS_MAX)
    if description:
        body["description"] = clip(description, DESCRIPTION_MAX)
    body["responders"] = _recipients(responders, ("team", "user", "escalation", "schedule"))
    visible = _recipients(visible_to, VISIBLE_TO_TYPES)
    if visible:
        body["visibleTo"] = visible
    body["tags"] = _clean_strings(tags, TAGS_MAX, TAG_MAX)
    body["actions"] = _clean_strings(actions, ACTIONS_MAX, ACTION_MAX)
    if entity:
        body["entity"] = clip(entity, ENTITY_MAX)
    if source:
        body["source"] = clip(source, SOURCE_MAX)
    body["priority"] = priority if priority in PRIORITIES else "P3"
    body["extraProperties"] = _extra(extra)
    if note:
        body["note"] = clip(note, NOTE_MAX)
    return body


class LiveScenario:
    """Drives the demo in live mode: new alerts arrive, known ones repeat, some get acked and
    closed.

    Deterministic for a seed and the same sequence of calls (and inputs).
    """

    def __init__(self, seed: int, directory: list[DirectoryEntry]) -> None:
        self._rng = random.Random(f"live:{seed}")
        self._people = People(directory)

    def next_events(self, open_alerts: Sequence[StoredAlert], now_ms: int) -> list[LiveEvent]:
        """What happens in one tick (every few seconds): usually zero to two events."""
        rng = self._rng
        if rng.random() < 0.02:
            return list(self._burst())
        wanted = _TICK_COUNTS.pick(rng)
        if wanted == 0:
            return []
        open_alerts = [a for a in open_alerts if a.is_open]
        # Nobody acks or closes an alert in the seconds after it fires.
        settled = [a for a in open_alerts if a.created_at_ms <= now_ms - _SETTLE_MS]
        events: list[LiveEvent] = []
        touched: set[str] = set()
        taken: set[str] | None = None
        for _ in range(wanted):
            kind = _TICK_KINDS.pick(rng)
            event: LiveEvent | None = None
            if kind == "repeat":
                event = self._repeat(open_alerts, touched)
            elif kind == "ack":
                event = self._ack(settled, touched)
            elif kind == "close":
                event = self._close(settled, touched)
            if event is None:
                if taken is None:
                    taken = {a.alias for a in open_alerts}
                event = self._new(taken)
            events.append(event)
        return events

    # The four kinds of event.

    def _new(self, taken: set[str]) -> CreateEvent:
        """A new alert, with an alias that no open alert has (else it would be a repeat)."""
        rng = self._rng
        rendered = render_scenario(rng, PRIORITY_MIX.pick(rng), taken)
        taken.add(rendered.alias)
        return self._create(rendered)

    def _create(self, r: Rendered) -> CreateEvent:
        rng, people = self._rng, self._people
        team = people.team(rng, r.team)
        note = ""
        if rng.random() < 0.1:
            note = f"Triggered by rule {r.scenario.key} in {r.source}; runbook {r.ctx['runbook']}"
        return CreateEvent(
            _payload(
                message=r.message,
                alias=r.alias,
                description=r.description,
                responders=people.responders(rng, team),
                visible_to=people.visible_to(rng),
                tags=r.tags,
                actions=r.actions,
                entity=r.entity,
                source=r.source,
                priority=r.priority,
                extra=r.extra_properties,
                note=note,
            )
        )

    def _repeat(self, open_alerts: Sequence[StoredAlert], touched: set[str]) -> LiveEvent | None:
        """The same alert again from its monitoring tool: the store bumps its count."""
        candidates = [a for a in open_alerts if a.alias and a.id not in touched]
        if not candidates:
            return None
        # Noisy alerts stay noisy.
        weights = [1 + min(a.count, 50) for a in candidates]
        a = self._rng.choices(candidates, weights)[0]
        touched.add(a.id)
        return CreateEvent(
            _payload(
                message=a.message,
                alias=a.alias,
                description=a.description,
                responders=a.responders,
                visible_to=a.visible_to,
                tags=a.tags,
                actions=a.actions,
                entity=a.entity,
                source=a.source,
                priority=a.priority,
                extra=a.extra_properties,
            )
        )

    def _ack(self, open_alerts: Sequence[StoredAlert], touched: set[str]) -> LiveEvent | None:
        candidates = [a for a in open_alerts if not a.acknowledged and a.id not in touched]
        if not candidates:
            return None
        a = pick(self._rng, candidates)
        touched.add(a.id)
        return AckEvent(a.id, self._user_for(a))

    def _close(self, open_alerts: Sequence[StoredAlert], touched: set[str]) -> LiveEvent | None:
        rng = self._rng
        candidates = [a for a in open_alerts if a.id not in touched]
        acked = [a for a in candidates if a.acknowledged]
        if acked and rng.random() < 0.7:
            candidates = acked
        if not candidates:
            return None
        a = pick(rng, candidates)
        touched.add(a.id)
        if a.acknowledged_by:
            return CloseEvent(a.id, a.acknowledged_by)
        if a.source in INTEGRATIONS and rng.random() < 0.5:
            return CloseEvent(a.id, a.source)  # the monitoring tool resolved it
        return CloseEvent(a.id, self._user_for(a))

    def _user_for(self, alert: StoredAlert) -> str:
        person = self._people.member(self._rng, self._people.team_of(alert))
        return person.name if person is not None else "On-call"

    def _burst(self) -> list[LiveEvent]:
        """A P1 incident: several related alerts from one team's estate at once."""
        rng = self._rng
        group = pick(rng, BURSTS)
        estate = pick(rng, [t for t in TEAMS if t.customer_facing])
        shared = Ctx(rng, estate)
        shared["env"] = "prod"
        for key in ("region", "service", "db", "cluster", "domain", "check", "host"):
            shared.text(key)
        events: list[LiveEvent] = []
        for key, priority in group:
            sc = SCENARIO_BY_KEY[key]
            ctx = prepare(rng, sc, priority, estate, shared)
            events.append(self._create(render(rng, sc, ctx)))
        return events
