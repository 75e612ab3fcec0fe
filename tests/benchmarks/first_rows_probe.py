"""Started as its own process by run.py: the console, headless, on a simulator, started the way
``alert-console`` starts it (the first page asked for before Textual is loaded); exits once the
first page is drawn and prints "drawn". The parent times it from process start.

``--bare`` draws instead a bare Textual app with a 50-row DataTable of static rows: Textual's
own floor, measured in the same run for the ratio."""

from __future__ import annotations

import asyncio
import sys


async def console(origin: str) -> None:
    from console.cli import lean_start, open_console  # first, as the alert-console script

    lean_start()  # as main() does
    from console.api import BasicCredentials, JsmClient
    from console.tui.settings import Settings

    credentials = BasicCredentials("demo@example.com", "demo-token")
    async with JsmClient(origin=origin, cloud_id="demo", credentials=credentials) as client:
        settings = Settings(
            query="status: open", page_size=50, refresh_s=60, site="bench", user="bench"
        )
        app = await open_console(client, settings, journal=False)  # as alert-console starts

        from console.feed import Update
        from console.tui.main_screen import AlertScreen

        class FirstPage(AlertScreen):
            def apply(self, update: Update) -> None:
                super().apply(update)
                if self.table.row_count >= 50:
                    self.call_after_refresh(self.app.exit)

        app.main = FirstPage(settings, app.feed, app.tracker)
        await app.run_async(headless=True, size=(160, 48))
        if app.return_code:
            raise SystemExit(f"the console failed (status {app.return_code})")
    print("drawn", flush=True)


def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Pri", "#", "Status", "Age", "Message", "Entity", "Count")
            for i in range(50):
                table.add_row("P3", str(i), "open", "5m", f"Disk full on db-{i}", f"db-{i}", "1")
            self.call_after_refresh(self.exit)

    Bare().run(headless=True, size=(160, 48))
    print("drawn", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--bare":
        bare()
    else:
        asyncio.run(console(sys.argv[1]))
