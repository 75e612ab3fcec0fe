"""One ``alert-console serve --demo`` and one headless Chromium per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import own_home
from tests.serve.support import KEY, Served, start_chromium


@pytest.fixture(scope="module")
def serve_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a serve process: no credential of the developer's, and state,
    cache and config directories of its own."""
    return own_home(tmp_path_factory.mktemp("serve-home"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def served(browser: Any, serve_env: dict[str, str]) -> Iterator[Served]:
    """``serve --demo`` on a free port with a known key; a wall refreshing every 2 s."""
    server = Served(["--demo", "--key", KEY, "--refresh", "2"], serve_env)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    """``--snapshot-update``: write the pictures in screenshots/ anew."""
    return bool(request.config.getoption("--snapshot-update"))
