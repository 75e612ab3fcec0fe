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
diagnosis. ``--libraries ORIGIN`` is that app showing the service's first page, fetched with
httpx and read with pydantic: the floor of any console the brief's libraries build."""

from __future__ import annotations

import asyncio
import json
import sys


async def console(origin: str, modules: bool = False) -> None:
    from console.cli.lean import collector_off_for_the_start, lean_start

    lean_start()  # as main() does
    collector_off_for_the_start()  # as its console() does
    from console.api import BasicCredentials, JsmClient
    from console.cli.main import open_console
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


def libraries(origin: str) -> None:
    """The floor of any console built as the brief says (Textual, httpx, pydantic): the bare
    app, but its rows are the service's first page, asked for with httpx before Textual is
    loaded (as alert-console asks) and read with a pydantic model of the columns it shows.
    Nothing of ours: no config, no journal, no sanitiser, no actions. Runs in the terminal
    it is started in until it is stopped (run.py times it to the newest alert's text, as
    it times the console); the account is the console's (ALERT_CONSOLE_EMAIL and _API_TOKEN)."""
    import os
    from datetime import datetime

    from console.cli.lean import collector_off_for_the_start, lean_start

    # What the console does to its libraries at start, done here too: it is the libraries'
    # floor, not the floor of libraries left as they come.
    lean_start()
    collector_off_for_the_start()
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type] (as console.api does)
    import httpx
    from pydantic import BaseModel

    class Row(BaseModel):
        tinyId: str
        priority: str
        status: str
        createdAt: datetime
        message: str
        count: int = 1

    class Page(BaseModel):
        values: list[Row]

    async def start() -> None:
        account = (os.environ["ALERT_CONSOLE_EMAIL"], os.environ["ALERT_CONSOLE_API_TOKEN"])
        sent = asyncio.Event()

        async def trace(event: str, info: object) -> None:
            if event == "http11.send_request_body.complete":
                sent.set()

        async with httpx.AsyncClient(
            base_url=f"{origin}/jsm/ops/api/demo",
            auth=account,
            verify=not origin.startswith("http://"),  # no CA store for plain http, as ours
        ) as http:
            params = {"query": "status: open", "size": 50, "sort": "createdAt", "order": "desc"}
            asked = asyncio.create_task(
                http.get("/v1/alerts", params=params, extensions={"trace": trace})
            )
            waiting = asyncio.create_task(sent.wait())
            await asyncio.wait({asked, waiting}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()

            from textual.app import App, ComposeResult
            from textual.widgets import DataTable

            class Libraries(App[None]):
                def compose(self) -> ComposeResult:
                    yield DataTable()

                async def on_mount(self) -> None:
                    response = await asked
                    response.raise_for_status()
                    page = Page.model_validate_json(response.content)
                    table = self.query_one(DataTable)
                    table.add_columns("Pri", "#", "Status", "Created", "Message", "Count")
                    for row in page.values:
                        table.add_row(
                            row.priority,
                            row.tinyId,
                            row.status,
                            f"{row.createdAt:%H:%M}",
                            row.message,
                            str(row.count),
                        )

            await Libraries().run_async()

    asyncio.run(start())


if __name__ == "__main__":
    if sys.argv[1] == "--bare":
        bare(sys.argv[2] if len(sys.argv) > 2 else None)
    elif sys.argv[1] == "--libraries":
        libraries(sys.argv[2])
    else:
        asyncio.run(console(sys.argv[1], modules="--modules" in sys.argv[2:]))
