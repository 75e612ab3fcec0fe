"""The colours the console draws with, taken from the active Textual theme.

Cells are ``rich.text.Text`` and do not follow CSS, so their styles come from here:
each role (a priority, a status, a badge…) uses the theme's own contrast-checked text
colours (``$text-error``, ``$text-success`` …), and a theme may set a colour of its
own for any role with a variable named ``alert-<role>`` (``alert-p1: "#ff0000"``).
No colour is written in Python; light themes get their dark variants for free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.style import Style
from textual.color import Color, ColorParseError

# role: (the theme variable it defaults to, or "" for the foreground; the extra style)
ROLES: dict[str, tuple[str, str]] = {
    "p1": ("text-error", "bold"),
    "p2": ("text-warning", "bold"),
    "p3": ("text-accent", ""),
    "p4": ("text-primary", ""),
    "p5": ("", "dim"),
    "open": ("", "bold"),
    "acked": ("text-success", ""),
    "snoozed": ("text-secondary", "italic"),
    "closed": ("", "dim"),
    "unknown": ("text-warning", ""),
    "pending": ("text-warning", "italic"),
    "ok": ("text-success", "bold"),
    "failed": ("text-error", "bold"),
    "recent": ("text-accent", "bold"),
    "mark": ("text-accent", "bold"),
    "tags": ("text-primary", ""),
    "muted": ("", "dim"),
    "live": ("text-success", ""),
    "paused": ("text-warning", "bold"),
    "stale": ("text-warning", "bold"),
    "problem": ("text-error", "bold"),
    "note": ("text-warning", ""),
    "demo": ("warning", "bold reverse"),
    "read-only": ("primary", "bold reverse"),
    "title": ("", "bold reverse"),
}


@dataclass(frozen=True)
class Palette:
    """The theme's styles by role (priority, status, muted ...), for text drawn by hand."""

    styles: Mapping[str, Style]

    def __getitem__(self, role: str) -> Style:
        return self.styles.get(role, Style())

    @classmethod
    def of(cls, variables: Mapping[str, str]) -> Palette:
        """The palette of a theme, from its CSS variables (``App.theme_variables``)."""
        styles: dict[str, Style] = {}
        for role, (default, extra) in ROLES.items():
            value = variables.get(f"alert-{role}") or (variables.get(default) if default else "")
            colour = None
            if value:
                try:
                    colour = Color.parse(value).rich_color
                except ColorParseError:
                    colour = None
            styles[role] = (
                Style.parse(extra) + Style(color=colour) if extra else Style(color=colour)
            )
        return cls(styles)


PLAIN = Palette({})  # before a theme is known: no colours at all
