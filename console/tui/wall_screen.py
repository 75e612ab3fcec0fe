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
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from console.api.models import PRIORITIES, Alert
from console.base import paths
from console.live.feed import Update
from console.live.oncall import OnCall, SitesHeartbeats, SitesOnCall, handover_words, teams_of
from console.live.sites import SitesFeed, SitesListing
from console.live.wall import (
    Attention,
    Counts,
    Trend,
    TrendStore,
    WallListing,
    bars,
    desktop_notification,
    not_shown,
    notification_form,
)
from console.settings.start import Settings
from console.tui.bars import profile_badge, site_badges
from console.tui.cells import PRIORITY_GLYPH, clock_time, literal
from console.tui.guard import start_work
from console.tui.kinds import Sources
from console.tui.live import LiveCycle, LiveScreen, simple_turn
from console.tui.palette import PLAIN, Palette
from console.tui.table import AlertTable
from console.tui.textual_compat import write_to_terminal

if TYPE_CHECKING:
    from console.directory import Directory

COUNTERS: tuple[tuple[str, str], ...] = (
    ("silent", "♥ silent"),  # heartbeats that stopped: as loud as a P1
    *((p, f"{PRIORITY_GLYPH[p]} {p}") for p in PRIORITIES),
    ("acked", "✓ acked"),
    ("open", "Σ open"),
)
LABELS = dict(COUNTERS)
PANELS_AFTER_S = 2.0  # on-call and heartbeats are first read this long after the start
ONCALL_SHOWN = 4  # schedules named on the on-call strip (the soonest handovers)


class WallScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "mute", "Mute", id="mute"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def __init__(self, settings: Settings, sources: Sources) -> None:
        super().__init__(settings, sources)
        self.palette = PLAIN
        self.counts: Counts | None = None  # of the rows shown: same query, same refresh
        self.site_counts: dict[str, Counts] = {}  # several sites: each one's
        self._looked_at: set[str] = set()  # the queries of the views shown so far
        self.trend = Trend()
        self.shown_query: str | None = None  # the query of the rows, counts and trend shown
        self._trend_of(self.feed.view.query)
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
        self.trend_labels = {p: Static("", classes="trend-label", markup=False) for p in PRIORITIES}
        self.sparks = {p: TrendBars(id=f"trend-{p}", classes=f"trend {p}") for p in PRIORITIES}
        self.all_clear = Static("", id="all-clear", markup=False)
        self.more = Static("", id="wall-more", markup=False)
        # Who is on call, and which monitors went silent (console.live.oncall), each panel
        # with its own freshness: a panel that cannot be read never turns the alerts stale.
        self.oncall_feed = sources.oncall
        self.heartbeat_feed = sources.heartbeats
        self.silent_line = Static("", id="wall-silent", markup=False)
        # Several sites: each one's counts and freshness, one line each, under the sums.
        self.sites_line = Static("", id="wall-sites", markup=False)
        self.oncall_line = Static("", id="wall-oncall", markup=False)
        self._silent_seen: set[str] | None = None  # None: not looked yet (nothing rings)
        self._directory = sources.directory
        self._directories = sources.directories  # several sites: each its own
        # The wall's rotation through saved views, each named large while it is on.
        self.rotation = [(name, dict(settings.views)[name]) for name in settings.wall_views]
        self.view_name = Static("", id="wall-view", markup=False)
        self.view_on: str | None = None  # the rotation's view whose rows are shown
        self._asked: str | None = None  # the rotation's view asked for last
        self.table = AlertTable(clock=settings.clock, id="wall-alerts")
        self.table.emphasis = self._emphasis
        self.table.resized = self._draw_more
        self.table.can_focus = False
        self.table.show_cursor = False  # nobody selects anything on a wall
        if settings.several:  # (all read-only on a wall: no row needs to say so)
            self.table.set_sites({i.name: (i.color, False) for i in settings.sites})

    def compose(self) -> ComposeResult:
        yield self.banner
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
        yield self.sites_line
        with Horizontal(id="wall-trend"):
            for p in PRIORITIES:
                with Vertical(classes="trend-box"):
                    yield self.trend_labels[p]
                    yield self.sparks[p]
        yield self.silent_line
        yield self.oncall_line
        yield self.all_clear
        yield self.table
        yield self.more

    def on_mount(self) -> None:
        self.view_name.set_class(bool(self.rotation), "rotating")
        if self.rotation:
            self._asked = self.settings.view_name or self.rotation[0][0]
        self._name_view()
        self.start()
        if len(self.rotation) > 1:
            self.set_interval(self.settings.rotate_s, self.rotate)
        if self.heartbeat_feed is not None:
            feed = self.heartbeat_feed
            self.heartbeat_cycle = LiveCycle(
                self,
                feed,
                simple_turn(feed, lambda _data: self._heard_heartbeats()),
                said=self._said_heartbeats,
                group="heartbeats",
                where="reading the heartbeats",
            )
            self.set_timer(PANELS_AFTER_S, self.heartbeat_cycle.start)
        if self.oncall_feed is not None:
            oncall = self.oncall_feed
            self.oncall_cycle = LiveCycle(
                self,
                oncall,
                simple_turn(oncall, lambda _data: self._heard_oncall()),
                said=self.draw_panels,
                group="oncall",
                where="reading who is on call",
            )
            self.set_timer(PANELS_AFTER_S, self._start_oncall)
        books = (self._directory, *self._directories.values())
        self._forget_names = [
            book.subscribe(lambda: self.call_later(self.draw_panels))
            for book in {id(b): b for b in books if b is not None}.values()
        ]

    def rotate(self) -> None:
        """Ask for the next saved view of the wall's rotation. Its name, counts and trend
        show with its rows, when they come: until then the wall shows the view it has data
        for, under that view's name."""
        names = [name for name, _view in self.rotation]
        current = self.view_on or names[0]
        name, view = self.rotation[(names.index(current) + 1) % len(names)]
        self._asked = name
        self.show_view(
            replace(self.feed.view, query=view.query, sort=view.sort, order=view.order, offset=0)
        )

    def _shown_name(self, query: str) -> str | None:
        """The rotation's name for the rows of ``query`` (the one asked for, if it matches)."""
        for name, view in self.rotation:
            if name == self._asked and view.query == query:
                return name
        return next((name for name, view in self.rotation if view.query == query), None)

    def _name_view(self) -> None:
        """The line that says which query every title, count and all-clear belongs to."""
        query = self.shown_query if self.shown_query is not None else self.feed.view.query
        text = Text()
        if self.rotation:
            self.view_on = self._shown_name(query) or self.view_on
            name = self.view_on or ""
            text.append_text(literal(" ".join(name.upper()), "bold"))
            text.append("   ")
            text.append_text(literal(query or "(everything)", "dim"))
        else:
            label = "--query" if self.settings.rotation_skipped else "query"
            text.append(f"{label}: ", "dim")
            text.append_text(literal(query or "(everything)", "bold"))
            if self.settings.rotation_skipped:
                text.append("   (the saved views' rotation is off while --query is given)", "dim")
        _put(self.view_name, text)

    def _trend_of(self, query: str) -> None:
        self.trend = Trend()
        self.trend_store = TrendStore(_trend_path(self.feed.site, query))
        self.trend_store.load(self.trend, self.settings.clock().timestamp())

    def on_unmount(self) -> None:
        self.stop()
        for forget in getattr(self, "_forget_names", []):
            forget()

    # ------------------------------------------------------------------ the live cycle

    def apply(self, update: Update) -> None:
        query = update.view.query
        if query != self.shown_query:
            # Another query's rows: its counts and trend come with them, never before.
            self.shown_query = query
            self.counts = None
            self._trend_of(query)
            self._name_view()
        listing = update.listing
        if isinstance(listing, SitesListing):
            self.site_counts = dict(listing.counts_by_site)
        if isinstance(listing, WallListing | SitesListing) and listing.counts is not None:
            self.counts = listing.counts
            # Beside the page on disk, for the next start (rewritten only when they change).
            if isinstance(listing, SitesListing):
                self.feed.keep_extra(
                    {"counts_by_site": {n: c.kept() for n, c in listing.counts_by_site.items()}}
                )
            else:
                self.feed.keep_extra({"counts": self.counts.kept()})
            if not update.cached and self.trend.add(
                self.settings.clock().timestamp(), self.counts.unacked
            ):
                self.trend_store.save(self.trend)
        elif update.cached and self.counts is None:
            # The last run's counts, as old as the page they were kept with.
            old = self.feed.kept_extra.get("counts")
            if isinstance(old, dict):
                self.counts = Counts.from_json({**old, "at": update.at.isoformat()})
        # A view of the rotation seen for the first time rings for nothing already in it.
        first_look = query not in self._looked_at
        self._looked_at.add(query)
        new = (
            []
            if update.cached
            else self.attention.see(update.alerts.values(), first_look=first_look)
        )
        self.table.show_update(update)
        if new:
            self._call_attention(new)
        if self.oncall_feed is not None and self.oncall_feed.freshness.confirmed_at:
            self._teams_in_view()
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
            role = (
                key.lower()
                if key in PRIORITIES
                else {"acked": "acked", "silent": "p1"}.get(key, "open")
            )
            colour = palette[role].color
            digits.styles.color = Color.from_rich_color(colour) if colour else None
            self.labels[key].update(Text(LABELS[key], style=palette[role]))
        for p, spark in self.sparks.items():
            colour = palette[p.lower()].color
            spark.styles.color = Color.from_rich_color(colour) if colour else None
        self._fit()
        self.draw_counts()
        self.draw_status()

    @property
    def stale(self) -> bool:
        """Past twice the interval, a failed refresh, or only the last run's data. (A failed
        attempt that is being retried is not stale yet: its reason shows as soon as the data
        is, and that is within two intervals of the first failure.)"""
        verdict = self.feed.freshness.verdict(self.feed.interval_s)
        return (
            verdict.condition in ("failing", "overdue")
            or self.feed.freshness.stale(self.feed.interval_s)
            or self.cached_at is not None
            or self.feed.last is None
        )

    def draw_status(self) -> None:
        if isinstance(self.feed, SitesFeed):
            self.table.set_stale(self.feed.stale_sites())
        fresh, now = self.feed.freshness, time.monotonic()
        stale = self.stale
        self.set_class(stale, "stale")
        settings = self.settings
        if settings.several:
            site = site_badges("", None, demo=settings.demo, palette=self.palette)
            for info in settings.sites:
                site.append_text(profile_badge(info.name, info.color))
                site.append(" ")
        else:
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
        verdict = fresh.verdict(self.feed.interval_s, now)
        if fresh.error is not None:
            # The reason of the last failed attempt, whether or not its refresh has ended:
            # a rotation that cancels refreshes never hides why the data is old.
            reason = verdict.words()
            since = fresh.failing_since
            head = f"⚠ STALE since {clock_time(since)}: " if since else "⚠ STALE: "
        elif self.cached_at is not None or self.feed.last is None:
            head, reason = "⚠ NOT CONFIRMED: ", "waiting for the service's first answer"
        else:
            head, reason = (
                "⚠ STALE: ",
                verdict.reason or f"no new data for {fresh.age(now) or 0:.0f} s",
            )
        shown = fresh.confirmed_at or self.cached_at
        tail = f" · showing data as of {clock_time(shown)}" if shown else " · no data yet"
        return literal(head + reason + tail, "bold")  # on the banner's own $error background

    def draw_counts(self) -> None:
        counts = self.counts
        values: dict[str, str] = {key: "–" for key, _label in COUNTERS}
        beats = self.heartbeat_feed
        # A count of silent monitors the wall can vouch for: none is "–" while the reads fail
        # (the silent line says why); the silences it knows stay counted, loud.
        vouched = beats is not None and (beats.silent or not beats.doubtful)
        if beats is not None and beats.freshness.confirmed_at is not None and vouched:
            values["silent"] = str(len(beats.silent))
        if counts is not None:
            values.update({p: str(counts.unacked[p]) for p in PRIORITIES})
            values["acked"] = str(counts.acked)
            values["open"] = str(counts.open_total)
        for key, digits in self.digits.items():
            _set_digits(digits, values[key])
        self._draw_sites()
        for p in PRIORITIES:
            series = self.trend.series(p)
            # From zero to the band's own highest point, printed: a small change looks small.
            # One point draws nothing: the trend shows from the second point on.
            top = max(series, default=0)
            shown = len(series) >= 2
            label = f"{PRIORITY_GLYPH[p]} {p} · 12 h" + (f" · 0–{top}" if shown else "")
            _put(self.trend_labels[p], Text(label))
            self.sparks[p].show(series if shown else [], top)
        self._draw_all_clear()
        self._draw_more()

    def _draw_sites(self) -> None:
        """Several sites: each one's counts under the sums, and whether they are fresh (the
        sums and the all-clear vouch only when every site is)."""
        if not isinstance(self.feed, SitesFeed):
            return
        text = Text()
        for site, verdict, _fresh in self.feed.verdicts():
            if text.plain:
                text.append("\n")
            text.append_text(profile_badge(site.name, site.color))
            counts = self.site_counts.get(site.name)
            if counts is None:
                text.append("  –", style=self.palette["muted"])
            else:
                for p in PRIORITIES:
                    text.append(f"  {p} ", style=self.palette[p.lower()])
                    text.append(str(counts.unacked[p]), style="bold")
                text.append(f"  acked {counts.acked}", style=self.palette["acked"])
            if not verdict.live:
                trouble = literal(f"  ⚠ {verdict.words() or 'not confirmed'}")
                trouble.stylize(self.palette["problem" if verdict.trouble else "stale"])
                text.append_text(trouble)
        self.sites_line.set_class(True, "shown")
        _put(self.sites_line, text, layout=True)

    def _draw_more(self) -> None:
        """What the counts say is open beyond the rows that fit: "+4 more P1 · +12 P2 below"."""
        counts, last = self.counts, self.feed.last
        text = Text()
        if counts is not None and last is not None and "hidden" not in self.table.classes:
            fits = max(0, self.table.size.height - 1)  # the header row takes one line
            shown = [last.alerts[i] for i in last.order[:fits] if i in last.alerts]
            missing = not_shown(counts, shown)
            if missing:
                parts = [
                    f"+{n} {'more ' if i == 0 else ''}{'acked' if k == 'acked' else k}"
                    for i, (k, n) in enumerate(missing.items())
                ]
                text = Text(" · ".join(parts) + " below", style=self.palette["stale"])
        self.more.set_class(bool(text.plain), "shown")
        _put(self.more, text)

    def on_resize(self) -> None:
        super().on_resize()
        self.call_after_refresh(self._draw_more)

    def _draw_all_clear(self) -> None:
        """The calm, large all-clear: only on fresh data that matches nothing, naming the
        view or query it is about."""
        last = self.feed.last
        beats = self.heartbeat_feed
        calm = (
            not self.stale
            and last is not None
            and last.total == 0
            and not last.cached
            and last.view.query == self.shown_query
            and not (beats is not None and beats.silent)  # a silent monitor is no all-clear
        )
        self.all_clear.set_class(calm, "shown")
        self.table.set_class(calm, "hidden")
        if calm:
            assert last is not None
            if self.rotation and self.view_on:
                about = f" in {self.view_on}"
            else:
                about = f" match {last.view.query}" if last.view.query else ""
            _put(self.all_clear, literal(f"No open alerts{about} · as of {clock_time(last.at)}"))

    def _emphasis(self, alert: Alert) -> Style | None:
        """P1 and P2 rows stand out across the whole row; a new urgent one more so."""
        if alert.key in self.attention.highlighted:
            return self.palette[alert.priority.lower() if alert.priority else "p1"] + Style(
                reverse=True, bold=True
            )
        if alert.priority in ("P1", "P2"):
            return self.palette[alert.priority.lower()] + Style(bold=True)
        return None

    # ------------------------------------------------------------------ attention

    # ------------------------------------------------------------------ on-call, heartbeats

    def _start_oncall(self) -> None:
        self._teams_in_view()
        self.oncall_cycle.start()

    def _teams_in_view(self) -> None:
        """The on-call strip's teams: the alerts' team responders, and the profile's; with
        several sites, each site's own."""
        oncall = self.oncall_feed
        if oncall is None:
            return
        last = self.feed.last
        alerts = list(last.alerts.values()) if last else []

        def teams(site: str | None, wanted: Sequence[str]) -> set[str]:
            return teams_of(a for a in alerts if site is None or a.site == site) | set(wanted)

        if isinstance(oncall, SitesOnCall):
            due = oncall.set_teams({i.name: teams(i.name, i.teams) for i in self.settings.sites})
        else:
            due = oncall.set_teams(teams(None, self.settings.teams))
        if due and oncall.freshness.confirmed_at:
            self.oncall_cycle.refresh_now()

    def _heard_oncall(self) -> None:
        self.draw_panels()  # asks the directories for the names they lack (name() remembers)
        books = dict(self._directories)
        if not books and self._directory is not None:
            books[""] = self._directory
        for site, directory in books.items():
            start_work(self, directory.tick, group=f"names-{site}", exclusive=True)

    def _heard_heartbeats(self) -> None:
        """New silences ring and notify, once each (never those already silent at the first
        look), as a new P1 does; m mutes."""
        feed = self.heartbeat_feed
        assert feed is not None
        silent = {f"{t}/{h.name}" for t, h in feed.silent}
        seen, self._silent_seen = self._silent_seen, silent
        if seen is not None and silent - seen and not self.muted:
            self.app.bell()
            for team_id, beat in feed.silent:
                if f"{team_id}/{beat.name}" in silent - seen:
                    team = feed.team_names.get(team_id, team_id)
                    sequence = desktop_notification(
                        "Heartbeat silent", f"{beat.name} ({team}) stopped reporting", self.form
                    )
                    self.sent = [*self.sent[-49:], sequence]
                    write_to_terminal(self.app, sequence)

    def _said_heartbeats(self) -> None:
        """After each read of the heartbeats, answered or failed: the silent line, and the
        count, which is a claim only while the reads succeed."""
        self.draw_panels()
        self.draw_counts()

    def draw_panels(self) -> None:
        p = self.palette
        silent_text, oncall_text = Text(), Text()
        beats = self.heartbeat_feed
        if beats is not None:
            silent = beats.silent
            reason = beats.verdict_reason()
            if silent:
                names = ", ".join(f"{h.name} ({beats.team_names.get(t, t)})" for t, h in silent[:6])
                more = f" and {len(silent) - 6} more" if len(silent) > 6 else ""
                silent_text = literal(f" ◆ SILENT: {names}{more} ")
                silent_text.stylize(p["p1"] + Style(bold=True, reverse=True))
            if reason is not None and (silent or beats.unavailable or beats.doubtful):
                said = literal(f"  heartbeats: {reason}")
                said.stylize(p["stale"])
                silent_text.append_text(said)
        oncall = self.oncall_feed
        if oncall is not None and oncall.on_call:
            oncall_text.append("ON CALL  ", style="bold")
            now = oncall.clock()
            parts = []
            # The soonest handovers first; as many as fit in two lines, the rest counted.
            entries = sorted(
                oncall.on_call.values(), key=lambda o: (o.handover is None, o.handover)
            )
            for entry in entries[:ONCALL_SHOWN]:
                who = self._person(entry.site, entry.now[0]) if entry.now else "nobody"
                nxt = self._person(entry.site, entry.next[0]) if entry.next else ""
                handover = f" (→ {nxt} {handover_words(entry.handover, now)})" if nxt else ""
                parts.append(f"{self._team(entry)}: {who}{handover}")
            if len(entries) > ONCALL_SHOWN:
                parts.append(f"+{len(entries) - ONCALL_SHOWN} more schedules")
            oncall_text.append_text(literal("  ·  ".join(parts), "bold"))
            reason = oncall.verdict_reason()
            if reason is not None:
                said = literal(f"  (on-call: {reason})")
                said.stylize(p["stale"])
                oncall_text.append_text(said)
        elif oncall is not None and oncall.unavailable is not None:
            oncall_text = literal(f"on-call: {oncall.unavailable}")
            oncall_text.stylize(p["stale"])
        shown = (self.silent_line.has_class("shown"), self.oncall_line.has_class("shown"))
        self.silent_line.set_class(bool(silent_text.plain), "shown")
        self.oncall_line.set_class(bool(oncall_text.plain), "shown")
        _put(self.silent_line, silent_text, layout=True)
        _put(self.oncall_line, oncall_text, layout=True)
        self._draw_all_clear()
        if shown != (bool(silent_text.plain), bool(oncall_text.plain)):
            self.call_after_refresh(self._draw_more)  # fewer rows fit, or more

    def _directory_for(self, site: str) -> Directory | None:
        return self._directories.get(site, self._directory) if site else self._directory

    def _team(self, entry: OnCall) -> str:
        directory = self._directory_for(entry.site)
        named = directory.name("team", entry.team_id) if directory else None
        beats = self.heartbeat_feed
        if isinstance(beats, SitesHeartbeats):
            beats = beats.sites.get(entry.site)
        team = named or (beats.team_names.get(entry.team_id) if beats else None) or entry.team_id
        return f"{entry.site} · {team}" if entry.site else team

    def _person(self, site: str, account_id: str) -> str:
        directory = self._directory_for(site)
        named = directory.name("user", account_id) if directory else None
        return named or account_id[:8]

    def _call_attention(self, alerts: list[Alert]) -> None:
        if self.muted:
            return
        self.app.bell()
        for alert in alerts:
            sequence = desktop_notification(
                f"{alert.priority} #{alert.tiny_id or alert.id}", alert.message, self.form
            )
            self.sent = [*self.sent[-49:], sequence]
            write_to_terminal(self.app, sequence)

    def action_mute(self) -> None:
        self.muted = not self.muted
        self.draw_status()


class TrendBars(Static):
    """One priority's trend: bars from zero up to the band's highest point (see wall.bars),
    as wide as the box, the newest point at the right."""

    def __init__(self, *, id: str, classes: str) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.series: list[int] = []
        self.top = 0

    def show(self, series: list[int], top: int) -> None:
        if (series, top) != (self.series, self.top):
            self.series, self.top = list(series), top
            self.refresh()

    def render(self) -> Text:
        return Text(bars(self.series, self.size.width, self.top))


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
