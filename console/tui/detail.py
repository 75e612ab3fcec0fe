"""The detail pane: every field of the selected alert, its notes and its activity log.

Fields come from the table's data at once; notes and the log are fetched lazily
(one worker, latest wins, so scrolling through rows never queues requests) and
cached per alert until the alert's ``updatedAt`` moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.api import errors
from console.api.client import JsmClient
from console.api.models import Alert, LogEntry, Note
from console.sanitize import clean
from console.tui.cells import literal, priority_cell, stamp, status_cell, status_of
from console.tui.guard import Guarded

HISTORY_PAGE = 100


@dataclass(frozen=True)
class History:
    notes: list[Note]
    logs: list[LogEntry]
    more_notes: bool
    more_logs: bool


class DetailPane(Guarded, VerticalScroll):
    DEFAULT_CSS = """
    DetailPane { padding: 0 1; }
    DetailPane > Static { width: 1fr; }
    """

    def __init__(self, client: JsmClient, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.client = client
        self.alert: Alert | None = None
        self._cache: dict[str, tuple[object, History]] = {}
        self.can_focus = True

    def compose(self) -> ComposeResult:
        self._fields = Static("", markup=False, id="detail-fields")
        self._history = Static("", markup=False, id="detail-history")
        yield self._fields
        yield self._history

    def show(self, alert: Alert | None) -> None:
        """Show ``alert`` (None: nothing selected); fetch its notes and log if not cached."""
        previous = self.alert
        if alert is not None and alert == previous:
            return  # the same data: nothing to draw, nothing to fetch
        self.alert = alert
        if alert is None:
            self._fields.update(Text("No alert selected.", style="dim"))
            self._history.update("")
            return
        self._fields.update(fields_view(alert))
        cached = self._cache.get(alert.id)
        if cached is not None and cached[0] == alert.updated_at:
            self._history.update(history_view(cached[1]))
        else:
            if previous is None or previous.id != alert.id:
                self._history.update(Text("Loading notes and activity…", style="dim italic"))
            self._load(alert)

    def invalidate(self, alert_id: str) -> None:
        """Forget the cached history (after a note was added, say)."""
        self._cache.pop(alert_id, None)

    # exit_on_error: an unexpected exception goes to the app's handler, which reports it
    # (crash file, one toast) and carries on; expected ones are handled below.
    @work(exclusive=True, group="detail", exit_on_error=True)
    async def _load(self, alert: Alert) -> None:
        try:
            notes = await self.client.list_notes(alert.id, size=HISTORY_PAGE)
            logs = await self.client.list_logs(alert.id, size=HISTORY_PAGE)
        except errors.ApiError as error:
            if self.alert is not None and self.alert.id == alert.id:
                self._history.update(
                    literal(f"Notes and activity unavailable: {error}", "italic #ff8700")
                )
            return
        history = History(notes.values, logs.values, bool(notes.links.next), bool(logs.links.next))
        self._cache[alert.id] = (alert.updated_at, history)
        if len(self._cache) > 200:
            self._cache.pop(next(iter(self._cache)))
        if self.alert is not None and self.alert.id == alert.id:
            self._history.update(history_view(history))


def fields_view(alert: Alert) -> RenderableType:
    head = Text.assemble(
        priority_cell(alert.priority), "  ", literal(f"#{alert.tiny_id or '?'}", "bold"), "  "
    )
    head.append_text(status_cell(status_of(alert)))
    head.append("  ")
    head.append_text(literal(alert.message, "bold"))

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, value: object) -> None:
        if value not in (None, "", [], {}):
            grid.add_row(label, value if isinstance(value, Text) else literal(value))

    row("Id", alert.id)
    row("Alias", alert.alias)
    row("Owner", alert.owner or Text("nobody", style="dim"))
    row("Acknowledged", "yes" if alert.acknowledged else "no")
    row("Count", str(alert.count or 1))
    row("Created", stamp(alert.created_at))
    row("Last occurred", stamp(alert.last_occurred_at))
    row("Updated", stamp(alert.updated_at))
    if alert.snoozed:
        row("Snoozed until", stamp(alert.snoozed_until))
    row("Acked at", stamp(alert.ack_time) if alert.ack_time else None)
    row("Closed at", stamp(alert.close_time) if alert.close_time else None)
    row("Entity", alert.entity)
    row("Source", alert.source)
    integration = " / ".join(x for x in (alert.integration_name, alert.integration_type) if x)
    row("Integration", integration)
    row("Tags", ", ".join(alert.tags))
    row("Actions", ", ".join(alert.actions))
    row("Responders", ", ".join(f"{r.type}:{r.id}" for r in alert.responders))
    if alert.unreadable:
        row(
            "Unreadable",
            Text(
                clean(", ".join(sorted(alert.unreadable)))
                + "  (the service sent these in a form the console cannot read)",
                style="italic #ff8700",
            ),
        )
    for key, value in alert.extra_properties.items():
        shown = "true" if value is True else "false" if value is False else value
        grid.add_row(literal(f"· {key}", "dim"), literal("" if shown is None else shown))
    parts: list[RenderableType] = [head, Text(""), grid]
    if alert.description:
        parts += [
            Text(""),
            Text("Description", style="bold underline"),
            literal(alert.description, single_line=False),
        ]
    return Group(*parts)


def history_view(history: History) -> RenderableType:
    parts: list[RenderableType] = [
        Text(""),
        Text(f"Notes ({len(history.notes)})", style="bold underline"),
    ]
    if not history.notes:
        parts.append(Text("none", style="dim"))
    for note in reversed(history.notes):
        parts.append(
            Text.assemble(
                (stamp(note.created_at), "dim"), "  ", literal(note.owner or "", "italic")
            )
        )
        parts.append(literal(note.note, single_line=False))
    if history.more_notes:
        parts.append(Text("… older notes not shown", style="dim"))
    parts += [Text(""), Text("Activity", style="bold underline")]
    log = Table.grid(padding=(0, 2))
    log.add_column(style="dim", no_wrap=True)
    log.add_column(overflow="fold")
    for entry in reversed(history.logs):
        log.add_row(stamp(entry.log_time), literal(entry.log))
    parts.append(log if history.logs else Text("none", style="dim"))
    if history.more_logs:
        parts.append(Text("… older activity not shown", style="dim"))
    return Group(*parts)
