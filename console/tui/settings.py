"""What the console was started with: the view, the pace, and how it names the site.

No Textual here: the command line reads it, and builds the feed from it before the
UI is loaded, so the first page can be on its way while Textual starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from console.api.client import JsmClient
from console.cache import PageCache
from console.feed import DEFAULT_QUERY, AlertFeed, View


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Settings:
    query: str = DEFAULT_QUERY
    refresh_s: float = 15.0
    page_size: int = 50
    theme: str | None = None
    read_only: bool = False
    demo: bool = False
    site: str = ""  # how the header names the site
    user: str = ""  # who we are there
    wall: bool = False  # the wall display instead of the console (read-only)
    notify_priority: str = "P1"  # the wall's attention: new alerts at this priority or above
    keep_pages: bool = True  # keep the last good page on disk for the next start
    # The wall clock the screen reads (times in the header, ages in the table); tests and
    # snapshots pin it.
    clock: Callable[[], datetime] = field(default=utc_now, compare=False)


def feed_for(client: JsmClient, settings: Settings) -> AlertFeed:
    """The feed of the alert view these settings describe."""
    return AlertFeed(
        client,
        View(query=settings.query, size=settings.page_size),
        interval_s=settings.refresh_s,
        clock=settings.clock,
        cache=PageCache(client.site) if settings.keep_pages else None,
    )
