"""The console's keys as data, without Textual: bindings, footer, help, the command palette
and ``config check`` all read this.

Every write comes from the op registry (console.actions.ops): its key, footer label,
description and binding id. The view's own keys are listed below. Each key has an id,
so the ``[keys]`` table of the config file rebinds it (Textual's ``App.set_keymap``)
without touching code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from console.actions import OPS


@dataclass(frozen=True)
class Key:
    """One binding: its id, the action it runs, its key, and how help and the footer name it."""

    id: str  # the binding id a keymap rebinds
    action: str  # the screen's action: "op('acknowledge')" or "refresh"
    key: str  # Textual key name
    label: str  # short, for the footer
    description: str  # for help and the command palette
    footer: bool = False
    writes: bool = False  # refused (and hidden) in read-only mode


VIEW_SLOTS = range(1, 10)  # saved views sit on the number keys

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
    Key("open_browser", "open_browser", "b", "Browser", "Open the alert in the browser"),
    Key("detail", "detail", "enter", "Detail", "Full-screen detail of the selected alert"),
    Key("oncall", "oncall", "W", "On call", "Who is on call for the teams in view"),
    Key("heartbeats", "heartbeats", "H", "Heartbeats", "Heartbeats: which monitors went silent"),
    *(Key(f"view_{n}", f"view({n})", str(n), f"View {n}", f"Saved view {n}") for n in VIEW_SLOTS),
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
BY_ID: dict[str, Key] = {k.id: k for k in KEYMAP}

# Shown in help though the table owns them.
BUILT_IN: tuple[tuple[str, str], ...] = (
    ("ctrl+p", "Command palette: every action by name"),
    ("↑ ↓ j k", "Move in the table"),
    ("PgUp PgDn Home End G", "Page up, page down, first and last row"),
)
# Keys the table, the palette and the dialogs own: a rebinding onto one would never fire.
RESERVED = ("up", "down", "j", "k", "pageup", "pagedown", "home", "end", "G", "ctrl+p", "tab")

_NAMES = {
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
_BY_CHARACTER = {v: k for k, v in _NAMES.items() if len(v) == 1}

# Keys a terminal cannot send apart from another key: ctrl+h is Backspace, ctrl+i Tab,
# ctrl+m Enter, ctrl+[ Escape. Bound, they would never fire (or fire on the other key).
INDISTINCT = {
    "ctrl+h": "Backspace",
    "ctrl+i": "Tab",
    "ctrl+m": "Enter",
    "ctrl+left_square_bracket": "Escape",
    "ctrl+[": "Escape",
}


def display(key: str) -> str:
    """A key as a person types it."""
    return _NAMES.get(key, key)


def key_name(typed: str) -> str:
    """A key as written in the config file ("?", "ctrl+x", "question_mark") as Textual names
    it."""
    return _BY_CHARACTER.get(typed, typed)


def keymap_problems(keys: Mapping[str, str]) -> list[str]:
    """What is wrong with a ``[keys]`` table: unknown ids, keys bound twice, keys a terminal
    cannot send distinctly. Each problem is one sentence naming the id and the key."""
    problems: list[str] = []
    for binding_id, typed in keys.items():
        if binding_id not in BY_ID:
            problems.append(
                f"keys.{binding_id}: not a binding id (alert-console's help lists them)"
            )
        if not typed or any(c.isspace() for c in typed):
            problems.append(f"keys.{binding_id}: {typed!r} is not a key name")
            continue
        for part in typed.split(","):
            if part.strip() in INDISTINCT:
                problems.append(
                    f"keys.{binding_id}: terminals send {part.strip()} as "
                    f"{INDISTINCT[part.strip()]}, so it cannot be told apart"
                )
            elif key_name(part.strip()) in RESERVED:
                problems.append(
                    f"keys.{binding_id}: {part.strip()} moves in the table or opens the palette"
                )
    bound: dict[str, list[str]] = {}
    for key in KEYMAP:
        typed = keys.get(key.id, key.key)
        for part in typed.split(","):
            bound.setdefault(key_name(part.strip()), []).append(key.id)
    for key_, ids in bound.items():
        if len(ids) > 1:
            problems.append(
                f"keys: {display(key_)} is bound to {' and '.join(ids)}: one key, one action"
            )
    return problems


def active_keymap(keys: Mapping[str, str]) -> dict[str, str]:
    """The ``[keys]`` table as Textual's ``set_keymap`` takes it."""
    return {
        binding_id: ",".join(key_name(p.strip()) for p in typed.split(","))
        for binding_id, typed in keys.items()
        if binding_id in BY_ID
    }
