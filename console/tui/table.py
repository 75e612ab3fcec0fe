"""The alert table: one row per alert, keyed by alert id, updated in place.

A refresh never rebuilds the table. Rows that went are removed, new ones added,
changed cells updated one by one, and the rows put in the service's order. The
cursor stays on the alert it was on, wherever that alert moved, and when the
user has scrolled, the selected alert stays on the same screen line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from console.actions import OPS
from console.actions.rows import UNKNOWN_BADGE, RowBook, RowState
from console.api.models import Alert
from console.live.feed import Update

if TYPE_CHECKING:
    from console.directory import NameBook
from console.base.sanitize import clean
from console.tui.cells import (
    MISSING,
    age,
    literal,
    minute,
    priority_cell,
    readable,
    status_cell,
    status_of,
)
from console.tui.guard import Guarded
from console.tui.palette import PLAIN, Palette
from console.tui.textual_compat import bound_table_caches, replace_cells

WIDE_AT = 140  # from here every column shows, and the message keeps ~40 characters
COUNT_AT = 100  # the count, from here (the message keeps ~37); the owner shows at any width


@dataclass(frozen=True)
class Column:
    """One column of the alert table: its key, heading, width and the width it shows from."""

    key: str
    label: str
    width: int
    from_width: int = 0  # shown when the table is at least this wide


COLUMNS: tuple[Column, ...] = (
    Column("flags", " ", 3),
    Column("priority", "Pri", 4),
    Column("tiny", "#", 6),
    Column("status", "Status", 0),  # as wide as its longest word or badge: never cut
    Column("age", "Age", 4),
    Column("message", "Message", 0),  # takes what is left
    Column("entity", "Entity / source", 18, from_width=WIDE_AT),
    Column("owner", "Owner", 14),  # who has it matters more than how often it came
    Column("tags", "Tags", 16, from_width=WIDE_AT),
    Column("count", "Count", 5, from_width=COUNT_AT),
)
# The service's fields behind each column: one it sent unreadably shows as "?".
_WIRE_FIELDS: dict[str, tuple[str, ...]] = {
    "message": ("message",),
    "entity": ("entity", "source"),
    "owner": ("owner",),
    "tags": ("tags",),
    "count": ("count",),
}
STATUS_WIDTH = max(
    len(w) for w in ("snoozed", UNKNOWN_BADGE, *(f"⧗ {op.badge}" for op in OPS.values()))
)


class IdCell(Text):
    """The tinyId cell, which also knows its alert: the table sorts rows by it."""

    alert_id: str = ""


class AlertTable(Guarded, DataTable[Text]):
    # Marking is the screen's (console.settings.keymap, so [keys] rebinds it); the table
    # only adds the moves.
    BINDINGS = [
        # The moves k9s and lazygit users reach for (g stays "first page").
        Binding("home", "first_row", "First row", show=False),
        Binding("end,G", "last_row", "Last row", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class MarksChanged(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(
        self, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC), id: str | None = None
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        # DataTable keeps up to 10,000 rendered cells and 1,000 rows and lines: on a wall
        # that runs for weeks the caches fill with rows long gone (~10 MB). What is on screen
        # (at most ~50 rows of 10 cells, a few with the cursor on them) is what needs keeping.
        bound_table_caches(self, cells=1200, rows=120)
        self.clock = clock
        self.palette = PLAIN
        # A style for a whole row (the wall emphasises P1 and P2), or None.
        self.emphasis: Callable[[Alert], Style | None] | None = None
        # owners sent as ids are shown by name when their site's directory knows them
        self.names: NameBook | None = None
        self.resized: Callable[[], None] | None = None  # told when the table's size changed
        self.alerts: dict[str, Alert] = {}
        self.order: list[str] = []
        # Marked alerts, by id, with their last known data: a mark outlives a page change or
        # the alert leaving the page, so an action never falls on a neighbouring row.
        self.marks: dict[str, Alert] = {}
        # Badges, expected states, outcomes, new/changed marks: kept by the book, drawn here.
        self.book = RowBook()
        self._rendered: dict[str, tuple[Text, ...]] = {}
        self._columns: tuple[Column, ...] = ()
        # Several sites: each site's colour and whether it is read-only (a Site column shows
        # them, first); the sites whose rows are their last good ones, not fresh.
        self.sites: dict[str, tuple[str | None, bool]] = {}
        self.stale_sites: frozenset[str] = frozenset()
        self._ages_at = minute(clock)

    # ------------------------------------------------------------------ columns

    def on_mount(self) -> None:
        self._layout_columns(self.size.width or 160)

    def set_sites(self, sites: dict[str, tuple[str | None, bool]]) -> None:
        """Several sites in one table: a Site column, first, with each one's name on its
        colour (``sites``: name -> (colour, read-only))."""
        self.sites = dict(sites)
        if self.is_mounted:
            self._layout_columns(self.size.width or 160)

    def set_stale(self, stale: frozenset[str]) -> None:
        """The sites whose rows are their last good ones: their Site cells say so."""
        if stale != self.stale_sites:
            self.stale_sites = stale
            self.redraw_rows([k for k in self.order if self.alerts[k].site in self.sites])

    def _site_width(self) -> int:
        if not self.sites:
            return 0
        return max(len(site_text(n, ro, stale=True)) for n, (_c, ro) in self.sites.items())

    def on_resize(self) -> None:
        if _columns_for(self.size.width, self._site_width()) != self._columns:
            self._layout_columns(self.size.width)
        else:
            self._fit_message()
        if self.resized is not None:
            self.resized()  # the wall says what no longer fits (or now does)

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def set_palette(self, palette: Palette) -> None:
        """A new theme: every row drawn again in its colours."""
        self.palette = palette
        self.redraw_rows(self.order, everything=True)

    def _layout_columns(self, width: int) -> None:
        """(Re)create the columns for this width: a layout change, not a refresh."""
        self._columns = _columns_for(width, self._site_width())
        cursor = self.selected_id
        self.clear(columns=True)
        self._rendered.clear()
        for column in self._columns:
            fixed = STATUS_WIDTH if column.key == "status" else column.width
            # A Text, not a str: DataTable reads a str label as markup (and loads rich's
            # emoji table to do it, ~2 ms at start); ours are words to show as they are.
            self.add_column(Text(column.label), key=column.key, width=max(1, fixed))
        self._fit_message(width)
        for alert_id in self.order:
            self._add(alert_id)
        self._restore_cursor(cursor, 0)

    def _fit_message(self, width: int | None = None) -> None:
        width = width or self.size.width
        fixed = sum(
            STATUS_WIDTH if c.key == "status" else c.width
            for c in self._columns
            if c.key != "message"
        )
        padding = 2 * self.cell_padding * len(self._columns) + 2
        message = self.columns.get("message")  # type: ignore[call-overload]
        wanted = max(12, width - fixed - padding)
        if message is not None and (message.width != wanted or message.auto_width):
            # Only a real change redraws: a refresh draws every row again (~50 ms for 50),
            # and Textual sends a resize of the same size more than once at start.
            message.width = wanted
            message.auto_width = False
            self.refresh()

    # ------------------------------------------------------------------ reading

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    @property
    def selected(self) -> Alert | None:
        alert_id = self.selected_id
        return self.alert(alert_id) if alert_id else None

    def alert(self, alert_id: str) -> Alert | None:
        return self.book.alert(alert_id, self.alerts)

    @property
    def marks_off_page(self) -> list[str]:
        """Marked alerts that are not on the page shown now."""
        return [i for i in self.marks if i not in self.alerts]

    def targets(self) -> list[Alert]:
        """What an action applies to: exactly the marked alerts (those on this page in its
        order, then the others as last seen), or else the selected one."""
        if self.marks:
            here = [a for i in self.order if i in self.marks and (a := self.alert(i)) is not None]
            return here + [self.marks[i] for i in self.marks_off_page]
        alert = self.selected
        return [alert] if alert is not None else []

    # ------------------------------------------------------------------ updating

    def show_update(self, update: Update) -> None:
        """Show a page from the feed: only what it says was added or changed is redrawn."""
        self.show(
            update.alerts,
            update.order,
            added=update.added,
            changed=update.changed,
            fresh_view=update.fresh_view,
        )

    def show(
        self,
        alerts: dict[str, Alert],
        order: list[str],
        *,
        added: Iterable[str] = (),
        changed: Iterable[str] = (),
        fresh_view: bool = False,
    ) -> None:
        """Make the table show ``alerts`` in ``order``, touching only what differs."""
        selected = self.selected_id
        selected_index = self.cursor_row
        scroll_y = self.scroll_y
        changed = set(changed)
        gone = [i for i in self.order if i not in alerts]
        # Expectations end with the service's truth: when the row changed, or once the
        # action has an outcome. Those rows are redrawn from the service's data.
        ended = self.book.seen(alerts, added=added, changed=changed, fresh_view=fresh_view)
        self.alerts = alerts
        self.order = list(order)
        for alert_id in self.marks:
            if alert_id in alerts:
                self.marks[alert_id] = alerts[alert_id]
        same_rows = not gone and all(i in self._rendered for i in self.order)
        if same_rows and not changed and not ended and self._row_order() == self.order:
            return  # nothing to draw: an unchanged refresh costs no table work at all
        with self.app.batch_update():
            for alert_id in gone:
                self._remove(alert_id)
            redraw = []
            for alert_id in self.order:
                if alert_id not in self._rendered:
                    self._add(alert_id)
                elif fresh_view or alert_id in changed or alert_id in ended:
                    redraw.append(alert_id)
            self.redraw_rows(redraw)
            self._reorder()
            if fresh_view:
                self.move_cursor(row=0, scroll=False)
                self.scroll_to(y=0, animate=False)
            else:
                self._restore_cursor(selected, selected_index, scroll_y)

    def redraw_row(self, alert_id: str) -> None:
        """Redraw one row (a badge or a mark changed)."""
        self.redraw_rows([alert_id])

    def redraw_rows(self, alert_ids: Iterable[str], *, everything: bool = False) -> None:
        """Redraw these rows, in one pass over the caches."""
        changes = {i: self._update(i) for i in alert_ids if i in self._rendered}
        self._set_cells(changes, everything=everything)

    def tick(self) -> None:
        """Expire the new/changed marks and outcome flags, and move every age on."""
        self.redraw_rows(self.book.expire())
        self._refresh_ages()

    def _refresh_ages(self) -> None:
        """Ages move on even when nothing else changes; only cells whose text moved are touched."""
        keys = [c.key for c in self._columns]
        now = minute(self.clock)
        if "age" not in keys or now == self._ages_at:
            return  # ages only move when the minute does
        self._ages_at = now
        index = keys.index("age")
        changes: dict[str, dict[str, Text]] = {}
        for alert_id in self.order:
            alert = self.alert(alert_id)
            drawn = self._rendered.get(alert_id)
            if alert is None or drawn is None:
                continue
            text = age(alert.created_at, now)
            if drawn[index].plain != text:
                cell = Text(text, style=self.palette["muted"])
                self._emphasise(alert, (cell,))
                changes[alert_id] = {"age": cell}
                self._rendered[alert_id] = (*drawn[:index], cell, *drawn[index + 1 :])
        self._set_cells(changes)

    # ------------------------------------------------------------------ marks

    def action_toggle_mark(self) -> None:
        alert_id = self.selected_id
        if alert_id is None:
            return
        if self.marks.pop(alert_id, None) is None:
            alert = self.alert(alert_id)
            if alert is not None:
                self.marks[alert_id] = alert
        self.redraw_row(alert_id)
        self.post_message(self.MarksChanged(len(self.marks)))
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1)

    def action_mark_page(self) -> None:
        for alert_id in self.order:
            alert = self.alert(alert_id)
            if alert is not None:
                self.marks[alert_id] = alert
        self.redraw_rows(self.order)
        self.post_message(self.MarksChanged(len(self.marks)))

    def clear_marks(self) -> bool:
        if not self.marks:
            return False
        marked, self.marks = self.marks, {}
        self.redraw_rows(marked)
        self.post_message(self.MarksChanged(0))
        return True

    # ------------------------------------------------------------------ rows

    def _cells(self, alert_id: str) -> tuple[Text, ...]:
        alert = self.alert(alert_id)
        assert alert is not None
        state = self.book.state(alert_id)
        values: dict[str, Text] = {}
        for column in self._columns:
            values[column.key] = self._cell(column.key, alert, state, alert_id in self.marks)
        self._emphasise(alert, values.values())
        return tuple(values[c.key] for c in self._columns)

    def _emphasise(self, alert: Alert, cells: Iterable[Text]) -> None:
        """The screen's emphasis of this alert's row (the wall's urgent rows), on each cell.
        Nothing in such a row is dim (its age and count would be: dim text in the priority's
        colour falls under WCAG AA's 4.5:1 on every theme)."""
        style = self.emphasis(alert) if self.emphasis is not None else None
        if style is not None:
            style += Style(dim=False)
            for cell in cells:
                cell.stylize(style)

    def _cell(self, key: str, alert: Alert, state: RowState, marked: bool) -> Text:
        p = self.palette
        if key == "site":
            color, read_only = self.sites.get(alert.site, (None, False))
            stale = alert.site in self.stale_sites
            text = literal(site_text(alert.site, read_only, stale=stale))
            text.stylize(p["stale"] if stale else f"bold reverse {color}" if color else "bold")
            return text
        if key == "flags":
            if state.badge:
                flag, style = "⧗", p["pending"]
            elif state.outcome:
                flag, style = state.outcome, p["ok" if state.outcome == "✓" else "failed"]
            elif state.recent:
                flag, style = ("+" if state.recent == "new" else "~"), p["recent"]
            else:
                flag, style = " ", p["muted"]
            text = Text("●" if marked else " ", style=p["mark"])
            text.append(flag, style=style)
            return text
        if key == "priority":
            return priority_cell(alert.priority, p)
        if key == "tiny":
            cell = IdCell(
                clean(alert.tiny_id or MISSING),
                style="bold" if state.recent else "",
                overflow="ellipsis",
                no_wrap=True,
            )
            cell.alert_id = alert.key
            return cell
        if key == "status":
            if state.badge:
                return Text(state.badge, style=p["pending"], no_wrap=True)
            return status_cell(status_of(alert), p)
        if key == "age":
            return Text(age(alert.created_at, self._ages_at), style=p["muted"])
        wire = _WIRE_FIELDS.get(key, ())
        if wire and not readable(alert, *wire):
            return Text(MISSING, style=p["unknown"], justify="right" if key == "count" else "left")
        if key == "message":
            return literal(alert.message, "bold" if state.recent == "new" else "")
        if key == "entity":
            return literal(alert.entity or alert.source or "")
        if key == "owner":
            owner = alert.owner or ""
            names = self.names.of(alert.site) if owner and self.names is not None else None
            named = names.owner_name(owner) if names is not None else None
            return literal(named or owner)
        if key == "tags":
            tags = literal(", ".join(alert.tags))
            tags.stylize(p["tags"])
            return tags
        if key == "count":
            count = alert.count or 1
            return Text(str(count), justify="right", style="bold" if count > 1 else p["muted"])
        raise KeyError(key)

    def _add(self, alert_id: str) -> None:
        cells = self._cells(alert_id)
        self.add_row(*cells, key=alert_id)
        self._rendered[alert_id] = cells

    def _remove(self, alert_id: str) -> None:
        self._rendered.pop(alert_id, None)
        with contextlib.suppress(RowDoesNotExist):
            self.remove_row(alert_id)

    def _update(self, alert_id: str) -> dict[str, Text]:
        """The cells of a row that differ from what is drawn (recorded as drawn from now)."""
        new = self._cells(alert_id)
        old = self._rendered.get(alert_id, ())
        self._rendered[alert_id] = new
        return {
            column.key: new[index]
            for index, column in enumerate(self._columns)
            if index >= len(old) or old[index] != new[index]
        }

    def _set_cells(self, changes: dict[str, dict[str, Text]], *, everything: bool = False) -> None:
        """Change cells in place, redrawing only them (see textual_compat.replace_cells)."""
        replace_cells(self, changes, everything=everything)

    def _reorder(self) -> None:
        if self._row_order() != self.order:
            positions = {alert_id: index for index, alert_id in enumerate(self.order)}
            self.sort("tiny", key=lambda cell: positions.get(getattr(cell, "alert_id", ""), 0))

    def _row_order(self) -> list[str]:
        """The alert ids in the order the table shows them now."""
        return [str(row.key.value) for row in self.ordered_rows]

    def _restore_cursor(self, selected: str | None, index: int, scroll_y: float = 0.0) -> None:
        if not self.row_count:
            return
        if selected is not None:
            try:
                new_index = self.get_row_index(selected)
            except RowDoesNotExist:
                new_index = min(index, self.row_count - 1)
        else:
            new_index = min(index, self.row_count - 1)
        self.move_cursor(row=new_index, scroll=False)
        if scroll_y > 0:
            # The user has scrolled: keep the selected alert on the same screen line.
            self.scroll_to(y=max(0.0, scroll_y + (new_index - index)), animate=False)


def _columns_for(width: int, site_width: int = 0) -> tuple[Column, ...]:
    """The columns a table this wide shows: tags and entity go first, then the count; the
    owner stays. With several sites, the Site column first."""
    columns = tuple(c for c in COLUMNS if width >= c.from_width)
    return (Column("site", "Site", site_width), *columns) if site_width else columns


def site_text(name: str, read_only: bool, *, stale: bool) -> str:
    """A row's site: its name, "r/o" when it is read-only, "⚠" while its rows are stale."""
    return f"{name}{' r/o' if read_only else ''}{' ⚠' if stale else ''}"
