"""The heartbeats API, as ``jsm-ops-oncall-heartbeats.openapi.json`` lays it out: per team,
keyed by name (``?name=``): list (paged), create, update, delete, and ping (a GET that needs
the write scope and answers 202 whether or not the heartbeat exists, as the spec says).

Before anything else, as the service would: the token's scopes (401 "scope does not match"
without ``read:ops-config``, or without ``write:ops-config`` for a write), the site's plan
(402 when it has no heartbeats: ``--no-heartbeats`` or ``/_admin/heartbeats {"plan":
false}``), the account's permission (403 for the read-only credential's writes, and for
everything with ``{"permission": false}``). A team the site does not know is a 404 (the spec
declares none; the directory's reads answer so), and so is a name no heartbeat has.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from console.simulator import validation
from console.simulator.config import SimulatorConfig
from console.simulator.directory import DirectoryRoutes, query_int
from console.simulator.heartbeats import PER_TEAM_MAX, DemoJobs, Heartbeat, HeartbeatBook
from console.simulator.model import DirectoryEntry
from console.simulator.routes import ApiError, Ctx

PONG = "PONG - Heartbeat received"
NO_PLAN = "Your subscription plan does not include heartbeats"
NO_PERMISSION = "You do not have permission to view or change the heartbeats of this team."
PATH = "/v1/teams/{teamId}/heartbeats"


class HeartbeatRoutes:
    def __init__(self, config: SimulatorConfig, directory: DirectoryRoutes) -> None:
        self.config = config
        self.directory = directory
        self.clock = directory.store.clock
        self.book = HeartbeatBook(directory.store)
        self.jobs = DemoJobs(self.book, config.live, int(config.heartbeat_silent_after_s * 1000))
        self.plan = config.heartbeats_plan
        self.permission = True

    def reset(self) -> None:
        """The site's plan and the account's permission as the simulator started."""
        self.plan = self.config.heartbeats_plan
        self.permission = True

    # ------------------------------------------------------------ plumbing

    def _guard(self, *, write: bool = False) -> int:
        """The checks every heartbeat path makes first; then every silence is raised, so that
        what the request reads agrees with the alerts. The site's time."""
        self.directory.ops_scope(write=write)
        if not self.plan:
            raise ApiError(402, NO_PLAN, "PaymentRequired")
        if not self.permission:
            raise ApiError(403, NO_PERMISSION, "Forbidden")
        now = self.clock()
        self.book.expire(now)
        return now

    def _team(self, ctx: Ctx) -> DirectoryEntry:
        people = self.directory.people()
        return self.directory.team_or_404(people, ctx.request.path_params["teamId"])

    def _name(self, ctx: Ctx, *, required: bool = True) -> str | None:
        name = ctx.request.query_params.get("name")
        if name is None or not name.strip():
            if required:
                raise ApiError(400, "name is required: the heartbeat's name", "InvalidField")
            return None
        if len(name) > validation.HEARTBEAT_NAME_MAX:
            limit = validation.HEARTBEAT_NAME_MAX
            raise ApiError(400, f"name must be at most {limit} characters", "InvalidField")
        return name

    def _found(self, team: DirectoryEntry, name: str) -> Heartbeat:
        beat = self.book.get(team.id, name)
        if beat is None:
            raise ApiError(404, f"No heartbeat named {name[:80]!r} in this team", "NotFound")
        return beat

    # ------------------------------------------------------------ the five operations

    async def listing(self, ctx: Ctx) -> Response:
        now = self._guard()
        team = self._team(ctx)
        name = self._name(ctx, required=False)
        # The spec declares no 422 here: a bad page is a 400, as for escalations.
        offset = query_int(ctx.request, "offset", 0, 0, None, 400)
        size = query_int(ctx.request, "size", 20, 1, 100, 400)
        found = self.book.of_team(team.id)
        if name is not None:
            found = [b for b in found if b.name == name]
        page = found[offset : offset + size]
        links: dict[str, str] = {}
        if offset + size < len(found):
            query: dict[str, Any] = {"offset": offset + size, "size": size}
            if name is not None:
                query["name"] = name
            links["next"] = f"/v1/teams/{team.id}/heartbeats?{urlencode(query)}"
        return JSONResponse({"values": [b.to_api(now) for b in page], "links": links})

    async def create(self, ctx: Ctx) -> Response:
        now = self._guard(write=True)
        team = self._team(ctx)
        body = await self.directory.site.checked(ctx, validation.check_create_heartbeat)
        name = body["name"]
        if self.book.get(team.id, name) is not None:
            # No 409 is declared: a name taken is a payload that cannot be validated.
            raise _invalid("name", f"a heartbeat named {name[:80]!r} already exists in this team")
        if len(self.book.of_team(team.id)) >= PER_TEAM_MAX:
            raise _invalid("name", f"a team may have at most {PER_TEAM_MAX} heartbeats")
        beat = Heartbeat(team.id, name, body["interval"], body["intervalUnit"])
        beat.alert_message = f"{name} is expired"  # the spec's default, "HeartbeatName is expired"
        beat.watched_from_ms = now
        beat.change(body, now)
        self.book.add(beat)
        return JSONResponse(beat.to_api(now), status_code=201)

    async def update(self, ctx: Ctx) -> Response:
        now = self._guard(write=True)
        team = self._team(ctx)
        name = self._name(ctx)
        assert name is not None
        beat = self._found(team, name)
        body = await self.directory.site.checked(ctx, validation.check_update_heartbeat)
        if body.get("name") not in (None, name):
            raise _invalid("name", "a heartbeat's name cannot be changed")
        beat.change(body, now)
        self.book.expire(now)  # a shorter interval may end it at once
        # The spec answers an update with 201, and so do we.
        return JSONResponse(beat.to_api(now), status_code=201)

    async def delete(self, ctx: Ctx) -> Response:
        self._guard()
        team = self._team(ctx)
        name = self._name(ctx)
        assert name is not None
        self.book.remove(self._found(team, name))
        return Response(status_code=204)

    async def ping(self, ctx: Ctx) -> Response:
        """202 for any name, known or not (the spec: it "does not check if the heartbeat
        exists"); a known one is alive from now."""
        now = self._guard(write=True)
        name = self._name(ctx)
        assert name is not None
        self.book.ping(ctx.request.path_params["teamId"], name, now)
        return JSONResponse({"message": PONG}, status_code=202)

    # ------------------------------------------------------------ admin

    async def admin(self, request: Request) -> Response:
        """GET: the plan, the permission, and every heartbeat as the site sees it (last ping,
        when it goes silent, whether its alert is up). POST: ``{"plan": false}`` (402 from every
        heartbeat path), ``{"permission": false}`` (403), each optional."""
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError:
                return JSONResponse({"message": "Invalid JSON body"}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"message": "Body must be a JSON object"}, status_code=422)
            for key in ("plan", "permission"):
                if key in body and not isinstance(body[key], bool):
                    return JSONResponse({"message": f"{key} must be true or false"}, 422)
            self.plan = body.get("plan", self.plan)
            self.permission = body.get("permission", self.permission)
        now = self.clock()
        self.book.expire(now)
        return JSONResponse(
            {
                "plan": self.plan,
                "permission": self.permission,
                "alerts_raised": self.book.alerts_raised,
                "pings_unmatched": self.book.pings_unmatched,
                "heartbeats": [
                    {
                        "team": b.team_id,
                        "name": b.name,
                        "status": b.status(now),
                        "last_ping_ms": b.last_ping_ms,
                        "due_ms": b.due_ms,
                        "alerted": b.alerted,
                    }
                    for b in self.book.beats.values()
                ],
            }
        )

    def routes(self) -> list[BaseRoute]:
        """Below ``/jsm/ops/api/{cloudId}``."""
        e = self.directory.site.endpoint
        subject = "heartbeats"
        return [
            Route(PATH, e("read", self.listing), methods=["GET"]),
            Route(PATH, e("write", self.create, subject=subject), methods=["POST"]),
            Route(PATH, e("write", self.update, subject=subject), methods=["PATCH"]),
            Route(PATH, e("delete", self.delete, subject=subject), methods=["DELETE"]),
            Route(f"{PATH}/ping", e("write", self.ping, subject=subject), methods=["GET"]),
        ]


def _invalid(field: str, text: str) -> ApiError:
    """A 422 shaped as the body checks give it: one entry naming the field."""
    title = f"{field}: {text}"
    return ApiError(
        422,
        title,
        "InvalidField",
        errors=[{"title": title, "code": "InvalidField", "field": field}],
    )
