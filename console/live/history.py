"""An alert's notes and activity log: fetched on demand and cached, beside the feed.

The detail pane only draws what it is given; this module does the fetching. A
cached history is good until the alert's ``updatedAt`` moves (a note or an action
moves it) or it is invalidated; at most ``keep`` alerts are kept, oldest dropped
first. No Textual here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from console.api.client import JsmClient
from console.api.models import Alert, LogEntry, Note

HISTORY_PAGE = 100


@dataclass(frozen=True)
class History:
    """An alert's notes and log, as far as read, and whether there is more of each."""

    notes: list[Note]
    logs: list[LogEntry]
    more_notes: bool
    more_logs: bool


class HistoryCache:
    def __init__(
        self,
        client: JsmClient,
        *,
        keep: int = 200,
        sites: Mapping[str, JsmClient] | None = None,
    ) -> None:
        self.client = client
        self.sites = dict(sites or {})  # several sites: each alert's history from its own
        self.keep = keep
        self._cache: OrderedDict[str, tuple[datetime | None, History]] = OrderedDict()

    def cached(self, alert: Alert) -> History | None:
        """The history of ``alert`` if it is known and still current, else None."""
        entry = self._cache.get(alert.key)
        if entry is None or entry[0] != alert.updated_at:
            return None
        self._cache.move_to_end(alert.key)
        return entry[1]

    async def load(self, alert: Alert) -> History:
        """The history of ``alert``: from the cache when current, else fetched (ApiError if the
        service cannot say)."""
        known = self.cached(alert)
        if known is not None:
            return known
        client = self.sites.get(alert.site, self.client)
        notes = await client.list_notes(alert.id, size=HISTORY_PAGE)
        logs = await client.list_logs(alert.id, size=HISTORY_PAGE)
        history = History(notes.values, logs.values, bool(notes.links.next), bool(logs.links.next))
        self._cache[alert.key] = (alert.updated_at, history)
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return history

    def invalidate(self, key: str) -> None:
        """Forget an alert's history (a note was just added, say): by its key (alert.key)."""
        self._cache.pop(key, None)
