"""The alert view: a live table of one JSM query, a detail pane, and every action on a key.

The screen owns its view: the widgets, the feed that fills the table (and its refresh
cycle), the notes-and-activity cache that fills the detail pane, and the flow that turns
a key into an operation. What every screen shares (settings, client, tracker, theme,
notifications) stays on the app.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer

from console.actions import OPS, ActionEvent, AnyTracker, State, TrackerEvent
from console.actions.model import toast_for
from console.api import errors
from console.api.client import LIST_WINDOW
from console.api.models import Alert, alert_key
from console.directory import Directory, SiteNames, Unresolved
from console.live.feed import SORT_FIELDS, Freshness, Update, Verdict, View, ViewRejected
from console.live.sites import Site, SitesFeed
from console.settings.links import alert_link, open_in_browser
from console.settings.start import Settings
from console.tui import keys
from console.tui.bars import PageBar, SiteState, StatusBar
from console.tui.cells import label
from console.tui.detail import DetailPane
from console.tui.kinds import Sources
from console.tui.live import LiveCycle, LiveScreen, simple_turn
from console.tui.palette import Palette
from console.tui.query_bar import QueryBar
from console.tui.switcher import ViewSwitcher
from console.tui.table import AlertTable
from console.tui.textual_compat import hide_bindings

if TYPE_CHECKING:
    from console.tui.flow import OpFlow

HEARTBEATS_AFTER_S = 3.0  # the heartbeats' first read, after the first page


class TrackerNews(Message):
    """An event of the action tracker, delivered on the screen's message queue."""

    def __init__(self, event: TrackerEvent) -> None:
        super().__init__()
        self.event = event


class AlertScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings()
    # The table has the focus from the first frame (Textual would give it to the query bar,
    # and moving it after would restyle both and build the footer twice).
    AUTO_FOCUS = "#alerts"

    def __init__(self, settings: Settings, sources: Sources) -> None:
        super().__init__(settings, sources)
        self._tracker = sources.tracker
        self._directory = sources.directory
        self._directories = sources.directories  # several sites: each its own
        assert sources.history is not None, "the alert view shows each alert's history"
        self.history = sources.history
        self._oncall = sources.oncall
        self._heartbeats = sources.heartbeats
        # The heartbeats, read at the alerts' pace, for the header's count of silent ones.
        self._heartbeat_cycle = (
            None
            if sources.heartbeats is None
            else LiveCycle(
                self,
                sources.heartbeats,
                simple_turn(sources.heartbeats, lambda _data: self.draw_status()),
                said=self.draw_status,
                group="heartbeats",
                where="reading the heartbeats",
            )
        )
        self._failing_sites: set[str] = set()  # several sites: those said to be failing
        self._rows_painted = False  # the detail waits for the first rows to be on screen
        self.status_bar = StatusBar(id="status-bar")
        self.query_bar = QueryBar(settings.query, id="query-bar")
        self.table = AlertTable(clock=settings.clock, id="alerts")
        self.detail = DetailPane(id="detail")
        self.page_bar = PageBar(id="page-bar")
        if settings.several:
            self.table.set_sites({i.name: (i.color, i.read_only) for i in settings.sites})
        self.table.names = self.detail.names = (
            SiteNames(self._directories) if self._directories else self._directory
        )
        self.views = ViewSwitcher(self, sources.count)
        if self._tracker.read_only:
            # Read-only: the footer offers no write (the keys still say why they do nothing).
            hide_bindings(self, lambda action: action.startswith("op("))

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """As Textual has them, with a key rebound by ``[keys]`` in its own place (the footer
        and help read this)."""
        return keys.in_order(super().active_bindings)

    @cached_property
    def flow(self) -> OpFlow:
        """Dialogs and forms, loaded at the first action rather than before the first page."""
        from console.tui.flow import OpFlow

        return OpFlow(self)

    @property
    def tracker(self) -> AnyTracker:
        return self._tracker

    @property
    def directory(self) -> Directory | None:
        """Names for ids (console.directory), shared with the app; None: ids stay ids. With
        several sites, the first site's (see :meth:`directory_for`)."""
        return self._directory

    def directory_for(self, site: str) -> Directory | None:
        """The directory of ``site``'s names (with one site: the one)."""
        return self._directories.get(site, self._directory)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield self.status_bar
        if self.views.tabs is not None:
            yield self.views.tabs
        yield self.query_bar
        yield self.table
        yield self.detail
        yield self.page_bar
        yield Footer()

    def on_mount(self) -> None:
        self._unsubscribe = self.tracker.subscribe(self._hear)
        books = list(self._directories.values()) or (
            [self._directory] if self._directory is not None else []
        )
        stops = [book.subscribe(lambda: self.call_later(self._names_learned)) for book in books]

        def forget_names() -> None:
            for stop in stops:
                stop()

        self._forget_names = forget_names
        self.start()
        self.views.start()
        if self._heartbeat_cycle is not None:
            # After the first page: the alerts come first.
            self.set_timer(HEARTBEATS_AFTER_S, self._heartbeat_cycle.start)

    def _hear(self, event: TrackerEvent) -> None:
        self.post_message(TrackerNews(event))

    def on_unmount(self) -> None:
        self._unsubscribe()
        self._forget_names()
        self.stop()

    def _names_learned(self) -> None:
        """The directory learned names: rows and the detail show them (only changed cells)."""
        self.table.redraw_rows(self.table.order)
        self.detail.redraw_fields()

    def repaint(self) -> None:
        """Draw everything in the colours of the theme in force now."""
        palette = Palette.of(self.app.theme_variables)
        for bar in (self.status_bar, self.page_bar):
            bar.palette = palette
        self.table.set_palette(palette)
        self.detail.redraw(palette)
        self._fit()
        self.draw_status()
        self.draw_page()

    # ------------------------------------------------------------------ the live cycle

    def show_view(self, view: View) -> None:
        super().show_view(view)
        self.views.followed(self.feed.view)
        self.draw_page()

    def rejected(self, rejected: ViewRejected) -> None:
        self.query_bar.show_server_error(_what(rejected.rejected, rejected.restored), rejected)
        self.query_bar.applied = rejected.restored.query
        self.views.followed(rejected.restored)
        self.draw_page()

    def apply(self, update: Update) -> None:
        self.table.show_update(update)
        self.draw_page()
        self._show_detail()

    def tick(self) -> None:
        self.table.tick()

    # ------------------------------------------------------------------ drawing

    def draw_status(self) -> None:
        sites: list[SiteState] = []
        who = f"{self.settings.user} @ {self.settings.site}"
        if isinstance(self.feed, SitesFeed):
            verdicts = self.feed.verdicts()
            sites = [SiteState(s.name, s.color, f, s.read_only) for s, _v, f in verdicts]
            self.table.set_stale(self.feed.stale_sites())
            self._say_site_changes(verdicts)
            who = f"{len(sites)} sites"
        self.status_bar.draw(
            demo=self.settings.demo,
            read_only=self.tracker.read_only,
            paused=self.paused,
            interval_s=self.feed.interval_s,
            freshness=self.feed.freshness,
            now=time.monotonic(),
            rate_wait_s=self.feed.rate_wait_s,
            who=who,
            profile=self.settings.profile,
            profile_color=self.settings.profile_color,
            cached_at=self.cached_at,
            silent=len(self._heartbeats.silent) if self._heartbeats is not None else 0,
            sites=sites,
        )

    def _say_site_changes(self, verdicts: list[tuple[Site, Verdict, Freshness]]) -> None:
        """A site that stops answering says so once, in full, with what becomes of its rows;
        and again once it answers."""
        for site, verdict, _fresh in verdicts:
            failing = verdict.condition == "failing"
            if failing and site.name not in self._failing_sites:
                self._failing_sites.add(site.name)
                self.notify(
                    f"{site.name}: {verdict.words()}. Its rows are its last good ones, marked "
                    "⚠; the other sites carry on.",
                    title="A site is not answering",
                    severity="warning",
                    timeout=10,
                )
            elif verdict.live and site.name in self._failing_sites:
                self._failing_sites.discard(site.name)
                self.notify(f"{site.name} answers again.", timeout=4)

    def draw_page(self) -> None:
        self.page_bar.draw(
            last=self.feed.last,
            view=self.feed.view,
            marked=len(self.table.marks),
            marked_away=len(self.table.marks_off_page),
            pending=len(self.tracker.pending),
            refused=self.feed.rejected if isinstance(self.feed, SitesFeed) else None,
        )

    def _show_detail(self) -> None:
        if self.has_class("compact"):
            return
        if not self._rows_painted:
            # The first rows are painted first; the detail (a grid that takes a layout pass
            # of its own) follows a frame later.
            self.call_after_refresh(self._after_first_paint)
            return
        alert = self.table.selected
        if self.detail.show(alert, None if alert is None else self.history.cached(alert)):
            assert alert is not None
            if self.history.cached(alert) is None:
                # After this frame is painted: the rows come first, the history a moment later.
                self.call_after_refresh(self._load_history, alert, self.detail)

    def _after_first_paint(self) -> None:
        if not self._rows_painted:
            self._rows_painted = True
            self._show_detail()

    @work(exclusive=True, group="history", exit_on_error=True)
    async def _load_history(self, alert: Alert, pane: DetailPane) -> None:
        # exit_on_error: an unexpected exception goes to the app's handler, which reports it
        # and carries on; the service's own errors are shown in the pane.
        try:
            history = await self.history.load(alert)
        except errors.ApiError as error:
            pane.show_history(alert.key, str(error))
            return
        pane.show_history(alert.key, history)

    # ------------------------------------------------------------------ events from widgets

    @on(DataTable.RowHighlighted, "#alerts")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#alerts")
    def _selected(self) -> None:
        self.action_detail()

    @on(AlertTable.MarksChanged)
    def _marks_changed(self) -> None:
        self.draw_page()

    @on(QueryBar.Applied)
    def _query_applied(self, event: QueryBar.Applied) -> None:
        self.table.focus()
        self.show_view(replace(self.feed.view, query=event.query, offset=0))

    @on(QueryBar.Abandoned)
    def _query_abandoned(self) -> None:
        self.table.focus()

    # ------------------------------------------------------------------ events from the tracker

    def on_tracker_news(self, news: TrackerNews) -> None:
        event = news.event
        if isinstance(event, ActionEvent):
            row = self.table.book.heard(event)
            if row is not None:
                self.table.redraw_row(row)
            if event.state is State.SUCCEEDED:
                if event.action.alert_id:
                    self.history.invalidate(alert_key(event.site, event.action.alert_id))
                self._refresh_soon()
        toast = toast_for(event)
        if toast is not None:
            self.notify(
                toast.text, title=toast.title, severity=toast.severity, timeout=toast.timeout
            )
        self.draw_page()

    def sent(self, batch_id: str, targets: Sequence[Alert]) -> None:
        """The flow handed a batch to the tracker."""
        self.draw_page()

    def _refresh_soon(self) -> None:
        """An action took effect: show the service's truth shortly, without waiting an interval."""
        if not self.paused and not self.feed.busy:
            self._schedule(0.3)

    # ------------------------------------------------------------------ actions

    def action_op(self, name: str, only: Alert | None = None) -> None:
        """Any operation of the registry, by name (the keys' actions are ``op('name')``), on
        the marked or selected alerts, or ``only`` that one."""
        if name in OPS:
            self.flow.start(name, only)

    def action_edit_query(self) -> None:
        self.query_bar.input.focus()

    def action_refresh(self) -> None:
        if self.feed.busy:
            self.notify("A refresh is already running.", timeout=2)
            return
        self.refresh_now()

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._stop_timer()
        else:
            self.refresh_now()
        self.draw_status()

    def action_next_page(self) -> None:
        last = self.feed.last
        if last is None:
            return
        if last.listing.window_reached:
            self.notify(
                f"The service shows at most {LIST_WINDOW:,} alerts: narrow the query "
                "(for example with createdAt > …) to see older ones.",
                severity="warning",
            )
            return
        if not last.listing.has_next:
            self.notify("This is the last page.", timeout=2)
            return
        self.show_view(self.feed.page(+1))

    def action_previous_page(self) -> None:
        if self.feed.view.offset == 0:
            self.notify("This is the first page.", timeout=2)
            return
        self.show_view(self.feed.page(-1))

    def action_first_page(self) -> None:
        self.show_view(replace(self.feed.view, offset=0))

    def action_next_sort(self) -> None:
        view = self.feed.view
        index = SORT_FIELDS.index(view.sort) if view.sort in SORT_FIELDS else -1
        self.show_view(replace(view, sort=SORT_FIELDS[(index + 1) % len(SORT_FIELDS)], offset=0))

    def action_flip_order(self) -> None:
        view = self.feed.view
        self.show_view(replace(view, order="asc" if view.order == "desc" else "desc", offset=0))

    def action_toggle_mark(self) -> None:
        self.table.action_toggle_mark()

    def action_mark_page(self) -> None:
        self.table.action_mark_page()

    def action_clear_marks(self) -> None:
        self.table.clear_marks()

    def action_copy_id(self) -> None:
        alert = self.table.selected
        if alert is not None:
            self.app.copy_to_clipboard(alert.id)
            self.notify(f"Copied the id of {label(alert)}", timeout=3)

    def action_copy_json(self) -> None:
        """The alert as the service sent it: its own field names and values."""
        alert = self.table.selected
        if alert is not None:
            self.app.copy_to_clipboard(json.dumps(alert.raw, indent=2, ensure_ascii=False))
            self.notify(f"Copied {label(alert)} as JSON", timeout=3)

    def action_view(self, key: int) -> None:
        """A saved view, by its number key."""
        self.views.switch_to_key(key)

    def action_open_browser(self) -> None:
        """The alert's page on the site, in the browser; its address copied when no browser
        can be asked (a console over SSH)."""
        alert = self.table.selected
        if alert is None:
            return
        site = self.settings.site_info(alert.site)  # the alert's own site
        url = alert_link(site.alert_url, site.site_url, alert)
        if url is None:
            whose = f"The profile {site.name!r}" if self.settings.several else "This profile"
            self.notify(
                f"{whose} names no site_url, so the alert's page is unknown.",
                severity="warning",
            )
            return
        if open_in_browser(url):
            self.notify(f"Opened {label(alert)} in the browser: {url}", timeout=4)
        else:
            self.app.copy_to_clipboard(url)
            self.notify(f"No browser here; copied the address: {url}", timeout=8)

    def action_oncall(self) -> None:
        """Who is on call for the teams of the alerts in view (and the profile's); with
        several sites, on each site for its own."""
        if self._oncall is None:
            return
        from console.live.oncall import SitesOnCall
        from console.tui.panels import OnCallPanel

        last = self.feed.last
        alerts = list(last.alerts.values()) if last else []
        if isinstance(self._oncall, SitesOnCall):
            self._oncall.set_teams(
                {
                    info.name: self._teams_in_view(
                        [a for a in alerts if a.site == info.name],
                        info.teams,
                        self.directory_for(info.name),
                    )
                    for info in self.settings.sites
                }
            )
        else:
            self._oncall.set_teams(
                self._teams_in_view(alerts, self.settings.teams, self._directory)
            )
        self.app.push_screen(OnCallPanel(self, self._oncall))

    @staticmethod
    def _teams_in_view(
        alerts: list[Alert], wanted: Sequence[str], directory: Directory | None
    ) -> set[str]:
        """The team responders of these alerts, and the profile's teams (by name or id)."""
        from console.live.oncall import teams_of

        teams = teams_of(alerts)
        for each in wanted:
            if directory is not None and directory.name("team", each) is not None:
                teams.add(each)
            elif directory is not None:
                with contextlib.suppress(Unresolved):  # a name not known (yet): left out
                    teams.add(directory.resolve("team", each))
        return teams

    def action_heartbeats(self) -> None:
        """The heartbeats of the profile's teams, silent ones first."""
        if self._heartbeats is None:
            return
        from console.tui.panels import HeartbeatsPanel

        self.app.push_screen(HeartbeatsPanel(self._heartbeats, self.tracker))

    def action_detail(self) -> None:
        alert = self.table.selected
        if alert is None:
            return
        from console.tui.dialogs import DetailScreen

        pane = DetailPane(id="full-detail")
        pane.palette = self.detail.palette
        pane.names = self.detail.names
        screen = DetailScreen(f"Alert {label(alert)}{self._acting_keys()}", pane)
        history = self.history.cached(alert)
        pane.show(alert, history)

        def act(name: str | None) -> None:
            if name is not None:  # an action key: closed, and started on this alert alone
                self.action_op(name, only=alert)

        self.app.push_screen(screen, act)
        if history is None:
            self._load_history(alert, pane)

    def _acting_keys(self) -> str:
        """How to act from the full-screen detail, with the keys as bound."""
        close = "Esc, q or Enter to close"
        if self.tracker.read_only:
            return f"  ·  read-only  ·  {close}"
        bound = dict(self.settings.keymap)
        shown = [k for k in keys.KEYMAP if k.writes and k.footer and OPS[k.id].targets]
        listed = ", ".join(f"{keys.display(bound.get(k.id, k.key))} {k.label}" for k in shown)
        return f"  ·  {listed}… act on it  ·  {close}"


def _what(rejected: View, restored: View) -> str:
    """Name what the service refused: the query, or else the sort (never the query's text:
    a long query echoed back would push everything else off the screen)."""
    if rejected.query != restored.query:
        return "the query"
    return f"sorting by {rejected.sort} {rejected.order}"
