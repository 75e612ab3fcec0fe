"""What people type into forms, turned into API values. Pure functions, tested on their own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_PART = r"(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w)"
_DURATION = re.compile(rf"^\s*(?:{_PART}\s*)+$", re.I)  # 30m, 2h, 1h30m, 1d 12h
_PARTS = re.compile(_PART, re.I)
_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
}


class FieldProblem(ValueError):
    """A value that cannot be used, and the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def split_keys(text: str) -> list[str]:
    """Keys that may contain spaces: one per line, or separated by commas; no blanks."""
    parts = (p.strip() for p in re.split(r"[,\n]", text))
    return list(dict.fromkeys(p for p in parts if p))


def split_list(text: str) -> list[str]:
    """``prod, db  eu-west-1`` → ``["prod", "db", "eu-west-1"]``: commas or spaces, no blanks."""
    parts = re.split(r"[,\s]+", text.strip())
    return list(dict.fromkeys(p for p in parts if p))


def parse_properties(text: str) -> dict[str, str]:
    """``region=eu, team = payments`` → a dict. Raises ValueError naming the bad part."""
    result: dict[str, str] = {}
    for part in re.split(r"[,\n]", text):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"“{part.strip()}” is not key=value")
        result[key.strip()] = value.strip()
    if not result:
        raise ValueError("give at least one key=value")
    return result


def parse_until(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``1d``, ``14:30`` (today or tomorrow, local), or an ISO date-time."""
    now = now or datetime.now(UTC)
    value = text.strip()
    if not value:
        raise ValueError("give a duration (30m, 2h, 1d) or an end time (14:30, 2026-12-01T08:00)")
    if _DURATION.match(value):
        seconds = sum(float(n) * _UNITS[unit.lower()] for n, unit in _PARTS.findall(value))
        if seconds <= 0:
            raise ValueError("the duration must be positive")
        try:
            return now + timedelta(seconds=seconds)
        except (OverflowError, ValueError):
            raise ValueError(f"{value} is too far in the future") from None
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if clock:
        local_now = now.astimezone()
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{value} is not a time of day")
        end = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if end <= local_now:
            end += timedelta(days=1)
        return end.astimezone(UTC)
    try:
        end = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"“{value}” is neither a duration (30m, 2h) nor a time") from None
    try:
        if end.tzinfo is None:
            end = end.astimezone()  # a naive time is local
        if end <= now:
            raise ValueError("the end time is in the past")
        return end.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value} cannot be written as a time in UTC") from None


def parse_recipients(text: str, types: tuple[str, ...]) -> list[dict[str, str]]:
    """``team:1234, user:abcd`` → ``[{"type": "team", "id": "1234"}, ...]``."""
    result = []
    for part in split_list(text):
        kind, sep, ident = part.partition(":")
        if not sep or kind not in types or not ident:
            raise ValueError(f"“{part}” is not type:id with type one of {', '.join(types)}")
        result.append({"type": kind, "id": ident})
    return result
