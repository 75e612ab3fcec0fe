"""Every write the console offers: the dialog that asks for it, and the hand-over to the tracker.

Each action applies to the marked rows, or else to the selected one. Dialogs
check their input against the API's limits (the same check the client makes
before sending), and destructive actions ask first with No as the default.
The row shows the expected state at once and a pending badge until the
tracker reports the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from console.actions import OPS, ActionTracker
from console.actions.expect import expected
from console.api import errors
from console.api.models import Alert
from console.tui.dialogs import ChoiceDialog, ConfirmDialog, FormDialog, FormField, FormValues
from console.tui.parsing import (
    FieldProblem,
    parse_properties,
    parse_recipients,
    parse_until,
    split_keys,
    split_list,
)

if TYPE_CHECKING:
    from console.tui.table import AlertTable

Build = Callable[[FormValues], dict[str, Any]]  # form values -> API data; ValueError if bad

# Short enough for the status column: "⧗ ack".
BADGE = {
    "acknowledge": "ack",
    "unacknowledge": "unack",
    "close": "close",
    "assign": "assign",
    "add_responder": "resp",
    "escalate": "escal",
    "snooze": "snooze",
    "custom_action": "action",
    "add_tags": "tag",
    "remove_tags": "untag",
    "add_extra_properties": "props",
    "remove_extra_properties": "props",
    "add_note": "note",
    "delete": "delete",
}


if TYPE_CHECKING:
    from textual.app import App

    _Base = App[None]
else:
    _Base = object


class Operations(_Base):
    """Mixed into the App: the write actions bound to keys."""

    tracker: ActionTracker
    table: AlertTable
    _batches: dict[str, list[str]]

    def _draw_page(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ plumbing

    def _targets(self) -> list[Alert] | None:
        if self.tracker.read_only:
            self.notify("Read-only: this console sends no changes.", severity="warning", timeout=4)
            return None
        targets = self.table.targets()
        if not targets:
            self.notify("No alert selected.", timeout=3)
            return None
        return targets

    def _send(
        self,
        op: str,
        targets: list[Alert | None],
        data: Mapping[str, Any] | None = None,
        summary: str = "",
    ) -> None:
        pairs = [(a.id if a else None, label(a) if a else "new alert") for a in targets]
        try:
            batch = self.tracker.submit(op, pairs, data, summary=summary)
        except errors.ReadOnlyError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        except errors.InputError as error:
            self.notify(str(error), title="Not sent", severity="error", markup=False)
            return
        self._batches[batch] = [a.id for a in targets if a is not None]
        title = OPS[op].title
        away = len(self.table.marks_off_page)
        if len(targets) > 1:
            # The marks did their job: the next key must not fall on them again.
            self.table.clear_marks()
        for alert in targets:
            if alert is None:
                continue
            self.table.set_badge(alert.id, f"⧗ {BADGE.get(op, 'busy')}")
            hoped = expected(alert, op, data)
            if hoped is not None:
                self.table.expect(hoped)
        if len(targets) > 1:
            elsewhere = f" ({away} not on this page)" if away else ""
            self.notify(f"{title}: {len(targets)} alerts queued{elsewhere}", timeout=3)
        self._draw_page()

    def _checker(self, op: str, build: Build) -> Callable[[FormValues], dict[str, str]]:
        """A form check: the values must build and pass the API's limits."""

        def check(values: FormValues) -> dict[str, str]:
            try:
                data = build(values)
            except (ValueError, ArithmeticError) as error:  # OverflowError: 9999999d, say
                return {_problem_field(error, values): str(error)}
            try:
                self.tracker.validate(op, data)
            except errors.InputError as error:
                return {_form_field(field, values): text for field, text in error.problems}
            return {}

        return check

    def _ask(
        self,
        op: str,
        title: str,
        fields: list[FormField],
        build: Build,
        targets: list[Alert],
        *,
        confirm: Callable[[FormValues], str] | None = None,
        intro: str = "",
    ) -> None:
        """A form, then (optionally) a confirmation, then the action.

        ``confirm`` builds the question from the values (never a ``str.format`` template:
        a tinyId of ``{oops}`` must stay text)."""

        def done(values: FormValues | None) -> None:
            if values is None:
                return
            data = build(values)  # the form's check built these very values already
            if confirm is None:
                self._send(op, list(targets), data, summary=_summary(values))
                return
            self.push_screen(
                ConfirmDialog(confirm(values), _names(targets, self.table.marks_off_page)),
                lambda yes: (
                    self._send(op, list(targets), data, summary=_summary(values)) if yes else None
                ),
            )

        self.push_screen(
            FormDialog(
                title,
                fields,
                intro=intro or _names(targets, self.table.marks_off_page),
                check=self._checker(op, build),
            ),
            done,
        )

    # ------------------------------------------------------------------ the actions

    def action_acknowledge(self) -> None:
        if (targets := self._targets()) is not None:
            self._send("acknowledge", list(targets))

    def action_unacknowledge(self) -> None:
        if (targets := self._targets()) is not None:
            self._send("unacknowledge", list(targets))

    def action_close(self) -> None:
        if (targets := self._targets()) is None:
            return
        self.push_screen(
            ConfirmDialog(f"Close {_what(targets)}?", _names(targets, self.table.marks_off_page)),
            lambda yes: self._send("close", list(targets)) if yes else None,
        )

    def action_assign(self) -> None:
        if (targets := self._targets()) is not None:
            self._ask(
                "assign",
                "Assign owner",
                [
                    FormField(
                        "accountId", "Account id of the new owner", "e.g. 5b10ac8d82e05b22cc7d4ef5"
                    )
                ],
                lambda v: {"accountId": v["accountId"].strip()},
                targets,
            )

    def action_add_responder(self) -> None:
        if (targets := self._targets()) is not None:
            options = [(t, t) for t in ("team", "user", "escalation", "schedule")]
            self._ask(
                "add_responder",
                "Add responder",
                [
                    FormField("type", "Type", options=options),
                    FormField("id", "Id of the responder"),
                ],
                lambda v: {"type": v["type"], "id": v["id"].strip()},
                targets,
            )

    def action_add_tags(self) -> None:
        if (targets := self._targets()) is not None:
            self._ask(
                "add_tags",
                "Add tags",
                [FormField("tags", "Tags", "separated by commas or spaces: prod, database")],
                lambda v: {"tags": split_list(v["tags"])},
                targets,
            )

    def action_remove_tags(self) -> None:
        if (targets := self._targets()) is None:
            return
        present = sorted({t for a in targets for t in a.tags})
        self._ask(
            "remove_tags",
            "Remove tags",
            [FormField("tags", "Tags to remove", ", ".join(present[:6]))],
            lambda v: {"tags": split_list(v["tags"])},
            targets,
        )

    def action_add_extra_properties(self) -> None:
        if (targets := self._targets()) is not None:
            self._ask(
                "add_extra_properties",
                "Add extra properties",
                [
                    FormField(
                        "properties", "key=value pairs, separated by commas", "region=eu, runbook=…"
                    )
                ],
                lambda v: {"extraProperties": parse_properties(v["properties"])},
                targets,
            )

    def action_remove_extra_properties(self) -> None:
        if (targets := self._targets()) is None:
            return
        present = {k for a in targets for k in a.extra_properties}

        def build(values: FormValues) -> dict[str, Any]:
            keys = split_keys(values["keys"])
            absent = [k for k in keys if k not in present]
            if absent:
                where = label(targets[0]) if len(targets) == 1 else "any of these alerts"
                raise ValueError(f"not an extra property of {where}: {', '.join(absent)}")
            return {"keys": keys}

        self._ask(
            "remove_extra_properties",
            "Remove extra properties",
            [
                FormField(
                    "keys",
                    "Keys to remove",
                    "one per line, or separated by commas: " + ", ".join(sorted(present)[:4]),
                    multiline=True,
                )
            ],
            build,
            targets,
        )

    def action_escalate(self) -> None:
        if (targets := self._targets()) is not None:
            what = _what(targets)
            self._ask(
                "escalate",
                "Escalate",
                [FormField("escalationId", "Escalation id")],
                lambda v: {"escalationId": v["escalationId"].strip()},
                targets,
                confirm=lambda v: f"Escalate {what} to {v['escalationId'].strip()}?",
            )

    def action_snooze(self) -> None:
        if (targets := self._targets()) is not None:
            self._ask(
                "snooze",
                "Snooze",
                [
                    FormField(
                        "until",
                        "For how long, or until when",
                        "30m, 2h, 1d, 14:30 or 2026-12-01T08:00",
                    )
                ],
                lambda v: {"endTime": parse_until(v["until"])},
                targets,
            )

    def action_add_note(self) -> None:
        if (targets := self._targets()) is not None:
            self._ask(
                "add_note",
                "Add note",
                [FormField("note", "Note", "as many lines as you need", multiline=True)],
                lambda v: {"note": v["note"]},
                targets,
            )

    def action_custom_action(self) -> None:
        if (targets := self._targets()) is None:
            return
        # With several alerts: only the actions they all offer.
        common = set(targets[0].actions)
        for alert in targets[1:]:
            common &= set(alert.actions)
        choices = [a for a in targets[0].actions if a in common]
        if not choices:
            self.notify(
                "No custom action is offered by "
                + ("these alerts." if len(targets) > 1 else "this alert."),
                timeout=4,
            )
            return

        def picked(name: str | None) -> None:
            if name is not None:
                self._send("custom_action", list(targets), {"actionName": name}, summary=name)

        self.push_screen(ChoiceDialog("Run a custom action", choices), picked)

    def action_create(self) -> None:
        if self.tracker.read_only:
            self.notify("Read-only: this console sends no changes.", severity="warning", timeout=4)
            return
        priorities = [(p, p) for p in ("P3", "P1", "P2", "P4", "P5")]
        fields = [
            FormField("message", "Message", "required, up to 130 characters"),
            FormField("priority", "Priority", options=priorities),
            FormField("alias", "Alias", "the deduplication key; made for you when empty"),
            FormField("description", "Description"),
            FormField("entity", "Entity", "db-prod-3, checkout-api …"),
            FormField("source", "Source", "where it comes from"),
            FormField("tags", "Tags", "prod, database"),
            FormField("actions", "Custom actions", "Restart, Failover"),
            FormField("responders", "Responders", "type:id, e.g. team:1234, user:abcd"),
            FormField("visibleTo", "Visible to", "type:id, e.g. team:1234"),
            FormField("extraProperties", "Extra properties", "key=value, e.g. region=eu"),
            FormField("note", "Note"),
        ]

        def done(values: FormValues | None) -> None:
            if values is not None:
                self._send("create", [None], _create_body(values), summary=values["message"][:60])

        self.push_screen(
            FormDialog("Create alert", fields, check=self._checker("create", _create_body)), done
        )

    def action_delete(self) -> None:
        if (targets := self._targets()) is None:
            return
        if len(targets) == 1:
            # The tinyId, or the id when the service sent none: never an empty answer.
            alert = targets[0]
            expected_text = alert.tiny_id or alert.id
            kind = "tinyId" if alert.tiny_id else "alert id"
            instruction = f"Type the {kind}, {expected_text}, to delete {label(alert)}."
        else:
            expected_text = str(len(targets))
            instruction = f"Type {expected_text} to delete these {expected_text} alerts."

        def check(values: FormValues) -> dict[str, str]:
            if values["confirm"].strip() != expected_text:
                return {"confirm": "does not match; nothing will be deleted"}
            return {}

        self.push_screen(
            FormDialog(
                "Delete — this cannot be undone",
                [FormField("confirm", "Confirm", instruction)],
                intro=f"{_names(targets, self.table.marks_off_page)}\n\n{instruction}",
                check=check,
                submit_label="Enter to delete",
            ),
            lambda values: self._send("delete", list(targets)) if values is not None else None,
        )


def _create_body(values: FormValues) -> dict[str, Any]:
    body: dict[str, Any] = {"message": values["message"], "priority": values["priority"]}
    for key in ("alias", "description", "entity", "source", "note"):
        if values.get(key, "").strip():
            body[key] = values[key].strip()
    parsers: dict[str, Callable[[str], Any]] = {
        "tags": split_list,
        "actions": lambda text: [a.strip() for a in text.split(",") if a.strip()],
        "responders": lambda text: parse_recipients(
            text, ("team", "user", "escalation", "schedule")
        ),
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


def _form_field(api_field: str, values: FormValues) -> str:
    """The form field that an API field error belongs to (``tags[3]`` → ``tags``)."""
    base = api_field.split("[")[0].split(".")[0]
    if base in values:
        return base
    return next(iter(values), base)


def label(alert: Alert) -> str:
    """How an alert is named to people: ``#123``, or its id when the service sent no tinyId."""
    return f"#{alert.tiny_id}" if alert.tiny_id else alert.id


def _what(targets: list[Alert]) -> str:
    return label(targets[0]) if len(targets) == 1 else f"{len(targets)} alerts"


def _names(targets: list[Alert], off_page: list[str] | None = None) -> str:
    """The alerts an action is about, one per line; marked ones that left the page said so."""
    away = set(off_page or ())
    lines = [
        f"{label(a)}  {a.message}" + ("  (no longer on this page)" if a.id in away else "")
        for a in targets[:8]
    ]
    if len(targets) > 8:
        lines.append(f"… and {len(targets) - 8} more")
    gone = sum(1 for a in targets if a.id in away)
    if gone:
        lines.append(
            f"{gone} of these marked alert{'s are' if gone != 1 else ' is'} no longer on this "
            "page (closed, changed, or on another page); the action still applies to "
            f"{'them' if gone != 1 else 'it'}, and to nothing else."
        )
    return "\n".join(lines)


def _problem_field(error: Exception, values: FormValues) -> str:
    """The form field a build error is about: the one it names, else the first."""
    field = getattr(error, "field", None)
    return field if field in values else next(iter(values), "value")


def _summary(values: FormValues) -> str:
    return ", ".join(f"{k}: {v}" for k, v in values.items())[:200]
