"""What every live screen and panel shares: a feed refreshed on a timer, told honestly.

A :class:`LiveCycle` refreshes one :class:`~console.live.feed.Feed` for the node that shows
it: never two refreshes at once, backing off after failures (the feed's own
``next_delay``), holding still while a dialog is open, and surviving a bug in any of it
(reported, backed off, never fatal). A :class:`LiveScreen` is a screen whose main feed is
the alert feed: it adds the view (query, order, page) on top, fetched at once when it
changes, and repaints in the theme's colours when the theme changes. The alert view and
the wall are live screens; a panel of its own (on-call, heartbeats) owns a cycle of its
own on the same rules.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from console.api import errors
from console.live.feed import Feed, Update, View, ViewRejected
from console.settings.start import Settings
from console.tui.guard import BugSink, Guarded, start_work
from console.tui.kinds import Sources

# One turn of a cycle: fetch and show (True: forced, a refresh in flight is being replaced).
# Returns the seconds until the next turn, or None for the feed's own next_delay.
Turn = Callable[[bool], Awaitable[float | None]]


class LiveCycle:
    """One feed's refresh cycle, on the timers and workers of ``node``."""

    def __init__(
        self,
        node: DOMNode,
        feed: Feed,
        turn: Turn,
        *,
        said: Callable[[], None],
        group: str = "refresh",
        where: str = "the refresh",
    ) -> None:
        self.node = node
        self.feed = feed
        self.turn = turn
        self.said = said  # draw what is known of the feed's freshness, after each turn
        self.group = group
        self.where = where
        self.paused = False
        self._timer: Timer | None = None

    @property
    def bugs(self) -> BugSink:
        app = self.node.app
        assert isinstance(app, BugSink)
        return app

    def start(self) -> None:
        self.run()

    def refresh_now(self) -> None:
        """Refresh at once (unless one is running), then carry on at the interval."""
        self.stop_timer()
        if not self.feed.busy:
            self.run()

    def restart(self) -> None:
        """What the feed asks for changed: cancel a refresh in flight, ask at once."""
        self.stop_timer()
        self.node.workers.cancel_group(self.node, self.group)
        self.run(force=True)

    def stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def schedule(self, delay: float) -> None:
        self.stop_timer()
        # Never zero: Textual's timer divides by its delay (a zero one dies, and with it the
        # refresh cycle).
        self._timer = self.node.set_timer(max(delay, 0.01), self._due)

    def _due(self) -> None:
        self._timer = None
        if self.paused:
            return
        if any(isinstance(screen, ModalScreen) for screen in self.node.app.screen_stack):
            self.schedule(1.0)  # a dialog is open: the data holds still; look again soon
            return
        self.run()

    def run(self, force: bool = False) -> None:
        start_work(self.node, partial(self._run, force), group=self.group)

    async def _run(self, force: bool) -> None:
        try:
            delay = await self.turn(force)
        except Exception as error:  # a bug: never let it kill the console, never hide it
            self.bugs.report_bug(self.where, error)
            self.feed.record_bug(error)
            delay = None
        self.said()
        if not self.paused:
            self.schedule(self.feed.next_delay() if delay is None else delay)


def simple_turn(feed: Feed, shown: Callable[[object], None]) -> Turn:
    """The turn of a panel with nothing more to it: refresh, and show what came. A failure
    of the service is recorded in the feed's freshness (the panel says why)."""

    async def turn(force: bool) -> float | None:
        try:
            data = await feed.refresh(force=force)
        except errors.ApiError:
            return None
        if data is not None:
            shown(data)
        return None

    return turn


class LiveScreen(Guarded, Screen[None]):
    def __init__(self, settings: Settings, sources: Sources) -> None:
        super().__init__()
        self.settings = settings
        self.sources = sources
        self.feed = sources.feed
        self.cycle = LiveCycle(self, self.feed, self._turn, said=self.draw_status)
        self._tick_failures = 0
        self._tick_resumes_at = 0.0
        self.cached_at: datetime | None = None  # showing the last run's page, from this time

    @property
    def console(self) -> BugSink:
        """The app, as the place bugs are reported."""
        assert isinstance(self.app, BugSink)
        return self.app

    @property
    def paused(self) -> bool:
        return self.cycle.paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self.cycle.paused = value

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
            self.draw_status()  # says so from the first frame
        self.set_interval(1.0, self._tick)
        self.cycle.start()

    def stop(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)
        self.feed.flush()  # the newest page, for the next start

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

    def draw_status(self) -> None:
        """Say how fresh the data is (called every second, and after every refresh)."""

    def tick(self) -> None:
        """Once a second, after ``draw_status``: ages, expiring marks."""

    def rejected(self, rejected: ViewRejected) -> None:
        """The service refused a new view; the last good one is back."""

    # ------------------------------------------------------------------ the cycle

    def refresh_now(self) -> None:
        """Refresh at once (unless one is running), then carry on at the interval."""
        self.cycle.refresh_now()

    def show_view(self, view: View) -> None:
        """Another page, order or query: fetched at once, cancelling a refresh in flight."""
        if view == self.feed.view:
            return
        self.feed.set_view(view)
        self.cycle.restart()

    def _schedule(self, delay: float) -> None:
        self.cycle.schedule(delay)

    def _stop_timer(self) -> None:
        self.cycle.stop_timer()

    async def _turn(self, force: bool) -> float | None:
        try:
            update = await self.feed.refresh(force=force)
        except ViewRejected as rejected:
            self.rejected(rejected)
            return 0.0 if self.feed.last is None else self.feed.next_delay()
        except errors.InputError as error:
            self.notify(str(error), title="Cannot refresh", severity="error")
            return None
        except errors.ApiError:
            return None  # recorded in the feed's freshness; the header says why
        if update is not None:
            self.cached_at = None
            self._draw(update)
        return None

    def _draw(self, update: Update) -> None:
        try:
            self.apply(update)
        except Exception as error:
            self.console.report_bug("drawing a refresh", error)
            self.feed.record_bug(error)

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
