"""Started as its own process by run.py: the console (or with --wall the wall), headless, at the
default refresh interval on a simulator where nothing changes; once the first page is drawn and
the start work has settled, it lets the console idle for the given seconds and prints the share
of one core it used meanwhile ("cpu <percent>")."""

from __future__ import annotations

import asyncio
import sys
import time


async def main(origin: str, seconds: float, wall: bool) -> None:
    from console.cli.lean import collector_off_for_the_start, lean_start

    lean_start()  # as alert-console's main() does
    collector_off_for_the_start()  # and its console() (back on 2 s after the app is up)
    from console.actions import ActionTracker
    from console.api import BasicCredentials, JsmClient
    from console.directory import FIRST_TICK_S
    from console.settings.start import Settings
    from console.tui.app import AlertConsole

    credentials = BasicCredentials("demo@example.com", "demo-token")
    async with JsmClient(origin=origin, cloud_id="demo", credentials=credentials) as client:
        settings = Settings(
            query="status: open", page_size=50, site="bench", user="bench", wall=wall
        )
        app = AlertConsole(client, ActionTracker(client, read_only=wall), settings)
        result: list[float] = []
        settle_s = 2.0 if wall else FIRST_TICK_S + 3.0

        async def watch() -> None:
            while app.feed.last is None:  # noqa: ASYNC110 (a probe, polling its subject)
                await asyncio.sleep(0.1)
            # Start work settles first: the first page's detail and history, and (in the console)
            # the directory's first background read, FIRST_TICK_S after start. It is read
            # again only every 30 minutes, so it is no part of the idle figure.
            await asyncio.sleep(settle_s)
            cpu, since = time.process_time(), time.monotonic()
            await asyncio.sleep(seconds)
            result.append(100 * (time.process_time() - cpu) / (time.monotonic() - since))
            app.exit()

        watcher = asyncio.ensure_future(watch())
        await app.run_async(headless=True, size=(160, 48))
        await watcher
    print(f"cpu {result[0]:.4f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), "--wall" in sys.argv[3:]))
