"""How alert data is drawn: literal text, priority glyphs, states, ages.

Alert text comes from anyone who can send an alert, so it is never markup and
never reaches the terminal raw: every string becomes a ``rich.text.Text`` (no
markup parsing) through the one sanitiser. Colours come from the theme's
palette, and every state also has a word or a glyph, so nothing depends on
colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.text import Text

from console.api.models import Alert
from console.base.sanitize import clean
from console.tui.palette import Palette

# Priority: a glyph and the label itself, so it reads without colour.
PRIORITY_GLYPH = {"P1": "◆", "P2": "▲", "P3": "■", "P4": "▼", "P5": "·"}
MISSING = "?"


def literal(value: object, style: str = "", *, single_line: bool = True) -> Text:
    """A cell or line of untrusted text, shown exactly as sent: never markup, and every control
    or direction character made visible by the one sanitiser. Cut text ends in an ellipsis."""
    return Text(
        clean(value, multiline=not single_line),
        style=style,
        overflow="ellipsis" if single_line else "fold",
        no_wrap=single_line,
    )


def label(alert: Alert) -> str:
    """How an alert is named to people: ``#123``, or its id when the service sent no tinyId;
    with several sites, its site's name first (``eu #123``: two sites' #123 are two alerts)."""
    name = f"#{alert.tiny_id}" if alert.tiny_id else alert.id
    return f"{alert.site} {name}" if alert.site else name


def readable(alert: Alert, *fields: str) -> bool:
    """False when the service sent one of these (wire-named) fields in a form we cannot read."""
    return not alert.unreadable.intersection(fields)


def status_of(alert: Alert) -> str:
    """open / acked / snoozed / closed, as the table shows it ("?" when it cannot be told).

    Read from the flags (``acknowledged``, ``snoozed``) or from the spec's own ``status``
    values (``acked``, ``snoozed``, ``resolved``), whichever the service sends."""
    if not readable(alert, "status", "acknowledged", "snoozed"):
        return MISSING
    if not alert.is_open:
        return "closed"
    if alert.snoozed or alert.status == "snoozed":
        return "snoozed"
    if alert.acknowledged or alert.status == "acked":
        return "acked"
    return "open"


def acknowledged(alert: Alert) -> bool:
    return alert.acknowledged or alert.status == "acked"


def priority_cell(priority: str | None, palette: Palette) -> Text:
    label = priority if priority in PRIORITY_GLYPH else (priority or "P?")
    glyph = PRIORITY_GLYPH.get(label, MISSING)
    return Text(f"{glyph} {clean(label)}", style=palette[label.lower()], no_wrap=True)


def status_cell(status: str, palette: Palette) -> Text:
    return Text(status, style=palette["unknown" if status == MISSING else status], no_wrap=True)


def age(when: datetime | None, now: datetime) -> str:
    """How long ago, in the largest unit that fits: <1m, 12m, 3h, 2d."""
    if when is None:
        return MISSING
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def minute(clock: Callable[[], datetime]) -> datetime:
    """The clock ages are read against: now, floored to the minute, so that every age in a
    table moves at the same moment once a minute (not one row a second)."""
    return clock().replace(second=0, microsecond=0)


def clock_time(when: datetime | None) -> str:
    """A local wall-clock time for headers: 14:02:11."""
    if when is None:
        return "never"
    return when.astimezone().strftime("%H:%M:%S")


def stamp(when: datetime | None) -> str:
    """A full local date and time for the detail pane."""
    if when is None:
        return "—"
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def utc(when: datetime) -> datetime:
    return when.astimezone(UTC)
