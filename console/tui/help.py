"""Help (generated from the active keymap) and the full-screen detail of one alert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.api.client import JsmClient
from console.api.models import Alert
from console.tui import keys
from console.tui.detail import DetailPane
from console.tui.dialogs import InfoScreen

if TYPE_CHECKING:
    from textual.app import App


def help_table(app: App[None], read_only: bool) -> Table:
    """Every key as it is bound now (after any rebinding), with what it does."""
    table = Table.grid(padding=(0, 3))
    table.add_column(style="bold #5fd7ff", no_wrap=True)
    table.add_column()
    bound: dict[str, str] = {}
    for key, binding in app.active_bindings.items():
        if binding.binding.action:
            bound.setdefault(binding.binding.action, key)
    for spec in keys.KEYMAP:
        key = bound.get(spec.action, spec.key)
        description = spec.description
        if spec.writes and read_only:
            description += "  (off: read-only)"
        table.add_row(
            keys.display(key), Text(description, style="dim" if spec.writes and read_only else "")
        )
    for key, description in keys.BUILT_IN:
        table.add_row(key, description)
    return table


def help_screen(app: App[None]) -> InfoScreen:
    read_only = bool(getattr(getattr(app, "tracker", None), "read_only", False))
    body = VerticalScroll(Static(help_table(app, read_only)))
    return InfoScreen("Keys  (Esc, q or ? to close)", body)


def detail_screen(client: JsmClient, alert: Alert) -> InfoScreen:
    pane = DetailPane(client, id="full-detail")
    screen = InfoScreen(f"Alert #{alert.tiny_id}  (Esc, q or Enter to close)", pane)
    screen.call_after_refresh(pane.show, alert)
    return screen
