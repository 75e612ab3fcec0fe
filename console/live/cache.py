"""The last good data on disk: shown at the next start, marked as cached, until the service
answers.

One file per site and query in the cache directory (mode 600 in a 700 directory): the
alerts of the last page exactly as the service sent them, the total, where the page sits,
when the service confirmed it, and any extra the screen keeps beside it (the wall's
counts). Never a credential. A file of another site or version is ignored; a damaged one
(too large, too deep, a number not finite or out of range, a field of the wrong type) is
set aside and the console starts without it, never fatal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.base import paths
from console.base.bounded import FileProblem, whole

log = logging.getLogger(__name__)

VERSION = 1
MAX_BYTES = 8 << 20  # a page is at most the client's 5 MB answer, and its envelope
MAX_COUNT = 10**9  # a count, offset or size past this is not one the service gave
WHAT = "the page cache"


@dataclass(frozen=True)
class Cached:
    """The last good page of a view, as kept on disk for the next start to show first."""

    at: datetime  # when the service confirmed it
    values: list[Any]  # the alerts, as sent
    count: int
    offset: int
    size: int
    extra: dict[str, Any]


class PageCache:
    def __init__(self, site: str, directory: Path | None = None) -> None:
        self.site = site
        self.directory = directory or paths.cache_dir() / "pages"

    def path(self, key: str) -> Path:
        return paths.keyed_file(self.directory, self.site, key)

    def load(self, key: str) -> Cached | None:
        path = self.path(key)
        data = paths.read_cache(path, MAX_BYTES, WHAT)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        if data.get("site") != self.site or data.get("key") != key:
            return None  # another site's or view's: not ours to judge
        try:
            at = datetime.fromisoformat(data["at"])
            if at.tzinfo is None:
                raise ValueError(f"the time {data['at']!r} has no zone")
            values, extra = data["values"], data.get("extra") or {}
            if not isinstance(values, list) or not isinstance(extra, dict):
                raise TypeError("values is not a list, or extra not an object")
            return Cached(
                at=at,
                values=values,
                count=whole(data["count"], 0, MAX_COUNT),
                offset=whole(data["offset"], 0, MAX_COUNT),
                size=whole(data["size"], 0, MAX_COUNT),
                extra=extra,
            )
        except (ValueError, TypeError, KeyError) as error:
            said = f"no {error}" if isinstance(error, KeyError) else str(error)[:120]
            reason = f"does not hold a page ({said})"
            paths.set_aside(FileProblem(path, reason, kind="not-a-page"), WHAT)
            return None

    def save(self, key: str, cached: Cached) -> None:
        body = {
            "version": VERSION,
            "site": self.site,
            "key": key,
            "at": cached.at.astimezone(UTC).isoformat(),
            "values": cached.values,
            "count": cached.count,
            "offset": cached.offset,
            "size": cached.size,
            "extra": cached.extra,
        }
        paths.write_json(self.path(key), body, MAX_BYTES)
