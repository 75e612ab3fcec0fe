"""What every live screen shares: a feed refreshed on a timer, and freshness told honestly.

A :class:`LiveScreen` refreshes its feed every interval (never two at once, backing
off after failures, waiting while a dialog is open), fetches a new view at once
(cancelling a refresh in flight), survives a bug in any of it, and repaints in the
theme's colours when the theme changes. The alert view and the wall are live screens;
each says what it draws (``apply``, ``draw_status``, ``repaint``, ``tick``).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from console.api import errors
from console.feed import AlertFeed, Update, View, ViewRejected
from console.tui.guard import BugSink, Guarded
from console.tui.settings import Settings


class LiveScreen(Guarded, Screen[None]):
    STYLES: ClassVar[Path]  # the screen's stylesheet: the app reads it (it is the app's screen)

    def __init__(self, settings: Settings, feed: AlertFeed) -> None:
        super().__init__()
        self.settings = settings
        self.feed = feed
        self.paused = False
        self._timer: Timer | None = None
        self._tick_failures = 0
        self._tick_resumes_at = 0.0
        self.cached_at: datetime | None = None  # showing the last run's page, from this time

    @property
    def console(self) -> BugSink:
        """The app, as the place bugs are reported."""
        assert isinstance(self.app, BugSink)
        return self.app

    def start(self) -> None:
        """Called from ``on_mount``: theme, clock, and the first page (perhaps already asked
        for before the screen was built)."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.repaint())
        self.repaint()
        cached = self.feed.cached() if self.feed.last is None else None
        if cached is not None:
            # The last run's page, marked as such, until the service answers this one.
            self.cached_at = cached.at
            self.apply(cached)
        self.set_interval(1.0, self._tick)
        self._refresh()

    def stop(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # Below 34 lines or 100 columns a screen folds what is not essential ("compact").
        width, height = self.app.size
        self.set_class(height < 34 or width < 100, "compact")

    # ------------------------------------------------------------------ what a screen draws

    def repaint(self) -> None:
        """Draw everything in the colours of the theme in force now."""

    def apply(self, update: Update) -> None:
        """Show a page the service confirmed."""

    async def refreshed(self, update: Update) -> None:
        """After a page was confirmed, before it is drawn: more to fetch (the wall's counts)."""

    def draw_status(self) -> None:
        """Say how fresh the data is (called every second, and after every refresh)."""

    def tick(self) -> None:
        """Once a second, after ``draw_status``: ages, expiring marks."""

    def rejected(self, rejected: ViewRejected) -> None:
        """The service refused a new view; the last good one is back."""

    # ------------------------------------------------------------------ the cycle

    def refresh_now(self) -> None:
        """Refresh at once (unless one is running), then carry on at the interval."""
        self._stop_timer()
        if not self.feed.busy:
            self._refresh()

    def show_view(self, view: View) -> None:
        """Another page, order or query: fetched at once, cancelling a refresh in flight."""
        if view == self.feed.view:
            return
        self.feed.set_view(view)
        self._stop_timer()
        self.workers.cancel_group(self, "refresh")
        self._refresh(force=True)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _schedule(self, delay: float) -> None:
        self._stop_timer()
        # Never zero: Textual's timer divides by its delay (a zero one dies, and with it the
        # refresh cycle).
        self._timer = self.set_timer(max(delay, 0.01), self._due)

    def _due(self) -> None:
        self._timer = None
        if self.paused:
            return
        if any(isinstance(screen, ModalScreen) for screen in self.app.screen_stack):
            self._schedule(1.0)  # a dialog is open: the table holds still; look again soon
            return
        self._refresh()

    @work(group="refresh", exit_on_error=False)
    async def _refresh(self, force: bool = False) -> None:
        try:
            update = await self.feed.refresh(force=force)
            if update is not None:
                await self.refreshed(update)
        except ViewRejected as rejected:
            self.rejected(rejected)
            self._schedule(0.0 if self.feed.last is None else self.feed.next_delay())
            return
        except errors.InputError as error:
            self.notify(str(error), title="Cannot refresh", severity="error")
            update = None
        except errors.ApiError:
            update = None  # recorded in the feed's freshness; the header says why
        except Exception as error:  # a bug: never let it kill the console, never hide it
            self.console.report_bug("the refresh", error)
            self.feed.record_bug(error)
            update = None
        if update is not None:
            self.cached_at = None
            try:
                self.apply(update)
            except Exception as error:
                self.console.report_bug("drawing a refresh", error)
                self.feed.record_bug(error)
        self.draw_status()
        if not self.paused:
            self._schedule(self.feed.next_delay())

    def _tick(self) -> None:
        now = time.monotonic()
        if now < self._tick_resumes_at:
            return  # a bug here: backed off, not repeated every second
        try:
            self.draw_status()
            self.tick()
        except Exception as error:
            self._tick_failures += 1
            self._tick_resumes_at = now + min(300.0, 2.0**self._tick_failures)
            self.console.report_bug("the clock tick", error)
        else:
            self._tick_failures = 0
