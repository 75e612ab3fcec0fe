"""Several sites in one table (issue 21), measured: the first rows of three sites over one, an
unchanged refresh of three sites over one, and the list requests each site sees per refresh
while another site is slow. Run through ``run.py --only sites``."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from tests.benchmarks.run import (
    NEEDLE_CHARACTERS,
    RUN_ENV,
    figure,
    fresh_home,
    installed_command,
    simulator_process,
)

SITES = ("prod", "eu", "stg")
ALERTS = 5000


def account(name: str) -> tuple[str, str]:
    return f"{name}@example.com", f"{name}-token"


def token_variable(name: str) -> str:
    return f"BENCH_{name.upper()}_TOKEN"


@contextlib.contextmanager
def three_sites(*extra: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Three ``alert-console simulate`` processes, each its own cloud id, account and data
    (``extra[i]``: more options for the i-th); their base URLs by site name."""
    with contextlib.ExitStack() as stack:
        urls = {}
        for i, name in enumerate(SITES):
            email, token = account(name)
            options = extra[i] if i < len(extra) else ()
            urls[name] = stack.enter_context(
                simulator_process(
                    "--alerts",
                    str(ALERTS),
                    "--seed",
                    str(i + 1),
                    "--email",
                    email,
                    "--token",
                    token,
                    "--processing-delay",
                    "0",
                    "--processing-jitter",
                    "0",
                    *options,
                    cloud_id=f"cloud-{name}",
                )
            )
        yield urls


def origin_of(base_url: str) -> str:
    return base_url.split("/jsm/")[0]


def config_text(urls: dict[str, str]) -> str:
    """The user's config: a profile per site, its token in the environment."""
    blocks = []
    for name, url in urls.items():
        email, _token = account(name)
        blocks.append(
            f'[profiles.{name}]\norigin = "{origin_of(url)}"\n'
            f'cloud_id = "cloud-{name}"\nemail = "{email}"\n'
            f'token_env = "{token_variable(name)}"\n'
        )
    return "\n".join(blocks)


def newest_open(urls: dict[str, str]) -> str:
    """The message of the newest open alert over these sites: the first row of the table."""
    newest: list[tuple[str, str]] = []
    for name, url in urls.items():
        answer = httpx.get(
            f"{url}/v1/alerts",
            params={"query": "status: open", "size": 1},
            auth=account(name),
            timeout=30,
        )
        answer.raise_for_status()
        alert = answer.json()["values"][0]
        newest.append((alert["createdAt"], alert["message"]))
    return max(newest)[1]


def first_rows(quick: bool) -> Iterator[dict[str, Any]]:
    """The installed command in a 160x48 terminal, nothing on disk but the config, from start
    to the newest alert's text: ``--profile prod --profile eu --profile stg`` against
    ``--profile prod``, alternating, paired ratios."""
    from tests.benchmarks.pty_probe import terminal_env, time_to_text

    runs = 7 if quick else 11
    with three_sites() as urls:
        needles = {
            "one": newest_open({"prod": urls["prod"]})[:NEEDLE_CHARACTERS],
            "three": newest_open(urls)[:NEEDLE_CHARACTERS],
        }
        tokens = {token_variable(n): account(n)[1] for n in SITES}

        def once(kind: str) -> float:
            names = ["prod"] if kind == "one" else list(SITES)
            with fresh_home() as (home, xdg):
                config = home / "config.toml"
                config.write_text(config_text(urls))
                config.chmod(0o600)
                argv = [str(installed_command()), "--config", str(config)]
                for name in names:
                    argv += ["--profile", name]
                env = terminal_env(RUN_ENV, **xdg, **tokens)
                return time_to_text(argv, env, needles[kind], home)

        kinds = ["one", "three"]
        for kind in kinds:
            once(kind)  # bytecode written, files in the page cache: for each alike
        timings: dict[str, list[float]] = {kind: [] for kind in kinds}
        for run in range(runs):
            for kind in kinds if run % 2 == 0 else kinds[::-1]:
                timings[kind].append(once(kind))
    pairs = [t / o for t, o in zip(timings["three"], timings["one"], strict=True)]
    how = "installed command, 160x48 pty, to the newest alert's text on screen"
    yield figure(
        "sites3_first_rows_seconds",
        statistics.median(timings["three"]),
        "s",
        "informational",
        repetitions=runs,
        all=[round(x, 3) for x in timings["three"]],
        one_site_seconds=round(statistics.median(timings["one"]), 3),
        one_site_all=[round(x, 3) for x in timings["one"]],
        alerts_per_site=ALERTS,
        how=how,
    )
    yield figure(
        "sites3_first_rows_ratio",
        statistics.median(pairs),
        "ratio",
        "< 1.3",
        repetitions=runs,
        ratio_of_medians=round(
            statistics.median(timings["three"]) / statistics.median(timings["one"]), 3
        ),
    )


async def _console(
    urls: dict[str, str], names: list[str], refresh_s: float, page_size: int
) -> tuple[Any, contextlib.AsyncExitStack]:
    """The console over these sites, built as the command line builds it: one site as
    ``_run_console`` does, several through ``open_sites``."""
    from console.actions import ActionTracker
    from console.api import BasicCredentials, JsmClient
    from console.cli.main import open_sites
    from console.settings.start import Settings, SiteInfo
    from console.tui.app import AlertConsole

    stack = contextlib.AsyncExitStack()
    clients = []
    for name in names:
        client = JsmClient(
            origin=origin_of(urls[name]),
            cloud_id=f"cloud-{name}",
            credentials=BasicCredentials(*account(name)),
        )
        clients.append(await stack.enter_async_context(client))
    base = {"query": "", "page_size": page_size, "refresh_s": refresh_s, "keep_pages": False}
    if len(names) == 1:
        settings = Settings(**base, site=names[0], user="bench")
        return AlertConsole(clients[0], ActionTracker(clients[0]), settings), stack
    infos = tuple(SiteInfo(n, "blue", f"site {n}", "bench") for n in names)
    app = await open_sites(clients, Settings(**base, sites=infos), journal=False)
    return app, stack


async def _unchanged_cpu_ms(urls: dict[str, str], names: list[str], reps: int) -> list[float]:
    """CPU time of each unchanged refresh cycle (fetch, parse, merge, diff, draw)."""
    app, stack = await _console(urls, names, refresh_s=3600, page_size=100)
    timings: list[float] = []
    async with stack, app.run_test(size=(160, 48)) as pilot:
        while app.feed.last is None or app.feed.busy:
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        for _ in range(reps + 2):
            cpu = time.process_time()
            update = await app.feed.refresh()
            assert update is not None and not update.changed
            app.main.apply(update)
            await pilot._wait_for_screen()  # as refresh_cpu: every message handled, then
            app.screen._on_timer_update()  # the frame drawn at once
            timings.append((time.process_time() - cpu) * 1000)
        await app.tracker.aclose()
    return timings[2:]  # the first two warm what the first refresh leaves cold


def refresh_cpu(quick: bool) -> Iterator[dict[str, Any]]:
    """An unchanged refresh of three sites' page of 100 against one site's, same run,
    alternating blocks, the simulators in processes of their own (not counted)."""
    reps = 10 if quick else 40
    blocks = 2 if quick else 4
    results: dict[str, list[float]] = {"one": [], "three": []}

    async def measure(urls: dict[str, str]) -> None:
        for block in range(blocks):
            for kind in ("one", "three") if block % 2 == 0 else ("three", "one"):
                names = ["prod"] if kind == "one" else list(SITES)
                results[kind] += await _unchanged_cpu_ms(urls, names, reps // blocks or 1)

    with three_sites() as urls:
        asyncio.run(measure(urls))
    one = statistics.median(results["one"])
    three = statistics.median(results["three"])
    yield figure(
        "sites3_refresh_cpu_ms_unchanged",
        three,
        "ms",
        "< 3 x sites1_refresh_cpu_ms_unchanged",
        repetitions=len(results["three"]),
        ratio_to_one_site=round(three / one, 3),
        page_size=100,
    )
    yield figure(
        "sites1_refresh_cpu_ms_unchanged",
        one,
        "ms",
        "the comparison",
        repetitions=len(results["one"]),
    )


SLOW_MS = 2500  # the slow site's every answer: past the patience of a 3 s refresh (1 s)


def list_requests(quick: bool) -> Iterator[dict[str, Any]]:
    """The console of three sites refreshing every 3 s on its own timer for a while, one site
    answering every request after 2.5 s: the list requests each simulator saw, per refresh."""
    seconds = 30 if quick else 90

    def reads(url: str) -> int:
        answer = httpx.get(f"{origin_of(url)}/_admin/stats", timeout=10).json()
        return int(answer["requests"].get("alert_lists", 0))

    def reset(url: str) -> None:
        httpx.delete(f"{origin_of(url)}/_admin/stats", timeout=10)

    async def measure(urls: dict[str, str]) -> tuple[int, dict[str, int]]:
        app, stack = await _console(urls, list(SITES), refresh_s=3, page_size=50)
        refreshes = 0
        async with stack, app.run_test(size=(160, 48)) as pilot:
            while app.feed.last is None or app.feed.busy:  # counted from between refreshes
                await pilot.pause(0.05)
            real: Callable[..., Any] = app.feed.refresh

            async def counted(*args: Any, **kwargs: Any) -> Any:
                nonlocal refreshes
                refreshes += 1
                return await real(*args, **kwargs)

            app.feed.refresh = counted  # counting, not changing: the real refresh runs
            for url in urls.values():
                reset(url)
            await pilot.pause(seconds)
            app.feed.refresh = real
            seen = {name: reads(url) for name, url in urls.items()}
            await app.tracker.aclose()
        return refreshes, seen

    slow = ("--faults", f"latency_ms={SLOW_MS}")
    with three_sites((), (), slow) as urls:
        refreshes, seen = asyncio.run(measure(urls))
    per_refresh = {name: round(n / max(refreshes, 1), 3) for name, n in seen.items()}
    yield figure(
        "sites3_list_requests_per_refresh",
        max(per_refresh.values()),
        "requests",
        "<= 1 per site",
        refreshes=refreshes,
        seconds=seconds,
        per_site=per_refresh,
        slow_site=f"stg, every answer after {SLOW_MS} ms",
    )


def sites(quick: bool) -> Iterator[dict[str, Any]]:
    yield from list_requests(quick)
    yield from refresh_cpu(quick)
    yield from first_rows(quick)
