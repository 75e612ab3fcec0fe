"""Started as its own process by run.py: the wall, headless, on a live simulator, refreshed back
to back by its own refresh cycle (an interval of zero); prints its RSS after the first 100
refreshes and at the end ("rss <after 100> <end> refreshes <n>")."""

from __future__ import annotations

import asyncio
import os
import sys


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:  # noqa: PTH123 (Linux only, like the benchmark)
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def main(origin: str, refreshes: int) -> None:
    from console.actions import ActionTracker
    from console.api import BasicCredentials, JsmClient
    from console.live.feed import Update
    from console.settings.start import Settings
    from console.tui.app import AlertConsole
    from console.tui.wall_screen import WallScreen

    rss: dict[int, int] = {}

    class Counted(WallScreen):
        done = 0

        def apply(self, update: Update) -> None:
            super().apply(update)
            Counted.done += 1
            if Counted.done in (100, refreshes):
                rss[Counted.done] = rss_bytes()
            if Counted.done >= refreshes:
                self.app.exit()

    credentials = BasicCredentials("demo@example.com", "demo-token")
    async with JsmClient(
        origin=origin, cloud_id="demo", credentials=credentials, read_only=True
    ) as client:
        settings = Settings(
            query="status: open",
            page_size=50,
            site="soak",
            user="soak",
            wall=True,
            read_only=True,
            keep_pages=False,
        )
        app = AlertConsole(client, ActionTracker(client, read_only=True), settings)
        app.main = Counted(settings, app.feed)
        app.feed.interval_s = 0.0  # back to back: the next refresh as soon as one ends
        await app.run_async(headless=True, size=(160, 48))
    print(f"rss {rss[100]} {rss[refreshes]} refreshes {refreshes}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
