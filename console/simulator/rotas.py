"""Who is on call when: rotations as data, and the shifts they make. Pure: no I/O, no clock.

A rotation hands the pager from one participant to the next every ``length`` hours, days or
weeks from its ``startDate``; a schedule's on-call at an instant is the current participant
of each of its rotations. Everything the on-call routes answer (``/on-calls``,
``/next-on-calls``, ``/timeline``) is computed here from the rotations and an instant, so a
test that asks at a handover's instant minus and plus one second sees the change.

:class:`Rotas` keeps the site's rotation definitions: the demo's, anchored to when the
simulator started (the first handover ``handover_in_ms`` later), and any a test set for a
schedule through ``/_admin/oncall``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from console.simulator.model import iso_ms, parse_iso_ms

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
UNIT_MS = {"hourly": HOUR_MS, "daily": DAY_MS, "weekly": WEEK_MS}
PARTICIPANT_TYPES = ("user", "team", "escalation", "noone")
ROTATION_START_MS = 1_704_099_600_000  # Monday 2024-01-01 09:00 UTC: the weekly backups' start
HANDOVER_IN_MS = 5 * 60_000  # the demo's first handover, after the simulator starts
SHIFT_HOURS = 8  # the demo's primary rotations: three shifts a day, follow the sun
CHANGES_MAX = 10_000  # shift boundaries looked through for the next change of on-call
ROTATIONS_MAX = 20  # rotations a test may give one schedule
LENGTH_MAX = 1_000  # hours, days or weeks in one shift


@dataclass(frozen=True, slots=True)
class Participant:
    type: str  # user | team | escalation | noone
    id: str = ""

    def to_api(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id} if self.id else {"type": self.type}


@dataclass(frozen=True, slots=True)
class Shift:
    rotation: Rotation
    start_ms: int
    end_ms: int
    participant: Participant


@dataclass(frozen=True, slots=True)
class Rotation:
    id: str
    name: str
    start_ms: int
    type: str  # hourly | daily | weekly
    length: int
    participants: tuple[Participant, ...]

    @property
    def shift_ms(self) -> int:
        return UNIT_MS[self.type] * self.length

    def _shift(self, index: int) -> Shift:
        start = self.start_ms + index * self.shift_ms
        who = self.participants[index % len(self.participants)]
        return Shift(self, start, start + self.shift_ms, who)

    def shift_at(self, at_ms: int) -> Shift | None:
        """The shift on at ``at_ms`` (a shift holds its start, not its end); None before the
        rotation starts or when it has nobody."""
        if at_ms < self.start_ms or not self.participants:
            return None
        return self._shift((at_ms - self.start_ms) // self.shift_ms)

    def shifts(self, from_ms: int, to_ms: int) -> Iterator[Shift]:
        """Every shift that overlaps ``[from_ms, to_ms)``, in order."""
        if to_ms <= self.start_ms or not self.participants or to_ms <= from_ms:
            return
        index = max(0, (from_ms - self.start_ms) // self.shift_ms)
        while (shift := self._shift(index)).start_ms < to_ms:
            yield shift
            index += 1

    def next_boundary(self, after_ms: int) -> int | None:
        """The first shift boundary after ``after_ms`` at which the pager may change hands
        (None when it never will again: nobody, or one participant only, already on)."""
        if not self.participants:
            return None
        if after_ms < self.start_ms:
            return self.start_ms
        if len(set(self.participants)) == 1:
            return None
        return self.start_ms + ((after_ms - self.start_ms) // self.shift_ms + 1) * self.shift_ms

    def to_api(self) -> dict[str, Any]:
        """As ``Schedule.rotations`` lists it (no end date: the demo's rotations run on)."""
        return {
            "id": self.id,
            "name": self.name,
            "startDate": iso_ms(self.start_ms),
            "type": self.type,
            "length": self.length,
            "participants": [p.to_api() for p in self.participants] or [{"type": "noone"}],
        }


def on_call(rotations: Sequence[Rotation], at_ms: int) -> list[Shift]:
    """The shift of each rotation on at ``at_ms``, in the rotations' order."""
    return [shift for r in rotations if (shift := r.shift_at(at_ms)) is not None]


def who(shifts: Sequence[Shift]) -> list[Participant]:
    """The participants of these shifts, each once, in order; nobody (``noone``) left out."""
    return list(dict.fromkeys(s.participant for s in shifts if s.participant.type != "noone"))


def next_change(rotations: Sequence[Rotation], at_ms: int) -> int | None:
    """The first instant after ``at_ms`` at which the on-call (who, not which shift) changes:
    a shift handed from someone to the same someone is no handover. None if it never does
    within :data:`CHANGES_MAX` shift boundaries."""
    current = who(on_call(rotations, at_ms))
    instant = at_ms
    for _ in range(CHANGES_MAX):
        boundaries = [b for r in rotations if (b := r.next_boundary(instant)) is not None]
        if not boundaries:
            return None
        instant = min(boundaries)
        if who(on_call(rotations, instant)) != current:
            return instant
    return None


def flatten(
    participants: Sequence[Participant], members: Callable[[Participant], list[str]]
) -> list[str]:
    """The user ids these participants stand for (a team: its members), each once."""
    return list(dict.fromkeys(user for p in participants for user in members(p)))


# --------------------------------------------------------------------------- the timeline

TIMELINE_UNITS = ("days", "weeks", "months")


def timeline_range(at_ms: int, interval: int, unit: str) -> tuple[int, int]:
    """The spec's rule: from the start of the ``unit`` holding ``at_ms`` (midnight, Monday or
    the first of the month, in UTC), ``interval`` units long."""
    at = datetime.fromtimestamp(at_ms / 1000, tz=UTC)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "days":
        start, end = day, day + timedelta(days=interval)
    elif unit == "weeks":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(weeks=interval)
    else:
        start = day.replace(day=1)
        months = start.month - 1 + interval
        end = start.replace(year=start.year + months // 12, month=months % 12 + 1)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def periods(rotation: Rotation, from_ms: int, to_ms: int) -> list[tuple[int, int, Participant]]:
    """The rotation's shifts over ``[from_ms, to_ms)``, cut to it, and one period where the
    same participant holds several shifts in a row."""
    found: list[tuple[int, int, Participant]] = []
    for shift in rotation.shifts(from_ms, to_ms):
        start, end = max(shift.start_ms, from_ms), min(shift.end_ms, to_ms)
        if found and found[-1][2] == shift.participant and found[-1][1] == start:
            found[-1] = (found[-1][0], end, shift.participant)
        else:
            found.append((start, end, shift.participant))
    return found


# --------------------------------------------------------------------------- the site's rotas


def demo_rotations(
    schedule_id: str, index: int, members: Sequence[str], anchor_ms: int, handover_in_ms: int
) -> tuple[Rotation, ...]:
    """A schedule's rotations in the demo: a primary of eight-hour shifts among the team's
    people, whose next handover is ``handover_in_ms`` after ``anchor_ms`` for the first
    schedule (an hour later for each next one), started a week before; and a weekly backup,
    the same people the other way round."""
    people = tuple(Participant("user", m) for m in members)
    handover = anchor_ms + handover_in_ms + index * HOUR_MS
    return (
        Rotation(
            _rotation_id(schedule_id, "primary"),
            "Follow the sun",
            handover - WEEK_MS,  # 21 shifts of 8 hours: a handover at ``handover``
            "hourly",
            SHIFT_HOURS,
            people,
        ),
        Rotation(
            _rotation_id(schedule_id, "backup"),
            "Weekly backup",
            ROTATION_START_MS,
            "weekly",
            1,
            tuple(reversed(people)),
        ),
    )


def _rotation_id(schedule_id: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"rotation:{schedule_id}:{name}"))


class Rotas:
    """The site's rotation definitions: the demo's, or those a test set for a schedule."""

    def __init__(self, anchor_ms: int, handover_in_ms: int = HANDOVER_IN_MS) -> None:
        self.anchor_ms = anchor_ms
        self.handover_in_ms = handover_in_ms
        self.given: dict[str, tuple[Rotation, ...]] = {}

    def reset(self, anchor_ms: int, handover_in_ms: int) -> None:
        self.anchor_ms = anchor_ms
        self.handover_in_ms = handover_in_ms
        self.given = {}

    def of(self, schedule_id: str, index: int, members: Sequence[str]) -> tuple[Rotation, ...]:
        """The rotations of one schedule: ``index`` is its place among the site's schedules,
        ``members`` the account ids of its team's people."""
        given = self.given.get(schedule_id)
        if given is not None:
            return given
        return demo_rotations(schedule_id, index, members, self.anchor_ms, self.handover_in_ms)

    @property
    def first_handover_ms(self) -> int:
        """The demo's first handover (the first schedule's, if its team has two people)."""
        return self.anchor_ms + self.handover_in_ms


def read_rotations(schedule_id: str, raw: Any) -> tuple[Rotation, ...]:
    """Rotations a test gives for a schedule (``/_admin/oncall``), as ``Schedule.rotations``
    lists them: ``[{name, type, length, startDate, participants: [{type, id}]}]``.
    ValueError says what is wrong."""
    if not isinstance(raw, list) or len(raw) > ROTATIONS_MAX:
        raise ValueError(f"rotations must be a list of at most {ROTATIONS_MAX}")
    found: list[Rotation] = []
    for i, item in enumerate(raw):
        where = f"rotations[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be an object")
        kind, length = item.get("type"), item.get("length", 1)
        if kind not in UNIT_MS:
            raise ValueError(f"{where}.type must be one of {', '.join(UNIT_MS)}")
        if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= LENGTH_MAX:
            raise ValueError(f"{where}.length must be an integer from 1 to {LENGTH_MAX}")
        try:
            start = parse_iso_ms(str(item.get("startDate", "")))
        except ValueError:
            raise ValueError(f"{where}.startDate must be an ISO-8601 date-time") from None
        people = item.get("participants")
        if not isinstance(people, list) or len(people) > 100:
            raise ValueError(f"{where}.participants must be a list of at most 100")
        participants: list[Participant] = []
        for p in people:
            if not isinstance(p, dict) or p.get("type") not in PARTICIPANT_TYPES:
                kinds = ", ".join(PARTICIPANT_TYPES)
                raise ValueError(f"{where}.participants: each needs a type, one of {kinds}")
            ident = p.get("id", "")
            if p["type"] != "noone" and (not isinstance(ident, str) or not 0 < len(ident) <= 512):
                raise ValueError(f"{where}.participants: each but noone needs an id")
            participants.append(Participant(p["type"], ident if p["type"] != "noone" else ""))
        name = str(item.get("name") or f"Rotation {i + 1}")[:200]
        found.append(
            Rotation(
                _rotation_id(schedule_id, f"given:{i}"),
                name,
                start,
                kind,
                length,
                tuple(participants),
            )
        )
    return tuple(found)
