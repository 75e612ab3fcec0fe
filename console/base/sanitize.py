"""The one sanitiser: every string from the service or a user is made safe here before it
reaches a terminal, a log or the journal.

Alert text comes from anyone who can send an alert. Written raw to a terminal, an
``ESC ] 52`` sequence sets the clipboard, ``ESC ] 2`` the window title, a C1 ``CSI``
(0x9b) clears the screen, a bidi override reorders what people read, and a lone
surrogate crashes the write. So, before any output:

- C0 controls become their Unicode pictures (ESC is ``␛``, BEL ``␇``, TAB ``␉``);
  a newline is kept only in multi-line text (descriptions, notes, logs), where a
  lone CR is shown as ``␍``;
- DEL becomes ``␡``;
- C1 controls (NEL 0x85, CSI 0x9b, …), format characters (bidi overrides and
  isolates, zero-width spaces and joiners, the invisible "tag" characters), line
  and paragraph separators, lone surrogates and unassigned code points become
  visible escapes such as ``\\u202e``;
- a run of more than four combining marks on one character is cut to four, so
  stacked diacritics cannot spill over neighbouring lines.

Rich markup is never interpreted by this module's callers: they wrap the result
in ``rich.text.Text`` (the TUI's ``literal``) or pass ``markup=False``. This module
has no dependencies, so every layer (client, tracker, journal, logs, TUI) uses it.
"""

from __future__ import annotations

import logging
import re
import unicodedata

MAX_COMBINING = 4

# The marks that "zalgo" text stacks; other scripts' marks rarely come in runs of five.
_MARKS = (
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f"
    "\u0e31-\u0e3a\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_COMBINING_RUN = re.compile(f"{_MARKS}{{{MAX_COMBINING + 1},}}")
_COMBINING_ANY = re.compile(_MARKS)
# Printable by str.isprintable() but still not wanted raw (none today; kept for clarity).
_KEEP_CATEGORIES = frozenset({"Zs", "Co"})  # spaces of other widths; private-use icons


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _visible(ch: str, multiline: bool) -> str:
    """One character that ``str.isprintable`` refused, made visible (or kept if harmless)."""
    code = ord(ch)
    if code == 0x0A:
        return "\n" if multiline else "␊"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟
    if code == 0x7F:
        return "␡"
    if unicodedata.category(ch) in _KEEP_CATEGORIES:
        return ch
    return _escape(ch)


def _cut_combining(match: re.Match[str]) -> str:
    return match.group(0)[:MAX_COMBINING]


def clean(value: object, *, multiline: bool = False) -> str:
    """``value`` as text that is safe to show anywhere: see the module's rules.

    ``multiline`` keeps newlines (``\\r\\n`` becomes ``\\n``); otherwise a newline is
    shown as ``␊`` so one value stays on one line.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        if _COMBINING_ANY.search(text) is None:
            return text  # the common case: nothing to do, at C speed
        return _COMBINING_RUN.sub(_cut_combining, text)
    if multiline:
        text = text.replace("\r\n", "\n")
    out = "".join(ch if ch.isprintable() else _visible(ch, multiline) for ch in text)
    return _COMBINING_RUN.sub(_cut_combining, out)


def is_clean(text: str, *, multiline: bool = False) -> bool:
    """True when ``clean`` would leave ``text`` as it is."""
    return clean(text, multiline=multiline) == text


class SafeFormatter(logging.Formatter):
    """A log formatter whose every line went through :func:`clean` (tracebacks keep newlines)."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record), multiline=True)
