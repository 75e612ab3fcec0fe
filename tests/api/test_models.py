"""Parsing tolerance of console/api/models.py, on hand-written bodies (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pydantic
import pytest

from console.api.models import (
    Alert,
    AlertPage,
    CreateAlert,
    ErrorBody,
    LogsPage,
    Note,
    NotesPage,
    Receipt,
    RequestStatus,
    Snooze,
    extra_properties_size,
)

STAMP = "2024-01-05T07:06:47.958Z"
WHEN = datetime(2024, 1, 5, 7, 6, 47, 958_000, tzinfo=UTC)


# ----------------------------------------------------------------------------- alerts


def test_an_alert_needs_only_its_id() -> None:
    alert = Alert.model_validate({"id": "a-1"})
    assert alert.id == "a-1"
    assert alert.message == ""
    assert (alert.tags, alert.actions, alert.responders, alert.extra_properties) == ([], [], [], {})
    assert alert.acknowledged is False and alert.snoozed is False
    assert alert.created_at is None and alert.last_occurred_at is None
    assert alert.is_open


def test_an_alert_without_an_id_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        Alert.model_validate({"message": "no id"})


def test_unknown_fields_are_kept() -> None:
    alert = Alert.model_validate(
        {"id": "a", "visibleTo": [{"id": "t", "type": "team"}], "futureField": {"x": [1, 2]}}
    )
    assert alert.model_extra is not None
    assert alert.model_extra["futureField"] == {"x": [1, 2]}
    assert alert.model_extra["visibleTo"] == [{"id": "t", "type": "team"}]
    responder = Alert.model_validate(
        {"id": "a", "responders": [{"id": "r", "type": "team", "name": "Payments"}]}
    ).responders[0]
    assert responder.model_extra == {"name": "Payments"}


def test_nulls_for_lists_dicts_and_optional_fields() -> None:
    alert = Alert.model_validate(
        {
            "id": "a",
            "tags": None,
            "actions": None,
            "responders": None,
            "extraProperties": None,
            "description": None,
            "owner": None,
            "status": None,
            "priority": None,
            "count": None,
            "createdAt": None,
            "snoozedUntil": None,
        }
    )
    assert (alert.tags, alert.actions, alert.responders, alert.extra_properties) == ([], [], [], {})
    assert alert.description is None and alert.count is None and alert.created_at is None
    assert alert.is_open  # no status reads as open


@pytest.mark.parametrize("spelling", ["lastOccuredAt", "lastOccurredAt"])
def test_both_spellings_of_last_occurred_at(spelling: str) -> None:
    assert Alert.model_validate({"id": "a", spelling: STAMP}).last_occurred_at == WHEN


def test_both_spellings_at_once() -> None:
    alert = Alert.model_validate({"id": "a", "lastOccuredAt": STAMP, "lastOccurredAt": STAMP})
    assert alert.last_occurred_at == WHEN


def test_times_are_aware_datetimes() -> None:
    alert = Alert.model_validate(
        {"id": "a", "createdAt": STAMP, "updatedAt": "2024-01-05T08:06:47.958+01:00"}
    )
    assert alert.created_at == WHEN
    assert alert.updated_at == WHEN
    assert alert.created_at is not None and alert.created_at.tzinfo is not None


def test_extra_properties_keep_every_json_scalar_and_its_type() -> None:
    raw: dict[str, Any] = {"b": False, "t": True, "i": 7, "f": 0.5, "s": "1", "n": None}
    alert = Alert.model_validate({"id": "a", "extraProperties": raw})
    assert alert.extra_properties == raw
    assert [type(v) for v in alert.extra_properties.values()] == [
        bool,
        bool,
        int,
        float,
        str,
        type(None),
    ]


def test_a_whole_float_count_reads_as_an_int() -> None:
    alert = Alert.model_validate({"id": "a", "count": 3.0})
    assert alert.count == 3 and isinstance(alert.count, int)


@pytest.mark.parametrize(
    ("status", "is_open"), [("open", True), ("closed", False), ("resolved", False)]
)
def test_is_open(status: str, is_open: bool) -> None:
    assert Alert.model_validate({"id": "a", "status": status}).is_open is is_open


# ----------------------------------------------------------------------------- pages and receipts


def test_alert_page_tolerates_nulls_and_missing_links() -> None:
    page = AlertPage.model_validate({"values": None})
    assert (page.values, page.count, page.links.next) == ([], 0, None)
    page = AlertPage.model_validate(
        {"values": [{"id": "a"}], "count": 5, "links": {"next": "/v1/alerts?offset=1&size=1"}}
    )
    assert [a.id for a in page.values] == ["a"]
    assert page.links.next == "/v1/alerts?offset=1&size=1"


def test_notes_and_logs_pages_tolerate_nulls() -> None:
    assert NotesPage.model_validate({"values": None}).values == []
    assert LogsPage.model_validate({"values": None, "links": {}}).values == []
    note = Note.model_validate({"id": "1", "note": "x", "createdAt": STAMP, "extra": 1})
    assert (note.note, note.created_at, note.model_extra) == ("x", WHEN, {"extra": 1})
    logs = LogsPage.model_validate(
        {"values": [{"log": "Alert closed", "logType": "alertAction", "logTime": STAMP}]}
    )
    assert (logs.values[0].log_type, logs.values[0].log_time) == ("alertAction", WHEN)


@pytest.mark.parametrize("took", [0, 1, 0.195, None])
def test_receipt_took_int_float_or_missing(took: float | None) -> None:
    body: dict[str, Any] = {"result": "Request will be processed", "requestId": "r-1"}
    if took is not None:
        body["took"] = took
    receipt = Receipt.model_validate(body)
    assert receipt.request_id == "r-1"
    assert receipt.took == took


def test_a_receipt_needs_a_request_id() -> None:
    with pytest.raises(pydantic.ValidationError):
        Receipt.model_validate({"result": "Request will be processed"})


# ----------------------------------------------------------------------------- request status

STATUS = {
    "action": "Create",
    "processedAt": STAMP,
    "integrationId": "",
    "status": "Created alert",
    "alertId": "a-1",
    "alias": "disk",
}


def check_status(status: RequestStatus, success: bool = True) -> None:
    assert status.is_success is success
    assert (status.action, status.status, status.alert_id, status.alias) == (
        "Create",
        "Created alert",
        "a-1",
        "disk",
    )
    assert status.processed_at == WHEN


def test_request_status_plain() -> None:
    check_status(RequestStatus.model_validate({**STATUS, "isSuccess": True}))


def test_request_status_with_success_instead_of_is_success() -> None:
    check_status(RequestStatus.model_validate({**STATUS, "success": False}), success=False)


@pytest.mark.parametrize("flag", ["isSuccess", "success"])
def test_request_status_in_an_opsgenie_data_envelope(flag: str) -> None:
    body = {"data": {**STATUS, flag: True}, "took": 0.01, "requestId": "r-9"}
    check_status(RequestStatus.model_validate(body))


def test_request_status_as_opsgenie_sends_it() -> None:
    data = {**STATUS, "success": True, "isSuccess": True}
    check_status(RequestStatus.model_validate({"data": data, "took": 0.022, "requestId": "r"}))


def test_request_status_without_a_success_flag_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        RequestStatus.model_validate(STATUS)


# ----------------------------------------------------------------------------- error bodies


def test_error_details_from_the_spec_list() -> None:
    body = ErrorBody.model_validate(
        {
            "message": "Request body is not processable. Please check the errors.",
            "errors": [
                {"title": "message: is required", "code": "InvalidField", "field": "message"},
                {"detail": "tags[0]: too long", "code": "InvalidField"},
                {"message": "priority: bad", "code": "InvalidField"},
            ],
            "took": 0.001,
            "requestId": "r-1",
        }
    )
    assert body.details() == ["message: is required", "tags[0]: too long", "priority: bad"]
    assert body.request_id == "r-1"


def test_error_details_from_the_opsgenie_map() -> None:
    body = ErrorBody.model_validate(
        {"message": "Invalid", "errors": {"message": "is required", "alias": "too long"}}
    )
    assert body.details() == ["message: is required", "alias: too long"]


def test_error_details_skip_garbage_items() -> None:
    body = ErrorBody.model_validate(
        {"errors": [None, "", {}, {"code": "NoTitle"}, {"title": ""}, 5, "plain text", ["x"]]}
    )
    assert body.details() == ["5", "plain text", "['x']"]


def test_error_bodies_without_errors() -> None:
    assert ErrorBody.model_validate({}).details() == []
    unauthorized = ErrorBody.model_validate({"code": 401, "message": "Unauthorized"})
    assert (unauthorized.code, unauthorized.message, unauthorized.details()) == (
        401,
        "Unauthorized",
        [],
    )
    assert ErrorBody.model_validate({"errors": None, "code": "E1"}).details() == []


@pytest.mark.parametrize("errors", ["something broke", 42], ids=["str", "int"])
def test_an_error_body_with_a_garbage_errors_field_keeps_its_message(errors: object) -> None:
    # Regression (fixed): console/api/models.py ErrorBody typed ``errors`` as
    # list | dict | None, so a body whose ``errors`` is anything else fails validation as a
    # whole. JsmClient._error (console/api/client.py lines 406-409) then falls back to an empty
    # ErrorBody, dropping the server's ``message`` and ``requestId``: the user sees only the
    # reason phrase ("Not Found"). Reading is meant to be tolerant: keep the message and
    # request id, and give no (or one) detail line.
    body = ErrorBody.model_validate({"message": "Alert does not exist", "errors": errors})
    assert body.message == "Alert does not exist"
    assert body.details() in ([], [str(errors)])


# ----------------------------------------------------------------------------- what we send


def test_create_is_sent_with_camel_case_names_and_no_nulls() -> None:
    body = CreateAlert.model_validate(
        {
            "message": "m",
            "visibleTo": [{"id": "t", "type": "team"}],
            "extraProperties": {"flag": False, "none": None},
            "tags": None,
        }
    ).to_json()
    assert body == {
        "message": "m",
        "visibleTo": [{"id": "t", "type": "team"}],
        "extraProperties": {"flag": False, "none": None},
    }


def test_snooze_is_sent_in_utc_with_milliseconds() -> None:
    until = datetime(2030, 6, 1, 12, 30, 15, 123_456, tzinfo=timezone(timedelta(hours=-4)))
    assert Snooze.model_validate({"endTime": until}).to_json() == {
        "endTime": "2030-06-01T16:30:15.123Z"
    }


def test_extra_properties_size_counts_keys_and_values_as_text() -> None:
    assert extra_properties_size({"ab": "cde", "t": True, "f": False, "n": None, "i": 10}) == (
        5 + 5 + 6 + 1 + 3
    )


def test_attachment_bodies_parse_as_the_spec_shows_them() -> None:
    from console.api.models import AttachmentsPage, AttachmentUrl

    page = AttachmentsPage.model_validate(
        {
            "values": [
                {
                    "id": "1234567890",
                    "attachmentName": "error_log.txt",
                    "insertedAt": "2024-01-05T07:06:47.958Z",
                }
            ],
            "links": {"next": "/api/x/v1/alerts/a/attachments?after=1234567890"},
        }
    )
    assert page.values[0].attachment_name == "error_log.txt"
    assert page.values[0].inserted_at is not None
    assert page.links.next is not None
    assert AttachmentUrl.model_validate({"url": "https://example.com/x?token=1"}).url.endswith(
        "token=1"
    )
