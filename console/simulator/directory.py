"""The simulated site's directory: teams, escalations and schedules (the Operations API, as
the vendored ``jsm-ops-directory.openapi.json`` lays them out) and people (Jira's user
search and bulk lookup, in the shapes the README documents).

Everything is drawn from the store's demo directory: the people are the ones the demo
alerts are owned by and acknowledged by, each team's escalations and schedules are the
ones its alerts are routed to, and a rotation's participants are the team's members. So
a name the console shows for an id is the name the alerts' owners and logs carry.

``/_admin/directory`` turns the scopes off (``ops_config: "no-scope"`` or ``"read-only"``,
the second without ``write:ops-config``; ``jira_users: "no-scope"`` or ``"no-permission"``),
as a token without them would see the site, and adds entries (``add: [{type, name, id?,
email?, team?}]``) for tests. A schedule's rotations come from :mod:`console.simulator.rotas`;
its on-call, next on-call and timeline are served by :mod:`console.simulator.oncall`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from console.simulator.config import SimulatorConfig
from console.simulator.demo import People, without_accents
from console.simulator.model import RESPONDER_TYPES, DirectoryEntry
from console.simulator.rotas import Participant, Rotas, Rotation
from console.simulator.routes import ApiError, Ctx, SiteRoutes
from console.simulator.store import AlertStore

JIRA_PREFIX = "/ex/jira/{cloudId}/rest/api/3"
# "read-only": the token has read:ops-config but not write:ops-config (heartbeat writes).
OPS_MODES = ("ok", "no-scope", "read-only")
JIRA_MODES = ("ok", "no-scope", "no-permission")
SCOPE_MISMATCH = "Unauthorized; scope does not match"
TIMEZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Europe/London",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Africa/Lagos",
)


def _fold(text: str) -> str:
    return without_accents(text).casefold()


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


class _JiraError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class DirectoryRoutes:
    def __init__(
        self, config: SimulatorConfig, store: AlertStore, site: SiteRoutes, rotas: Rotas
    ) -> None:
        self.config = config
        self.store = store
        self.site = site
        self.rotas = rotas
        self.ops_config = "ok"
        self.jira_users = "ok"
        self.team_of_entry: dict[str, str] = {}  # entries the admin added: their team's id

    def reset(self) -> None:
        """Back to how the simulator started: every scope granted, nothing added."""
        self.ops_config = "ok"
        self.jira_users = "ok"
        self.team_of_entry = {}

    # ------------------------------------------------------------ the directory, indexed

    def people(self) -> People:
        return People(list(self.store.directory.values()))

    def _owner(
        self, entry: DirectoryEntry, teams: Sequence[DirectoryEntry]
    ) -> DirectoryEntry | None:
        """The team an escalation or schedule belongs to: the admin's word, else the team
        whose name its name starts with (the demo names them so), else the first team."""
        by_id = {t.id: t for t in teams}
        chosen = by_id.get(self.team_of_entry.get(entry.id, ""))
        if chosen is None:
            prefixed = [t for t in teams if entry.name.startswith(t.name)]
            chosen = max(prefixed, key=lambda t: len(t.name)) if prefixed else None
        return chosen or (teams[0] if teams else None)

    def _owned(self, people: People, kind: str, team: DirectoryEntry) -> list[DirectoryEntry]:
        return [e for e in people.by_type.get(kind, []) if self._owner(e, people.teams) is team]

    def ops_scope(self, *, write: bool = False) -> None:
        """The token's Operations configuration scopes: read (every directory, on-call and
        heartbeat read), and write for the heartbeat writes (ping included)."""
        if self.ops_config == "no-scope" or (write and self.ops_config == "read-only"):
            raise ApiError(401, SCOPE_MISMATCH, "Unauthorized")

    # ------------------------------------------------------------ the Operations API

    async def teams(self, ctx: Ctx) -> Response:
        self.ops_scope()
        people = self.people()
        return JSONResponse(
            {"platformTeams": [{"teamId": t.id, "teamName": t.name} for t in people.teams]}
        )

    def team_or_404(self, people: People, team_id: str) -> DirectoryEntry:
        team = next((t for t in people.teams if t.id == team_id), None)
        if team is None:
            raise ApiError(404, "Team not found", "NotFound")
        return team

    def _team(self, people: People, ctx: Ctx) -> DirectoryEntry:
        return self.team_or_404(people, ctx.request.path_params["teamId"])

    async def escalations(self, ctx: Ctx) -> Response:
        self.ops_scope()
        people = self.people()
        team = self._team(people, ctx)
        # The spec declares no 422 here: a bad page is a 400.
        offset = query_int(ctx.request, "offset", 0, 0, None, 400)
        size = query_int(ctx.request, "size", 20, 1, 100, 400)
        owned = self._owned(people, "escalation", team)
        page = owned[offset : offset + size]
        links: dict[str, str] = {}
        if offset + size < len(owned):
            query = urlencode({"offset": offset + size, "size": size})
            links["next"] = f"/v1/teams/{team.id}/escalations?{query}"
        values = [self._escalation(people, e, team) for e in page]
        return JSONResponse({"values": values, "links": links})

    async def escalation(self, ctx: Ctx) -> Response:
        self.ops_scope()
        people = self.people()
        team = self._team(people, ctx)
        wanted = ctx.request.path_params["id"]
        found = next((e for e in self._owned(people, "escalation", team) if e.id == wanted), None)
        if found is None:
            raise ApiError(404, "Escalation not found", "NotFound")
        return JSONResponse(self._escalation(people, found, team))

    def _escalation(
        self, people: People, entry: DirectoryEntry, team: DirectoryEntry
    ) -> dict[str, Any]:
        """The team's schedule first (its on-call, then the next one), then everyone."""
        schedules = self._owned(people, "schedule", team)
        rules: list[dict[str, Any]] = []
        if schedules:
            rota = {"id": schedules[0].id, "type": "schedule"}
            rules.append(_rule("if-not-acked", "default", 1, rota))
            rules.append(_rule("if-not-acked", "next", 10, rota))
        rules.append(_rule("if-not-closed", "all", 30, {"id": team.id, "type": "team"}))
        return {
            "id": entry.id,
            "name": entry.name,
            "description": f"Pages the on-call of {team.name}, then the whole team.",
            "rules": rules,
            "enabled": True,
            "repeat": {
                "waitInterval": 10,
                "count": 2,
                "resetRecipientStates": False,
                "closeAlertAfterAll": False,
            },
        }

    async def schedules(self, ctx: Ctx) -> Response:
        self.ops_scope()
        request = ctx.request
        size = query_int(request, "size", 25, 1, 50, 422)
        offset = query_int(request, "offset", 0, 0, None, 422)
        expand = _expand(request)
        query = (request.query_params.get("query") or "").casefold()
        people = self.people()
        found = people.by_type.get("schedule", [])
        if query.endswith("*"):
            found = [s for s in found if s.name.casefold().startswith(query[:-1])]
        elif query:
            found = [s for s in found if s.name.casefold() == query]
        page = found[offset : offset + size]
        links: dict[str, str] = {}
        if offset + size < len(found):
            params: dict[str, Any] = {"offset": offset + size, "size": size}
            if request.query_params.get("query"):
                params["query"] = request.query_params["query"]
            if expand:
                params["expand"] = ",".join(sorted(expand))
            links["next"] = "/v1/schedules?" + urlencode(params)
        values = [self._schedule(people, s, "rotation" in expand) for s in page]
        return JSONResponse({"values": values, "links": links, "_expands": ["rotation"]})

    async def schedule(self, ctx: Ctx) -> Response:
        self.ops_scope()
        people = self.people()
        found = self.schedule_or_404(people, ctx.request.path_params["id"])
        return JSONResponse(self._schedule(people, found, rotations=True))

    def schedule_or_404(self, people: People, schedule_id: str) -> DirectoryEntry:
        found = next((s for s in people.by_type.get("schedule", []) if s.id == schedule_id), None)
        if found is None:
            raise ApiError(404, "Schedule not found", "NotFound")
        return found

    def _members(self, people: People, owned: DirectoryEntry) -> list[DirectoryEntry]:
        """The people of the team an escalation or schedule belongs to."""
        team = self._owner(owned, people.teams)
        return people.members.get(team.id, []) if team is not None else []

    def rotations(self, people: People, schedule: DirectoryEntry) -> tuple[Rotation, ...]:
        """The schedule's rotations: among its team's people (see console.simulator.rotas)."""
        schedules = people.by_type.get("schedule", [])
        index = next(i for i, s in enumerate(schedules) if s.id == schedule.id)
        members = [m.id for m in self._members(people, schedule)]
        return self.rotas.of(schedule.id, index, members)

    def members_of(self, people: People, participant: Participant) -> list[str]:
        """The user ids a rotation's participant stands for: a person, a team's people, the
        people of an escalation's team; nobody for ``noone`` or an id the site does not know."""
        if participant.type == "user":
            return [participant.id]
        entry = self.store.directory.get(participant.id)
        if entry is None:
            return []
        if participant.type == "team" and entry.type == "team":
            return [m.id for m in people.members.get(entry.id, [])]
        if participant.type == "escalation" and entry.type == "escalation":
            return [m.id for m in self._members(people, entry)]
        return []

    def _schedule(self, people: People, entry: DirectoryEntry, rotations: bool) -> dict[str, Any]:
        team = self._owner(entry, people.teams)
        team_name = team.name if team is not None else "the site"
        body: dict[str, Any] = {
            "id": entry.id,
            "name": entry.name,
            "description": f"Who of {team_name} answers the pager, week by week.",
            "timezone": TIMEZONES[_digest(team_name) % len(TIMEZONES)],
            "enabled": True,
        }
        if team is not None:
            body["teamId"] = team.id
        if rotations:
            body["rotations"] = [r.to_api() for r in self.rotations(people, entry)]
        return body

    # ------------------------------------------------------------ Jira's user API

    def jira(self, handler: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
        """A Jira route: the site's credentials; Jira's own error shape (``errorMessages``),
        the gateway's for a token without the scope."""

        async def run(request: Request) -> Response:
            try:
                if request.path_params.get("cloudId") != self.config.cloud_id:
                    raise _JiraError(404, "Site not found")
                self.site.authenticate(request)
                if self.jira_users == "no-scope":
                    return JSONResponse({"code": 401, "message": SCOPE_MISMATCH}, status_code=401)
                if self.jira_users == "no-permission":
                    raise _JiraError(
                        403, "You do not have the permission to browse users and groups."
                    )
                return await handler(request)
            except ApiError as error:
                return JSONResponse({"code": 401, "message": error.message}, status_code=401)
            except _JiraError as error:
                return JSONResponse(
                    {"errorMessages": [error.message], "errors": {}}, status_code=error.status
                )

        return run

    def _user(self, request: Request, entry: DirectoryEntry) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        cloud = self.config.cloud_id
        user: dict[str, Any] = {
            "self": f"{base}/ex/jira/{cloud}/rest/api/3/user?accountId={entry.id}",
            "accountId": entry.id,
            "accountType": "atlassian",
        }
        if entry.email and not _email_hidden(entry):
            user["emailAddress"] = entry.email
        user.update(
            {
                "displayName": entry.name,
                "active": True,
                "timeZone": TIMEZONES[_digest(entry.id) % len(TIMEZONES)],
                "locale": "en_US",
            }
        )
        return user

    async def user_search(self, request: Request) -> Response:
        """``GET /rest/api/3/user/search?query=&startAt=&maxResults=``: a bare array of the
        people whose name (any word of it) or visible email starts with ``query``."""
        query = _fold(request.query_params.get("query") or "").strip()
        if not query:
            raise _JiraError(400, "One of 'query', 'accountId' or 'property' must be given.")
        start = _jira_int(request, "startAt", 0, 0, None)
        size = _jira_int(request, "maxResults", 50, 1, 1000)
        matches = []
        for entry in self.people().users:
            words = _fold(entry.name).replace("-", " ").split()
            email = _fold(entry.email) if entry.email and not _email_hidden(entry) else ""
            name = " ".join(words)
            if (
                name.startswith(query)
                or any(w.startswith(query) for w in words)
                or (email and email.startswith(query))
            ):
                matches.append(entry)
        matches.sort(key=lambda e: _fold(e.name))
        return JSONResponse([self._user(request, e) for e in matches[start : start + size]])

    async def user_bulk(self, request: Request) -> Response:
        """``GET /rest/api/3/user/bulk?accountId=A&accountId=B&startAt=&maxResults=``: a page
        of the people asked for, in the order asked (ids it does not know are left out)."""
        ids = list(dict.fromkeys(request.query_params.getlist("accountId")))
        if not ids:
            raise _JiraError(400, "At least one accountId must be given.")
        start = _jira_int(request, "startAt", 0, 0, None)
        size = _jira_int(request, "maxResults", 10, 1, 200)
        found = [e for i in ids if (e := self.store.directory.get(i)) and e.type == "user"]
        page = found[start : start + size]
        last = start + size >= len(found)
        body: dict[str, Any] = {
            "self": str(request.url),
            "maxResults": size,
            "startAt": start,
            "total": len(found),
            "isLast": last,
            "values": [self._user(request, e) for e in page],
        }
        if not last:
            query = [("accountId", i) for i in ids] + [
                ("startAt", start + size),
                ("maxResults", size),
            ]
            body["nextPage"] = str(request.url.replace(query=urlencode(query)))
        return JSONResponse(body)

    # ------------------------------------------------------------ admin

    async def admin(self, request: Request) -> Response:
        """GET: the scopes in force. POST: ``{ops_config, jira_users, add}``, each optional."""
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
            added = [self._add(item) for item in body.get("add") or []]
            return JSONResponse({**self._knobs(), "added": added})
        return JSONResponse(self._knobs())

    def _knobs(self) -> dict[str, Any]:
        return {"ops_config": self.ops_config, "jira_users": self.jira_users}

    def _configure(self, body: dict[str, Any]) -> str | None:
        ops = body.get("ops_config", self.ops_config)
        jira = body.get("jira_users", self.jira_users)
        if ops not in OPS_MODES:
            return f"ops_config must be one of {', '.join(OPS_MODES)}"
        if jira not in JIRA_MODES:
            return f"jira_users must be one of {', '.join(JIRA_MODES)}"
        for item in body.get("add") or []:
            if not isinstance(item, dict) or item.get("type") not in RESPONDER_TYPES:
                return f"add: each entry needs a type, one of {', '.join(RESPONDER_TYPES)}"
            if not isinstance(item.get("name"), str) or not item["name"]:
                return "add: each entry needs a name"
            if not isinstance(item.get("hides_email", False), bool):
                return "add: hides_email must be true or false"
        self.ops_config, self.jira_users = ops, jira
        return None

    def _add(self, item: dict[str, Any]) -> dict[str, str]:
        entry = DirectoryEntry(
            str(item.get("id") or uuid.uuid4()),
            item["type"],
            item["name"],
            str(item.get("email") or ""),
            item.get("hides_email"),
        )
        self.store.directory[entry.id] = entry
        if item.get("team"):
            self.team_of_entry[entry.id] = str(item["team"])
        return {"id": entry.id, "type": entry.type, "name": entry.name}

    # ------------------------------------------------------------ tables

    def ops_routes(self) -> list[BaseRoute]:
        """Below ``/jsm/ops/api/{cloudId}``, beside the alerts."""
        e = self.site.endpoint
        return [
            Route("/v1/teams", e("read", self.teams), methods=["GET"]),
            Route("/v1/teams/{teamId}/escalations", e("read", self.escalations), methods=["GET"]),
            Route(
                "/v1/teams/{teamId}/escalations/{id}", e("read", self.escalation), methods=["GET"]
            ),
            Route("/v1/schedules", e("read", self.schedules), methods=["GET"]),
            Route("/v1/schedules/{id}", e("read", self.schedule), methods=["GET"]),
        ]

    def jira_routes(self) -> list[BaseRoute]:
        """Below ``/ex/jira/{cloudId}/rest/api/3``."""
        return [
            Route("/user/search", self.jira(self.user_search), methods=["GET"]),
            Route("/user/bulk", self.jira(self.user_bulk), methods=["GET"]),
        ]


def _rule(condition: str, notify: str, delay: int, recipient: dict[str, str]) -> dict[str, Any]:
    return {"condition": condition, "notifyType": notify, "delay": delay, "recipient": recipient}


def _email_hidden(entry: DirectoryEntry) -> bool:
    """About one person in six hides their email (Jira's profile visibility), unless the
    entry says (the admin's ``hides_email``: a test that needs the email must not leave it to
    the id it was given)."""
    if entry.hides_email is not None:
        return entry.hides_email
    return _digest(f"email:{entry.id}") % 6 == 0


def _expand(request: Request) -> set[str]:
    values: set[str] = set()
    for raw in request.query_params.getlist("expand"):
        values.update(v.strip() for v in raw.split(",") if v.strip())
    unknown = values - {"rotation"}
    if unknown:
        raise ApiError(422, f"expand: unknown value {sorted(unknown)[0]!r}", "InvalidField")
    return values


def query_int(
    request: Request, name: str, default: int, low: int, high: int | None, status: int
) -> int:
    """A whole number from the query, ``default`` when absent; ``status`` (400 or 422, as the
    operation declares) when it is not one or out of bounds."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(status, f"{name} must be an integer", "InvalidField") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(status, f"{name} must be {bound}", "InvalidField")
    return value


def _jira_int(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    try:
        return query_int(request, name, default, low, high, 400)
    except ApiError as error:
        raise _JiraError(400, error.message) from None
