"""The console's keys, as data: bindings, footer, help and command palette all come from here.

Every write comes from the op registry (console.actions.ops): its key, footer label,
description and binding id. The view's own keys are listed below. Each binding has
an id, so a keymap can rebind it (Textual's ``App.set_keymap``) without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from console.actions import OPS


@dataclass(frozen=True)
class Key:
    id: str  # the binding id a keymap rebinds
    action: str  # the screen's action: "op('acknowledge')" or "refresh"
    key: str  # Textual key name
    label: str  # short, for the footer
    description: str  # for help and the command palette
    footer: bool = False
    writes: bool = False  # refused (and hidden) in read-only mode


VIEW_KEYS: tuple[Key, ...] = (
    Key("toggle_mark", "toggle_mark", "space", "Mark", "Mark or unmark the row"),
    Key("mark_page", "mark_page", "asterisk", "Mark page", "Mark every row of the page"),
    Key("clear_marks", "clear_marks", "escape", "Unmark", "Clear the marks"),
    Key("edit_query", "edit_query", "slash", "Query", "Edit the query", True),
    Key("refresh", "refresh", "r", "Refresh", "Refresh now", True),
    Key("pause", "pause", "p", "Pause", "Pause or resume live refresh", True),
    Key("previous_page", "previous_page", "left_square_bracket", "Prev", "Previous page"),
    Key("next_page", "next_page", "right_square_bracket", "Next", "Next page"),
    Key("first_page", "first_page", "g", "First", "First page"),
    Key("next_sort", "next_sort", "o", "Sort", "Sort by the next field"),
    Key("flip_order", "flip_order", "O", "Order", "Flip the sort order"),
    Key("copy_id", "copy_id", "y", "Copy id", "Copy the alert id to the clipboard"),
    Key("copy_json", "copy_json", "Y", "Copy JSON", "Copy the alert as the service sent it"),
    Key("detail", "detail", "enter", "Detail", "Full-screen detail of the selected alert"),
    Key("help", "app.help", "question_mark", "Help", "Help: every active key", True),
    Key("quit", "app.quit", "q", "Quit", "Quit (asks first while actions are pending)", True),
)

KEYMAP: tuple[Key, ...] = (
    *(
        Key(op.name, f"op('{op.name}')", op.key, op.label, op.help, op.footer, writes=True)
        for op in OPS.values()
    ),
    *VIEW_KEYS,
)

# Shown in help though the table owns them.
BUILT_IN: tuple[tuple[str, str], ...] = (
    ("ctrl+p", "Command palette: every action by name"),
    ("↑ ↓ j k", "Move in the table"),
    ("PgUp PgDn Home End G", "Page up, page down, first and last row"),
)


def bindings() -> list[BindingType]:
    return [
        Binding(k.key, k.action, k.label, show=k.footer, id=k.id, tooltip=k.description)
        for k in KEYMAP
        if k.id != "detail"  # Enter belongs to the table (RowSelected)
    ]


def display(key: str) -> str:
    """A key as a person types it."""
    names = {
        "plus": "+",
        "exclamation_mark": "!",
        "asterisk": "*",
        "slash": "/",
        "question_mark": "?",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "space": "space",
        "escape": "Esc",
        "enter": "Enter",
    }
    return names.get(key, key)
