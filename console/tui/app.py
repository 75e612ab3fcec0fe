"""The alert console: the app that every screen shares.

The app holds what all screens need: the settings, the client and the action
tracker, the theme, notifications (every toast through the sanitiser), bug
reports, help, the command palette and quitting. The alert view itself, with its
widgets, feed and refresh cycle, is a screen of its own (``AlertScreen``).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from textual.app import ScreenStackError, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from console.actions import AnyTracker
from console.actions.model import Toast
from console.api.client import JsmClient
from console.base import paths
from console.base.crash import CrashReporter
from console.base.sanitize import clean
from console.directory import FIRST_TICK_S, TICK_S, Directory
from console.live.feed import AlertSource
from console.live.history import HistoryCache
from console.settings.start import Settings, feed_for
from console.tui import keys
from console.tui.guard import Guarded, start_work
from console.tui.kinds import Sources, kind_of
from console.tui.live import LiveScreen
from console.tui.palette import Palette
from console.tui.textual_compat import LastResort
from console.tui.themes import load_all

__all__ = ["AlertConsole", "Settings"]


# Seconds after the app is up when the cyclic collector, off for the start, comes back.
COLLECTOR_BACK_S = 2.0
# On a signal, how long a request on the wire may take to get its receipt before the app exits.
SENDING_S = 0.8
HELD_TOASTS = 6  # toasts kept back while a dialog is open (the newest; older ones are counted)


class AlertConsole(Guarded, LastResort):
    TITLE = "alert-console"
    guard_armed = False  # bugs are reported, not fatal, once the console is up

    def __init__(
        self,
        client: JsmClient,
        tracker: AnyTracker,
        settings: Settings,
        *,
        feed: AlertSource | None = None,
        directory: Directory | None = None,
        clients: Sequence[JsmClient] = (),
    ) -> None:
        # The main screen's styles (the alert view's, or the wall's) are the app's: read once
        # with Textual's own, not in a second pass over every stylesheet when the screen
        # arrives (~10 ms at start).
        self.kind = kind = kind_of(settings)
        super().__init__(css_path=kind.styles)
        # A toast is never drawn over a dialog (Textual draws toasts over everything): those
        # raised while one is open wait for it to close, and those on screen when it opens
        # step aside with it and come back for the rest of their time.
        self._held: deque[Toast] = deque(maxlen=HELD_TOASTS)
        self._held_dropped = 0  # older ones that did not fit
        self._shown: deque[tuple[Toast, float]] = deque(maxlen=HELD_TOASTS)  # and until when
        if kind.read_only:
            # The wall is read-only whatever it was given: no write can leave the process
            # (the tracker refuses, and so does the client).
            tracker.read_only = client.read_only = True
        self.use_command_palette = kind.dialogs
        self.theme_problems = self._load_themes(settings)
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))  # the config file's [keys]
        self.client = client
        self.tracker = tracker
        self.settings = settings
        self.feed = feed or feed_for(client, settings)
        # Several sites (settings.sites, a client each in the same order): the first is
        # ``client``. Every site's secrets are kept out of crash reports.
        self.clients = list(clients) or [client]
        self.crashes = CrashReporter(secrets=[s for c in self.clients for s in c.secret_forms])
        # Names for ids (console.directory): read from the disk cache now, from the service
        # in the background (see on_mount), one directory per site. The wall picks nothing
        # and names nobody.
        self.directories: dict[str, Directory] = {}
        if kind.names and settings.several:
            for info, each in zip(settings.sites, self.clients, strict=True):
                self.directories[info.name] = Directory(each)
            directory = directory or self.directories[settings.sites[0].name]
        self.directory = (directory or Directory(client)) if kind.names else None
        if self.directory is not None and settings.site_key:
            self.directory.site = settings.site_key  # its file on disk is the site's
        from console.live.oncall import (
            ONCALL_EVERY_S,
            HeartbeatFeed,
            OnCallFeed,
            SitesHeartbeats,
            SitesOnCall,
            heartbeats_every,
        )

        beats_every = heartbeats_every(settings.refresh_s, settings.heartbeats_s)

        by_site = {i.name: c for i, c in zip(settings.sites, self.clients, strict=False)}
        sources = Sources(
            feed=self.feed,
            tracker=tracker,
            directory=self.directory,
            directories=self.directories,
            history=HistoryCache(client, sites=by_site if settings.several else None),
            count=self._count,
            # Who is on call and which monitors went silent: every site's, each read with its
            # own credentials and teams.
            oncall=SitesOnCall(
                {
                    info.name: OnCallFeed(
                        interval_s=ONCALL_EVERY_S, clock=settings.clock, client=each
                    )
                    for info, each in zip(settings.sites, self.clients, strict=True)
                }
            )
            if settings.several
            else OnCallFeed(interval_s=ONCALL_EVERY_S, clock=settings.clock, client=client),
            heartbeats=SitesHeartbeats(
                {
                    info.name: HeartbeatFeed(
                        interval_s=beats_every,
                        clock=settings.clock,
                        client=each,
                        teams=info.teams,
                    )
                    for info, each in zip(settings.sites, self.clients, strict=True)
                }
            )
            if settings.several
            else HeartbeatFeed(
                interval_s=beats_every,
                clock=settings.clock,
                client=client,
                teams=settings.teams,
            ),
        )
        self.main: LiveScreen = kind.build(settings, sources)

    async def _count(self, query: str) -> int:
        """The service's count of ``query``: every site's, summed (one request per site)."""
        if len(self.clients) == 1:
            return await self.client.count_alerts(query)
        counts = await asyncio.gather(*(c.count_alerts(query) for c in self.clients))
        return sum(counts)

    def get_default_screen(self) -> Screen[Any]:
        """The main screen (the alert view, or the wall), as the app's default screen. Not a
        mode's: Textual composes a mode's first screen inside the app's own start, where every
        frame is held back, so its first frame was drawn there for nothing and drawn again
        when the start ended (~140 ms later). The default screen is composed after it, and its
        first frame is the one the terminal gets."""
        return self.main

    def _load_themes(self, settings: Settings) -> list[str]:
        """Register the shipped and user themes, and put the chosen one (or the default for
        this screen) in force; one sentence for each file that could not be used."""
        loaded = load_all()
        for theme in loaded.themes.values():
            self.register_theme(theme)
        problems = list(loaded.problems)
        default = kind_of(settings).theme
        wanted = settings.theme or default
        if wanted not in self.available_themes:
            problems.append(f"The theme {wanted!r} cannot be used; showing {default} instead.")
            wanted = default if default in self.available_themes else "textual-dark"
        self.theme = wanted
        return problems

    def on_mount(self) -> None:
        # Everything built so far lives as long as the console: keep it out of the cyclic
        # collector's scans, which would otherwise walk it again on every collection.
        gc.freeze()
        # The collector is off while the console starts (cli.collector_off_for_the_start):
        # back on a little after the first page.
        self.set_timer(COLLECTOR_BACK_S, self._collector_back)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        # The main screen is composed after this (get_default_screen), and reads the last
        # page from disk as it starts: what the start found wrong is said after its first frame.
        self.main.call_after_refresh(self._say_what_the_start_found)
        self.tracker.resume()
        self.guard_armed = True
        if self.directory is not None:
            # Well after the first page; then a look a minute (it reads only what is due).
            self.set_timer(FIRST_TICK_S, self._directory_turn)
            self.set_interval(TICK_S, self._directory_turn)

    def _say_what_the_start_found(self) -> None:
        for message in self.theme_problems:
            self.notify(message, title="Theme", severity="warning", timeout=15)
        for message in paths.set_aside_notes():  # a damaged cache, set aside as it was read
            self.notify(message, title="Cache", severity="warning", timeout=15)

    def _collector_back(self) -> None:
        """The collector on again after the start, which ran without it: first one collection
        of what the start left (it was frozen with the rest at mount), then everything that
        is left frozen again."""
        if gc.isenabled():
            return  # it was never off (a console started by a test, say)
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        gc.enable()

    def _directory_turn(self) -> None:
        start_work(self, self._read_directory, group="directory")

    async def _read_directory(self) -> None:
        try:
            books = list(self.directories.values())
            if not books and self.directory is not None:
                books = [self.directory]
            for directory in books:
                await directory.tick()
        except Exception as error:  # the service's errors are kept by the directory itself
            self.report_bug("reading the directory", error)

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

    def survive(self, error: Exception) -> bool:
        """Textual's last resort (timers, callbacks, workers): fatal only before we are up."""
        if not self.guard_armed:
            return False
        self.report_bug("a callback", error)
        return True

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the console: its text through the sanitiser, never read as markup;
        while a dialog is open, held until it closes."""
        toast = Toast(clean(message, multiline=True), clean(title), severity, timeout)
        if self._dialog_open():
            if len(self._held) == self._held.maxlen:
                self._held_dropped += 1
            self._held.append(toast)
            return
        self._show(toast)

    def _show(self, toast: Toast) -> None:
        timeout = self.NOTIFICATION_TIMEOUT if toast.timeout is None else toast.timeout
        self._shown.append((toast, time.monotonic() + timeout))
        super().notify(
            toast.text,
            title=toast.title,
            severity=toast.severity,
            timeout=toast.timeout,
            markup=False,
        )

    def _dialog_open(self) -> bool:
        try:
            return isinstance(self.screen, ModalScreen)
        except ScreenStackError:  # before the first screen: nothing to cover
            return False

    def _screen_changed(self, _screen: Screen[Any]) -> None:
        """A dialog opened: the toasts on screen step aside. It closed: what was held shows
        now, each for its full time (those that stepped aside for the rest of theirs)."""
        if self._dialog_open():
            now = time.monotonic()
            aside = [replace(toast, timeout=until - now) for toast, until in self._shown]
            self._shown.clear()
            if aside:
                self._held.extendleft(reversed([t for t in aside if (t.timeout or 0) > 0.5]))
                self.clear_notifications()
            return
        if not self._held:
            return
        if self._held_dropped:
            dropped, self._held_dropped = self._held_dropped, 0
            self._show(
                Toast(
                    f"{dropped} earlier message{'s' if dropped != 1 else ''} from while the "
                    "dialog was open not shown.",
                    "",
                    "information",
                    None,
                )
            )
        while self._held:
            self._show(self._held.popleft())

    # ------------------------------------------------------------------ shared actions

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

        from console.tui.dialogs import ConfirmDialog  # dialogs load when first needed

        self.push_screen(
            ConfirmDialog(
                f"{n} action{'s' if n != 1 else ''} still pending: quit anyway?", "\n".join(lines)
            ),
            answered,
        )

    def stop_for_signal(self, signum: int) -> None:
        """SIGTERM, SIGHUP (the terminal closed) or SIGINT: quit now, without asking. What is
        not sent yet is recorded as not sent; what is on the wire gets a moment to be sent, so
        that the journal says so and the next start follows it up (console/tui/signals.py)."""
        self.tracker.abandon_unsent()
        start_work(self, partial(self._exit_for_signal, 128 + signum), group="signal")

    async def _exit_for_signal(self, status: int) -> None:
        try:
            await self.tracker.finish_sending(within=SENDING_S)
            self.tracker.abandon_unsent()  # any held back by a 429 meanwhile
        finally:
            self.exit(return_code=status)

    def action_help(self) -> None:
        if not self.kind.dialogs:
            return  # the wall opens no dialog
        from console.tui.help import help_screen

        palette = Palette.of(self.theme_variables)
        self.push_screen(
            help_screen(self, self.tracker.read_only, palette, self.settings.view_keys)
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if not self.kind.dialogs:
            return
        yield from super().get_system_commands(screen)
        keymap = dict(self.settings.keymap)
        views = self.settings.view_keys
        for key in keys.KEYMAP:
            if key.writes and self.tracker.read_only:
                continue
            description = key.description
            if key.id.startswith("view_"):
                slot = int(key.id.removeprefix("view_"))
                if slot not in views:
                    continue
                description = f"Saved view: {views[slot]}"
            action = key.action if key.action.startswith("app.") else f"screen.{key.action}"
            yield SystemCommand(
                clean(description),
                f"key: {keys.display(keymap.get(key.id, key.key))}",
                lambda action=action: self.run_action(action),
            )
        for name, view in self.settings.views:
            if not view.key:
                yield SystemCommand(
                    clean(f"Saved view: {name}"),
                    clean(view.query),
                    lambda name=name: self._switch_view(name),
                )

    def _switch_view(self, name: str) -> None:
        views = getattr(self.main, "views", None)  # the alert view's saved views
        if views is not None:
            views.switch(name)
