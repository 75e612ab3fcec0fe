"""The console's keys, as data: bindings, footer, help and command palette all come from here.

Each binding has an id (the action's name), so a keymap can rebind it later
(Textual's ``App.set_keymap``) without touching the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Key:
    action: str  # the App's action_<name>
    key: str  # Textual key name
    label: str  # short, for the footer
    description: str  # for help and the command palette
    footer: bool = False
    writes: bool = False  # refused in read-only mode


KEYMAP: tuple[Key, ...] = (
    Key("acknowledge", "a", "Ack", "Acknowledge the selected or marked alerts", True, True),
    Key("unacknowledge", "u", "Unack", "Unacknowledge the selected or marked alerts", writes=True),
    Key("close", "c", "Close", "Close the selected or marked alerts (asks first)", True, True),
    Key("assign", "w", "Assign", "Assign an owner (account id)", writes=True),
    Key("add_responder", "plus", "Responder", "Add a responder (type and id)", writes=True),
    Key("add_tags", "t", "Tag", "Add tags", writes=True),
    Key("remove_tags", "T", "Untag", "Remove tags", writes=True),
    Key("add_extra_properties", "x", "Props", "Add extra properties (key=value)", writes=True),
    Key("remove_extra_properties", "X", "Del props", "Remove extra properties (keys)", writes=True),
    Key("escalate", "e", "Escalate", "Escalate to an escalation (asks first)", writes=True),
    Key("snooze", "s", "Snooze", "Snooze for a while (30m, 2h) or until a time", writes=True),
    Key("add_note", "n", "Note", "Add a note", True, True),
    Key(
        "custom_action",
        "exclamation_mark",
        "Action",
        "Run one of the alert's custom actions",
        writes=True,
    ),
    Key("create", "N", "New", "Create an alert", writes=True),
    Key("delete", "D", "Delete", "Delete (asks you to type the tinyId)", writes=True),
    Key("toggle_mark", "space", "Mark", "Mark or unmark the row (actions apply to marked rows)"),
    Key("mark_page", "asterisk", "Mark page", "Mark every row of the page"),
    Key("clear_marks", "escape", "Unmark", "Clear the marks"),
    Key("edit_query", "slash", "Query", "Edit the query", True),
    Key("refresh", "r", "Refresh", "Refresh now", True),
    Key("pause", "p", "Pause", "Pause or resume live refresh", True),
    Key("previous_page", "left_square_bracket", "Prev", "Previous page"),
    Key("next_page", "right_square_bracket", "Next", "Next page"),
    Key("first_page", "g", "First", "First page"),
    Key("next_sort", "o", "Sort", "Sort by the next field"),
    Key("flip_order", "O", "Order", "Flip the sort order"),
    Key("copy_id", "y", "Copy id", "Copy the alert id to the clipboard"),
    Key("copy_json", "Y", "Copy JSON", "Copy the alert as JSON to the clipboard"),
    Key("detail", "enter", "Detail", "Full-screen detail of the selected alert"),
    Key("help", "question_mark", "Help", "Help: every active key", True),
    Key("quit", "q", "Quit", "Quit", True),
)

# Shown in help though Textual owns them.
BUILT_IN: tuple[tuple[str, str], ...] = (
    ("ctrl+p", "Command palette: every action by name"),
    ("↑ ↓ PgUp PgDn Home End", "Move in the table"),
)


def bindings() -> list[BindingType]:
    return [
        Binding(k.key, k.action, k.label, show=k.footer, id=k.action, tooltip=k.description)
        for k in KEYMAP
        if k.action != "detail"  # Enter belongs to the table (RowSelected)
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
