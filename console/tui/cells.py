"""How alert data is drawn: literal text, priority glyphs, states, ages.

Alert text comes from anyone who can send an alert, so it is never markup and
never reaches the terminal raw: every string becomes a ``rich.text.Text`` (no
markup parsing), control characters become visible Unicode pictures (ESC is
"␛"), and bidirectional overrides are shown as escapes so they cannot reorder
what is on screen.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from console.api.models import Alert
from console.sanitize import clean

# Priority: a glyph and the label itself, so it reads without colour.
PRIORITY_GLYPH = {"P1": "◆", "P2": "▲", "P3": "■", "P4": "▼", "P5": "·"}
PRIORITY_STYLE = {
    "P1": "bold #ff5f5f",
    "P2": "bold #ffaf00",
    "P3": "#ffd75f",
    "P4": "#5fafff",
    "P5": "dim",
}
STATUS_STYLE = {"open": "bold", "acked": "#87d787", "snoozed": "#af87ff", "closed": "dim"}


def literal(value: object, style: str = "", *, single_line: bool = True) -> Text:
    """A cell or line of untrusted text, shown exactly as sent: never markup, and every control
    or direction character made visible by the one sanitiser."""
    return Text(clean(value, multiline=not single_line), style=style)


MISSING = "?"


def readable(alert: Alert, *fields: str) -> bool:
    """False when the service sent one of these (wire-named) fields in a form we cannot read."""
    return not alert.unreadable.intersection(fields)


def status_of(alert: Alert) -> str:
    """open / acked / snoozed / closed, as the table shows it ("?" when it cannot be told)."""
    if not readable(alert, "status", "acknowledged", "snoozed"):
        return MISSING
    if not alert.is_open:
        return "closed"
    if alert.snoozed:
        return "snoozed"
    if alert.acknowledged:
        return "acked"
    return "open"


def priority_cell(priority: str | None) -> Text:
    label = priority if priority in PRIORITY_GLYPH else (priority or "P?")
    glyph = PRIORITY_GLYPH.get(label, "?")
    return Text(f"{glyph} {clean(label)}", style=PRIORITY_STYLE.get(label, ""))


def status_cell(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def age_clock() -> datetime:
    """The clock ages are read against: now, floored to the minute, so that every age in a
    table moves at the same moment once a minute (not one row a second)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def age(when: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the largest unit that fits: <1m, 12m, 3h, 2d."""
    if when is None:
        return "?"
    now = now or age_clock()
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def clock(when: datetime | None) -> str:
    """A local wall-clock time for headers: 14:02:11."""
    if when is None:
        return "never"
    return when.astimezone().strftime("%H:%M:%S")


def stamp(when: datetime | None) -> str:
    """A full local date and time for the detail pane."""
    if when is None:
        return "—"
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
