"""Who is on call: a schedule's on-calls now and next, and its timeline, as the vendored
specs lay them out (``getOnCalls`` in ``jsm-ops-directory.openapi.json``; ``getNextOnCalls``
and ``getTimeline`` in ``jsm-ops-oncall-heartbeats.openapi.json``).

Every answer is computed by :mod:`console.simulator.rotas` from the schedule's rotations and
one instant: the request's ``date``, or the site's clock. ``/_admin/oncall`` shows when the
demo's first handover is, places it anew (``handover_in_s``, counted from now) and gives a
schedule rotations of a test's own (``rotations: {scheduleId: [...]}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from console.simulator.demo import People
from console.simulator.directory import DirectoryRoutes, query_int
from console.simulator.model import iso_ms, parse_iso_ms
from console.simulator.rotas import (
    DAY_MS,
    TIMELINE_UNITS,
    Participant,
    Rotation,
    flatten,
    next_change,
    on_call,
    periods,
    read_rotations,
    timeline_range,
    who,
)
from console.simulator.routes import ApiError, Ctx

EXPANSIONS = ("base", "forwarding", "override")
BACK_MS = 366 * DAY_MS  # "at most one year from today" back...
AHEAD_MS = 731 * DAY_MS  # "...and as far as two years from today" ahead
INTERVAL_MAX = 10_000  # before the range is checked: no date arithmetic on absurd numbers
Members = Callable[[Participant], list[str]]


class OnCallRoutes:
    def __init__(self, directory: DirectoryRoutes) -> None:
        self.directory = directory
        self.clock = directory.store.clock

    # ------------------------------------------------------------ the three reads

    def _asked(self, ctx: Ctx) -> tuple[People, tuple[Rotation, ...], int]:
        """The schedule's people and rotations, and the instant asked about (422 if unreadable)."""
        self.directory.ops_scope()
        people = self.directory.people()
        schedule = self.directory.schedule_or_404(people, ctx.request.path_params["scheduleId"])
        raw = ctx.request.query_params.get("date")
        try:
            at = parse_iso_ms(raw) if raw else self.clock()
        except ValueError:
            raise ApiError(422, "date must be an ISO-8601 date-time", "InvalidField") from None
        return people, self.directory.rotations(people, schedule), at

    def _participants(
        self, people: People, participants: Sequence[Participant], flat: bool, key: str
    ) -> JSONResponse:
        """``{key + "Participants": [...]}``, or ``{key + "Users": [ids]}`` with ``flat``."""
        members = self._members(people)
        if flat:
            return JSONResponse({f"{key}Users": flatten(participants, members)})
        tree: list[dict[str, Any]] = []
        for p in participants:
            item: dict[str, Any] = {"id": p.id, "type": p.type}
            if p.type in ("team", "escalation"):
                # The schema's name for the nested list (the example of next-on-calls says
                # nextOnCallParticipants; clients read both).
                item["onCallParticipants"] = [{"id": u, "type": "user"} for u in members(p)]
            tree.append(item)
        return JSONResponse({f"{key}Participants": tree})

    def _members(self, people: People) -> Members:
        return lambda p: self.directory.members_of(people, p)

    async def on_calls(self, ctx: Ctx) -> Response:
        people, rotations, at = self._asked(ctx)
        flat = _flat(ctx.request)
        return self._participants(people, who(on_call(rotations, at)), flat, "onCall")

    async def next_on_calls(self, ctx: Ctx) -> Response:
        """Who is on at the next change of on-call after ``date`` (nobody if it never changes)."""
        people, rotations, at = self._asked(ctx)
        flat = _flat(ctx.request)
        change = next_change(rotations, at)
        nxt = who(on_call(rotations, change)) if change is not None else []
        return self._participants(people, nxt, flat, "nextOnCall")

    async def timeline(self, ctx: Ctx) -> Response:
        people, rotations, at = self._asked(ctx)
        params = ctx.request.query_params
        interval = query_int(ctx.request, "interval", 1, 1, INTERVAL_MAX, 422)
        unit = params.get("intervalUnit") or "weeks"
        if unit not in TIMELINE_UNITS:
            raise ApiError(
                422, f"intervalUnit should be one of [{', '.join(TIMELINE_UNITS)}]", "InvalidField"
            )
        expand: set[str] = set()
        for raw in params.getlist("expand"):
            expand.update(v.strip() for v in raw.split(",") if v.strip())
        unknown = expand - set(EXPANSIONS)
        if unknown:
            raise ApiError(422, f"expand: unknown value {sorted(unknown)[0]!r}", "InvalidField")
        now = self.clock()
        try:
            start, end = timeline_range(at, interval, unit)
        except (ValueError, OverflowError):  # past the year 9999
            start, end = now - 2 * BACK_MS, now
        if start < now - BACK_MS or end > now + AHEAD_MS:
            raise ApiError(
                422,
                "The timeline may reach back at most one year and ahead at most two years",
                "InvalidField",
            )
        members = self._members(people)

        def layer(final: bool) -> dict[str, Any]:
            return {
                "rotations": [
                    _timeline_rotation(r, order, start, end, now, members if final else None)
                    for order, r in enumerate(rotations, start=1)
                ]
            }

        body: dict[str, Any] = {
            "startDate": iso_ms(start),
            "endDate": iso_ms(end),
            "finalTimeline": layer(final=True),
        }
        if "base" in expand:
            body["baseTimeline"] = layer(final=False)
        # The simulator has no overrides and no forwarding: those layers are empty.
        if "override" in expand:
            body["overrideTimeline"] = {"rotations": []}
        if "forwarding" in expand:
            body["forwardingTimeline"] = {"rotations": []}
        body["_expands"] = list(EXPANSIONS)
        return JSONResponse(body)

    # ------------------------------------------------------------ admin

    async def admin(self, request: Request) -> Response:
        """GET: when the demo's first handover is. POST: ``{"handover_in_s": N}`` places it N
        seconds from now; ``{"rotations": {scheduleId: [rotation, ...]}}`` gives schedules
        rotations of their own (``[]``: none; ``null``: the demo's again)."""
        rotas = self.directory.rotas
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError:
                return JSONResponse({"message": "Invalid JSON body"}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"message": "Body must be a JSON object"}, status_code=422)
            problem = self._configure(body)
            if problem:
                return JSONResponse({"message": problem}, status_code=422)
        people = self.directory.people()
        schedules = people.by_type.get("schedule", [])
        return JSONResponse(
            {
                "handover_in_s": rotas.handover_in_ms / 1000,
                "first_handover": iso_ms(rotas.first_handover_ms),
                "first_schedule": schedules[0].id if schedules else None,
                "given": sorted(rotas.given),
            }
        )

    def _configure(self, body: dict[str, Any]) -> str | None:
        rotas = self.directory.rotas
        given: dict[str, tuple[Rotation, ...] | None] = {}
        raw = body.get("rotations") or {}
        if not isinstance(raw, dict):
            return "rotations must map schedule ids to lists of rotations"
        known = {s.id for s in self.directory.people().by_type.get("schedule", [])}
        for schedule_id, items in raw.items():
            if schedule_id not in known:
                return f"rotations: no schedule {schedule_id[:80]!r}"
            try:
                given[schedule_id] = None if items is None else read_rotations(schedule_id, items)
            except ValueError as error:
                return str(error)
        if "handover_in_s" in body:
            value = body["handover_in_s"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                return "handover_in_s must be a number of seconds"
            if not 0 <= value <= 7 * 86_400:
                return "handover_in_s must be between 0 and 604800"
            rotas.anchor_ms, rotas.handover_in_ms = self.clock(), int(value * 1000)
        for schedule_id, rotations in given.items():
            if rotations is None:
                rotas.given.pop(schedule_id, None)
            else:
                rotas.given[schedule_id] = rotations
        return None

    def routes(self) -> list[BaseRoute]:
        """Below ``/jsm/ops/api/{cloudId}``."""
        e = self.directory.site.endpoint
        base = "/v1/schedules/{scheduleId}"
        return [
            Route(f"{base}/on-calls", e("read", self.on_calls), methods=["GET"]),
            Route(f"{base}/next-on-calls", e("read", self.next_on_calls), methods=["GET"]),
            Route(f"{base}/timeline", e("read", self.timeline), methods=["GET"]),
        ]


def _timeline_rotation(
    rotation: Rotation, order: int, start: int, end: int, now: int, members: Members | None
) -> dict[str, Any]:
    """``TimelineRotation``: its periods over ``[start, end)``. For the final layer
    (``members`` given), periods already over are ``historical`` and every period names the
    people it flattens to, as the spec's example does; the base layer's are ``base``."""
    found = []
    for begin, until, p in periods(rotation, start, end):
        period: dict[str, Any] = {
            "startDate": iso_ms(begin),
            "endDate": iso_ms(until),
            "type": "historical" if members is not None and until <= now else "base",
            "responder": p.to_api(),
        }
        if members is not None:
            period["flattenedResponders"] = [{"id": u, "type": "user"} for u in members(p)]
        found.append(period)
    return {
        "id": rotation.id,
        "name": rotation.name,
        "order": float(order),
        "deleted": False,
        "periods": found,
    }


def _flat(request: Request) -> bool:
    flat = (request.query_params.get("flat") or "false").lower()
    if flat not in ("true", "false"):
        raise ApiError(422, "flat must be true or false", "InvalidField")
    return flat == "true"
