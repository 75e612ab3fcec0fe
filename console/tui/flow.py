"""How any operation of the registry is asked for and handed to the tracker.

One flow serves every op: it reads the op's description (console.actions.ops) and
opens the dialog it calls for (a form, a choice, a typed confirmation), asks first
when the op says so (No is the default), checks the input against the API's limits
before anything is sent, then submits, marks the rows pending and shows the state
the op leads to. Adding an op adds no code here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from textual.app import App
from textual.screen import Screen

from console.actions import OPS, AnyTracker, Op
from console.actions.parsing import FieldProblem
from console.api import errors
from console.api.models import Alert
from console.directory import Directory, Unresolved
from console.tui.cells import label
from console.tui.dialogs import ChoiceDialog, ConfirmDialog, FormDialog, FormField, FormValues
from console.tui.table import AlertTable


class Host(Protocol):
    """What the flow needs of the screen it serves."""

    @property
    def app(self) -> App[Any]: ...

    @property
    def table(self) -> AlertTable: ...

    @property
    def tracker(self) -> AnyTracker: ...

    @property
    def directory(self) -> Directory | None: ...

    def directory_for(self, site: str) -> Directory | None: ...

    def sent(self, batch_id: str, targets: Sequence[Alert]) -> None: ...


class OpFlow:
    def __init__(self, host: Host) -> None:
        self.host = host
        self._site = ""  # the site whose names the op in hand picks from

    def _directory(self) -> Directory | None:
        return self.host.directory_for(self._site)

    def _one_site_for_names(self, op: Op, targets: list[Alert]) -> bool:
        """An op that names a person or team names one of a site's own (ids differ from site
        to site): on the alerts of one site at a time. Says so when they are of several."""
        sites = list(dict.fromkeys(a.site for a in targets))
        self._site = sites[0] if sites else ""
        if len(sites) > 1 and any(f.pick or f.pick_from for f in op.fields):
            self.host.app.notify(
                f"{op.title} names someone of one site: mark the alerts of one site at a time "
                f"(these are on {', '.join(sites)}). Nothing was sent.",
                severity="warning",
                timeout=8,
            )
            return False
        return True

    def start(self, name: str, only: Alert | None = None) -> None:
        """Ask for ``name`` on the marked alerts or the selected one (``only``: on that alert
        alone, as from its full-screen detail)."""
        op = OPS[name]
        host, app = self.host, self.host.app
        if host.tracker.read_only:
            app.notify("Read-only: this console sends no changes.", severity="warning", timeout=4)
            return
        if not op.targets:
            targets = []
        elif only is not None:
            targets = [host.table.alert(only.key) or only]  # as the table knows it now
        else:
            targets = host.table.targets()
        if op.targets and not targets:
            app.notify("No alert selected.", timeout=3)
            return
        if not self._one_site_for_names(op, targets):
            return
        if op.ask == "choice":
            self._choose(op, targets)
        elif op.ask == "typed":
            self._typed(op, targets)
        elif op.fields:
            self._form(op, targets)
        else:
            self._confirm(op, targets, {}, {})

    def send_known(self, name: str, targets: list[Alert], data: Mapping[str, Any]) -> None:
        """An operation whose data is already known (assign to the person on call, from the
        on-call panel): no form, the op's own question if it asks one, then the tracker."""
        if self.host.tracker.read_only:
            self.host.app.notify(
                "Read-only: this console sends no changes.", severity="warning", timeout=4
            )
            return
        values = {k: str(v) for k, v in data.items()}
        if self._one_site_for_names(OPS[name], targets):
            self._confirm(OPS[name], targets, data, values)

    # ------------------------------------------------------------------ the dialogs

    def _form(self, op: Op, targets: list[Alert]) -> None:
        fields = [
            FormField(
                f.name,
                f.label,
                f.hint_from(targets) if f.hint_from else f.hint,
                value=f.default,
                options=tuple((c, c) for c in f.choices),
                multiline=f.multiline,
                pick=f.pick,
                pick_from=f.pick_from,
            )
            for f in op.fields
        ]

        def done(values: FormValues | None) -> None:
            if values is not None:
                self._confirm(op, targets, self._build(op, values, targets), values)

        self._push(
            FormDialog(
                op.title,
                fields,
                intro=self._names(targets) if targets else "",
                check=self._checker(op, targets),
                directory=self._directory(),
            ),
            done,
        )

    def _choose(self, op: Op, targets: list[Alert]) -> None:
        choices = op.choices(targets) if op.choices else []
        if not choices:
            what = "these alerts" if len(targets) > 1 else "this alert"
            self.host.app.notify(f"Nothing to choose from for {what}.", timeout=4)
            return

        def picked(choice: str | None) -> None:
            if choice is not None:
                values = {"choice": choice}
                self._confirm(op, targets, self._build(op, values, targets), values)

        self._push(ChoiceDialog(op.title, choices), picked)

    def _typed(self, op: Op, targets: list[Alert]) -> None:
        """A confirmation that must be typed: the tinyId (or the id when there is none), or
        the count of marked alerts. An empty answer never matches."""
        if len(targets) == 1:
            alert = targets[0]
            expected = alert.tiny_id or alert.id
            kind = "tinyId" if alert.tiny_id else "alert id"
            instruction = f"Type the {kind}, {expected}, to {op.title.lower()} {label(alert)}."
        else:
            expected = str(len(targets))
            instruction = f"Type {expected} to {op.title.lower()} these {expected} alerts."

        def check(values: FormValues) -> dict[str, str]:
            if values["confirm"].strip() != expected:
                return {"confirm": "does not match; nothing will be sent"}
            return {}

        self._push(
            FormDialog(
                f"{op.title} — this cannot be undone",
                [FormField("confirm", "Confirm", instruction)],
                intro=f"{self._names(targets)}\n\n{instruction}",
                check=check,
                submit_label=f"Enter to {op.title.lower()}",
            ),
            lambda values: self._send(op, targets, None, {}) if values is not None else None,
        )

    def _confirm(
        self, op: Op, targets: list[Alert], data: Mapping[str, Any], values: FormValues
    ) -> None:
        if op.confirm is None:
            self._send(op, targets, data, values)
            return
        what = label(targets[0]) if len(targets) == 1 else f"{len(targets)} alerts"
        self._push(
            # The question is built from values, never a str.format template of them; an id
            # the directory knows is asked about by its name.
            ConfirmDialog(op.confirm(what, self._named(op, data, values)), self._names(targets)),
            lambda yes: self._send(op, targets, data, values) if yes else None,
        )

    # ------------------------------------------------------------------ sending

    def _send(
        self, op: Op, targets: list[Alert], data: Mapping[str, Any] | None, values: FormValues
    ) -> None:
        host, app = self.host, self.host.app
        # Each alert's action goes to its own site, with that site's credentials (with one
        # site, all to the one): marks across sites are split, a read-only site says so.
        by_site: dict[str, list[Alert]] = {}
        for alert in targets:
            by_site.setdefault(alert.site, []).append(alert)
        groups = list(by_site.items()) or [("", [])]
        sent: list[tuple[str, list[Alert]]] = []
        for site, group in groups:
            tracker = host.tracker.for_site(site)
            pairs: list[tuple[str | None, str]] = [(a.id, label(a)) for a in group] or [
                (None, "new alert")
            ]
            if tracker.read_only and site:
                app.notify(
                    f"{site} is read-only: {op.title.lower()} not sent to its "
                    f"{len(group)} alert{'s' if len(group) != 1 else ''}",
                    severity="warning",
                )
                continue
            try:
                batch = tracker.submit(op.name, pairs, data, summary=_summary(values))
            except errors.ReadOnlyError as error:
                app.notify(str(error), severity="warning")
                continue
            except errors.InputError as error:
                app.notify(str(error), title="Not sent", severity="error")
                return
            sent.append((batch, group))
        if not sent:
            return
        targets = [a for _batch, group in sent for a in group]
        directory = self._directory()
        if directory is not None and data:  # what was sent is offered first next time
            for f in op.fields:
                kind = self._pick_kind(f.pick, f.pick_from, values)
                if kind and f.name in data:
                    directory.remember(kind, str(data[f.name]))
        away = len(host.table.marks_off_page)
        for alert in targets:
            host.table.book.sending(op, alert, data)
            host.table.redraw_row(alert.key)
        if len(targets) > 1:
            host.table.clear_marks()  # sent: the next key must not fall on them again
            elsewhere = f" ({away} not on this page)" if away else ""
            app.notify(f"{op.title}: {len(targets)} alerts queued{elsewhere}", timeout=3)
        for batch, group in sent:
            host.sent(batch, group)

    # ------------------------------------------------------------------ helpers

    def _build(self, op: Op, values: FormValues, targets: list[Alert]) -> dict[str, Any]:
        return op.build(self._resolved(op, values), targets) if op.build else {}

    def _resolved(self, op: Op, values: FormValues) -> FormValues:
        """A name typed into a field that picks becomes its id (an id stays as typed)."""
        directory = self._directory()
        if directory is None:
            return values
        resolved = dict(values)
        for f in op.fields:
            kind = self._pick_kind(f.pick, f.pick_from, values)
            if kind and f.name in resolved:
                try:
                    resolved[f.name] = directory.resolve(kind, resolved[f.name])
                except Unresolved as problem:
                    raise FieldProblem(f.name, str(problem)) from None
        return resolved

    @staticmethod
    def _pick_kind(pick: str, pick_from: str, values: FormValues) -> str:
        return pick or (values.get(pick_from, "") if pick_from else "")

    def _named(self, op: Op, data: Mapping[str, Any], values: FormValues) -> dict[str, Any]:
        """``data`` with each picked id as its name, for questions people read."""
        directory = self._directory()
        shown = dict(data)
        if directory is None:
            return shown
        for f in op.fields:
            kind = self._pick_kind(f.pick, f.pick_from, values)
            if kind and isinstance(shown.get(f.name), str):
                shown[f.name] = directory.describe(kind, shown[f.name])
        return shown

    def _checker(self, op: Op, targets: list[Alert]) -> Callable[[FormValues], dict[str, str]]:
        """A form check: the values must build, and the data pass the API's limits."""

        def check(values: FormValues) -> dict[str, str]:
            try:
                data = self._build(op, values, targets)
            except (ValueError, ArithmeticError) as error:  # OverflowError: 9999999d, say
                field = getattr(error, "field", None)
                return {field if field in values else next(iter(values), "value"): str(error)}
            try:
                self.host.tracker.validate(op.name, data)
            except errors.InputError as problem:
                return {_form_field(name, values): text for name, text in problem.problems}
            return {}

        return check

    def _names(self, targets: list[Alert]) -> str:
        """The alerts an action is about, one per line; marked ones that left the page say so."""
        away = set(self.host.table.marks_off_page)
        lines = [
            f"{label(a)}  {a.message}" + ("  (no longer on this page)" if a.key in away else "")
            for a in targets[:8]
        ]
        if len(targets) > 8:
            lines.append(f"… and {len(targets) - 8} more")
        gone = sum(1 for a in targets if a.key in away)
        if gone:
            lines.append(
                f"{gone} of these marked alert{'s are' if gone != 1 else ' is'} no longer on "
                "this page (closed, changed, or on another page); the action still applies to "
                f"{'them' if gone != 1 else 'it'}, and to nothing else."
            )
        return "\n".join(lines)

    def _push(self, screen: Screen[Any], callback: Callable[[Any], None]) -> None:
        self.host.app.push_screen(screen, callback)


def _form_field(api_field: str, values: FormValues) -> str:
    """The form field that an API field error belongs to (``tags[3]`` → ``tags``)."""
    base = api_field.split("[")[0].split(".")[0]
    if base in values:
        return base
    return next(iter(values), base)


def _summary(values: FormValues) -> str:
    return ", ".join(f"{k}: {v}" for k, v in values.items())[:200]
