"""The detail pane: every field of the selected alert, its notes and its activity log.

It only draws what it is given: the screen hands it the alert (at once, from the
table's data) and then its history (from console.live.history, fetched off the UI).
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.api.models import Alert
from console.base.sanitize import clean
from console.directory import PLURALS, NameBook, Names, looks_like_id
from console.live.history import History
from console.tui.cells import acknowledged, literal, priority_cell, stamp, status_cell, status_of
from console.tui.guard import Guarded
from console.tui.palette import PLAIN, Palette


class DetailPane(Guarded, VerticalScroll):
    DEFAULT_CSS = """
    DetailPane { padding: 0 1; }
    DetailPane > Static { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.alert: Alert | None = None
        self._shown: History | None = None  # the history drawn now
        self.palette = PLAIN
        # ids shown by name where the alert's site's directory knows them
        self.names: NameBook | None = None
        self.can_focus = True
        self._fields = Static("", markup=False, id="detail-fields")
        self._history = Static("", markup=False, id="detail-history")

    def compose(self) -> ComposeResult:
        yield self._fields
        yield self._history

    def show(self, alert: Alert | None, history: History | None = None) -> bool:
        """Show ``alert`` (None: nothing selected) and, if known, its history; True when the
        alert is new here (the caller then fetches its history)."""
        previous = self.alert
        if alert is not None and alert == previous and history in (None, self._shown):
            return False  # the same data: nothing to draw
        self.alert = alert
        if alert is None:
            self._fields.update(Text("No alert selected.", style=self.palette["muted"]))
            self._history.update("")
            return False
        self._fields.update(fields_view(alert, self.palette, _names(self.names, alert)))
        if history is not None:
            self._show_history(history)
        elif previous is None or previous.key != alert.key:
            self._shown = None
            self._history.update(Text("Loading notes and activity…", style="italic"))
        return True

    def _show_history(self, history: History) -> None:
        if history is not self._shown:
            self._shown = history
            self._history.update(history_view(history, self.palette))

    def show_history(self, key: str, history: History | str) -> None:
        """The history of the alert of ``key`` (or why it is unavailable), if still shown."""
        if self.alert is None or self.alert.key != key:
            return
        if isinstance(history, str):
            self._shown = None
            text = literal(f"Notes and activity unavailable: {history}", "italic")
            text.stylize(self.palette["stale"])
            self._history.update(text)
        else:
            self._show_history(history)

    def redraw_fields(self) -> None:
        """Names were learned: the fields again (the history stays as it is)."""
        if self.alert is not None:
            self._fields.update(
                fields_view(self.alert, self.palette, _names(self.names, self.alert))
            )

    def redraw(self, palette: Palette) -> None:
        """A new theme: draw again in its colours."""
        self.palette = palette
        alert, history = self.alert, self._shown
        self.alert = self._shown = None
        self.show(alert, history)


def _names(book: NameBook | None, alert: Alert) -> Names | None:
    return book.of(alert.site) if book is not None else None


def fields_view(alert: Alert, palette: Palette, names: Names | None = None) -> RenderableType:
    head = Text.assemble(
        priority_cell(alert.priority, palette),
        "  ",
        literal(f"#{alert.tiny_id or '?'}", "bold"),
        "  ",
        status_cell(status_of(alert), palette),
        "  ",
    )
    head.append_text(literal(alert.message, "bold", single_line=False))

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=palette["muted"], no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, value: object) -> None:
        if value not in (None, "", [], {}):
            grid.add_row(label, value if isinstance(value, Text) else literal(value))

    row("Site", alert.site)  # several sites: whose alert this is (empty with one)
    row("Id", alert.id)
    row("Alias", alert.alias)
    row("Status", _status_words(alert))
    row("Owner", _owner(alert, palette, names))
    row("Count", str(alert.count or 1))
    row("Created", stamp(alert.created_at))
    row("Last occurred", stamp(alert.last_occurred_at))
    row("Updated", stamp(alert.updated_at))
    # An ack time left over from before an unacknowledge says nothing now.
    row("Acked at", stamp(alert.ack_time) if alert.ack_time and acknowledged(alert) else None)
    row("Closed at", stamp(alert.close_time) if alert.close_time else None)
    row("Entity", alert.entity)
    row("Source", alert.source)
    integration = " / ".join(x for x in (alert.integration_name, alert.integration_type) if x)
    row("Integration", integration)
    row("Tags", ", ".join(alert.tags))
    row("Actions", ", ".join(alert.actions))
    row("Responders", _responders(alert, palette, names))
    row("Names", _unnamed(alert, palette, names))
    if alert.unreadable:
        row(
            "Unreadable",
            Text(
                clean(", ".join(sorted(alert.unreadable)))
                + "  (the service sent these in a form the console cannot read)",
                style=palette["stale"],
            ),
        )
    for key, value in alert.extra_properties.items():
        shown = "true" if value is True else "false" if value is False else value
        grid.add_row(literal(f"· {key}"), literal("" if shown is None else shown))
    parts: list[RenderableType] = [head, Text(""), grid]
    if alert.description:
        parts += [
            Text(""),
            Text("Description", style="bold underline"),
            literal(alert.description, single_line=False),
        ]
    return Group(*parts)


def _owner(alert: Alert, palette: Palette, names: Names | None) -> Text:
    if not alert.owner:
        return Text("nobody", style=palette["muted"])
    named = names.owner_name(alert.owner) if names is not None else None
    if not named or named == alert.owner:
        return literal(alert.owner)
    owner = literal(f"  ({alert.owner})")
    owner.stylize(palette["muted"])
    return Text.assemble(literal(named), owner)


def _responders(alert: Alert, palette: Palette, names: Names | None) -> Text | None:
    """Each responder by name and kind where the directory knows it, else ``type:id``."""
    if not alert.responders:
        return None
    text = Text()
    for index, responder in enumerate(alert.responders):
        if index:
            text.append(", ")
        named = names.name(responder.type, responder.id) if names is not None else None
        if named:
            text.append_text(literal(named))
            text.append(f" ({clean(responder.type)})", style=palette["muted"])
        else:
            text.append_text(literal(f"{responder.type}:{responder.id}"))
    return text


def _unnamed(alert: Alert, palette: Palette, names: Names | None) -> Text | None:
    """Why some responders are shown by id: the directory could not read their kind."""
    if names is None:
        return None
    kinds = dict.fromkeys(r.type for r in alert.responders if names.name(r.type, r.id) is None)
    if alert.owner and looks_like_id(alert.owner) and names.owner_name(alert.owner) is None:
        kinds.setdefault("user")  # an owner sent as an account id
    lines = [
        f"{PLURALS.get(kind, kind)} shown by id: {problem}"
        for kind in kinds
        if (problem := names.problem_for(kind))
    ]
    if not lines:
        return None
    text = literal("; ".join(lines), single_line=False)
    text.stylize(palette["stale"])
    return text


def _status_words(alert: Alert) -> str:
    """Every state at once: "acknowledged, snoozed until 2026-12-01 08:00:00". A service that
    tells states by the spec's status alone (no flags) is not said to be "not acknowledged"
    when it is snoozed: it did not say."""
    status = status_of(alert)
    if status in ("closed", "?"):
        return status
    flags = "acknowledged" in alert.model_fields_set
    if acknowledged(alert):
        words = ["acknowledged"]
    elif flags or status == "open":
        words = ["open, not acknowledged"]
    else:
        words = []
    if alert.snoozed or alert.status == "snoozed":
        until = f" until {stamp(alert.snoozed_until)}" if alert.snoozed_until else ""
        words.append(f"snoozed{until}")
    return ", ".join(words)


def history_view(history: History, palette: Palette) -> RenderableType:
    muted = palette["muted"]
    parts: list[RenderableType] = [
        Text(""),
        Text(f"Notes ({len(history.notes)})", style="bold underline"),
    ]
    if not history.notes:
        parts.append(Text("none", style=muted))
    for note in reversed(history.notes):
        parts.append(
            Text.assemble((stamp(note.created_at), muted), "  ", literal(note.owner or ""))
        )
        parts.append(literal(note.note, single_line=False))
    if history.more_notes:
        parts.append(Text("… older notes not shown", style=muted))
    parts += [Text(""), Text("Activity", style="bold underline")]
    log = Table.grid(padding=(0, 2))
    log.add_column(style=muted, no_wrap=True)
    log.add_column(overflow="fold")
    for entry in reversed(history.logs):
        log.add_row(stamp(entry.log_time), literal(entry.log, single_line=False))
    parts.append(log if history.logs else Text("none", style=muted))
    if history.more_logs:
        parts.append(Text("… older activity not shown", style=muted))
    return Group(*parts)
