"""The alert console: the app that every screen shares.

The app holds what all screens need: the settings, the client and the action
tracker, the theme, notifications (every toast through the sanitiser), bug
reports, help, the command palette and quitting. The alert view itself, with its
widgets, feed and refresh cycle, is a screen of its own (``AlertScreen``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from console import paths
from console.actions import ActionTracker
from console.api.client import JsmClient
from console.crash import CrashReporter
from console.directory import FIRST_TICK_S, TICK_S, Directory
from console.feed import AlertFeed
from console.sanitize import clean
from console.tui import keys
from console.tui.guard import Guarded
from console.tui.live import LiveScreen
from console.tui.main_screen import AlertScreen
from console.tui.palette import Palette
from console.tui.settings import Settings, feed_for
from console.tui.themes import DEFAULT_THEME, WALL_THEME, load_all

__all__ = ["AlertConsole", "Settings"]


# Seconds after the app is up when the cyclic collector, off for the start, comes back.
COLLECTOR_BACK_S = 2.0


class AlertConsole(Guarded, App[None]):
    TITLE = "alert-console"
    DEFAULT_MODE = "alerts"  # each screen of its own is a mode: the alert view, the wall…
    guard_armed = False  # bugs are reported, not fatal, once the console is up

    def __init__(
        self,
        client: JsmClient,
        tracker: ActionTracker,
        settings: Settings,
        *,
        feed: AlertFeed | None = None,
        directory: Directory | None = None,
    ) -> None:
        # The main screen's styles (the alert view's, or the wall's) are the app's: read once
        # with Textual's own, not in a second pass over every stylesheet when the screen
        # arrives (~10 ms at start).
        screen_type: type[LiveScreen] = AlertScreen
        if settings.wall:
            from console.tui.wall_screen import WallScreen  # its widgets only on a wall

            screen_type = WallScreen
        super().__init__(css_path=screen_type.STYLES)
        if settings.wall:
            # The wall is read-only whatever it was given: no write can leave the process
            # (the tracker refuses, and so does the client), and no dialog opens.
            tracker.read_only = client.read_only = True
            self.use_command_palette = False
        self.theme_problems = self._load_themes(settings)
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))  # the config file's [keys]
        self.client = client
        self.tracker = tracker
        self.settings = settings
        self.feed = feed or feed_for(client, settings)
        self.crashes = CrashReporter(secrets=client.secret_forms)
        # Names for ids (console.directory): read from the disk cache now, from the service
        # in the background (see on_mount). The wall picks nothing and names nobody.
        self.directory = None if settings.wall else directory or Directory(client)
        if settings.wall:
            self.main: LiveScreen = screen_type(settings, self.feed)
        else:
            self.main = AlertScreen(settings, self.feed, tracker, self.directory)
        self.add_mode("alerts", lambda: self.main)

    def _load_themes(self, settings: Settings) -> list[str]:
        """Register the shipped and user themes, and put the chosen one (or the default for
        this screen) in force; one sentence for each file that could not be used."""
        loaded = load_all()
        for theme in loaded.themes.values():
            self.register_theme(theme)
        problems = list(loaded.problems)
        default = WALL_THEME if settings.wall else DEFAULT_THEME
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
        for message in self.theme_problems:
            self.notify(message, title="Theme", severity="warning", timeout=15)
        for message in paths.set_aside_notes():  # a damaged cache, set aside as it was read
            self.notify(message, title="Cache", severity="warning", timeout=15)
        self.tracker.resume()
        self.guard_armed = True
        if self.directory is not None:
            # Well after the first page; then a look a minute (it reads only what is due).
            self.set_timer(FIRST_TICK_S, self._directory_turn)
            self.set_interval(TICK_S, self._directory_turn)

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
        self.run_worker(self._read_directory(), group="directory", exit_on_error=False)

    async def _read_directory(self) -> None:
        try:
            if self.directory is not None:
                await self.directory.tick()
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

    def action_help(self) -> None:
        if self.settings.wall:
            return  # the wall opens no dialog
        from console.tui.help import help_screen

        palette = Palette.of(self.theme_variables)
        self.push_screen(
            help_screen(self, self.tracker.read_only, palette, self.settings.view_keys)
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.settings.wall:
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
        if isinstance(self.main, AlertScreen):
            self.main.views.switch(name)
