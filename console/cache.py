"""The last good data on disk: shown at the next start, marked as cached, until the service
answers.

One file per site and query in the cache directory (mode 600 in a 700 directory): the
alerts of the last page exactly as the service sent them, the total, where the page sits,
when the service confirmed it, and any extra the screen keeps beside it (the wall's
counts). Never a credential. A damaged or foreign file is ignored, never fatal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console import paths

log = logging.getLogger(__name__)

VERSION = 1


@dataclass(frozen=True)
class Cached:
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
        data = paths.read_json(self.path(key))
        try:
            if data is None or data.get("version") != VERSION or data.get("site") != self.site:
                return None
            if data.get("key") != key:
                return None
            return Cached(
                at=datetime.fromisoformat(data["at"]),
                values=list(data["values"]),
                count=int(data["count"]),
                offset=int(data["offset"]),
                size=int(data["size"]),
                extra=dict(data.get("extra") or {}),
            )
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            log.warning("the cached page %s is unreadable (%s); ignored", self.path(key), error)
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
        paths.write_json(self.path(key), body)
