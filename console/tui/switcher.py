"""Saved views on the alert screen: the tabs with their live counts, the number keys, the
command palette's entries. Owned by the screen, like the op flow."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from console.api import errors
from console.live.feed import View
from console.tui.guard import start_work

if TYPE_CHECKING:
    from console.live.wall import ViewCounts
    from console.tui.main_screen import AlertScreen
    from console.tui.view_tabs import ViewTabs


class ViewSwitcher:
    def __init__(self, screen: AlertScreen, count: Callable[[str], Awaitable[int]] | None) -> None:
        self.screen = screen
        settings = screen.settings
        self.views = dict(settings.views)
        self.by_key = settings.view_keys
        self.current: str | None = settings.view_name
        self.tabs: ViewTabs | None = None
        self.counts: ViewCounts | None = None
        if settings.views and count is not None:  # only loaded when there are views
            from console.live.wall import ViewCounts
            from console.tui.view_tabs import ViewTabs

            self.tabs = ViewTabs(settings.views, id="view-tabs")
            self.counts = ViewCounts({name: view.query for name, view in settings.views}, count)

    def start(self) -> None:
        if self.tabs is None:
            return
        self.tabs.mark(self.current)
        self.screen.set_interval(5.0, self.count)
        self.count()

    def count(self) -> None:
        """Count the views that are due (each at most once a minute), on a worker of its own."""
        if self.counts is not None and self.counts.due(time.monotonic()):
            start_work(self.screen, self._count, group="view-counts", exclusive=True)

    async def _count(self) -> None:
        if self.counts is None:
            return
        try:
            changed = await self.counts.refresh(time.monotonic())
        except errors.ApiError:
            return
        if changed and self.tabs is not None:
            self.tabs.show_counts(self.counts.counts, self.counts.failed)

    def switch_to_key(self, key: int) -> None:
        name = self.by_key.get(key)
        if name is None:
            self.screen.notify(f"No saved view on key {key}.", timeout=3)
            return
        self.switch(name)

    def switch(self, name: str) -> None:
        view = self.views[name]
        self.current = name
        if self.tabs is not None:
            self.tabs.mark(name)
        self.screen.query_bar.show_applied(view.query)
        current = self.screen.feed.view
        self.screen.show_view(
            replace(current, query=view.query, sort=view.sort, order=view.order, offset=0)
        )

    def followed(self, view: View) -> None:
        """The view on screen changed some other way: which saved view, if any, it is."""
        saved = self.views.get(self.current) if self.current else None
        if saved is None or saved.query != view.query:
            self.current = next(
                (name for name, v in self.views.items() if v.query == view.query), None
            )
            if self.tabs is not None:
                self.tabs.mark(self.current)
