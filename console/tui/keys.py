"""The console's keys as Textual bindings. The keys themselves are data, without Textual,
in console.settings.keymap (``config check`` reads them too); each binding carries its id, so the
config file's ``[keys]`` rebinds it through Textual's ``App.set_keymap``."""

from __future__ import annotations

from textual.binding import ActiveBinding, Binding, BindingType

from console.settings.keymap import BUILT_IN, BY_ID, KEYMAP, VIEW_KEYS, Key, display

__all__ = ["BUILT_IN", "BY_ID", "KEYMAP", "VIEW_KEYS", "Key", "bindings", "display", "in_order"]

_PLACE = {k.id: index for index, k in enumerate(KEYMAP)}


def bindings() -> list[BindingType]:
    return [
        Binding(k.key, k.action, k.label, show=k.footer, id=k.id, tooltip=k.description)
        for k in KEYMAP
        if k.id != "detail"  # Enter belongs to the table (RowSelected)
    ]


def in_order(active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """The active bindings with the console's own in the keymap's order. Textual's keymap
    moves a rebound key to the end (it is removed and added again), so the footer and help
    would change order when ``[keys]`` rebinds one; here every key keeps its place."""
    entries = list(active.items())
    ours = iter(
        sorted(
            (entry for entry in entries if entry[1].binding.id in _PLACE),
            key=lambda entry: _PLACE[entry[1].binding.id or ""],
        )
    )
    return dict(
        next(ours) if bound.binding.id in _PLACE else (key, bound) for key, bound in entries
    )
