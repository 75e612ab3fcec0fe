"""On-call and heartbeats: who is on call for a team, now and next, when the shift changes;
and a team's heartbeats (read, ping, create, update, switch on or off, delete).

On-call is per schedule (the vendored ``jsm-ops-directory`` and ``jsm-ops-oncall-heartbeats``
specs): ``GET /v1/schedules`` has no team filter, so a team's schedules are the ones whose
``teamId`` is the team's; then ``/v1/schedules/{id}/on-calls`` and ``/next-on-calls`` (``flat``,
``date``), and ``/timeline`` for the shifts over a range. Answers hold ids, never names: names
come from the directory (``console.directory``). These reads count against the Operations
directory's rate limit (``service="directory"``).

Heartbeats are per team and known by name: ``GET /v1/teams/{teamId}/heartbeats`` (paged,
``size`` at most 100), ping (a GET that is a write: it needs the write scope, and a read-only
console never sends it), create, update, delete. ``status`` is ``Unresponsive``,
``Responsive``, ``Off`` or ``Pending``; there is no last-ping time. A 402 (``PaymentRequired``)
means the site's plan has no heartbeats. They have their own rate-limit pause
(``service="heartbeats"``). Every write answers at once with its result (no request id).

Reading is tolerant as everywhere: unknown fields kept, both names the spec uses for a nested
list (``onCallParticipants`` in its schema, ``nextOnCallParticipants`` in its example), an
item that cannot be read (a heartbeat without a name) left out rather than the whole page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import AliasChoices, Field, StringConstraints

from console.api import errors
from console.api.client import JsmClient, build
from console.api.directory import DirectoryApi, PlatformTeam, Schedule
from console.api.models import (
    TAGS_MAX,
    Incoming,
    ListOrNull,
    Message,
    Outgoing,
    Priority,
    Tag,
    Time,
)
from console.api.pages import every_page, json_body, read_model

HEARTBEATS_PAGE = 100  # the most the spec allows
HEARTBEAT_PAGES = 50  # 5,000 heartbeats in a team at most, then we stop following "next"
HEARTBEAT_NAME_MAX = 200
HEARTBEAT_DESCRIPTION_MAX = 10_000
INTERVAL_MAX = 2**31 - 1  # the spec's int32
UNIT_SECONDS = {"minutes": 60, "hours": 3_600, "days": 86_400}
TimelineUnit = Literal["days", "weeks", "months"]
Expansion = Literal["base", "forwarding", "override"]


# ----------------------------------------------------------------------------- on-call


class OnCallParticipant(Incoming):
    """``OnCallParticipant``: a user, or a team or escalation with the people it stands for."""

    id: str | None = None
    type: str | None = None
    participants: Annotated[list[OnCallParticipant], ListOrNull] = Field(
        [], validation_alias=AliasChoices("onCallParticipants", "nextOnCallParticipants")
    )
    forwarded_from: OnCallParticipant | None = Field(None, alias="forwardedFrom")

    def user_ids(self) -> list[str]:
        """The people this participant stands for: itself if a user, else its nested users."""
        if self.type == "user" and self.id:
            return [self.id]
        return _people(self.participants)


class OnCalls(Incoming):
    """``OnCallResponse`` and ``NextOnCallResponse`` alike: the participants, or with
    ``flat`` only the users' ids."""

    participants: Annotated[list[OnCallParticipant], ListOrNull] = Field(
        [], validation_alias=AliasChoices("onCallParticipants", "nextOnCallParticipants")
    )
    users: Annotated[list[str], ListOrNull] = Field(
        [], validation_alias=AliasChoices("onCallUsers", "nextOnCallUsers")
    )

    def user_ids(self) -> list[str]:
        """Every person on call, each once, in the service's order (teams flattened)."""
        return list(dict.fromkeys([*self.users, *_people(self.participants)]))


def _people(participants: Sequence[OnCallParticipant]) -> list[str]:
    return list(dict.fromkeys(u for p in participants for u in p.user_ids()))


class TimelineResponder(Incoming):
    id: str | None = None
    type: str | None = None  # user | team | escalation | noone
    deleted: bool | None = None


class TimelinePeriod(Incoming):
    start: Time | None = Field(None, alias="startDate")
    end: Time | None = Field(None, alias="endDate")
    type: str | None = None  # base | override | forwarding | historical
    responder: TimelineResponder | None = None
    flattened_responders: Annotated[list[TimelineResponder], ListOrNull] = Field(
        [], alias="flattenedResponders"
    )
    forwarded_from: TimelineResponder | None = Field(None, alias="from")


class TimelineRotation(Incoming):
    id: str | None = None
    name: str | None = None
    order: float | None = None
    deleted: bool | None = None
    periods: Annotated[list[TimelinePeriod], ListOrNull] = []


class Timeline(Incoming):
    rotations: Annotated[list[TimelineRotation], ListOrNull] = []


class ScheduleTimeline(Incoming):
    """``ScheduleTimelineResponse``: the final layer always; base, override and forwarding
    when asked for (``expand``)."""

    start: Time | None = Field(None, alias="startDate")
    end: Time | None = Field(None, alias="endDate")
    final: Timeline = Field(Timeline(), alias="finalTimeline")
    base: Timeline | None = Field(None, alias="baseTimeline")
    override: Timeline | None = Field(None, alias="overrideTimeline")
    forwarding: Timeline | None = Field(None, alias="forwardingTimeline")

    def next_change(self, after: datetime) -> datetime | None:
        """When the next shift of the final layer begins after ``after`` (None if none does
        within the range): the moment the shift changes."""
        starts = [
            p.start
            for r in self.final.rotations
            if not r.deleted
            for p in r.periods
            if p.start is not None and p.start > after
        ]
        return min(starts, default=None)


@dataclass(frozen=True)
class ScheduleOnCall:
    """One schedule of a team, who is on call on it, and who is next."""

    schedule: Schedule
    now: OnCalls
    next: OnCalls


class OnCallApi:
    """The on-call reads, on one client's connection pool, deadline and retries."""

    def __init__(self, client: JsmClient) -> None:
        self.client = client
        self.directory = DirectoryApi(client)

    async def teams(self) -> list[PlatformTeam]:
        return await self.directory.teams()

    async def schedules(self, team_id: str | None = None) -> list[Schedule]:
        """Every schedule (with its rotations), or only the team's: the list has no team
        filter, so it is read whole and filtered here."""
        found = await self.directory.schedules()
        return found if team_id is None else [s for s in found if s.team_id == team_id]

    async def on_call(
        self, schedule_id: str, *, at: datetime | None = None, flat: bool = False
    ) -> OnCalls:
        """Who is on call on the schedule at ``at`` (the service's now if None)."""
        return await self._on_calls(schedule_id, "on-calls", at, flat)

    async def next_on_call(
        self, schedule_id: str, *, at: datetime | None = None, flat: bool = False
    ) -> OnCalls:
        """Who is on call after the shift on at ``at`` ends."""
        return await self._on_calls(schedule_id, "next-on-calls", at, flat)

    async def team_on_call(
        self, team_id: str, *, at: datetime | None = None
    ) -> list[ScheduleOnCall]:
        """Each of the team's schedules, who is on call now and who is next (two requests a
        schedule, after one for the schedules)."""
        found = []
        for schedule in await self.schedules(team_id):
            now = await self.on_call(schedule.id, at=at)
            nxt = await self.next_on_call(schedule.id, at=at)
            found.append(ScheduleOnCall(schedule, now, nxt))
        return found

    async def timeline(
        self,
        schedule_id: str,
        *,
        at: datetime | None = None,
        interval: int = 1,
        unit: TimelineUnit = "weeks",
        expand: Sequence[Expansion] = (),
    ) -> ScheduleTimeline:
        """The shifts from the start of the ``unit`` holding ``at`` (midnight, Monday or the
        first of the month), ``interval`` units long. The service reaches back at most a
        year and ahead at most two."""
        if interval < 1:
            raise errors.InputError([("interval", "must be at least 1")])
        params: dict[str, Any] = {"interval": interval, "intervalUnit": unit}
        if at is not None:
            params["date"] = _iso(at)
        if expand:
            params["expand"] = list(expand)
        path = f"{_schedule_path(schedule_id)}/timeline"
        response = await self.client.request("GET", path, params=params, service="directory")
        return read_model(ScheduleTimeline, response)

    async def _on_calls(
        self, schedule_id: str, kind: str, at: datetime | None, flat: bool
    ) -> OnCalls:
        params: dict[str, Any] = {"flat": "true" if flat else "false"}
        if at is not None:
            params["date"] = _iso(at)
        path = f"{_schedule_path(schedule_id)}/{kind}"
        response = await self.client.request("GET", path, params=params, service="directory")
        return read_model(OnCalls, response)


def _schedule_path(schedule_id: str) -> str:
    return f"/v1/schedules/{quote(schedule_id, safe='')}"


def _iso(at: datetime) -> str:
    """``at`` as the service writes times (UTC, milliseconds, Z); a time without a zone is
    refused rather than guessed."""
    if at.tzinfo is None:
        raise errors.InputError([("date", "must carry a time zone")])
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ----------------------------------------------------------------------------- heartbeats


class Heartbeat(Incoming):
    """``Heartbeat``: known by its name within its team (it has no id)."""

    name: str = Field(min_length=1)
    description: str | None = None
    interval: int | None = None
    interval_unit: str | None = Field(None, alias="intervalUnit")  # Minutes | Hours | Days
    enabled: bool | None = None  # the spec's example sends "true": read as true
    status: str | None = None  # Unresponsive | Responsive | Off | Pending
    owner_team_id: str | None = Field(None, alias="ownerTeamId")
    alert_message: str | None = Field(None, alias="alertMessage")
    alert_tags: Annotated[list[str], ListOrNull] = Field([], alias="alertTags")
    alert_priority: str | None = Field(None, alias="alertPriority")

    @property
    def silent(self) -> bool:
        """Expected a ping and none came in time (``Unresponsive``); Off and Pending are not."""
        return (self.status or "").casefold() == "unresponsive"

    @property
    def interval_seconds(self) -> int | None:
        unit = UNIT_SECONDS.get((self.interval_unit or "").casefold())
        return self.interval * unit if unit is not None and self.interval is not None else None


HeartbeatName = Annotated[
    str, StringConstraints(min_length=1, max_length=HEARTBEAT_NAME_MAX, pattern=r"\S")
]
IntervalUnit = Literal["minutes", "hours", "days"]


class HeartbeatChange(Outgoing):
    """``UpdateHeartbeatRequest``: what to change. The spec requires a ``name`` it does not
    define; :meth:`HeartbeatApi.update` sends the heartbeat's own."""

    name: HeartbeatName | None = None
    description: str | None = Field(None, max_length=HEARTBEAT_DESCRIPTION_MAX)
    interval: int | None = Field(None, ge=1, le=INTERVAL_MAX)
    interval_unit: IntervalUnit | None = Field(None, alias="intervalUnit")
    enabled: bool | None = None
    alert_message: Message | None = Field(None, alias="alertMessage")
    alert_tags: list[Tag] | None = Field(None, alias="alertTags", max_length=TAGS_MAX)
    alert_priority: Priority | None = Field(None, alias="alertPriority")


class NewHeartbeat(HeartbeatChange):
    """``CreateHeartbeatRequest``: a name, an interval and its unit at least. Created
    disabled unless ``enabled`` (the spec's default)."""

    name: HeartbeatName
    interval: int = Field(ge=1, le=INTERVAL_MAX)
    interval_unit: IntervalUnit = Field(alias="intervalUnit")


class HeartbeatApi:
    """A team's heartbeats, on one client (their own rate-limit pause: ``heartbeats``)."""

    def __init__(self, client: JsmClient) -> None:
        self.client = client

    async def heartbeats(self, team_id: str, *, name: str | None = None) -> list[Heartbeat]:
        """Every heartbeat of the team (pages of 100, at most 50 of them), or the one named."""
        params: dict[str, Any] = {"offset": 0, "size": HEARTBEATS_PAGE}
        if name is not None:
            params["name"] = name
        return await every_page(
            self.client,
            Heartbeat,
            _heartbeats_path(team_id),
            params,
            service="heartbeats",
            max_pages=HEARTBEAT_PAGES,
        )

    async def heartbeat(self, team_id: str, name: str) -> Heartbeat | None:
        found = await self.heartbeats(team_id, name=name)
        return next((b for b in found if b.name == name), None)

    async def ping(self, team_id: str, name: str) -> str:
        """Tell the service the job is alive; its answer ("PONG - Heartbeat received"). The
        service answers so for any name, known or not. A GET, but a write: a read-only
        console never sends it. Repeating it is harmless, so it is retried as a read."""
        if self.client.read_only:
            raise errors.ReadOnlyError(f"read-only: the ping of {name!r} was not sent")
        path = f"{_heartbeats_path(team_id)}/ping"
        response = await self.client.request(
            "GET", path, params={"name": name}, service="heartbeats"
        )
        body = json_body(response)
        message = body.get("message") if isinstance(body, dict) else None
        return message if isinstance(message, str) else ""

    async def create(self, team_id: str, data: Mapping[str, Any] | NewHeartbeat) -> Heartbeat:
        """A new heartbeat. Safe to retry: a name is unique in its team, so a repeat cannot
        make a second one; when an earlier attempt may have arrived and the repeat is told
        the name is taken, the heartbeat is read back and, if it is the one we sent, it is
        the answer."""
        body = build(NewHeartbeat, data).to_json()
        try:
            response = await self.client.request(
                "POST", _heartbeats_path(team_id), body=body, service="heartbeats"
            )
        except errors.Unprocessable as error:
            if not error.may_have_applied:
                raise
            found = await self.heartbeat(team_id, body["name"])
            if found is None or not _as_sent(body, found):
                raise
            return found
        return read_model(Heartbeat, response)

    async def update(
        self, team_id: str, name: str, data: Mapping[str, Any] | HeartbeatChange
    ) -> Heartbeat:
        """Change what ``data`` gives (never the name). The same change twice is the same
        heartbeat: retried as a read."""
        change = build(HeartbeatChange, data)
        if change.name is not None and change.name != name:
            raise errors.InputError([("name", "a heartbeat's name cannot be changed")])
        body = {**change.to_json(), "name": name}
        response = await self.client.request(
            "PATCH",
            _heartbeats_path(team_id),
            params={"name": name},
            body=body,
            service="heartbeats",
        )
        return read_model(Heartbeat, response)

    async def set_enabled(self, team_id: str, name: str, enabled: bool) -> Heartbeat:
        """Switch it on or off (off: ``Off``, never silent, for a maintenance)."""
        return await self.update(team_id, name, {"enabled": enabled})

    async def delete(self, team_id: str, name: str) -> None:
        """Gone. Retried as a read; when an earlier attempt may have arrived and a repeat finds
        no such heartbeat, that attempt deleted it: done."""
        try:
            await self.client.request(
                "DELETE", _heartbeats_path(team_id), params={"name": name}, service="heartbeats"
            )
        except errors.NotFound as error:
            if not error.may_have_applied:
                raise


def _heartbeats_path(team_id: str) -> str:
    return f"/v1/teams/{quote(team_id, safe='')}/heartbeats"


def _as_sent(body: Mapping[str, Any], found: Heartbeat) -> bool:
    """Is ``found`` the heartbeat ``body`` created (every field we sent, as we sent it)?"""
    shown = {
        "description": found.description,
        "interval": found.interval,
        "intervalUnit": (found.interval_unit or "").casefold(),
        "enabled": found.enabled,
        "alertMessage": found.alert_message,
        "alertTags": found.alert_tags,
        "alertPriority": found.alert_priority,
    }
    return all(shown[key] == value for key, value in body.items() if key in shown)


__all__ = [
    "Heartbeat",
    "HeartbeatApi",
    "HeartbeatChange",
    "NewHeartbeat",
    "OnCallApi",
    "OnCallParticipant",
    "OnCalls",
    "ScheduleOnCall",
    "ScheduleTimeline",
]
