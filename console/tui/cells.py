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
_BIDI = {0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def _visible(ch: str, single_line: bool) -> str:
    code = ord(ch)
    if code in (0x0A, 0x0D) and not single_line:
        return ch
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟: ␛ for ESC, ␉ for TAB, ␊ for LF
    if code == 0x7F:
        return "␡"
    if 0x80 <= code <= 0x9F or code in _BIDI:
        return f"\\u{code:04x}"
    return ch


def _needs_cleaning(value: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or ord(c) in _BIDI for c in value)


def clean(value: str, *, single_line: bool = True) -> str:
    """Alert text made safe to show: every control and direction character visible."""
    if not _needs_cleaning(value):
        return value
    return "".join(_visible(ch, single_line) for ch in value)


def literal(value: object, style: str = "", *, single_line: bool = True) -> Text:
    """A cell or line of alert text, shown exactly as sent: never markup, never escapes."""
    return Text(clean("" if value is None else str(value), single_line=single_line), style=style)


def status_of(alert: Alert) -> str:
    """open / acked / snoozed / closed, as the table shows it."""
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
