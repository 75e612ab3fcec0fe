"""Pydantic models of every body in the JSM Ops alerts API: what we send and what we read.

Reading is tolerant, as a client of a live service must be: unknown fields are
kept (``extra="allow"``), optional fields may be missing or null, both spellings
of ``lastOccurredAt`` are read, ``took`` may be an integer or a float, and
``extraProperties`` values may be any JSON scalar.

Writing is strict: request models carry the service's input limits, so a value
that the service would refuse is refused here, before anything is sent, with a
message that names the field.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

JsonScalar = str | int | float | bool | None
Priority = Literal["P1", "P2", "P3", "P4", "P5"]
PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P5")
ResponderType = Literal["team", "user", "escalation", "schedule"]
VisibleToType = Literal["team", "user"]

MESSAGE_MAX = 130
ALIAS_MAX = 512
DESCRIPTION_MAX = 15_000
ENTITY_MAX = 512
SOURCE_MAX = 100
NOTE_MAX = 25_000
TAGS_MAX, TAG_MAX = 20, 50
ACTIONS_MAX, ACTION_MAX = 10, 50
EXTRA_PROPERTIES_MAX = 8_000
RECIPIENTS_MAX = 50


def _none_as_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _none_as_empty_dict(value: Any) -> Any:
    return {} if value is None else value


def _as_utc(value: datetime) -> datetime:
    """A time without a zone is read as UTC (never compared naive against aware)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _scalars(value: Any) -> Any:
    """Extra-property values the spec calls strings: a nested object or list is kept as its
    JSON text rather than losing the alert over it."""
    if not isinstance(value, dict):
        return value
    return {
        key: item
        if item is None or isinstance(item, str | int | float | bool)
        else json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=str)
        for key, item in value.items()
    }


ListOrNull = BeforeValidator(_none_as_empty_list)
DictOrNull = BeforeValidator(_none_as_empty_dict)
Time = Annotated[datetime, AfterValidator(_as_utc)]


class Incoming(BaseModel):
    """A body read from the service: unknown fields kept, field names camelCase on the wire.

    Every model's validator is built on its first use (``defer_build``), not at import: the
    start of the console needs only the alert and the page it comes in. Empty lists, dicts
    and links are plain defaults, not ``default_factory``: pydantic copies a mutable default
    for each instance anyway, and a factory makes it read the factory's signature when the
    validator is built (``inspect`` parsing ``list``'s text signature, a model's whole
    signature), which was 25 of the 29 ms that building the alert page's validator took."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)
    # Wire names of fields the service sent but that could not be read (shown as "?").
    _unreadable: frozenset[str] = PrivateAttr(default_factory=frozenset)
    # The JSON object exactly as the service sent it (for "copy as JSON").
    _raw: dict[str, Any] | None = PrivateAttr(default=None)

    @property
    def unreadable(self) -> frozenset[str]:
        return self._unreadable

    @property
    def raw(self) -> dict[str, Any]:
        """As the service sent it: its own field names and values (or, for an item we built
        ourselves, our model in the service's field names)."""
        if self._raw is not None:
            return self._raw
        dumped: dict[str, Any] = self.model_dump(by_alias=True, mode="json", exclude_none=True)
        return dumped


Item = TypeVar("Item", bound=Incoming)


def read_tolerantly(model: type[Item], raw: Any) -> Item | None:
    """One item of a page, read field by field: a field that cannot be read is left out (and
    named in ``unreadable``) instead of rejecting the item; None when the item has no
    readable identity (or is not an object at all)."""
    if not isinstance(raw, dict):
        return None
    try:
        item = model.model_validate(raw)
    except ValidationError as error:
        bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
        if not bad:
            return None
        try:
            item = model.model_validate({k: v for k, v in raw.items() if k not in bad})
        except ValidationError:
            return None  # a required field (the id) was among the bad ones
        item._unreadable = frozenset(bad)
    item._raw = raw
    return item


class Outgoing(BaseModel):
    """A body we send: unknown fields refused, limits enforced, strings stripped of nothing."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = self.model_dump(by_alias=True, exclude_none=True, mode="json")
        return body


# ----------------------------------------------------------------------------- reading


class Responder(Incoming):
    id: str = ""
    type: str = ""


SITE_SEPARATOR = "\x1f"  # between a site's name and an alert's id in a key (never in either)


def alert_key(site: str, alert_id: str) -> str:
    return f"{site}{SITE_SEPARATOR}{alert_id}" if site else alert_id


class Alert(Incoming):
    id: str
    tiny_id: str | None = Field(None, alias="tinyId")
    alias: str | None = None
    message: str = ""
    description: str | None = None
    entity: str | None = None
    source: str | None = None
    owner: str | None = None
    status: str | None = None
    acknowledged: bool = False
    seen: bool = False
    snoozed: bool = False
    priority: str | None = None
    count: int | None = None
    created_at: Time | None = Field(None, alias="createdAt")
    updated_at: Time | None = Field(None, alias="updatedAt")
    # The spec spells it lastOccuredAt; the seed page's example lastOccurredAt.
    last_occurred_at: Time | None = Field(
        None, validation_alias=AliasChoices("lastOccurredAt", "lastOccuredAt")
    )
    snoozed_until: Time | None = Field(None, alias="snoozedUntil")
    ack_time: Time | None = Field(None, alias="ackTime")
    close_time: Time | None = Field(None, alias="closeTime")
    tags: Annotated[list[str], ListOrNull] = []
    actions: Annotated[list[str], ListOrNull] = []
    responders: Annotated[list[Responder], ListOrNull] = []
    extra_properties: Annotated[dict[str, JsonScalar], DictOrNull, BeforeValidator(_scalars)] = (
        Field({}, alias="extraProperties")
    )
    integration_type: str | None = Field(None, alias="integrationType")
    integration_name: str | None = Field(None, alias="integrationName")

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return int(value) if isinstance(value, float) and value.is_integer() else value

    # The site (the profile's name) it came from when the console shows several; "" for one.
    _site: str = PrivateAttr(default="")

    @property
    def is_open(self) -> bool:
        return (self.status or "open") not in ("closed", "resolved")

    @property
    def site(self) -> str:
        return self._site

    @property
    def key(self) -> str:
        """The alert's key in a table: its id, with its site's name when there are several
        sites (two sites' ids never meet). The service's id is ``id``, always."""
        return alert_key(self._site, self.id)

    def at_site(self, site: str) -> Alert:
        """This alert, told which site it came from (the same object: read once, kept)."""
        self._site = site
        return self


class Links(Incoming):
    next: str | None = None


class AlertPage(Incoming):
    values: Annotated[list[Alert], ListOrNull] = []
    count: int = 0
    links: Links = Links()


class Receipt(Incoming):
    """The answer to every asynchronous write: the request id to follow."""

    result: str | None = None
    # An id we will ask about again (and journal): printable ASCII, as the service's UUIDs are.
    request_id: str = Field(alias="requestId", pattern=r"^[!-~]{1,200}$")
    took: float | None = None


class RequestStatus(Incoming):
    """What became of an asynchronous write."""

    action: str | None = None
    processed_at: Time | None = Field(None, alias="processedAt")
    integration_id: str | None = Field(None, alias="integrationId")
    is_success: bool = Field(validation_alias=AliasChoices("isSuccess", "success"))
    status: str | None = None
    alert_id: str | None = Field(None, alias="alertId")
    alias: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        # Opsgenie (and the JSM integration API) wrap it in {"data": {...}}.
        if (
            isinstance(value, dict)
            and "isSuccess" not in value
            and isinstance(value.get("data"), dict)
        ):
            return value["data"]
        return value


class Note(Incoming):
    id: str
    note: str = ""
    owner: str | None = None
    created_at: Time | None = Field(None, alias="createdAt")
    updated_at: Time | None = Field(None, alias="updatedAt")


class NotesPage(Incoming):
    values: Annotated[list[Note], ListOrNull] = []
    links: Links = Links()


class LogEntry(Incoming):
    log: str = ""
    log_type: str | None = Field(None, alias="logType")
    owner: str | None = None
    log_time: Time | None = Field(None, alias="logTime")


class LogsPage(Incoming):
    values: Annotated[list[LogEntry], ListOrNull] = []
    links: Links = Links()


class Attachment(Incoming):
    """An alert's attachment. The client offers no attachment operations (API tokens cannot use
    them, API-NOTES §1, and the simulator does not serve them); the bodies are modelled anyway."""

    id: str
    attachment_name: str | None = Field(None, alias="attachmentName")
    inserted_at: Time | None = Field(None, alias="insertedAt")


class AttachmentsPage(Incoming):
    values: Annotated[list[Attachment], ListOrNull] = []
    links: Links = Links()


class AttachmentUrl(Incoming):
    """A temporary download URL."""

    url: str


class ErrorBody(Incoming):
    """Any error answer: Opsgenie's ``message``, the spec's ``errors`` list, or a field map."""

    message: str | None = None
    errors: Any = None  # the spec's list, Opsgenie's field map, or anything at all
    request_id: str | None = Field(None, alias="requestId")
    code: Any = None

    @field_validator("message", "request_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return None if value is None else str(value)

    def details(self) -> list[str]:
        """One readable line per error the server listed."""
        if isinstance(self.errors, dict):
            return [f"{field}: {text}" for field, text in self.errors.items()]
        if not isinstance(self.errors, list):
            return [str(self.errors)] if self.errors not in (None, "") else []
        lines: list[str] = []
        for item in self.errors:
            if isinstance(item, dict):
                text = item.get("title") or item.get("detail") or item.get("message")
                if text:
                    lines.append(str(text))
            elif item:
                lines.append(str(item))
        return lines


# ----------------------------------------------------------------------------- writing

Message = Annotated[str, StringConstraints(min_length=1, max_length=MESSAGE_MAX, pattern=r"\S")]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=TAG_MAX, pattern=r"\S")]
ActionName = Annotated[str, StringConstraints(min_length=1, max_length=ACTION_MAX, pattern=r"\S")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=r"\S")]


def extra_properties_size(props: dict[str, JsonScalar]) -> int:
    """Characters that count against the 8,000 limit: keys plus values written as text."""

    def text(value: JsonScalar) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    return sum(len(k) + len(text(v)) for k, v in props.items())


def _check_extra_properties(props: dict[str, JsonScalar] | None) -> dict[str, JsonScalar] | None:
    if props is None:
        return None
    if any(not key.strip() for key in props):
        raise ValueError("keys must not be empty")
    size = extra_properties_size(props)
    if size > EXTRA_PROPERTIES_MAX:
        raise ValueError(f"must be at most {EXTRA_PROPERTIES_MAX} characters in total (got {size})")
    return props


class ResponderRef(Outgoing):
    id: Identifier
    type: ResponderType


class VisibleToRef(Outgoing):
    id: Identifier
    type: VisibleToType


class CreateAlert(Outgoing):
    message: Message
    alias: str | None = Field(None, max_length=ALIAS_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)
    responders: list[ResponderRef] | None = Field(None, max_length=RECIPIENTS_MAX)
    visible_to: list[VisibleToRef] | None = Field(
        None, alias="visibleTo", max_length=RECIPIENTS_MAX
    )
    note: str | None = Field(None, max_length=NOTE_MAX)
    entity: str | None = Field(None, max_length=ENTITY_MAX)
    source: str | None = Field(None, max_length=SOURCE_MAX)
    tags: list[Tag] | None = Field(None, max_length=TAGS_MAX)
    actions: list[ActionName] | None = Field(None, max_length=ACTIONS_MAX)
    priority: Priority | None = None
    extra_properties: dict[str, JsonScalar] | None = Field(None, alias="extraProperties")

    _extra = field_validator("extra_properties")(_check_extra_properties)


class AssignAlert(Outgoing):
    account_id: Identifier = Field(alias="accountId")


class AddResponder(Outgoing):
    id: Identifier
    type: ResponderType


class Escalate(Outgoing):
    escalation_id: Identifier = Field(alias="escalationId")


class Snooze(Outgoing):
    end_time: datetime = Field(alias="endTime")

    @field_validator("end_time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a time zone")
        return value

    def to_json(self) -> dict[str, Any]:
        # ISO-8601 in UTC with milliseconds and Z, as the service writes its own times.
        stamp = self.end_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return {"endTime": stamp}


class CustomAction(Outgoing):
    action_name: ActionName = Field(alias="actionName")


class Tags(Outgoing):
    tags: list[Tag] = Field(min_length=1, max_length=TAGS_MAX)


class AddExtraProperties(Outgoing):
    extra_properties: dict[str, JsonScalar] = Field(alias="extraProperties", min_length=1)

    _extra = field_validator("extra_properties")(_check_extra_properties)


class DeleteExtraProperties(Outgoing):
    keys: list[Identifier] = Field(min_length=1)


class UpdateMessage(Outgoing):
    message: Message


class UpdateDescription(Outgoing):
    description: str = Field(max_length=DESCRIPTION_MAX)


class UpdatePriority(Outgoing):
    priority: Priority


class NoteText(Outgoing):
    note: str = Field(min_length=1, max_length=NOTE_MAX, pattern=r"\S")
