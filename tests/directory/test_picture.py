"""The picture of a name being picked, made the way ``tests/tui/test_screenshots.py`` makes
every other (a still simulator and clock), and compared with ``screenshots/assign_pick.svg``.
Regenerate it with ``python -m pytest tests/directory/test_picture.py --snapshot-update``."""

from __future__ import annotations

from typing import Any

from console.tui.dialogs import FormDialog
from tests.directory.test_pick import suggestions
from tests.tui import test_screenshots as shots
from tests.tui.conftest import WIDE, loaded, until

# The screenshots' fixtures, here by name: a still simulator, a still clock, local time UTC.
still_server = shots.still_server
still_site = shots.still_site
utc = shots.utc
make_still_console = shots.make_still_console
update = shots.update


async def test_the_assign_dialog_offering_names(make_still_console: Any, update: bool) -> None:
    app = await make_still_console()
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("m", "a")
        await until(pilot, lambda: len(suggestions(app, "accountId")) >= 3)
        await app.workers.wait_for_complete()  # the search on the service, too
        await pilot.pause()  # the first is highlighted: Enter would take it
        shots.assert_picture(app, "assign_pick", update)
