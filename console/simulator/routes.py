"""The alerts API, route by route, as the OpenAPI document lays it out.

Every route goes through :func:`SiteRoutes.endpoint`, which checks the cloud
id, the credentials and the permission, and turns an :class:`ApiError` into
the error envelope. Writes are validated here, then queued on the processor;
notes are synchronous, as the spec says.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from console.query import QUERY_MAX, Predicate, QuerySyntaxError, compile_query
from console.simulator import lifecycle, validation
from console.simulator.config import Credentials, SimulatorConfig
from console.simulator.model import iso_ms
from console.simulator.processor import PENDING, Processor
from console.simulator.store import LIST_WINDOW, SORT_KEYS, AlertStore
from console.simulator.traffic import error_body

Scope = Literal["read", "write", "delete"]
NOT_PROCESSABLE = "Request body is not processable. Please check the errors."
# The query's limit (ours: the spec gives none; real services cap URL lengths around 8 KB)
# lives with the query language, so the console's lint and the simulator agree.


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        code: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.errors = errors
        self.headers = headers

    def response(self, started: float) -> JSONResponse:
        if self.status == 401:
            # The spec's UnauthorizedErrorResponse: {code: integer, message}.
            body: dict[str, Any] = {"code": 401, "message": self.message}
        else:
            body = error_body(
                self.status, self.message, self.code, errors=self.errors, started=started
            )
        return JSONResponse(body, status_code=self.status, headers=self.headers)


@dataclass(frozen=True, slots=True)
class Principal:
    email: str
    read_only: bool
    can_delete: bool


@dataclass(frozen=True, slots=True)
class Ctx:
    request: Request
    principal: Principal
    started: float

    @property
    def user(self) -> str:
        return self.principal.email


Handler = Callable[[Ctx], Awaitable[Response]]


@lru_cache(maxsize=128)
def _compiled(query: str) -> Predicate:
    return compile_query(query)


class SiteRoutes:
    def __init__(self, config: SimulatorConfig, store: AlertStore, processor: Processor) -> None:
        self.config = config
        self.store = store
        self.processor = processor
        self.token_can_delete = config.token_delete_scope
        self.dialect = config.status_dialect
        self.revoked = False  # the account's API token was revoked (admin): 401 from now on

    # ------------------------------------------------------------ plumbing

    def authenticate(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        config = self.config
        if scheme.lower() == "basic":
            try:
                email, _, token = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise ApiError(401, "Unauthorized", "Unauthorized") from None
            if _matches(config.account, email, token) and not self.revoked:
                return Principal(email, read_only=False, can_delete=self.token_can_delete)
            if config.viewer is not None and _matches(config.viewer, email, token):
                return Principal(email, read_only=True, can_delete=False)
        elif (
            scheme.lower() == "bearer"
            and config.bearer_token
            and hmac.compare_digest(value.encode(), config.bearer_token.encode())
        ):
            return Principal(config.account.email, read_only=False, can_delete=True)
        raise ApiError(401, "Unauthorized", "Unauthorized")

    def endpoint(
        self, needs: Scope, handler: Handler, *, subject: str = "alerts"
    ) -> Callable[[Request], Awaitable[Response]]:
        """``handler`` behind the site's checks: cloud id, credentials, and for a write a
        credential that may write (``subject``: what the 403 says it may not change)."""

        async def run(request: Request) -> Response:
            started = time.perf_counter()
            try:
                if request.path_params.get("cloudId") != self.config.cloud_id:
                    raise ApiError(
                        404,
                        f"No site with cloud id {request.path_params.get('cloudId')}",
                        "NotFound",
                    )
                principal = self.authenticate(request)
                if needs != "read" and principal.read_only:
                    raise ApiError(
                        403,
                        f"You do not have permission to make changes to {subject}.",
                        "Forbidden",
                    )
                if needs == "delete" and not principal.can_delete:
                    # What Atlassian answers when the credential lacks the delete scope.
                    raise ApiError(401, "Unauthorized; scope does not match", "Unauthorized")
                return await handler(Ctx(request, principal, started))
            except ApiError as error:
                return error.response(started)

        return run

    async def _body(self, ctx: Ctx) -> dict[str, Any]:
        raw = await ctx.request.body()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(400, "Invalid JSON body", "InvalidJson") from None
        if not isinstance(body, dict):
            raise ApiError(422, "Request body must be a JSON object", "InvalidBody")
        return body

    async def checked(self, ctx: Ctx, check: validation.Checker) -> dict[str, Any]:
        body = await self._body(ctx)
        errors: list[validation.FieldError] = []
        check(body, errors)
        if errors:
            raise ApiError(
                422,
                NOT_PROCESSABLE,
                "InvalidField",
                errors=[
                    {"title": e.title, "code": "InvalidField", "field": e.field} for e in errors
                ],
            )
        return body

    def _receipt(self, ctx: Ctx, request_id: str, status: int = 202) -> JSONResponse:
        return JSONResponse(
            {
                "result": "Request will be processed",
                "requestId": request_id,
                "took": round(time.perf_counter() - ctx.started, 3),
            },
            status_code=status,
        )

    def _alert_or_404(self, alert_id: str) -> Any:
        alert = self.store.get(alert_id)
        if alert is None:
            raise ApiError(404, "Alert does not exist", "NotFound")
        return alert

    # ------------------------------------------------------------ reads

    async def list_alerts(self, ctx: Ctx) -> Response:
        params = ctx.request.query_params
        size = _int_param(params.get("size"), "size", 20, 1, 100)
        offset = _int_param(params.get("offset"), "offset", 0, 0, None)
        sort = params.get("sort") or "insertedAt"
        if sort not in SORT_KEYS:
            raise ApiError(
                422,
                f"Invalid sort field {sort!r}",
                "InvalidSort",
                errors=[
                    {
                        "title": f"sort: should be one of [{', '.join(SORT_KEYS)}]",
                        "code": "InvalidField",
                        "field": "sort",
                    }
                ],
            )
        order = (params.get("order") or "desc").lower()
        if order not in ("asc", "desc"):
            raise ApiError(422, "order should be one of [asc, desc]", "InvalidField")
        if offset + size > LIST_WINDOW:
            raise ApiError(
                422,
                f"offset + size must not exceed {LIST_WINDOW}: more than {LIST_WINDOW} alerts "
                "cannot be retrieved; narrow the query (for example by createdAt) instead",
                "ResultWindowExceeded",
            )
        from_ms = _epoch_param(params.get("from"), "from")
        to_ms = _epoch_param(params.get("to"), "to")
        query = params.get("query") or ""
        if len(query) > QUERY_MAX:
            raise ApiError(
                422,
                f"Invalid query: at most {QUERY_MAX} characters (got {len(query)})",
                "InvalidQuery",
            )
        predicate: Predicate | None = None
        if query.strip():
            try:
                predicate = _compiled(query)
            except QuerySyntaxError as error:
                raise ApiError(
                    422,
                    f"Invalid query: {error}",
                    "InvalidQuery",
                    errors=[
                        {"title": str(error), "code": "InvalidQuery", "position": error.position}
                    ],
                ) from None
        page = self.store.select(predicate, sort, order, offset, size, from_ms, to_ms)
        links: dict[str, str] = {}
        next_offset = offset + size
        if next_offset < page.total and next_offset < LIST_WINDOW:
            # The last page inside the window shrinks so that the whole window is reachable.
            next_params: dict[str, Any] = {
                "offset": next_offset,
                "size": min(size, LIST_WINDOW - next_offset),
            }
            for name in ("query", "sort", "order", "from", "to"):
                if params.get(name):
                    next_params[name] = params[name]
            links["next"] = "/v1/alerts?" + urlencode(next_params)
        return JSONResponse(
            {
                "values": [a.to_api(self.dialect) for a in page.values],
                "count": page.total,
                "links": links,
            }
        )

    async def get_alert(self, ctx: Ctx) -> Response:
        return JSONResponse(self._alert_or_404(ctx.request.path_params["id"]).to_api(self.dialect))

    async def get_by_alias(self, ctx: Ctx) -> Response:
        alias = ctx.request.query_params.get("alias")
        if not alias:
            # The spec lists 200, 401, 403 and 404 here: no alias finds no alert.
            raise ApiError(404, "No alert has an empty alias", "NotFound")
        alert = self.store.open_by_alias(alias)
        if alert is None:
            raise ApiError(404, "Alert does not exist", "NotFound")
        return JSONResponse(alert.to_api(self.dialect))

    async def request_status(self, ctx: Ctx) -> Response:
        request_id = ctx.request.path_params["id"]
        record = self.processor.lookup(request_id)
        if record == PENDING:
            raise ApiError(
                404,
                "Request not processed yet",
                "RequestNotProcessed",
                headers={"X-Opsgenie-Errortype": "RequestNotProcessed"},
            )
        if record is None:
            raise ApiError(404, "Request not found", "NotFound")
        return JSONResponse(
            {
                "action": record.action,
                "processedAt": iso_ms(record.processed_at_ms),
                "integrationId": record.integration_id,
                "isSuccess": record.is_success,
                "status": record.status,
                "alertId": record.alert_id,
                "alias": record.alias,
            }
        )

    async def list_notes(self, ctx: Ctx) -> Response:
        alert = self._alert_or_404(ctx.request.path_params["id"])
        size, after = _cursor_params(ctx.request)
        after_id = int(after) if after and after.isdigit() else -1
        notes = [n for n in alert.notes if int(n.id) > after_id]
        page = notes[:size]
        links: dict[str, str] = {}
        if len(notes) > size:
            links["next"] = f"/v1/alerts/{alert.id}/notes?" + urlencode(
                {"after": page[-1].id, "size": size}
            )
        return JSONResponse({"values": [n.to_api() for n in page], "links": links})

    async def list_logs(self, ctx: Ctx) -> Response:
        alert = self._alert_or_404(ctx.request.path_params["id"])
        size, after = _cursor_params(ctx.request)
        start = 0
        if after:
            key = _log_key(after)
            start = next(
                (i for i, entry in enumerate(alert.logs) if _log_key(entry.offset) > key),
                len(alert.logs),
            )
        page = alert.logs[start : start + size]
        links: dict[str, str] = {}
        if start + size < len(alert.logs):
            links["next"] = f"/v1/alerts/{alert.id}/logs?" + urlencode(
                {"after": page[-1].offset, "size": size}
            )
        return JSONResponse({"values": [entry.to_api() for entry in page], "links": links})

    # ------------------------------------------------------------ writes

    async def create_alert(self, ctx: Ctx) -> Response:
        body = await self.checked(ctx, validation.check_create)
        client = ctx.request.client
        request_id = self.processor.submit(
            "Create", None, body, ctx.user, client.host if client else "127.0.0.1", None
        )
        return self._receipt(ctx, request_id, self.config.create_status)

    def action(self, name: str, check: validation.Checker, apply: lifecycle.Apply) -> Handler:
        async def handle(ctx: Ctx) -> Response:
            params = ctx.request.path_params
            alert_id = params.get("id") or params.get("alertId") or ""
            body = {} if check is validation.check_nothing else await self.checked(ctx, check)
            action = body.get("actionName", name) if check is validation.check_action else name
            request_id = self.processor.submit(action, alert_id, body, ctx.user, "", apply)
            return self._receipt(ctx, request_id)

        return handle

    async def add_note(self, ctx: Ctx) -> Response:
        alert = self._alert_or_404(ctx.request.path_params["id"])
        body = await self.checked(ctx, validation.check_note)
        note = self.store.add_note(alert, body["note"], ctx.user)
        return JSONResponse(note.to_api())

    async def update_note(self, ctx: Ctx) -> Response:
        alert = self._alert_or_404(ctx.request.path_params["alertId"])
        note = next((n for n in alert.notes if n.id == ctx.request.path_params["id"]), None)
        if note is None:
            raise ApiError(404, "Alert note does not exist", "NotFound")
        body = await self.checked(ctx, validation.check_note)
        at = self.store.clock()
        note.note, note.updated_at_ms = body["note"], at
        self.store.record(alert, "Note updated", ctx.user, at, "note")
        return JSONResponse(note.to_api())

    async def delete_note(self, ctx: Ctx) -> Response:
        # The spec lists 204, 403 and 422 here, and no 404: a missing note is a 422.
        alert = self.store.get(ctx.request.path_params["alertId"])
        if alert is None:
            raise ApiError(422, "Alert does not exist", "InvalidField")
        note = next((n for n in alert.notes if n.id == ctx.request.path_params["id"]), None)
        if note is None:
            raise ApiError(422, "Alert note does not exist", "InvalidField")
        alert.notes.remove(note)
        self.store.record(alert, "Note deleted", ctx.user, self.store.clock(), "note")
        return Response(status_code=204)

    # ------------------------------------------------------------ table

    def routes(self) -> list[BaseRoute]:
        e = self.endpoint
        a = self.action
        v = validation
        lc = lifecycle
        alert = "/v1/alerts/{id}"
        return [
            Route("/v1/alerts", e("read", self.list_alerts), methods=["GET"]),
            Route("/v1/alerts", e("write", self.create_alert), methods=["POST"]),
            Route("/v1/alerts/alias", e("read", self.get_by_alias), methods=["GET"]),
            Route("/v1/alerts/requests/{id}", e("read", self.request_status), methods=["GET"]),
            Route(alert, e("read", self.get_alert), methods=["GET"]),
            Route(alert, e("delete", a("Delete", v.check_nothing, lc.delete)), methods=["DELETE"]),
            Route(
                f"{alert}/acknowledge",
                e("write", a("Acknowledge", v.check_nothing, lc.acknowledge)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/unacknowledge",
                e("write", a("UnAcknowledge", v.check_nothing, lc.unacknowledge)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/close",
                e("write", a("Close", v.check_nothing, lc.close)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/assign",
                e("write", a("AssignOwnership", v.check_assign, lc.assign)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/responders",
                e("write", a("AddResponder", v.check_responder, lc.add_responder)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/escalate",
                e("write", a("Escalate", v.check_escalate, lc.escalate)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/snooze",
                e("write", a("Snooze", v.make_snooze_check(self.store.clock), lc.snooze)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/action",
                e("write", a("CustomAction", v.check_action, lc.custom_action)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/tags",
                e("write", a("AddTags", v.check_tags, lc.add_tags)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/tags",
                e("delete", a("RemoveTags", v.check_tags, lc.remove_tags)),
                methods=["DELETE"],
            ),
            Route(
                f"{alert}/extra-properties",
                e("write", a("AddDetails", v.check_add_extra_properties, lc.add_extra_properties)),
                methods=["POST"],
            ),
            Route(
                f"{alert}/extra-properties",
                e(
                    "delete",
                    a("RemoveDetails", v.check_delete_extra_properties, lc.remove_extra_properties),
                ),
                methods=["DELETE"],
            ),
            Route(
                f"{alert}/message",
                e("write", a("UpdateMessage", v.check_message, lc.update_message)),
                methods=["PATCH"],
            ),
            Route(
                f"{alert}/description",
                e("write", a("UpdateDescription", v.check_description, lc.update_description)),
                methods=["PATCH"],
            ),
            Route(
                f"{alert}/priority",
                e("write", a("UpdatePriority", v.check_priority, lc.update_priority)),
                methods=["PATCH"],
            ),
            Route(f"{alert}/notes", e("read", self.list_notes), methods=["GET"]),
            Route(f"{alert}/notes", e("write", self.add_note), methods=["POST"]),
            Route(
                "/v1/alerts/{alertId}/notes/{id}", e("write", self.update_note), methods=["PATCH"]
            ),
            Route(
                "/v1/alerts/{alertId}/notes/{id}", e("delete", self.delete_note), methods=["DELETE"]
            ),
            Route(f"{alert}/logs", e("read", self.list_logs), methods=["GET"]),
        ]


def _matches(expected: Credentials, email: str, token: str) -> bool:
    # Compare both in constant time, so a wrong email and a wrong token look alike.
    email_ok = hmac.compare_digest(email.encode(), expected.email.encode())
    token_ok = hmac.compare_digest(token.encode(), expected.token.encode())
    return email_ok and token_ok


def _int_param(raw: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"{name} must be an integer", "InvalidField") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(422, f"{name} must be {bound}", "InvalidField")
    return value


def _epoch_param(raw: str | None, name: str) -> int | None:
    """``from``/``to``: epoch milliseconds, or seconds when the number is too small to be ms."""
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            422, f"{name} must be an epoch time in milliseconds", "InvalidField"
        ) from None
    return value if value > 100_000_000_000 else value * 1000


def _cursor_params(request: Request) -> tuple[int, str | None]:
    size = _int_param(request.query_params.get("size"), "size", 20, 1, 100)
    return size, request.query_params.get("after")


def _log_key(offset: str) -> tuple[int, int]:
    ms, _, seq = offset.partition("_")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        raise ApiError(422, "after is not a log cursor", "InvalidField") from None
