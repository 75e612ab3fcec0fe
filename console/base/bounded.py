"""Reading a file, bounded: the one way alert-console reads what is on disk.

:func:`read_bounded` reads a regular file of at most a cap of bytes, in UTF-8 (a link to
/dev/zero, a FIFO or a 22 MB file is refused before it is read); :func:`read_json` and
:func:`read_toml` parse it nested at most a few levels deep (checked without recursion,
before a parser could recurse), with only finite numbers; :func:`whole` and
:func:`finite` take a number read from a file only in range. Every problem is one
sentence naming the file, and the line where there is one: :class:`FileProblem`.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import tomllib
from itertools import accumulate
from pathlib import Path
from typing import Any

JSON_MAX_DEPTH = 64  # a page of alerts is a dozen levels deep
TOML_MAX_DEPTH = 32  # a config or theme is two or three
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO in a file's place never blocks an open
CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class FileProblem(ValueError):
    """A file that cannot be used, in one sentence naming it (and the line, where known).
    ``kind`` is a short word for it ("too-big", "not-finite"…): a set-aside file's suffix."""

    def __init__(self, path: Path, reason: str, *, kind: str, line: int | None = None) -> None:
        self.path, self.reason, self.kind, self.line = path, reason, kind, line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def read_bounded(path: Path, cap: int, *, follow: bool = False) -> str:
    """The text of ``path``: a regular file of at most ``cap`` bytes, in UTF-8.

    FileNotFoundError when it is not there, else FileProblem. A symbolic link is refused
    unless ``follow`` (the files a person keeps, config and themes, may be links from a
    dotfiles folder; the files we keep never are); what it leads to must still be a
    regular file, so a link to /dev/zero or a FIFO is refused before a byte is read."""
    flags = os.O_RDONLY | NONBLOCK | CLOEXEC | (0 if follow else NOFOLLOW)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK) and not follow and path.is_symlink():
            raise FileProblem(path, "is a symbolic link", kind="link") from None
        raise FileProblem(
            path, f"cannot be read ({error.strerror or error})", kind="unreadable"
        ) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(path, "is not a regular file", kind="not-a-file")
        if info.st_size > cap:
            raise FileProblem(path, _too_big(info.st_size, cap), kind="too-big")
        chunks: list[bytes] = []
        size = 0
        while size <= cap:  # a file growing as we read stops at the cap too
            chunk = os.read(descriptor, min(cap + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise FileProblem(path, _too_big(size, cap), kind="too-big")
    except OSError as error:
        raise FileProblem(
            path, f"cannot be read ({error.strerror or error})", kind="unreadable"
        ) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileProblem(path, "is not UTF-8 text", kind="not-utf8", line=line) from None


def _too_big(size: int, cap: int) -> str:
    return f"is too large ({size:,} bytes or more; at most {cap:,})"


class _NotFinite(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotFinite(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest, counted without recursion (strings
    left out), so that a file of 100,000 ``[`` is refused before a parser recurses."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def data_depth(data: Any, limit: int = JSON_MAX_DEPTH) -> int:
    """How deeply ``data``'s lists and dicts nest, as :func:`json_depth` counts it written as
    JSON; counted level by level, without recursion and without writing it (a page of 100
    alerts in a tenth of the time: it is checked at every write of the page cache), and no
    further than ``limit`` + 1 (a structure that holds itself stops there)."""
    depth = 0
    level = [data] if isinstance(data, _CONTAINERS) else []
    while level and depth <= limit:
        depth += 1
        level = [
            item
            for container in level
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, _CONTAINERS)
        ]
    return depth


_CONTAINERS = (dict, list, tuple)  # a tuple, not a union: isinstance is three times as fast


def parse_json(path: Path, text: str, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """``text`` (the contents of ``path``) as JSON: nested at most ``max_depth`` deep, and
    only finite numbers (no NaN, Infinity or 1e999); else FileProblem."""
    if json_depth(text) > max_depth:
        raise FileProblem(path, f"is nested more than {max_depth} levels deep", kind="too-deep")
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except _NotFinite as error:
        raise FileProblem(
            path, f"holds a number that is not finite ({str(error)[:20]})", kind="not-finite"
        ) from None
    except json.JSONDecodeError as error:
        raise FileProblem(
            path, f"is not JSON ({error.msg})", kind="not-json", line=error.lineno
        ) from None
    except ValueError:  # json's only other: an integer past Python's 4,300 digits
        raise FileProblem(path, "holds an integer too long to read", kind="not-finite") from None
    except RecursionError:  # not expected past the depth check; never a traceback all the same
        raise FileProblem(path, "is nested too deeply", kind="too-deep") from None


def read_json(path: Path, cap: int, *, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """A JSON file, bounded (see :func:`read_bounded` and :func:`parse_json`)."""
    return parse_json(path, read_bounded(path, cap), max_depth)


_TOML_TOKEN = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]'
)
_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def toml_too_deep(text: str, max_depth: int = TOML_MAX_DEPTH) -> int | None:
    """The line where ``text``'s arrays and inline tables nest past ``max_depth``, or None;
    read without recursion (strings and comments left out)."""
    depth = 0
    for token in _TOML_TOKEN.finditer(text):
        step = _STEP.get(token[0], 0)
        depth = max(0, depth + step)
        if depth > max_depth:
            return text.count("\n", 0, token.start()) + 1
    return None


def read_toml(
    path: Path, cap: int, *, max_depth: int = TOML_MAX_DEPTH
) -> tuple[dict[str, Any], str]:
    """A TOML file a person keeps (config, theme): its data and its text; links followed to
    a regular file (see :func:`read_bounded`). FileProblem with the line when it cannot."""
    text = read_bounded(path, cap, follow=True)
    line = toml_too_deep(text, max_depth)
    if line is not None:
        raise FileProblem(
            path, f"nested more than {max_depth} levels deep", kind="too-deep", line=line
        )
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as error:
        # tomllib says "(at line 3, column 9)": the line goes where every message has it.
        message = str(error)
        where = _TOML_WHERE.search(message)
        if where:
            message = message[: where.start()].strip()
        line = int(where[1]) if where else None
        raise FileProblem(path, f"not valid TOML: {message}", kind="not-toml", line=line) from None
    except RecursionError:  # not expected past the depth check; never a traceback all the same
        raise FileProblem(path, "nested too deeply", kind="too-deep") from None


def whole(value: Any, low: int, high: int) -> int:
    """``value`` as read from a file, if it is an integer from ``low`` to ``high``; else
    ValueError (a bool, a float, a string or a number out of range is not one)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{_shown(value)} is not a whole number from {low} to {high}")
    return value


def finite(value: Any, low: float, high: float) -> float:
    """``value`` as read from a file, if it is a finite number from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{_shown(value)} is not a number")
    if isinstance(value, int) and not low <= value <= high:  # before float(): 10**400 overflows
        raise ValueError(f"{_shown(value)} is not from {low:g} to {high:g}")
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise ValueError(f"{number!r} is not from {low:g} to {high:g}")
    return number


def _shown(value: Any) -> str:
    """A value read from a file, short, for a message (a 4,000-digit int is not printed)."""
    if isinstance(value, int) and not -(10**18) < value < 10**18:
        return "a number past 10**18"
    return repr(value)[:30]
