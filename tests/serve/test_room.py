"""A room of screens (issue 20): one poller for every page, the same moment on every screen,
the service's failure on every page, and no credential in any wall.

Real Chromium pages against a real 'alert-console serve --demo', counted on its simulator."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serve.support import (
    DEMO_ACCOUNT,
    KEY,
    Served,
    drawn,
    screen,
    start_chromium,
    until,
)

REFRESH_S = 2.0
AS_OF = re.compile(r"as of (\d\d:\d\d:\d\d)")


@pytest.fixture(scope="module")
def room(serve_env: dict[str, str]) -> Iterator[Served]:
    server = Served(
        ["--demo", "--key", KEY, "--refresh", f"{REFRESH_S:g}", "--max-browsers", "4"], serve_env
    )
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pages() -> Iterator[list[Any]]:
    drivers = [start_chromium(1200, 700) for _ in range(3)]
    yield drivers
    for driver in drivers:
        driver.quit()


def status(served: Served) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{served.origin}/status?key={KEY}", timeout=10).json()
    return answer


def polls(served: Served) -> int:
    return sum(view["polls"] for view in status(served)["views"])


def service_reads_per_poll(served: Served, seconds: float) -> tuple[float, float]:
    """The reads the service saw per poll of the server, over a few polls from now: of the
    alerts, and of everything (the panels' heartbeats, on-call and names too)."""
    # Start and end just as a poll has ended, so no poll is counted in part.
    before = polls(served)
    first = until(lambda: (n := polls(served)) > before and n, timeout=60, every=0.02)
    served.reset_stats()
    goal = first + max(2, int(seconds / REFRESH_S))
    last = until(lambda: (n := polls(served)) >= goal and n, timeout=60, every=0.02)
    counted = served.stats()["requests"]
    alerts: int = counted.get("alert_reads", 0)
    # The names' reads come once a minute whatever is open: left out of the comparison.
    panels = alerts + counted.get("heartbeat_reads", 0) + counted.get("oncall_reads", 0)
    return alerts / (last - first), panels / (last - first)


def test_one_poller_for_every_page(room: Served, pages: list[Any]) -> None:
    first = pages[0]
    first.get(room.url)
    drawn(first, room)
    one_page = service_reads_per_poll(room, 6)
    for page in pages[1:]:
        page.get(room.url)
    for page in pages:
        drawn(page, room)
    assert status(room)["pages_open"] == 3
    three_pages = service_reads_per_poll(room, 6)
    # The service sees the same six alert reads a poll (the unacknowledged and acknowledged
    # rows, four counts) whether one page is open or three, and no more panel reads either:
    # the walls read the server.
    assert one_page[0] <= 6.5 and three_pages[0] <= one_page[0] * 1.1, (one_page, three_pages)
    # The panels refresh on their own clock, so a window of three polls may hold one more of
    # their rounds than the other: a margin of a round, far below the 3x of a page apiece.
    assert three_pages[1] <= one_page[1] * 1.25 + 2, (one_page, three_pages)
    assert status(room)["relay"]["walls_reads_answered"] > 0
    walls = status(room)["walls"]
    assert len(walls) == 3 and all(0 < w["rss_mb"] < 200 for w in walls)  # memory per page
    wrong = httpx.get(f"{room.origin}/status?key=not-the-key-0123456789", timeout=10)
    assert wrong.status_code == 403  # the status is behind the key

    # Every screen shows the same moment: the poll they all read.
    def same_moment() -> str | None:
        moments = {m.group(1) for p in pages if (m := AS_OF.search(screen(p)["text"]))}
        return moments.pop() if len(moments) == 1 else None

    same_moment.__doc__ = "every page showing the same 'as of'"
    until(same_moment, timeout=20, every=0.2)


def test_no_wall_holds_a_credential_and_a_write_is_refused(room: Served, pages: list[Any]) -> None:
    pages[0].get(room.url)
    drawn(pages[0], room)
    token = DEMO_ACCOUNT[1]
    walls = room.walls()
    assert walls
    relay_origin = ""
    relay_auth = ""
    for pid in walls:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        everything = b"\n".join(environ + cmdline).decode(errors="replace")
        assert token not in everything and KEY not in everything
        args = [a.decode() for a in cmdline]
        config = Path(args[args.index("--config") + 1])
        assert token not in config.read_text()  # the walls' file: views only
        relay_origin = args[args.index("--url") + 1]
        env = dict(e.decode().split("=", 1) for e in environ if b"=" in e)
        pair = f"{env['ALERT_CONSOLE_EMAIL']}:{env['ALERT_CONSOLE_API_TOKEN']}"
        relay_auth = "Basic " + base64.b64encode(pair.encode()).decode()
    assert relay_origin.startswith("http://127.0.0.1:")
    api = f"{relay_origin}/jsm/ops/api/demo/v1/alerts"
    headers = {"Authorization": relay_auth}
    # What a compromised wall could try with all it has: refused, each, and logged.
    write = httpx.post(f"{api}/some-alert/acknowledge", json={}, headers=headers, timeout=10)
    other = httpx.get(api, params={"query": "tag: secret", "size": 100}, headers=headers)
    stranger = httpx.get(api, params={"query": "status: open"}, timeout=10)
    assert (write.status_code, other.status_code, stranger.status_code) == (403, 403, 401)
    until(lambda: any("refused a wall's POST" in line for line in room.stderr))
    assert status(room)["relay"]["walls_reads_refused"] >= 3


def test_the_services_failure_shows_on_every_page_then_recovers(
    room: Served, pages: list[Any]
) -> None:
    for page in pages:
        page.get(room.url)
    for page in pages:
        drawn(page, room)
    faults = f"{room.simulator}/_admin/faults"
    httpx.post(faults, json={"error_rate": 1.0}, timeout=10).raise_for_status()
    try:

        def stale_everywhere() -> bool:
            texts = [screen(p)["text"] for p in pages]
            return all("STALE" in t and "500" in t for t in texts)

        stale_everywhere.__doc__ = "every page saying STALE with the service's 500"
        until(stale_everywhere, timeout=4 * REFRESH_S + 10, every=0.2)
    finally:
        httpx.post(faults, json={"error_rate": 0.0}, timeout=10).raise_for_status()

    def fresh_everywhere() -> bool:
        return all("STALE" not in screen(p)["text"] for p in pages)

    fresh_everywhere.__doc__ = "every page fresh again, with no key pressed"
    until(fresh_everywhere, timeout=40, every=0.2)
    assert status(room)["views"][0]["last_error"] is None
