"""The console's keys as Textual bindings. The keys themselves are data, without Textual,
in console.keymap (``config check`` reads them too); each binding carries its id, so the
config file's ``[keys]`` rebinds it through Textual's ``App.set_keymap``."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from console.keymap import BUILT_IN, BY_ID, KEYMAP, VIEW_KEYS, Key, display

__all__ = ["BUILT_IN", "BY_ID", "KEYMAP", "VIEW_KEYS", "Key", "bindings", "display"]


def bindings() -> list[BindingType]:
    return [
        Binding(k.key, k.action, k.label, show=k.footer, id=k.id, tooltip=k.description)
        for k in KEYMAP
        if k.id != "detail"  # Enter belongs to the table (RowSelected)
    ]
