"""What the console's process leaves out or holds back while it starts: no trio, no pydantic
plugin machinery, no cyclic collection. Imports nothing of ours and no library, so that a
probe can start exactly as the console does (tests/benchmarks/first_rows_probe.py).
"""

from __future__ import annotations

import gc
import os
import sys
import types


def lean_start() -> None:
    """Keep out of this process what it never runs: httpcore imports trio whenever it is
    installed (selenium, for the browser tests, brings it along), ~100 ms at every start, though
    the console runs on asyncio. An entry of None makes that import fail at once. Only in the
    console's own process: a test process may need trio."""
    if "trio" not in sys.modules:
        sys.modules["trio"] = None  # type: ignore[assignment]
    # pydantic looks for plugins in every installed package's metadata when it builds its
    # first validator (~15 ms); the console uses none. A user who sets it keeps their value.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__":
        no_pydantic_plugin_loader()


def no_pydantic_plugin_loader() -> None:
    """With every plugin off, pydantic's plugin loader still imports importlib.metadata (~5 ms
    at the first validator) before it answers that there are none. In its place, before
    pydantic is loaded: a loader that answers the same, without it. Private to pydantic:
    ``pydantic.plugin._loader.get_plugins`` (tests/test_cli.py checks it is still there)."""
    if "pydantic.plugin._loader" in sys.modules:
        return

    def get_plugins() -> tuple[()]:
        return ()

    loader = types.ModuleType("pydantic.plugin._loader")
    loader.get_plugins = get_plugins  # type: ignore[attr-defined]
    sys.modules["pydantic.plugin._loader"] = loader


def collector_off_for_the_start() -> None:
    """No cyclic collection while the console's start builds what lives as long as it does:
    ~7 % of the time to the first page. The app turns it back on, after one collection, two
    seconds after it is up (AlertConsole._collector_back). The console only: the simulator
    and the server run for days with the collector on."""
    gc.disable()
