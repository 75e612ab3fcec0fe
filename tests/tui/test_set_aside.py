"""A damaged cache at the start (issue 17): the console starts without it and says so once."""

from __future__ import annotations

from console.base import paths
from console.simulator.server import BackgroundSimulator
from tests import corpus
from tests.tui.conftest import WIDE, ConsoleFactory, loaded, toasts, until


async def test_a_damaged_page_cache_is_said_once_and_the_page_comes_all_the_same(
    sim: BackgroundSimulator, make_console: ConsoleFactory
) -> None:
    paths.set_aside_notes()  # what earlier tests in this process left
    app = await make_console(sim.origin)
    cache = app.feed.cache
    assert cache is not None
    path = cache.path(app.feed.cache_key())
    paths.private_dir(path.parent)
    path.write_text(corpus.page_cache(cache.site, app.feed.cache_key(), count=corpus.INFINITY))
    sim.set_faults(latency_ms=800)  # the cache is read before the first page is in
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await until(pilot, lambda: any("Started without the page cache" in t for t in toasts(app)))
        sim.set_faults(latency_ms=0)
        await loaded(pilot)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [t for t in toasts(app) if t.startswith("Cache: ")]
        assert len(said) == 1, said
        assert "holds a number that is not finite (Infinity)" in said[0]
        assert f"set aside as {path.name}.bad-not-finite" in said[0]
        assert app.main.table.row_count > 0
