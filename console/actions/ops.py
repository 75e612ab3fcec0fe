"""Every alert operation, described once.

An :class:`Op` says what a person asks for (its form fields and how their text
becomes API data, or a choice, or a typed confirmation), whether it asks first,
the request it sends and whether a retry is safe, how its toasts and summaries
word it, the badge its rows wear while it is pending, the state it should lead
to, and its key. The client sends ``op.request``; the tracker words and follows
it; the TUI builds its dialogs, bindings, footer, help and command palette from
it. Adding an operation is one entry here (and its test).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from console.actions.parsing import (
    FieldProblem,
    parse_properties,
    parse_recipients,
    parse_until,
    split_keys,
    split_list,
)
from console.api.client import JsmClient, WriteRequest
from console.api.models import (
    PRIORITIES,
    AddExtraProperties,
    AddResponder,
    Alert,
    AssignAlert,
    CreateAlert,
    CustomAction,
    DeleteExtraProperties,
    Escalate,
    Note,
    NoteText,
    Receipt,
    Snooze,
    Tags,
    UpdateDescription,
    UpdateMessage,
    UpdatePriority,
)

Values = Mapping[str, str]  # what a person typed, by field name
Build = Callable[[Values, Sequence[Alert]], dict[str, Any]]  # ValueError when it cannot
Expect = Callable[[Alert, Mapping[str, Any]], dict[str, Any]]  # the fields an op changes
Run = Callable[["JsmClient", str, Mapping[str, Any] | None], Awaitable[Any]]


@dataclass(frozen=True)
class Field:
    """One field of an operation's form."""

    name: str
    label: str
    hint: str = ""
    choices: tuple[str, ...] = ()  # a drop-down of these
    default: str = ""
    multiline: bool = False
    # A hint made from the alerts the form is about (the tags they carry, say).
    hint_from: Callable[[Sequence[Alert]], str] | None = None
    # Picked by name from the directory: of this kind ("user", "escalation"…), or of the
    # kind another field of the form holds (``pick_from="type"``). An id typed still works.
    pick: str = ""
    pick_from: str = ""


@dataclass(frozen=True)
class Op:
    """One alert action: its request, its words, its key and what it asks before sending."""

    name: str  # also the binding id a keymap rebinds
    title: str  # "Acknowledge": toasts, dialogs
    done: str  # "acknowledged": "9 acknowledged, 1 failed"
    request: WriteRequest[Any]
    badge: str  # on the row while pending: "⧗ ack"
    key: str  # default key (Textual key name)
    label: str  # in the footer
    help: str  # in help and the command palette
    footer: bool = False
    fields: tuple[Field, ...] = ()
    build: Build | None = None  # form values -> API data; None: the op takes no data
    # Asks first, with this question: (what it applies to, the data) -> "Close #12?".
    confirm: Callable[[str, Mapping[str, Any]], str] | None = None
    ask: Literal["form", "choice", "typed"] = "form"  # a form, a list to pick from, or typing
    choices: Callable[[Sequence[Alert]], list[str]] | None = None  # for ask="choice"
    targets: bool = True  # False: it makes an alert rather than acting on some (create)
    expect: Expect | None = None  # the state it leads to, shown on the row at once
    # A write that is not one of the alerts API's (a heartbeat's): how it is sent, given the
    # client, the target ("teamId/name") and the data. It answers at once, with no request id.
    run: Run | None = None

    @property
    def synchronous(self) -> bool:
        """Answered with its result (a note, a heartbeat), not with a request id to follow."""
        return self.run is not None or self.request.answer is not Receipt

    def expected(self, alert: Alert, data: Mapping[str, Any] | None) -> Alert | None:
        """``alert`` as this op should leave it; None when a row would not show the change."""
        if self.expect is None:
            return None
        return alert.model_copy(update=self.expect(alert, data or {}))

    def shows_on(self, alert: Alert, data: Mapping[str, Any] | None) -> bool | None:
        """Does ``alert``, as the service shows it now, carry this op's effect? None when the
        effect cannot be seen on an alert (escalate, a custom action, a note, a responder).

        The tracker asks this when a write's answer was lost: what the alert shows settles
        it, not the last error."""
        if self.expect is None:
            return None
        wanted = self.expect(alert, data or {})
        if wanted.get("acknowledged") is True:
            return alert.acknowledged or alert.status == "acked"
        if wanted.get("status") == "closed":
            return not alert.is_open
        # A snooze's end comes back in the service's own spelling of the time: its flag says.
        wanted.pop("snoozed_until", None)
        return all(getattr(alert, name) == value for name, value in wanted.items())


def _request(
    method: str, path: str, body: Any = None, retry: str = "safe", answer: Any = Receipt
) -> WriteRequest[Any]:
    return WriteRequest(method, path, body, retry, answer)  # type: ignore[arg-type]


def _one(name: str, strip: bool = True) -> Build:
    """The form's one field, as the API's field of the same name."""
    return lambda v, _t: {name: v[name].strip() if strip else v[name]}


def _present(attribute: str) -> Callable[[Sequence[Alert]], str]:
    def hint(targets: Sequence[Alert]) -> str:
        present = sorted({k for a in targets for k in getattr(a, attribute)})
        return ", ".join(present[:6])

    return hint


def _remove_keys(values: Values, targets: Sequence[Alert]) -> dict[str, Any]:
    keys = split_keys(values["keys"])
    present = {k for a in targets for k in a.extra_properties}
    absent = [k for k in keys if k not in present]
    if absent:
        where = _label(targets[0]) if len(targets) == 1 else "any of these alerts"
        raise FieldProblem("keys", f"not an extra property of {where}: {', '.join(absent)}")
    return {"keys": keys}


def _common_actions(targets: Sequence[Alert]) -> list[str]:
    """The custom actions every target offers, in the first one's order."""
    common = set(targets[0].actions) if targets else set()
    for alert in targets[1:]:
        common &= set(alert.actions)
    return [a for a in targets[0].actions if a in common] if targets else []


def _create(values: Values, _targets: Sequence[Alert]) -> dict[str, Any]:
    body: dict[str, Any] = {"message": values["message"], "priority": values["priority"]}
    for key in ("alias", "description", "entity", "source", "note"):
        if values.get(key, "").strip():
            body[key] = values[key].strip()
    parsers: dict[str, Callable[[str], Any]] = {
        "tags": split_list,
        "actions": lambda text: [a.strip() for a in text.split(",") if a.strip()],
        "responders": lambda text: parse_recipients(text, RESPONDER_TYPES),
        "visibleTo": lambda text: parse_recipients(text, ("team", "user")),
        "extraProperties": parse_properties,
    }
    for key, parse in parsers.items():
        if values.get(key, "").strip():
            try:
                body[key] = parse(values[key])
            except ValueError as error:  # said under the field it is about
                raise FieldProblem(key, str(error)) from None
    return body


def _unacknowledged(alert: Alert, _data: Mapping[str, Any]) -> dict[str, Any]:
    # A service that says "acked" in the status (the spec's enum) is open again after this.
    return {"acknowledged": False, "status": "open" if alert.status == "acked" else alert.status}


def _label(alert: Alert) -> str:
    return f"#{alert.tiny_id}" if alert.tiny_id else alert.id


RESPONDER_TYPES = ("team", "user", "escalation", "schedule")

# fmt: off
_OPS: tuple[Op, ...] = (
    Op(
        "acknowledge", "Acknowledge", "acknowledged", _request("POST", "/{id}/acknowledge"),
        badge="ack", key="a", label="Ack", footer=True,
        help="Acknowledge the selected or marked alerts",
        expect=lambda _a, _d: {"acknowledged": True},
    ),
    Op(
        "unacknowledge", "Unacknowledge", "unacknowledged",
        _request("POST", "/{id}/unacknowledge"),
        badge="unack", key="u", label="Unack",
        help="Unacknowledge the selected or marked alerts",
        expect=_unacknowledged,
    ),
    Op(
        "close", "Close", "closed", _request("POST", "/{id}/close"),
        badge="close", key="c", label="Close", footer=True,
        help="Close the selected or marked alerts (asks first)",
        confirm=lambda what, _d: f"Close {what}?",
        expect=lambda _a, _d: {"status": "closed"},
    ),
    Op(
        "assign", "Assign", "assigned", _request("POST", "/{id}/assign", AssignAlert),
        badge="assign", key="w", label="Assign", help="Assign an owner (name or account id)",
        fields=(
            Field("accountId", "New owner", "a name, or an account id", pick="user"),
        ),
        build=_one("accountId"),
        expect=lambda a, d: {"owner": d.get("accountId", a.owner)},
    ),
    Op(
        "add_responder", "Add responder", "given a responder",
        _request("POST", "/{id}/responders", AddResponder),
        badge="resp", key="plus", label="Responder",
        help="Add a responder (type, then name or id)",
        fields=(
            Field("type", "Type", choices=RESPONDER_TYPES),
            Field("id", "Responder", "a name, or an id", pick_from="type"),
        ),
        build=lambda v, _t: {"type": v["type"], "id": v["id"].strip()},
    ),
    Op(
        "add_tags", "Add tags", "tagged", _request("POST", "/{id}/tags", Tags),
        badge="tag", key="t", label="Tag", help="Add tags",
        fields=(Field("tags", "Tags", "separated by commas or spaces: prod, database"),),
        build=lambda v, _t: {"tags": split_list(v["tags"])},
        expect=lambda a, d: {"tags": list(dict.fromkeys([*a.tags, *d.get("tags", [])]))},
    ),
    Op(
        "remove_tags", "Remove tags", "untagged", _request("DELETE", "/{id}/tags", Tags),
        badge="untag", key="T", label="Untag", help="Remove tags",
        fields=(Field("tags", "Tags to remove", hint_from=_present("tags")),),
        build=lambda v, _t: {"tags": split_list(v["tags"])},
        expect=lambda a, d: {"tags": [t for t in a.tags if t not in set(d.get("tags", []))]},
    ),
    Op(
        "add_extra_properties", "Add extra properties", "given extra properties",
        _request("POST", "/{id}/extra-properties", AddExtraProperties),
        badge="props", key="x", label="Props", help="Add extra properties (key=value)",
        fields=(Field("properties", "key=value, separated by commas", "region=eu, runbook=…"),),
        build=lambda v, _t: {"extraProperties": parse_properties(v["properties"])},
        expect=lambda a, d: {
            "extra_properties": {**a.extra_properties, **d.get("extraProperties", {})}
        },
    ),
    Op(
        "remove_extra_properties", "Remove extra properties", "stripped of extra properties",
        _request("DELETE", "/{id}/extra-properties", DeleteExtraProperties),
        badge="props", key="X", label="Del props",
        help="Remove extra properties (keys, one per line or comma-separated)",
        fields=(
            Field(
                "keys",
                "Keys to remove",
                multiline=True,
                hint_from=lambda t: "one per line, or separated by commas: "
                + _present("extra_properties")(t),
            ),
        ),
        build=_remove_keys,
        expect=lambda a, d: {
            "extra_properties": {
                k: v for k, v in a.extra_properties.items() if k not in set(d.get("keys", []))
            }
        },
    ),
    Op(
        "escalate", "Escalate", "escalated", _request("POST", "/{id}/escalate", Escalate, "unsafe"),
        badge="escal", key="e", label="Escalate", help="Escalate to an escalation (asks first)",
        fields=(
            Field("escalationId", "Escalation", "a name, or an escalation id", pick="escalation"),
        ),
        build=_one("escalationId"),
        confirm=lambda what, d: f"Escalate {what} to {d.get('escalationId', '?')}?",
    ),
    Op(
        "snooze", "Snooze", "snoozed", _request("POST", "/{id}/snooze", Snooze),
        badge="snooze", key="s", label="Snooze",
        help="Snooze for a while (30m, 1h30m) or until a time",
        fields=(
            Field("until", "For how long, or until", "30m, 1h30m, 1d, 14:30 or 2026-12-01T08:00"),
        ),
        build=lambda v, _t: {"endTime": parse_until(v["until"])},
        expect=lambda _a, d: {"snoozed": True, "snoozed_until": d.get("endTime")},
    ),
    Op(
        "add_note", "Add note", "noted",
        _request("POST", "/{id}/notes", NoteText, "unsafe", answer=Note),
        badge="note", key="n", label="Note", footer=True, help="Add a note (many lines)",
        fields=(Field("note", "Note", "as many lines as you need", multiline=True),),
        build=_one("note", strip=False),
    ),
    Op(
        "custom_action", "Run action", "actioned",
        _request("POST", "/{id}/action", CustomAction, "unsafe"),
        badge="action", key="exclamation_mark", label="Action",
        help="Run one of the alert's custom actions",
        ask="choice", choices=_common_actions,
        build=lambda v, _t: {"actionName": v["choice"]},
    ),
    Op(
        "update_message", "Edit message", "renamed",
        _request("PATCH", "/{id}/message", UpdateMessage),
        badge="edit", key="M", label="Message", help="Change the alert's message",
        fields=(Field("message", "Message", "up to 130 characters"),),
        build=_one("message"),
        expect=lambda a, d: {"message": d.get("message", a.message)},
    ),
    Op(
        "update_description", "Edit description", "described",
        _request("PATCH", "/{id}/description", UpdateDescription),
        badge="edit", key="E", label="Description", help="Change the alert's description",
        fields=(Field("description", "Description", multiline=True),),
        build=_one("description", strip=False),
        expect=lambda a, d: {"description": d.get("description", a.description)},
    ),
    Op(
        "update_priority", "Change priority", "reprioritised",
        _request("PATCH", "/{id}/priority", UpdatePriority),
        badge="prio", key="P", label="Priority", help="Change the alert's priority",
        fields=(Field("priority", "Priority", choices=PRIORITIES, default="P3"),),
        build=_one("priority"),
        expect=lambda a, d: {"priority": d.get("priority", a.priority)},
    ),
    Op(
        "create", "Create", "created",
        _request("POST", "", CreateAlert),  # safe: always sent with an alias
        badge="new", key="N", label="New", help="Create an alert", targets=False,
        fields=(
            Field("message", "Message", "required, up to 130 characters"),
            Field("priority", "Priority", choices=PRIORITIES, default="P3"),
            Field("alias", "Alias", "the deduplication key; made for you when empty"),
            Field("description", "Description"),
            Field("entity", "Entity", "db-prod-3, checkout-api …"),
            Field("source", "Source", "where it comes from"),
            Field("tags", "Tags", "prod, database"),
            Field("actions", "Custom actions", "Restart, Failover"),
            Field("responders", "Responders", "type:id, e.g. team:1234, user:abcd"),
            Field("visibleTo", "Visible to", "type:id, e.g. team:1234"),
            Field("extraProperties", "Extra properties", "key=value, e.g. region=eu"),
            Field("note", "Note"),
        ),
        build=_create,
    ),
    Op(
        "delete", "Delete", "deleted", _request("DELETE", "/{id}", retry="unsafe"),
        badge="delete", key="D", label="Delete",
        help="Delete (asks you to type the tinyId)", ask="typed",
    ),
)
# fmt: on

OPS: dict[str, Op] = {op.name: op for op in _OPS}


# ----------------------------------------------------------------------------- heartbeats
# Writes on heartbeats (console.api.oncall), through the tracker like alert actions: journaled,
# told in toasts. Their target is "teamId/name" (a heartbeat has no id); they answer at once.
# Not alert operations: no key on the alert view, no place in its palette.


def heartbeat_target(team_id: str, name: str) -> str:
    return f"{team_id}/{name}"


def _heartbeat(target: str) -> tuple[str, str]:
    team_id, _, name = target.partition("/")
    return team_id, name


async def _ping(client: JsmClient, target: str, _data: Mapping[str, Any] | None) -> Any:
    from console.api.oncall import HeartbeatApi

    return await HeartbeatApi(client).ping(*_heartbeat(target))


def _switch(enabled: bool) -> Run:
    async def switch(client: JsmClient, target: str, _data: Mapping[str, Any] | None) -> Any:
        from console.api.oncall import HeartbeatApi

        return await HeartbeatApi(client).set_enabled(*_heartbeat(target), enabled)

    return switch


_NO_REQUEST = _request("GET", "")  # a heartbeat op's request is its run


HEARTBEAT_OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op(
            "ping_heartbeat",
            "Ping",
            "pinged",
            _NO_REQUEST,
            badge="ping",
            key="p",
            label="Ping",
            help="Ping the heartbeat (it is alive)",
            run=_ping,
            confirm=lambda what, _d: f"Ping {what}?",
        ),
        Op(
            "enable_heartbeat",
            "Switch on",
            "switched on",
            _NO_REQUEST,
            badge="on",
            key="e",
            label="On",
            help="Switch the heartbeat on",
            run=_switch(True),
            confirm=lambda what, _d: f"Switch on {what}?",
        ),
        Op(
            "disable_heartbeat",
            "Switch off",
            "switched off",
            _NO_REQUEST,
            badge="off",
            key="d",
            label="Off",
            help="Switch the heartbeat off (maintenance)",
            run=_switch(False),
            confirm=lambda what, _d: f"Switch off {what}?",
        ),
    )
}
ALL_OPS: dict[str, Op] = {**OPS, **HEARTBEAT_OPS}
