"""The alert console: a live table of one JSM query, a detail pane, and every action on a key.

The app composes the widgets and wires three things below it: the feed (what
the table shows, and how fresh it is), the action tracker (every write and its
outcome) and the keymap. It never builds an HTTP request itself.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Static

from console.actions import ActionEvent, ActionTracker, BatchFinished, State, TrackerEvent
from console.api import errors
from console.api.client import LIST_WINDOW, JsmClient
from console.crash import CrashReporter
from console.feed import DEFAULT_QUERY, SORT_FIELDS, AlertFeed, Update, View, ViewRejected
from console.sanitize import clean
from console.tui import keys
from console.tui.cells import clock, literal
from console.tui.detail import DetailPane
from console.tui.dialogs import ConfirmDialog
from console.tui.guard import Guarded
from console.tui.operations import Operations
from console.tui.query_bar import QueryBar
from console.tui.table import AlertTable

log = logging.getLogger(__name__)


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


# How each step of an action is told: title suffix, severity, seconds on screen.
TOASTS: dict[State, tuple[str, SeverityLevel, float]] = {
    State.SENT: ("", "information", 4),
    State.SUCCEEDED: ("", "information", 5),
    State.FAILED: (" failed", "error", 10),
    State.UNKNOWN: (": outcome unknown", "warning", 10),
}


class TrackerNews(Message):
    """An event of the action tracker, delivered on the app's message queue."""

    def __init__(self, event: TrackerEvent) -> None:
        super().__init__()
        self.event = event


class AlertConsole(Guarded, Operations, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "alert-console"
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings()
    guard_armed = False  # bugs are reported, not fatal, once the console is up

    def __init__(self, client: JsmClient, tracker: ActionTracker, settings: Settings) -> None:
        super().__init__()
        if settings.theme:
            self.theme = settings.theme
        self.client = client
        self.tracker = tracker
        self.settings = settings
        self.feed = AlertFeed(
            client,
            View(query=settings.query, size=settings.page_size),
            interval_s=settings.refresh_s,
        )
        self.paused = False
        self._timer: Timer | None = None
        self._unsubscribe = tracker.subscribe(self._hear)
        self._batches: dict[str, list[str]] = {}  # batch id -> alert ids it touches
        self._held_told: set[str] = set()  # batches whose rate-limit hold was told
        self.crashes = CrashReporter(secrets=client.secret_forms)
        self._tick_failures = 0
        self._tick_resumes_at = 0.0

    def _hear(self, event: TrackerEvent) -> None:
        self.post_message(TrackerNews(event))

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        self.status_bar = Static("", id="status-bar", markup=False)
        self.query_bar = QueryBar(self.settings.query, id="query-bar")
        self.table = AlertTable(id="alerts")
        self.detail = DetailPane(self.client, id="detail")
        self.page_bar = Static("", id="page-bar", markup=False)
        yield self.status_bar
        yield self.query_bar
        yield self.table
        yield self.detail
        yield self.page_bar
        yield Footer()

    def on_mount(self) -> None:
        # Everything built so far lives as long as the console: keep it out of the cyclic
        # collector's scans, which would otherwise walk it again on every collection.
        gc.freeze()
        self.table.focus()
        self._fit(self.size.width, self.size.height)
        self._draw_status()
        self._draw_page()
        self.set_interval(1.0, self._tick)
        self.refresh_now()
        self.tracker.resume()
        self.guard_armed = True

    # ------------------------------------------------------------------ bugs and toasts

    def report_bug(self, where: str, error: Exception) -> None:
        """A bug of ours: crash file and debug log always, a toast the first time (and again
        only after a quiet period). The console carries on."""
        report = self.crashes.report(where, error)
        if report is None:
            return
        saved = f" Details: {report.path}." if report.path else ""
        self.notify(
            f"{report.summary} (in {report.where}).{saved} The console carries on.",
            title="alert-console bug",
            severity="error",
            timeout=15,
        )

    def _handle_exception(self, error: Exception) -> None:
        # Textual's last resort (timers, callbacks, workers): fatal only before we are up.
        if self.guard_armed and not self._exit and isinstance(error, Exception):
            self.report_bug("a callback", error)
            return
        super()._handle_exception(error)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the console: its text through the sanitiser, never read as markup."""
        super().notify(
            clean(message, multiline=True),
            title=clean(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_resize(self) -> None:
        self._fit(self.size.width, self.size.height)

    def _fit(self, width: int, height: int) -> None:
        # Below 34 lines or 100 columns the detail pane folds away (Enter shows it full screen).
        self.screen.set_class(height < 34 or width < 100, "compact")

    async def on_unmount(self) -> None:
        self._unsubscribe()

    # ------------------------------------------------------------------ refresh cycle

    def refresh_now(self) -> None:
        """Refresh at once (unless one is running), then carry on at the interval."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.feed.busy:
            return
        self._refresh()

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._due)

    def _due(self) -> None:
        self._timer = None
        if self.paused:
            return
        if self._dialog_open():
            # A dialog is open: the table holds still; look again in a second.
            self._schedule(1.0)
            return
        self._refresh()

    def _dialog_open(self) -> bool:
        return any(isinstance(screen, ModalScreen) for screen in self.screen_stack)

    @work(group="refresh", exit_on_error=False)
    async def _refresh(self) -> None:
        try:
            update = await self.feed.refresh()
        except ViewRejected as rejected:
            self.query_bar.show_server_error(
                _what(rejected.rejected, rejected.restored), rejected.error.message
            )
            self.query_bar.applied = rejected.restored.query
            self._draw_page()
            self._schedule(0.0 if self.feed.last is None else self.feed.next_delay())
            return
        except errors.InputError as error:
            self.notify(str(error), title="Cannot refresh", severity="error", markup=False)
            update = None
        except errors.ApiError as error:
            log.info("refresh failed: %s", error)
            update = None
        except Exception as error:  # a bug: never let it kill the console, never hide it
            self.report_bug("the refresh", error)
            self.feed.record_bug(error)
            update = None
        if update is not None:
            try:
                self._apply(update)
            except Exception as error:
                self.report_bug("drawing a refresh", error)
                self.feed.record_bug(error)
        self._draw_status()
        if not self.paused:
            self._schedule(self.feed.next_delay())

    def _apply(self, update: Update) -> None:
        self.table.show(
            update.alerts,
            update.order,
            added=update.added,
            changed=update.changed,
            fresh_view=update.fresh_view,
        )
        self._draw_page()
        self._show_detail()

    # ------------------------------------------------------------------ drawing

    def _tick(self) -> None:
        now = time.monotonic()
        if now < self._tick_resumes_at:
            return  # a bug here: backed off, not repeated every second
        try:
            self._draw_status()
            self.table.tick()
        except Exception as error:
            self._tick_failures += 1
            self._tick_resumes_at = now + min(300.0, 2.0**self._tick_failures)
            self.report_bug("the clock tick", error)
        else:
            self._tick_failures = 0

    def _draw_status(self) -> None:
        now = time.monotonic()
        fresh = self.feed.freshness
        text = Text()
        text.append(" alert-console ", style="bold reverse")
        if self.settings.demo:
            text.append(" DEMO ", style="bold black on #ffaf00")
        if self.tracker.read_only:
            text.append(" READ-ONLY ", style="bold black on #87d7ff")
        text.append("  ")
        if self.paused:
            text.append("⏸ paused", style="bold #ffaf00")
        else:
            text.append(f"● every {self.feed.interval_s:g} s", style="#87d787")
        text.append("  ")
        age = fresh.age(now)
        if fresh.confirmed_at is None:
            text.append(
                "waiting for the first answer…" if fresh.error is None else "no data yet",
                style="italic",
            )
        else:
            stale = fresh.stale(self.feed.interval_s, now)
            text.append(
                f"updated {clock(fresh.confirmed_at)} ({_ago(age)} ago)",
                style="bold #ff8700" if stale else "",
            )
        if fresh.error is not None:
            retry = (
                ""
                if fresh.retry_at is None
                else f"; retrying in {max(0, fresh.retry_at - now):.0f} s"
            )
            text.append("  ")
            text.append_text(literal(f"⚠ {_problem(fresh.error)}{retry}", "bold #ff5f5f"))
        wait = self.client.gate.remaining
        if wait > 0:
            text.append(f"  rate limited: waiting {wait:.0f} s", style="bold #ffaf00")
        text.append("   ")
        text.append_text(literal(f"{self.settings.user} @ {self.settings.site}", "dim"))
        _set_line(self.status_bar, text)

    def _draw_page(self) -> None:
        last = self.feed.last
        view = self.feed.view
        text = Text(" ")
        if last is None:
            text.append("loading…", style="italic")
        elif not last.order:
            text.append(f"No alerts match · as of {clock(last.at)}", style="bold")
        else:
            first = last.view.offset + 1
            final = last.view.offset + len(last.order)
            text.append(f"{first:,}–{final:,} of {last.total:,}", style="bold")
            if last.listing.unreadable:
                n = last.listing.unreadable
                text.append(
                    f"  · {n} alert{'s' if n != 1 else ''} unreadable (no id): not shown",
                    style="#ffaf00",
                )
            if last.listing.window_reached:
                text.append(
                    f"  · the service shows at most {LIST_WINDOW:,}: narrow the query",
                    style="#ffaf00",
                )
        arrow = "↓" if view.order == "desc" else "↑"
        text.append(f"   sort {view.sort} {arrow}", style="dim")
        if self.table.marks:
            away = len(self.table.marks_off_page)
            text.append(
                f"   {len(self.table.marks)} marked" + (f" ({away} off this page)" if away else ""),
                style="bold #ff87d7",
            )
        pending = len(self.tracker.pending)
        if pending:
            text.append(
                f"   {pending} action{'s' if pending != 1 else ''} pending", style="#ffaf00"
            )
        text.append("   ")
        text.append_text(literal(f"query: {view.query or '(everything)'}", "dim"))
        _set_line(self.page_bar, text)

    def _show_detail(self) -> None:
        if not self.screen.has_class("compact") or self._dialog_open():
            self.detail.show(self.table.selected)

    # ------------------------------------------------------------------ events from widgets

    @on(DataTable.RowHighlighted, "#alerts")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#alerts")
    def _selected(self) -> None:
        self.action_detail()

    @on(AlertTable.MarksChanged)
    def _marks_changed(self) -> None:
        self._draw_page()

    @on(QueryBar.Applied)
    def _query_applied(self, event: QueryBar.Applied) -> None:
        self.feed.set_view(replace(self.feed.view, query=event.query, offset=0))
        self.table.focus()
        self.refresh_now()

    @on(QueryBar.Abandoned)
    def _query_abandoned(self) -> None:
        self.table.focus()

    # ------------------------------------------------------------------ events from the tracker

    def on_tracker_news(self, news: TrackerNews) -> None:
        event = news.event
        if isinstance(event, BatchFinished):
            self._batch_finished(event)
        else:
            self._action_moved(event)
        self._draw_page()

    def _action_moved(self, event: ActionEvent) -> None:
        action = event.action
        alert_id = action.alert_id
        if alert_id:
            if event.state is State.SUCCEEDED:
                self.table.set_outcome(alert_id, True)
                self.table.settle_expectation(alert_id)
                self.detail.invalidate(alert_id)
            elif event.state is State.FAILED:
                self.table.set_outcome(alert_id, False)
                self.table.forget_expectation(alert_id)
            elif event.state is State.UNKNOWN:
                self.table.set_badge(alert_id, "? unknown")
        if event.state is State.SUCCEEDED:
            self._refresh_soon()
        if event.held_s is not None:
            # Held back by the service's rate limit: said once per batch.
            if action.batch_id not in self._held_told:
                self._held_told.add(action.batch_id)
                self.notify(
                    event.text, title=f"{action.title} held", severity="warning", timeout=10
                )
            return
        # One toast per step of a single action; a bulk action speaks once, when it ends.
        toast = TOASTS.get(event.state)
        if toast is not None and len(self._batches.get(action.batch_id, [])) <= 1:
            suffix, severity, timeout = toast
            self.notify(
                event.text,
                title=action.title + suffix,
                severity=severity,
                markup=False,
                timeout=timeout,
            )

    def _batch_finished(self, event: BatchFinished) -> None:
        if len(self._batches.get(event.batch_id, [])) <= 1:
            return
        failed = event.counts.get(State.FAILED, 0) or event.counts.get(State.UNKNOWN, 0)
        self.notify(
            event.summary,
            title="Bulk action finished",
            markup=False,
            severity="warning" if failed else "information",
            timeout=10,
        )

    def _refresh_soon(self) -> None:
        """An action took effect: show the service's truth shortly, without waiting an interval."""
        if not self.paused and not self.feed.busy:
            self._schedule(0.3)

    # ------------------------------------------------------------------ view actions

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
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
        else:
            self.refresh_now()
        self._draw_status()

    def _go(self, view: View) -> None:
        if view == self.feed.view:
            return
        self.feed.set_view(view)
        self.refresh_now()
        self._draw_page()

    def action_next_page(self) -> None:
        last = self.feed.last
        if last is None:
            return
        if last.listing.window_reached:
            self.notify(
                f"The service shows at most {LIST_WINDOW:,} alerts: narrow the query "
                "(for example with createdAt > …) to see older ones.",
                severity="warning",
                markup=False,
            )
            return
        if not last.listing.has_next:
            self.notify("This is the last page.", timeout=2)
            return
        self._go(self.feed.page(+1))

    def action_previous_page(self) -> None:
        if self.feed.view.offset == 0:
            self.notify("This is the first page.", timeout=2)
            return
        self._go(self.feed.page(-1))

    def action_first_page(self) -> None:
        self._go(replace(self.feed.view, offset=0))

    def action_next_sort(self) -> None:
        view = self.feed.view
        index = SORT_FIELDS.index(view.sort) if view.sort in SORT_FIELDS else -1
        self._go(replace(view, sort=SORT_FIELDS[(index + 1) % len(SORT_FIELDS)], offset=0))

    def action_flip_order(self) -> None:
        view = self.feed.view
        self._go(replace(view, order="asc" if view.order == "desc" else "desc", offset=0))

    def action_toggle_mark(self) -> None:
        self.table.action_toggle_mark()

    def action_mark_page(self) -> None:
        self.table.action_mark_page()

    def action_clear_marks(self) -> None:
        self.table.clear_marks()

    def action_copy_id(self) -> None:
        alert = self.table.selected
        if alert is not None:
            self.copy_to_clipboard(alert.id)
            self.notify(f"Copied the id of #{alert.tiny_id}", markup=False, timeout=3)

    def action_copy_json(self) -> None:
        alert = self.table.selected
        if alert is not None:
            self.copy_to_clipboard(alert.model_dump_json(by_alias=True, indent=2))
            self.notify(f"Copied #{alert.tiny_id} as JSON", markup=False, timeout=3)

    async def action_quit(self) -> None:
        """Quit; with actions still on their way, ask first and say what becomes of them."""
        pending = self.tracker.pending
        if not pending:
            self.exit()
            return
        unsent = len(self.tracker.unsent)
        on_their_way = len(pending) - unsent
        lines = []
        if unsent:
            lines.append(
                f"{unsent} not sent yet: they will not be sent (the journal records them as "
                "not sent)."
            )
        if on_their_way:
            lines.append(
                f"{on_their_way} sent or being sent, waiting for the service's outcome: the "
                "next start follows them up."
            )
        if self.settings.demo:
            lines.append("The built-in simulator stops with the console.")
        n = len(pending)

        def answered(yes: bool | None) -> None:
            if yes:
                self.tracker.abandon_unsent()
                self.exit()

        self.push_screen(
            ConfirmDialog(
                f"{n} action{'s' if n != 1 else ''} still pending: quit anyway?", "\n".join(lines)
            ),
            answered,
        )

    def action_help(self) -> None:
        from console.tui.help import help_screen

        self.push_screen(help_screen(self))

    def action_detail(self) -> None:
        from console.tui.help import detail_screen

        alert = self.table.selected
        if alert is not None:
            self.push_screen(detail_screen(self.client, alert))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)

        for key in keys.KEYMAP:
            if key.writes and self.tracker.read_only:
                continue
            yield SystemCommand(
                key.description,
                f"key: {keys.display(key.key)}",
                lambda action=key.action: self.run_action(action),
            )


def _what(rejected: View, restored: View) -> str:
    """Name what the service refused: the query, or else the sort."""
    if rejected.query != restored.query:
        return f"the query “{rejected.query}”"
    return f"sorting by {rejected.sort} {rejected.order}"


def _set_line(bar: Static, text: Text) -> None:
    """Update a one-line bar only when its text changed, and without a layout pass."""
    if bar.content != text:
        bar.update(text, layout=False)


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _problem(error: errors.ApiError) -> str:
    """Why the data is not fresh, in a few words."""
    if isinstance(error, errors.TransportError):
        return error.message
    if isinstance(error, errors.Unauthorized):
        return f"401: token rejected ({error.message})"
    if isinstance(error, errors.Forbidden):
        return f"403: not allowed ({error.message})"
    if isinstance(error, errors.RateLimited):
        return "429: rate limited"
    if isinstance(error, errors.MalformedResponse):
        return f"{error.status}: {error.message}"
    return str(error)
