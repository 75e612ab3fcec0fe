"""The input limits of the service, checked on every request body.

Limits come from the OpenAPI document (which writes string lengths as
``maximum``) and, where it is silent, from Opsgenie's documented limits
(API-NOTES §3 and §14.7). A violation is a :class:`FieldError`; the routes turn
a non-empty list of them into a 422 that names every field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.simulator.model import PRIORITIES, RESPONDER_TYPES, VISIBLE_TO_TYPES, parse_iso_ms

MESSAGE_MAX = 130
ALIAS_MAX = 512
DESCRIPTION_MAX = 15_000
ENTITY_MAX = 512
SOURCE_MAX = 100
NOTE_MAX = 25_000
TAGS_MAX = 20
TAG_MAX = 50
ACTIONS_MAX = 10
ACTION_MAX = 50
EXTRA_PROPERTIES_MAX = 8_000
RECIPIENTS_MAX = 50
IDENTIFIER_MAX = 512
# Heartbeats (the spec's ``maximum`` values, read as lengths; the interval is an int32).
HEARTBEAT_NAME_MAX = 200
HEARTBEAT_DESCRIPTION_MAX = 10_000
INTERVAL_MAX = 2**31 - 1
INTERVAL_UNITS = ("minutes", "hours", "days")


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str

    @property
    def title(self) -> str:
        return f"{self.field}: {self.message}"


Checker = Callable[[dict[str, Any], list[FieldError]], None]


def extra_properties_size(props: dict[str, Any]) -> int:
    """Size that counts against the 8,000 limit: keys plus values written as text."""
    return sum(len(k) + len(scalar_text(v)) for k, v in props.items())


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _string(
    body: dict[str, Any],
    errors: list[FieldError],
    name: str,
    limit: int,
    *,
    required: bool = False,
) -> None:
    if name not in body or body[name] is None:
        if required:
            errors.append(FieldError(name, "is required"))
        return
    value = body[name]
    if not isinstance(value, str):
        errors.append(FieldError(name, "must be a string"))
    elif required and not value.strip():
        errors.append(FieldError(name, "must not be empty"))
    elif len(value) > limit:
        errors.append(FieldError(name, f"must be at most {limit} characters (got {len(value)})"))


def _string_list(
    body: dict[str, Any],
    errors: list[FieldError],
    name: str,
    count: int,
    each: int,
    *,
    required: bool = False,
) -> None:
    if name not in body or body[name] is None:
        if required:
            errors.append(FieldError(name, "is required"))
        return
    value = body[name]
    if not isinstance(value, list):
        errors.append(FieldError(name, "must be a list of strings"))
        return
    if required and not value:
        errors.append(FieldError(name, "must not be empty"))
    if len(value) > count:
        errors.append(FieldError(name, f"must have at most {count} items (got {len(value)})"))
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            errors.append(FieldError(f"{name}[{i}]", "must be a non-empty string"))
        elif len(item) > each:
            errors.append(
                FieldError(f"{name}[{i}]", f"must be at most {each} characters (got {len(item)})")
            )


def _recipients(
    body: dict[str, Any], errors: list[FieldError], name: str, types: tuple[str, ...]
) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, list):
        errors.append(FieldError(name, "must be a list"))
        return
    if len(value) > RECIPIENTS_MAX:
        errors.append(
            FieldError(name, f"must have at most {RECIPIENTS_MAX} items (got {len(value)})")
        )
    for i, item in enumerate(value):
        _identified(item, errors, f"{name}[{i}]", types)


def _identified(item: Any, errors: list[FieldError], where: str, types: tuple[str, ...]) -> None:
    if not isinstance(item, dict):
        errors.append(FieldError(where, "must be an object with id and type"))
        return
    ident = item.get("id")
    if not isinstance(ident, str) or not ident.strip():
        errors.append(FieldError(f"{where}.id", "is required"))
    elif len(ident) > IDENTIFIER_MAX:
        errors.append(FieldError(f"{where}.id", f"must be at most {IDENTIFIER_MAX} characters"))
    if item.get("type") not in types:
        errors.append(FieldError(f"{where}.type", f"should be one of [{', '.join(types)}]"))


def _extra_properties(
    body: dict[str, Any], errors: list[FieldError], name: str, *, required: bool = False
) -> None:
    value = body.get(name)
    if value is None:
        if required:
            errors.append(FieldError(name, "is required"))
        return
    if not isinstance(value, dict):
        errors.append(FieldError(name, "must be an object of keys and scalar values"))
        return
    if required and not value:
        errors.append(FieldError(name, "must not be empty"))
    for key, item in value.items():
        if not key.strip():
            errors.append(FieldError(name, "keys must not be empty"))
        if isinstance(item, dict | list):
            errors.append(FieldError(f"{name}.{key}", "must be a string, number or boolean"))
    size = extra_properties_size(value)
    if size > EXTRA_PROPERTIES_MAX:
        errors.append(
            FieldError(
                name, f"must be at most {EXTRA_PROPERTIES_MAX} characters in total (got {size})"
            )
        )


def _priority(
    body: dict[str, Any],
    errors: list[FieldError],
    *,
    required: bool = False,
    name: str = "priority",
) -> None:
    value = body.get(name)
    if value is None:
        if required:
            errors.append(FieldError(name, "is required"))
        return
    if value not in PRIORITIES:
        errors.append(FieldError(name, f"should be one of [ {', '.join(PRIORITIES)} ]"))


def _one_of(
    body: dict[str, Any],
    errors: list[FieldError],
    name: str,
    allowed: tuple[str, ...],
    *,
    required: bool = False,
) -> None:
    if body.get(name) is None:
        if required:
            errors.append(FieldError(name, "is required"))
    elif body[name] not in allowed:
        errors.append(FieldError(name, f"should be one of [{', '.join(allowed)}]"))


def _boolean(body: dict[str, Any], errors: list[FieldError], name: str) -> None:
    if body.get(name) is not None and not isinstance(body[name], bool):
        errors.append(FieldError(name, "must be true or false"))


def _whole(
    body: dict[str, Any],
    errors: list[FieldError],
    name: str,
    low: int,
    high: int,
    *,
    required: bool,
) -> None:
    value = body.get(name)
    if value is None:
        if required:
            errors.append(FieldError(name, "is required"))
    elif not isinstance(value, int) or isinstance(value, bool):
        errors.append(FieldError(name, "must be a whole number"))
    elif not low <= value <= high:
        errors.append(FieldError(name, f"must be between {low} and {high}"))


def check_create(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "message", MESSAGE_MAX, required=True)
    _string(body, errors, "alias", ALIAS_MAX)
    _string(body, errors, "description", DESCRIPTION_MAX)
    _string(body, errors, "entity", ENTITY_MAX)
    _string(body, errors, "source", SOURCE_MAX)
    _string(body, errors, "note", NOTE_MAX)
    _string_list(body, errors, "tags", TAGS_MAX, TAG_MAX)
    _string_list(body, errors, "actions", ACTIONS_MAX, ACTION_MAX)
    _recipients(body, errors, "responders", RESPONDER_TYPES)
    _recipients(body, errors, "visibleTo", VISIBLE_TO_TYPES)
    _extra_properties(body, errors, "extraProperties")
    _priority(body, errors)


def check_assign(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "accountId", IDENTIFIER_MAX, required=True)


def check_responder(body: dict[str, Any], errors: list[FieldError]) -> None:
    before = len(errors)
    _identified(body, errors, "responder", RESPONDER_TYPES)
    # Name the body's own fields, not a made-up parent.
    errors[before:] = [
        FieldError(e.field.removeprefix("responder."), e.message) for e in errors[before:]
    ]


def check_escalate(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "escalationId", IDENTIFIER_MAX, required=True)


def check_action(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "actionName", ACTION_MAX, required=True)


def make_snooze_check(now_ms: Callable[[], int]) -> Checker:
    def check_snooze(body: dict[str, Any], errors: list[FieldError]) -> None:
        value = body.get("endTime")
        if not isinstance(value, str) or not value.strip():
            errors.append(FieldError("endTime", "is required as an ISO-8601 date-time"))
            return
        try:
            end = parse_iso_ms(value)
        except ValueError:
            errors.append(FieldError("endTime", f"is not an ISO-8601 date-time: {value[:40]!r}"))
            return
        if end <= now_ms():
            errors.append(FieldError("endTime", "must be in the future"))

    return check_snooze


def check_tags(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string_list(body, errors, "tags", TAGS_MAX, TAG_MAX, required=True)


def check_add_extra_properties(body: dict[str, Any], errors: list[FieldError]) -> None:
    _extra_properties(body, errors, "extraProperties", required=True)


def check_delete_extra_properties(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string_list(body, errors, "keys", 1000, 1000, required=True)


def check_message(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "message", MESSAGE_MAX, required=True)


def check_description(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "description", DESCRIPTION_MAX)


def check_priority(body: dict[str, Any], errors: list[FieldError]) -> None:
    _priority(body, errors, required=True)


def check_note(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "note", NOTE_MAX, required=True)


def check_nothing(body: dict[str, Any], errors: list[FieldError]) -> None:
    """Acknowledge, unacknowledge, close and delete take no body."""


def _heartbeat_fields(body: dict[str, Any], errors: list[FieldError], *, create: bool) -> None:
    """CreateHeartbeatRequest's fields, or UpdateHeartbeatRequest's (all optional there). The
    alert fields are held to the alert's own limits: the heartbeat's alert must be creatable."""
    _string(body, errors, "description", HEARTBEAT_DESCRIPTION_MAX)
    _whole(body, errors, "interval", 1, INTERVAL_MAX, required=create)
    _one_of(body, errors, "intervalUnit", INTERVAL_UNITS, required=create)
    _boolean(body, errors, "enabled")
    _string(body, errors, "alertMessage", MESSAGE_MAX)
    if isinstance(body.get("alertMessage"), str) and not body["alertMessage"].strip():
        errors.append(FieldError("alertMessage", "must not be empty"))
    _string_list(body, errors, "alertTags", TAGS_MAX, TAG_MAX)
    _priority(body, errors, name="alertPriority")


def check_create_heartbeat(body: dict[str, Any], errors: list[FieldError]) -> None:
    _string(body, errors, "name", HEARTBEAT_NAME_MAX, required=True)
    _heartbeat_fields(body, errors, create=True)


def check_update_heartbeat(body: dict[str, Any], errors: list[FieldError]) -> None:
    # The spec requires a ``name`` it does not define (the name is the query's): taken when
    # given, and then it must be that name (a heartbeat's name cannot change: the route checks).
    _string(body, errors, "name", HEARTBEAT_NAME_MAX)
    _heartbeat_fields(body, errors, create=False)
