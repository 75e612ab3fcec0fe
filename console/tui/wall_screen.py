"""The wall display: how many, how bad, how fresh, readable from across the room.

Read-only (the app is read-only in wall mode: the tracker and the client refuse any
write), no dialog, no footer, no query bar. A header with the site, a large clock and
the data's age; large exact counts of the open, unacknowledged alerts by priority, plus
acknowledged and all open; a 12-hour trend per priority; the table, P1 and P2 rows
emphasised. When the data is stale a full-width banner says why and since when, and
everything else dims and says "as of"; the all-clear is only ever shown on fresh data.
New urgent alerts ring the bell and ask the terminal for a desktop notification, once
each; ``m`` mutes.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Sparkline, Static

from console import paths
from console.api import errors
from console.api.models import PRIORITIES, Alert
from console.feed import AlertFeed, Update
from console.tui.bars import problem, site_badges
from console.tui.cells import PRIORITY_GLYPH, clock_time, literal
from console.tui.live import LiveScreen
from console.tui.palette import PLAIN, Palette
from console.tui.settings import Settings
from console.tui.table import AlertTable
from console.wall import (
    Attention,
    Counts,
    Trend,
    TrendStore,
    desktop_notification,
    fetch_counts,
    notification_form,
)

COUNTERS: tuple[tuple[str, str], ...] = (
    *((p, f"{PRIORITY_GLYPH[p]} {p}") for p in PRIORITIES),
    ("acked", "✓ acked"),
    ("open", "Σ open"),
)
LABELS = dict(COUNTERS)


class WallScreen(LiveScreen):
    STYLES = Path(__file__).with_name("wall_screen.tcss")  # read by the app (console.tui.app)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "mute", "Mute", id="mute"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def __init__(self, settings: Settings, feed: AlertFeed) -> None:
        super().__init__(settings, feed)
        self.palette = PLAIN
        self.counts: Counts | None = None
        self.counts_problem: str | None = None  # why the counts are older than the table
        self._counts_note = ""  # the line under the counts now (the service's words in it)
        self._looked_at: set[str] = set()  # the queries of the views shown so far
        self.trend = Trend()
        self.trend_store = TrendStore(_trend_path(feed.client.site, feed.view.query))
        self.trend_store.load(self.trend, settings.clock().timestamp())
        self.attention = Attention(settings.notify_priority)
        self.muted = False
        self.form = notification_form(dict(os.environ))
        self.sent: list[str] = []  # the desktop notifications asked for (the newest 50)
        self.banner = Static("", id="wall-banner", markup=False)
        self.site = Static("", id="wall-site", markup=False)
        self.clock = Digits("", id="wall-clock")
        self.freshness = Static("", id="wall-freshness", markup=False)
        self.digits = {key: Digits("–", id=f"count-{key}") for key, _label in COUNTERS}
        self.labels = {key: Static(label, classes="count-label") for key, label in COUNTERS}
        self.sparks = {p: Sparkline([], id=f"trend-{p}", classes=f"trend {p}") for p in PRIORITIES}
        self.all_clear = Static("", id="all-clear", markup=False)
        # The wall's rotation through saved views, each named large while it is on.
        self.rotation = [(name, dict(settings.views)[name]) for name in settings.wall_views]
        self.view_name = Static("", id="wall-view", markup=False)
        self.view_on: str | None = None
        self._counts_of: dict[str, Counts] = {}  # the last counts of each rotated query
        self.table = AlertTable(clock=settings.clock, id="wall-alerts")
        self.table.emphasis = self._emphasis
        self.table.can_focus = False
        self.table.show_cursor = False  # nobody selects anything on a wall

    def compose(self) -> ComposeResult:
        yield self.banner
        if self.rotation:
            yield self.view_name
        with Horizontal(id="wall-header"):
            yield self.site
            yield self.clock
            yield self.freshness
        with Horizontal(id="wall-counts"):
            for key, _label in COUNTERS:
                with Vertical(classes=f"counter {key}"):
                    yield self.labels[key]
                    yield self.digits[key]
        with Horizontal(id="wall-trend"):
            for p in PRIORITIES:
                with Vertical(classes="trend-box"):
                    yield Static(f"{PRIORITY_GLYPH[p]} {p} · 12 h", classes="trend-label")
                    yield self.sparks[p]
        yield self.all_clear
        yield self.table

    def on_mount(self) -> None:
        self.start()
        if self.rotation:
            self._name_view(self.settings.view_name or self.rotation[0][0])
        if len(self.rotation) > 1:
            self.set_interval(self.settings.rotate_s, self.rotate)

    def rotate(self) -> None:
        """The next saved view of the wall's rotation."""
        names = [name for name, _view in self.rotation]
        current = self.view_on or names[0]
        name, view = self.rotation[(names.index(current) + 1) % len(names)]
        if self.counts is not None:
            self._counts_of[self.feed.view.query] = self.counts
        self.counts = self._counts_of.get(view.query)
        self.trend = Trend()
        self.trend_store = TrendStore(_trend_path(self.feed.client.site, view.query))
        self.trend_store.load(self.trend, self.settings.clock().timestamp())
        self._name_view(name)
        self.show_view(
            replace(self.feed.view, query=view.query, sort=view.sort, order=view.order, offset=0)
        )
        self.draw_counts()

    def _name_view(self, name: str) -> None:
        self.view_on = name
        _put(self.view_name, literal(" ".join(name.upper()), "bold"))

    def on_unmount(self) -> None:
        self.stop()

    # ------------------------------------------------------------------ the live cycle

    async def refreshed(self, update: Update) -> None:
        """The page is confirmed: now the exact counts, one request per priority."""
        try:
            self.counts = await fetch_counts(
                self.feed.client, self.feed.view.query, update.listing, self.settings.clock
            )
            self.counts_problem = None
            # Beside the page on disk, for the next start (rewritten only when they change).
            kept = {"unacked": self.counts.unacked, "acked": self.counts.acked}
            self.feed.keep_extra({"counts": kept})
        except errors.ApiError as error:
            self.counts_problem = problem(error)  # the old counts stay, marked as older
            return
        if self.trend.add(self.settings.clock().timestamp(), self.counts.unacked):
            self.trend_store.save(self.trend)

    def apply(self, update: Update) -> None:
        if update.cached and self.counts is None:
            # The last run's counts, as old as the page they were kept with.
            kept = self.feed.kept_extra.get("counts")
            if isinstance(kept, dict):
                self.counts = Counts.from_json({**kept, "at": update.at.isoformat()})
        # A view of the rotation seen for the first time rings for nothing already in it.
        first_look = update.view.query not in self._looked_at
        self._looked_at.add(update.view.query)
        new = (
            []
            if update.cached
            else self.attention.see(update.alerts.values(), first_look=first_look)
        )
        self.table.show_update(update)
        if new:
            self._call_attention(new)
        self.draw_counts()
        self.draw_status()

    def tick(self) -> None:
        self.table.tick()
        if self.attention.expire():
            self.table.redraw_rows(self.table.order)

    # ------------------------------------------------------------------ drawing

    def repaint(self) -> None:
        self.palette = palette = Palette.of(self.app.theme_variables)
        self.table.set_palette(palette)
        for key, digits in self.digits.items():
            role = key.lower() if key in PRIORITIES else ("acked" if key == "acked" else "open")
            colour = palette[role].color
            digits.styles.color = Color.from_rich_color(colour) if colour else None
            self.labels[key].update(Text(LABELS[key], style=palette[role]))
        self._fit()
        self.draw_counts()
        self.draw_status()

    @property
    def stale(self) -> bool:
        """Past twice the interval, a failed refresh, or only the last run's data."""
        fresh = self.feed.freshness
        return (
            fresh.error is not None
            or fresh.stale(self.feed.interval_s)
            or self.cached_at is not None
            or self.feed.last is None
        )

    def draw_status(self) -> None:
        fresh, now = self.feed.freshness, time.monotonic()
        stale = self.stale
        self.set_class(stale, "stale")
        settings = self.settings
        site = site_badges(
            settings.profile, settings.profile_color, demo=settings.demo, palette=self.palette
        )
        if site.plain:
            site.append(" ")
        site.append_text(literal(settings.site, "bold"))
        _put(self.site, site)
        _set_digits(self.clock, self.settings.clock().astimezone().strftime("%H:%M"))
        said = Text()
        confirmed = fresh.confirmed_at or self.cached_at
        if confirmed is None:
            said.append("waiting for the first answer…", style=self.palette["stale"])
        else:
            said.append(
                f"as of {clock_time(confirmed)}", style=self.palette["stale"] if stale else ""
            )
            age = fresh.age(now)
            if age is not None and age >= 60:
                said.append(f" ({age // 60:.0f} min ago)")
        said.append(f"\nread-only · every {self.feed.interval_s:g} s")
        if self.muted:
            said.append("\n🔕 MUTED (m)", style=self.palette["stale"])
        _put(self.freshness, said)
        _put(self.banner, self._banner_text(now) if stale else Text(), layout=True)
        self.banner.set_class(stale, "shown")
        self._draw_all_clear()

    def _banner_text(self, now: float) -> Text:
        fresh = self.feed.freshness
        if fresh.error is not None:
            reason = problem(fresh.error)
            if fresh.retry_at is not None:
                reason += f"; retrying in {max(0, fresh.retry_at - now):.0f} s"
            since = fresh.failing_since
            head = f"⚠ STALE since {clock_time(since)}: " if since else "⚠ STALE: "
        elif self.cached_at is not None or self.feed.last is None:
            head, reason = "⚠ NOT CONFIRMED: ", "waiting for the service's first answer"
        else:
            age = fresh.age(now) or 0
            head, reason = "⚠ STALE: ", f"no new data for {age:.0f} s"
        shown = fresh.confirmed_at or self.cached_at
        tail = f" · showing data as of {clock_time(shown)}" if shown else " · no data yet"
        return literal(head + reason + tail, "bold")  # on the banner's own $error background

    def draw_counts(self) -> None:
        counts = self.counts
        values: dict[str, str] = {key: "–" for key, _label in COUNTERS}
        if counts is not None:
            values.update({p: str(counts.unacked[p]) for p in PRIORITIES})
            values["acked"] = str(counts.acked)
            values["open"] = str(counts.open_total)
        for key, digits in self.digits.items():
            _set_digits(digits, values[key])
        for p in PRIORITIES:
            series = self.trend.series(p)
            # One point draws as a full bar: the trend shows from the second point on.
            self.sparks[p].data = series if len(series) >= 2 else []
        self._draw_all_clear()
        last = self.feed.last
        older = counts is not None and last is not None and counts.at < last.at
        label = Text()
        if self.counts_problem or older:
            label.append(
                f"counts as of {clock_time(counts.at if counts else None)}"
                + (f": {self.counts_problem}" if self.counts_problem else "")
            )
        if label.plain != self._counts_note:
            self._counts_note = label.plain
            # As literal text: a border title is read as markup, and the service wrote this.
            box = self.query_one("#wall-counts")
            box.border_subtitle = literal(label.plain) if label.plain else None

    def _draw_all_clear(self) -> None:
        """The calm, large all-clear: only on fresh data that matches nothing."""
        last = self.feed.last
        calm = not self.stale and last is not None and last.total == 0 and not last.cached
        self.all_clear.set_class(calm, "shown")
        self.table.set_class(calm, "hidden")
        if calm:
            assert last is not None
            _put(self.all_clear, Text(f"No open alerts · as of {clock_time(last.at)}"))

    def _emphasis(self, alert: Alert) -> Style | None:
        """P1 and P2 rows stand out across the whole row; a new urgent one more so."""
        if alert.id in self.attention.highlighted:
            return self.palette[alert.priority.lower() if alert.priority else "p1"] + Style(
                reverse=True, bold=True
            )
        if alert.priority in ("P1", "P2"):
            return self.palette[alert.priority.lower()] + Style(bold=True)
        return None

    # ------------------------------------------------------------------ attention

    def _call_attention(self, alerts: list[Alert]) -> None:
        if self.muted:
            return
        self.app.bell()
        for alert in alerts:
            sequence = desktop_notification(
                f"{alert.priority} #{alert.tiny_id or alert.id}", alert.message, self.form
            )
            self.sent = [*self.sent[-49:], sequence]
            driver = self.app._driver
            if driver is not None and not self.app.is_headless:
                driver.write(sequence)

    def action_mute(self) -> None:
        self.muted = not self.muted
        self.draw_status()


def _put(widget: Static, content: Text, *, layout: bool = False) -> None:
    """Show ``content`` if it differs from what is shown: a wall redraws nothing at rest. The
    wall's texts sit in boxes of fixed size, so a new text needs no layout pass (the whole
    screen's), except the banner, whose height follows its text."""
    if widget.content != content:
        widget.update(content, layout=layout)


def _set_digits(digits: Digits, value: str) -> None:
    if digits.value != value:
        digits.update(value)


def _trend_path(site: str, query: str) -> Path:
    return paths.keyed_file(paths.cache_dir() / "trends", site, query)
