"""Started as its own process by run.py: the console, headless, on a simulator, started the way
``alert-console`` starts it (the first page asked for before Textual is loaded); exits once the
first page is drawn and prints "drawn". The parent times it from process start.

``--bare`` draws instead a bare Textual app with a 50-row DataTable of static rows: Textual's
own floor, measured in the same run for the ratio. ``ORIGIN --modules`` also prints, as a JSON
list on the last line, every module loaded by the time the first page was drawn (the start's
test checks that dialogs and the like are not among them).

``--bare MESSAGE`` runs that app in the terminal it is started in, MESSAGE in its first row,
until it is stopped: run.py starts it in a pseudo-terminal (pty_probe.py) and times it as it
times the real ``alert-console``. That is the benchmark's figure; the headless ones are for
diagnosis."""

from __future__ import annotations

import asyncio
import json
import sys


async def console(origin: str, modules: bool = False) -> None:
    from console.cli.main import collector_off_for_the_start, lean_start, open_console

    lean_start()  # as main() does
    collector_off_for_the_start()  # as its console() does
    from console.api import BasicCredentials, JsmClient
    from console.settings.start import Settings

    credentials = BasicCredentials("demo@example.com", "demo-token")
    async with JsmClient(origin=origin, cloud_id="demo", credentials=credentials) as client:
        settings = Settings(
            query="status: open", page_size=50, refresh_s=60, site="bench", user="bench"
        )
        app = await open_console(client, settings, journal=False)  # as alert-console starts

        from console.live.feed import Update
        from console.tui.main_screen import AlertScreen

        loaded: list[str] = []

        class FirstPage(AlertScreen):
            def apply(self, update: Update) -> None:
                super().apply(update)
                if self.table.row_count >= min(50, update.listing.total):  # a whole page
                    self.call_after_refresh(self.drawn)

            def drawn(self) -> None:
                loaded.extend(sorted(sys.modules))
                self.app.exit()

        app.main = FirstPage(settings, app.main.sources)
        await app.run_async(headless=True, size=(160, 48))
        if app.return_code:
            raise SystemExit(f"the console failed (status {app.return_code})")
    print("drawn", flush=True)
    if modules:
        print(json.dumps(loaded), flush=True)


def bare(message: str | None = None) -> None:
    """Textual's floor: a 50-row DataTable of static rows. Headless, it exits once drawn; with
    a MESSAGE (the first row's), it runs in the terminal it was started in until it is stopped
    (run.py times it to MESSAGE on the screen, as it times the console)."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Pri", "#", "Status", "Age", "Message", "Entity", "Count")
            for i in range(50):
                text = message if message is not None and i == 0 else f"Disk full on db-{i}"
                table.add_row("P3", str(i), "open", "5m", text, f"db-{i}", "1")
            if message is None:
                self.call_after_refresh(self.exit)

    if message is not None:
        Bare().run()
        return
    Bare().run(headless=True, size=(160, 48))
    print("drawn", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--bare":
        bare(sys.argv[2] if len(sys.argv) > 2 else None)
    else:
        asyncio.run(console(sys.argv[1], modules="--modules" in sys.argv[2:]))
