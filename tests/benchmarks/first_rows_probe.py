"""Started as its own process by run.py: the console, headless, on a simulator; exits once the
first page is drawn and prints "drawn". The parent times it from process start."""

from __future__ import annotations

import asyncio
import sys

from console.actions import ActionTracker
from console.api import BasicCredentials, JsmClient
from console.feed import Update
from console.tui.app import AlertConsole, Settings


class FirstPage(AlertConsole):
    def _apply(self, update: Update) -> None:
        super()._apply(update)
        if self.table.row_count >= 50:
            self.call_after_refresh(self.exit)


async def main(origin: str) -> None:
    credentials = BasicCredentials("demo@example.com", "demo-token")
    async with JsmClient(origin=origin, cloud_id="demo", credentials=credentials) as client:
        settings = Settings(
            query="status: open", page_size=50, refresh_s=60, site="bench", user="bench"
        )
        await FirstPage(client, ActionTracker(client), settings).run_async(
            headless=True, size=(160, 48)
        )
    print("drawn", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
