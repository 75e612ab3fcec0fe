"""Every use of Textual's private API, in one place (Textual 8.2.8, pinned in pyproject).

A Textual upgrade is one file to check: each function here names the private part it
touches and why no public one serves, and ``tests/tui/test_textual_compat.py`` holds one
test per use, which fails if that part of Textual moved. Nothing else in the console (nor
in its tests) reaches into Textual's underscored names.
"""

from __future__ import annotations

from asyncio import CancelledError
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App
from textual.geometry import Region
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

if TYPE_CHECKING:
    # TextArea.edit's own types, for annotations only (the text area loads with the first
    # form, not at start).
    from textual.document._document import EditResult
    from textual.document._edit import Edit
    from textual.screen import Screen

__all__ = [
    "Edit",
    "EditResult",
    "GuardedPump",
    "LastResort",
    "bound_table_caches",
    "hide_bindings",
    "notifications_on_screen",
    "replace_cells",
    "screen_lines",
    "terminal_stream",
    "toasts_shown",
    "write_to_terminal",
]

# ---------------------------------------------------------------------------- handlers


class GuardedPump(MessagePump):
    """A message pump whose handlers may raise without ending its loop: the error goes to
    ``on_guard_error``. Private: ``MessagePump._dispatch_message`` (no public hook catches
    an exception in a handler before Textual ends the loop)."""

    def on_guard_error(self, message: Message, error: Exception) -> bool:
        """Return True when the error was reported (the loop carries on)."""
        return False

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)
        except CancelledError:
            raise
        except Exception as error:
            if not self.on_guard_error(message, error):
                raise


class LastResort(App[None]):
    """An app that may survive an exception in a timer, callback or worker, where Textual
    would exit. Private: ``App._handle_exception`` and ``App._exit``."""

    def survive(self, error: Exception) -> bool:
        """Return True when the error was reported and the app should carry on."""
        return False

    def _handle_exception(self, error: Exception) -> None:
        if not self._exit and isinstance(error, Exception) and self.survive(error):
            return
        super()._handle_exception(error)


# ---------------------------------------------------------------------------- the table


def bound_table_caches(table: DataTable[Any], *, cells: int, rows: int) -> None:
    """Cap a DataTable's render caches (Textual keeps 10,000 cells and 1,000 rows and lines:
    on a wall that runs for weeks they fill with rows long gone). Private: the four
    ``_*_cache`` LRU caches; no public setting sizes them."""
    table._cell_render_cache.maxsize = cells
    table._row_render_cache.maxsize = rows
    table._row_renderable_cache.maxsize = rows
    table._line_cache.maxsize = rows


def replace_cells(
    table: DataTable[Text], changes: Mapping[str, Mapping[str, Text]], *, everything: bool = False
) -> None:
    """Change cells in place (rows keyed by their id, columns by key) and forget only those
    cells' and rows' rendering. ``DataTable.update_cell`` forgets every row's: ten changed
    rows would cost a whole redraw, and the minute's ages every cell of the page. Private:
    ``_data``, ``_row_locations``, ``_update_count``, ``_refresh_region`` and the caches."""
    changes = {i: cells for i, cells in changes.items() if cells and RowKey(i) in table._data}
    if not changes:
        return
    for alert_id, cells in changes.items():
        row = table._data[RowKey(alert_id)]
        for column_key, value in cells.items():
            row[ColumnKey(column_key)] = value
    caches = (
        table._cell_render_cache,
        table._row_render_cache,
        table._row_renderable_cache,
        table._line_cache,
    )
    if everything:
        for cache in caches:  # every cell changed (a new theme): forget it all at once
            cache.clear()
        table.refresh()
        return
    rows = {RowKey(i) for i in changes}
    cells_changed = {(RowKey(i), ColumnKey(k)) for i, cells in changes.items() for k in cells}
    cached = table._cell_render_cache
    for cell in [k for k in cached.keys() if k[0] in rows and k[:2] in cells_changed]:  # noqa: SIM118
        cached.discard(cell)
    for line in [k for k in table._row_render_cache.keys() if k[0] in rows]:  # noqa: SIM118
        table._row_render_cache.discard(line)
    # Only these rows' screen lines are put together again, and only they are redrawn. Where
    # each row sits is found in one pass over the rows (DataTable.refresh_row adds up the
    # heights of every row above it, each time).
    width = max(table.size.width, sum(c.get_render_width(table) for c in table.columns.values()))
    y = table.header_height if table.show_header else 0
    lines: set[int] = set()
    regions: list[Region] = []
    for index, placed in enumerate(table.ordered_rows):
        if placed.key in rows:
            table._row_renderable_cache.discard((table._update_count, index))
            lines.update(range(y, y + placed.height))
            regions.append(Region(0, y, width, placed.height))
        y += placed.height
    for drawn in [k for k in table._line_cache.keys() if k[0] in lines]:  # noqa: SIM118
        table._line_cache.discard(drawn)
    for region in regions:
        table._refresh_region(region)


# ---------------------------------------------------------------------------- bindings


def hide_bindings(screen: Screen[Any], hidden: Callable[[str], bool]) -> None:
    """Take the bindings whose action ``hidden`` names out of the footer (they still work,
    and say why they do nothing). Private: ``_bindings.key_to_bindings`` (Textual's public
    way, ``check_action``, runs on every footer refresh; this runs once)."""
    bound = screen._bindings.key_to_bindings
    for key, bindings in bound.items():
        bound[key] = [replace(b, show=False) if hidden(b.action) else b for b in bindings]


# ---------------------------------------------------------------------------- the terminal


def write_to_terminal(app: App[Any], sequence: str) -> bool:
    """Write an escape sequence straight to the terminal (a desktop notification: OSC 9 or
    777), outside Textual's rendering. Private: ``App._driver``. False when there is no
    terminal (headless)."""
    driver = app._driver
    if driver is None or app.is_headless:
        return False
    driver.write(sequence)
    return True


def screen_lines(app: App[Any]) -> list[list[Any]]:
    """The screen as Textual rendered it for the terminal: per line, its strips (segments
    with the style Textual resolved: colours blended, dim turned into colour). For tests of
    what people see. Private: ``Screen._compositor``."""
    from textual._compositor import LayoutUpdate

    update = app.screen._compositor.render_update(full=True)
    assert isinstance(update, LayoutUpdate)
    lines: list[list[Any]] = list(update.strips)  # type: ignore[arg-type]
    return lines


def toasts_shown(app: App[Any]) -> list[Any]:
    """The toast widgets on screen that take up room. Private: ``textual.widgets._toast``."""
    from textual.widgets._toast import Toast

    return [toast for toast in app.screen.query(Toast) if toast.region.area]


def terminal_stream(app: App[Any]) -> str:
    """What the app would write to a real terminal for the whole screen now (dialogs and
    toasts included): Textual's own escape sequences around the rendered cells. For tests of
    what reaches the terminal. Private: ``Screen._compositor``, ``App._background_screens``."""
    import io

    from rich.console import Console
    from textual._compositor import LayoutUpdate

    screen = app.screen
    update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)
    terminal = Console(
        force_terminal=True, color_system="truecolor", file=io.StringIO(), legacy_windows=False
    )
    return update.render_segments(terminal)


def notifications_on_screen(app: App[Any]) -> list[tuple[str, str]]:
    """The toasts the app holds now, (title, message). Private: ``App._notifications``."""
    return [(n.title, n.message) for n in app._notifications]
