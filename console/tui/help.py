"""Help, generated from the keys as they are bound now."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.base.sanitize import clean
from console.tui import keys
from console.tui.dialogs import InfoScreen
from console.tui.palette import Palette


def help_table(
    app: App[Any], read_only: bool, palette: Palette, views: dict[int, str] | None = None
) -> Table:
    """Every key as it is bound now (after any rebinding), with what it does."""
    table = Table.grid(padding=(0, 3))
    table.add_column(style=palette["recent"], no_wrap=True)
    table.add_column()
    bound: dict[str, str] = {}
    for key, active in app.active_bindings.items():
        if active.binding.id:
            bound.setdefault(active.binding.id, key)
    views = views or {}
    for spec in keys.KEYMAP:
        key = bound.get(spec.id, spec.key)
        description = spec.description
        if spec.id.startswith("view_"):
            slot = int(spec.id.removeprefix("view_"))
            if slot not in views:
                continue  # an empty slot: nothing to say
            description = f"Saved view: {views[slot]}"
        off = spec.writes and read_only
        if off:
            description += "  (off: read-only)"
        shown = Text(clean(description), style=palette["muted"] if off else "")
        table.add_row(keys.display(key), shown)
    for key, description in keys.BUILT_IN:
        table.add_row(key, description)
    return table


def help_screen(
    app: App[Any], read_only: bool, palette: Palette, views: dict[int, str] | None = None
) -> InfoScreen:
    """``views``: the saved views on the number keys (slot -> name)."""
    body = VerticalScroll(Static(help_table(app, read_only, palette, views)))
    return InfoScreen("Keys  (Esc, q or ? to close)", body)
