"""The files on disk, against the real ``alert-console`` command (issue 17): a damaged cache
is set aside and the console starts without it, saying so; a theme that is a link to
/dev/zero or 22 MB costs nothing; a link planted where the journal goes is refused, and
the file it points to is left as it was."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.api import BasicCredentials, JsmClient
from console.base import paths
from console.settings.start import Settings, feed_for
from console.simulator.server import BackgroundSimulator
from tests import corpus
from tests.conftest import ACCOUNT
from tests.terminal import command, run_in_terminal

PAGE_BAR = "sort createdAt"  # the page bar: the console is drawn
FIRST_ROWS = "1–20 of"  # the page bar once the service's first page is in
SLOW_MS = 1500  # the service's first answer comes after the start has read its caches


@pytest.fixture
def start_env(sim: BackgroundSimulator) -> Iterator[dict[str, str]]:
    """The environment of a start on the test simulator (the test's own XDG directories)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ALERT_CONSOLE_")}
    yield {**base, "ALERT_CONSOLE_EMAIL": ACCOUNT[0], "ALERT_CONSOLE_API_TOKEN": ACCOUNT[1]}


def start_args(sim: BackgroundSimulator, *more: str) -> list[str]:
    return ["--url", sim.origin, "--cloud-id", sim.config.cloud_id, *more]


async def kept_page(sim: BackgroundSimulator) -> tuple[Path, str, str]:
    """Where a start with ``start_args`` keeps its first page, and the site and key the file
    must name (the console's own rules: its client, feed and cache)."""
    async with JsmClient(
        origin=sim.origin, cloud_id=sim.config.cloud_id, credentials=BasicCredentials(*ACCOUNT)
    ) as client:
        feed = feed_for(client, Settings())
        assert feed.cache is not None
        return feed.cache.path(feed.cache_key()), client.site, feed.cache_key()


def trend_path(site: str) -> Path:
    """Where the wall keeps the trend of the default query (as test_screenshots finds it)."""
    return paths.keyed_file(paths.cache_dir() / "trends", site, Settings().query)


def plant(path: Path, text: str) -> None:
    paths.private_dir(path.parent)
    path.write_text(text)


@pytest.mark.parametrize(
    ("crafted", "kind"),
    [
        ("count-infinity", "not-finite"),
        ("brackets-100000", "too-deep"),
        ("count-1e999", "not-finite"),
    ],
)
async def test_a_damaged_page_cache_is_set_aside_and_the_console_starts_without_it(
    sim: BackgroundSimulator, start_env: dict[str, str], crafted: str, kind: str
) -> None:
    path, site, key = await kept_page(sim)
    text = {
        "count-infinity": corpus.page_cache(site, key, count=corpus.INFINITY),
        "brackets-100000": corpus.DEEP_JSON,
        "count-1e999": corpus.page_cache(site, key, count="1e999"),
    }[crafted]
    plant(path, text)
    sim.set_faults(latency_ms=SLOW_MS)
    session = run_in_terminal(
        start_args(sim),
        start_env,
        lambda screen: "Started without the page cache:" in screen and FIRST_ROWS in screen,
    )
    assert session.status == 0, session.screen[-3000:]
    assert "Traceback" not in session.screen
    aside = path.with_name(f"{path.name}.bad-{kind}")
    assert aside.read_text() == text  # kept as it was, for a person to look at
    assert path.exists() and "Infinity" not in path.read_text()  # this run's good page


async def test_the_walls_counts_and_trend_with_infinity_never_stop_the_start(
    sim: BackgroundSimulator, start_env: dict[str, str]
) -> None:
    page, site, key = await kept_page(sim)
    plant(page, corpus.page_cache(site, key, count="3", extra=corpus.wall_counts("Infinity")))
    trend = trend_path(site)
    plant(trend, corpus.trend(time.time() - 60, corpus.INFINITY))
    sim.set_faults(latency_ms=SLOW_MS)
    session = run_in_terminal(
        start_args(sim, "--wall"),
        start_env,
        lambda screen: (
            "Started without the wall's trend:" in screen
            and "Started without the page cache:" in screen
        ),
    )
    assert session.status == 0, session.screen[-3000:]
    assert "Traceback" not in session.screen
    assert trend.with_name(f"{trend.name}.bad-not-finite").exists()
    assert page.with_name(f"{page.name}.bad-not-finite").exists()


def test_a_theme_linked_to_dev_zero_and_a_22_mb_theme_cost_the_start_nothing(
    sim: BackgroundSimulator, start_env: dict[str, str]
) -> None:
    themes = paths.config_dir() / "themes"
    themes.mkdir(parents=True)
    (themes / "zero.toml").symlink_to("/dev/zero")
    with (themes / "huge.toml").open("wb") as handle:
        handle.truncate(corpus.BIG_THEME_BYTES)  # 22 MB of NUL: refused before it is read
    (themes / "latin.toml").write_bytes(corpus.NOT_UTF8_THEME)
    session = run_in_terminal(
        start_args(sim, "--theme", "zero"),
        start_env,
        lambda screen: "cannot be used; showing" in screen and PAGE_BAR in screen,
    )
    assert session.status == 0, session.screen[-3000:]
    assert "Traceback" not in session.screen
    # Before the fix: 9.6 GB in 24 s and never drawn. Now as a start without them.
    assert session.peak_rss_kb < 250_000, session.peak_rss_kb
    assert session.seconds_to_ready < 15, session.seconds_to_ready
    assert "themes/zero.toml:" in session.screen and "is not a regular file" in session.screen


def test_a_link_planted_where_the_journal_goes_is_refused_and_its_target_untouched(
    sim: BackgroundSimulator, start_env: dict[str, str], tmp_path: Path
) -> None:
    victim = tmp_path / "notes.txt"
    victim.write_text("my own notes\n")
    victim.chmod(0o644)
    journal = paths.state_dir() / "journal.jsonl"
    paths.private_dir(journal.parent)
    journal.symlink_to(victim)
    result = subprocess.run(
        [*command(), *start_args(sim)],
        capture_output=True,
        text=True,
        timeout=60,
        env=start_env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("alert-console: cannot keep the action journal: ")
    assert f"{journal} is a symbolic link" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert victim.read_text() == "my own notes\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_a_cache_directory_that_is_a_link_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    paths.cache_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.cache_dir().symlink_to(elsewhere)
    page = paths.cache_dir() / "pages" / "x.json"
    paths.write_json(page, {"a": 1}, 1000)  # a cache that cannot be kept costs a start only
    assert list(elsewhere.iterdir()) == []  # nothing made through the link, not even a folder
    with pytest.raises(paths.UnsafePath, match="is a symbolic link"):
        paths.private_dir(page.parent)


def test_a_link_planted_where_the_debug_log_goes_is_refused(
    sim: BackgroundSimulator, start_env: dict[str, str], tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("")
    log = paths.private_dir(paths.log_dir()) / "debug.log"
    log.symlink_to(victim)
    result = subprocess.run(
        [*command(), *start_args(sim, "--debug")],
        capture_output=True,
        text=True,
        timeout=60,
        env=start_env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"alert-console: no debug log: {log} is a symbolic link; alert-console does not write "
        "through one (remove it)"
    )
    assert victim.read_text() == ""
