"""Several sites in one table (issue 21): the console and the wall over three simulators at
once, each with its own cloud id, credentials and data, over loopback HTTP.

Each simulator accepts only its own account, so a write that lands on a simulator was sent
with that site's credentials."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.api.models import PRIORITIES
from console.cli.main import open_sites
from console.live.sites import SitesFeed
from console.settings.start import Settings, SiteInfo
from console.simulator.server import BackgroundSimulator
from console.tui.app import AlertConsole
from console.tui.wall_screen import WallScreen
from tests.conftest import FAST_RETRY
from tests.helpers import get, site_client, site_config
from tests.tui.conftest import (
    WIDE,
    loaded,
    no_hidden_bugs,
    row_texts,
    screen_text,
    shown,
    toasts,
    until,
)

# Three sites: different cloud ids, accounts and data (and so different sizes).
SITES = {
    "prod": site_config("prod", alerts=30, seed=3),
    "eu": site_config("eu", alerts=12, seed=5),
    "stg": site_config("stg", alerts=5, seed=9),
}
COLOURS = {"prod": "red", "eu": "blue", "stg": "green"}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, BackgroundSimulator]]:
    started = {name: BackgroundSimulator(config).start() for name, config in SITES.items()}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def sites(servers: dict[str, BackgroundSimulator]) -> dict[str, BackgroundSimulator]:
    for server in servers.values():
        if server._server is None:  # stopped by a test: back on its port
            server.start()
        server.reset()
        server.set_faults(latency_ms=0, error_rate=0.0, throttle_rate=0.0)
    return servers


def service(server: BackgroundSimulator) -> httpx.Client:
    """Plain httpx on one simulator, with its own account."""
    account = server.config.account
    return httpx.Client(base_url=server.base_url, auth=(account.email, account.token), timeout=10)


def every_alert(server: BackgroundSimulator, query: str, sort: str, order: str) -> list[dict]:
    with service(server) as api:
        body = api.get(
            "/v1/alerts", params={"query": query, "sort": sort, "order": order, "size": 100}
        ).json()
    values: list[dict[str, Any]] = body["values"]
    return values


def count(server: BackgroundSimulator, query: str) -> int:
    with service(server) as api:
        return int(api.get("/v1/alerts", params={"query": query, "size": 1}).json()["count"])


@pytest.fixture
async def make_sites(
    sites: dict[str, BackgroundSimulator], tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Any]:
    """``await make_sites(["prod", "eu"], read_only={"eu"}, **settings)``: the console of those
    sites, built as the command line builds it (console.cli.main.open_sites)."""
    stack = AsyncExitStack()
    made: list[AlertConsole] = []

    async def make(
        names: list[str] | None = None, *, read_only: frozenset[str] = frozenset(), **settings: Any
    ) -> AlertConsole:
        names = names or list(SITES)
        clients = []
        for name in names:
            client = site_client(sites[name], retry=FAST_RETRY, read_only=name in read_only)
            clients.append(await stack.enter_async_context(client))
        infos = tuple(
            SiteInfo(name, COLOURS[name], f"site {name}", "me", read_only=name in read_only)
            for name in names
        )
        base: dict[str, Any] = {"query": "", "refresh_s": 60, "page_size": 20, "keep_pages": False}
        base["heartbeats_s"] = settings.get("refresh_s", base["refresh_s"])  # the test's pace
        app = await open_sites(clients, Settings(**{**base, **settings, "sites": infos}))
        made.append(app)
        return app

    yield make
    for app in made:
        await app.tracker.aclose()
        if app.tracker.journal is not None:
            app.tracker.journal.close()
        no_hidden_bugs(app, request)
    await stack.aclose()


def feed(app: AlertConsole) -> SitesFeed:
    assert isinstance(app.feed, SitesFeed)
    return app.feed


def shown_rows(app: AlertConsole) -> list[tuple[str, str]]:
    """(site, alert id) of each row, in the order the table shows them."""
    table = app.main.table
    return [(table.alerts[k].site, table.alerts[k].id) for k in table._row_order()]


# ---------------------------------------------------------------------- one table


@pytest.mark.parametrize(
    ("sort", "order"),
    [("createdAt", "desc"), ("lastOccurredAt", "desc"), ("priority", "desc"), ("createdAt", "asc")],
)
async def test_the_rows_of_every_site_are_merged_in_the_views_order(
    make_sites: Any, sites: dict[str, BackgroundSimulator], sort: str, order: str
) -> None:
    app = await make_sites(sort=sort, order=order, query="status: open")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        rows = shown_rows(app)
        texts = row_texts(app)
        screen = screen_text(app)
    # What each service holds, in its own order: the merge is the top of their union.
    union: list[tuple[Any, str, str]] = []
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    for name, server in sites.items():
        for alert in every_alert(server, "status: open", sort, order):
            value = (
                -rank[alert["priority"]]
                if sort == "priority"
                else alert[sort]  # ISO times in one zone sort as text
            )
            union.append((value, name, alert["id"]))
    union.sort(key=lambda row: row[0], reverse=order == "desc")
    wanted = [value for value, _n, _i in union[:20]]
    ids = {(name, alert_id): value for value, name, alert_id in union}
    got = [ids[row] for row in rows]
    assert got == wanted  # the same values in the same order (ties may fall either way)
    assert len({site for site, _id in rows}) >= 2  # rows of several sites, interleaved
    # The Site column is first, and names each row's own site.
    assert [t[0].split()[0] for t in texts] == [site for site, _id in rows]
    totals = {name: count(server, "status: open") for name, server in sites.items()}
    expected = f"of {sum(totals.values()):,} (prod {totals['prod']} · eu {totals['eu']} · stg"
    assert expected in screen


async def test_paging_sees_every_alert_of_every_site_once(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    app = await make_sites(page_size=7, query="")
    seen: list[tuple[str, str]] = []
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        for _page in range(20):
            seen += shown_rows(app)
            last = app.feed.last
            assert last is not None
            if not last.listing.has_next:
                break
            await pilot.press("right_square_bracket")
            await until(pilot, lambda last=last: app.feed.last is not last and not app.feed.busy)
        # And back to the first page: the same first rows as at the start.
        await pilot.press("g")
        await until(pilot, lambda: app.feed.last.view.offset == 0 and not app.feed.busy)  # type: ignore[union-attr]
        first_again = shown_rows(app)
    expected = {
        (name, a["id"])
        for name, s in sites.items()
        for a in every_alert(s, "", "createdAt", "desc")
    }
    assert len(seen) == len(set(seen)), "an alert was shown on two pages"
    assert set(seen) == expected, "an alert was never shown"
    assert first_again == seen[:7]


# ---------------------------------------------------------------------- each site's freshness


async def test_a_site_that_dies_is_stale_with_its_reason_and_the_others_carry_on(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    interval = 2.0
    app = await make_sites(refresh_s=interval, query="status: open")
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        sites["eu"].stop()
        killed = time.monotonic()
        await until(pilot, lambda: "eu" in app.main.table.stale_sites, timeout=3 * interval + 4)
        took = time.monotonic() - killed
        header = app.main.status_bar.content.plain  # type: ignore[union-attr]
        # Its own reason, in the header and in full in a toast; its rows kept, marked.
        assert "EU" in header and "cannot connect" in header, header
        await until(pilot, lambda: any("eu: cannot connect" in t for t in toasts(app)))
        eu_rows = [t for t in row_texts(app) if t[0].startswith("eu")]
        assert eu_rows and all("⚠" in t[0] for t in eu_rows)
        # The other sites stay fresh and keep refreshing.
        verdicts = {s.name: v for s, v, _f in feed(app).verdicts()}
        assert verdicts["prod"].live and verdicts["stg"].live
        confirmed = {s.name: f.confirmed_mono for s, _v, f in feed(app).verdicts()}
        await until(
            pilot,
            lambda: all(
                (f.confirmed_mono or 0) > (confirmed[s.name] or 0)
                for s, _v, f in feed(app).verdicts()
                if s.name != "eu"
            ),
            timeout=3 * interval + 2,
        )
        assert not any(t[0].startswith(("prod", "stg")) and "⚠" in t[0] for t in row_texts(app))
        sites["eu"].start()
        await until(pilot, lambda: "eu" not in app.main.table.stale_sites, timeout=3 * interval + 4)
        await until(pilot, lambda: any("eu answers again" in t for t in toasts(app)))
    # Stale within two intervals of the failure (plus a second for the retries to be told).
    assert took <= 2 * interval + 1.5, took


async def test_a_rate_limited_site_holds_back_no_other(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    interval = 2.0
    app = await make_sites(refresh_s=interval, query="status: open")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        for server in sites.values():
            server.admin("stats", method="DELETE")
        sites["stg"].set_faults(throttle_rate=1.0)
        started = time.monotonic()
        await until(pilot, lambda: "stg" in app.main.table.stale_sites, timeout=4 * interval + 4)
        header = app.main.status_bar.content.plain  # type: ignore[union-attr]
        assert "429" in header, header
        # Meanwhile the others refreshed at their pace: one list request per refresh each.
        await pilot.pause(2 * interval)
        elapsed = time.monotonic() - started
        verdicts = {s.name: v for s, v, _f in feed(app).verdicts()}
        assert verdicts["prod"].live and verdicts["eu"].live
        for name in ("prod", "eu"):
            reads = sites[name].stats()["requests"].get("alert_reads", 0)
            assert 2 <= reads <= elapsed / interval + 2, (name, reads, elapsed)


# ---------------------------------------------------------------------- writes


async def test_a_bulk_acknowledge_lands_on_each_site_with_its_own_credentials(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    query = "status: open AND acknowledged: false"
    app = await make_sites(query=query, page_size=9)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        rows = shown_rows(app)
        assert len({site for site, _id in rows}) >= 2, rows
        by_site: dict[str, set[str]] = {}
        for site, alert_id in rows:
            by_site.setdefault(site, set()).add(alert_id)
        summed = sum(len(ids) > 1 for ids in by_site.values())
        await pilot.press("asterisk", "a")
        await until(
            pilot, lambda: not app.tracker.pending and len(app.tracker.actions) == len(rows)
        )
        # One summary per site that had several alerts in the batch.
        await until(pilot, lambda: sum("Acknowledge on" in t for t in toasts(app)) >= summed)
        summaries = [t for t in toasts(app) if "Acknowledge on" in t]
    for site, ids in by_site.items():
        with service(sites[site]) as api:
            for alert_id in ids:
                alert = api.get(f"/v1/alerts/{alert_id}").json()
                assert alert["acknowledged"] is True, (site, alert_id)
        if len(ids) > 1:  # the bulk summary is per site, and names it
            assert any(
                t.startswith(f"{site}: Acknowledge on {len(ids)} alerts") or f"{site}:" in t
                for t in summaries
            ), summaries


async def test_a_read_only_site_stays_read_only_in_the_mix(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    query = "status: open AND acknowledged: false"
    app = await make_sites(query=query, page_size=30, read_only=frozenset({"stg"}))
    before = count(sites["stg"], query)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        rows = shown_rows(app)
        texts = row_texts(app)
        # Its rows say so.
        assert all(t[0].startswith("stg r/o") for t in texts if t[0].startswith("stg"))
        assert any(site == "stg" for site, _id in rows)
        await pilot.press("asterisk", "a")
        await until(pilot, lambda: any("stg is read-only" in t for t in toasts(app)))
        await until(pilot, lambda: not app.tracker.pending and app.tracker.actions)
    assert count(sites["stg"], query) == before  # nothing reached it
    others = [(s, i) for s, i in rows if s != "stg"]
    for site, alert_id in others:
        with service(sites[site]) as api:
            assert api.get(f"/v1/alerts/{alert_id}").json()["acknowledged"] is True


async def test_an_action_that_names_someone_is_for_one_sites_alerts_at_a_time(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    app = await make_sites(query="status: open", page_size=30)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("asterisk", "w")  # assign: a person of one site
        await until(pilot, lambda: any("names someone of one site" in t for t in toasts(app)))
        assert not app.tracker.actions


# ---------------------------------------------------------------------- the wall


async def test_the_walls_counts_are_each_sites_and_their_sum(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    app = await make_sites(wall=True, refresh_s=2, query="status: open", read_only=frozenset(SITES))
    async with app.run_test(size=WIDE) as pilot:
        wall = app.main
        assert isinstance(wall, WallScreen)
        await until(pilot, lambda: wall.counts is not None and len(wall.site_counts) == 3)
        for name, server in sites.items():
            counts = wall.site_counts[name]
            for p in PRIORITIES:
                query = f"status: open AND acknowledged: false AND priority: {p}"
                assert counts.unacked[p] == count(server, query), (name, p)
            assert counts.acked == count(server, "status: open AND acknowledged: true")
        total = wall.counts
        assert total is not None
        assert total.open_total == sum(count(s, "status: open") for s in sites.values())
        lines = screen_text(app)
        for name in SITES:
            assert f" {name.upper()} " in lines
        # Every site fresh: no banner. One down: the all-clear and the sums no longer vouch.
        assert not wall.stale
        sites["prod"].stop()
        banner = wall.banner
        await until(pilot, lambda: "prod: cannot connect" in banner.content.plain, timeout=10)  # type: ignore[union-attr]
        assert wall.stale and not wall.all_clear.has_class("shown")


# ---------------------------------------------------------------------- heartbeats


def new_heartbeat(server: BackgroundSimulator, name: str) -> str:
    """A heartbeat of one minute on the Payments team of this site, pinged once (with the
    site's own account); the team's id."""
    with service(server) as api:
        teams = api.get("/v1/teams").json()["platformTeams"]
        team = str(next(t["teamId"] for t in teams if t["teamName"] == "Payments"))
        body = {"name": name, "interval": 1, "intervalUnit": "minutes", "enabled": True}
        api.post(f"/v1/teams/{team}/heartbeats", json=body).raise_for_status()
        api.get(f"/v1/teams/{team}/heartbeats/ping", params={"name": name}).raise_for_status()
    return team


def heartbeat_status(server: BackgroundSimulator, team: str, name: str) -> str:
    with service(server) as api:
        found = api.get(f"/v1/teams/{team}/heartbeats", params={"name": name}).json()
    return str(found["values"][0]["status"])


async def test_every_sites_silent_heartbeats_are_shown_and_pinged_on_their_own_site(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    """A monitor that went silent on the second site is counted in the header and listed
    with its site, and its ping goes to that site with that site's credentials; a site whose
    plan has no heartbeats says so for itself and hides nobody else's."""
    from console.tui.panels import HeartbeatsPanel

    eu_team = new_heartbeat(sites["eu"], "eu-cron")
    new_heartbeat(sites["prod"], "prod-cron")
    sites["eu"].admin("clock", {"advance_ms": 150_000})  # eu-cron missed two pings
    sites["stg"].admin("heartbeats", {"plan": False})
    assert heartbeat_status(sites["eu"], eu_team, "eu-cron") == "Unresponsive"
    app = await make_sites(refresh_s=2)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        header = app.main.status_bar
        await until(pilot, lambda: "silent heartbeat" in shown(header), timeout=15)
        await pilot.press("H")
        panel = app.screen
        assert isinstance(panel, HeartbeatsPanel)
        await until(pilot, lambda: "prod-cron" in rows_of(panel), timeout=15)
        rows = rows_of(panel)
        eu_row = next(r for r in rows.split("\n") if "eu-cron" in r)
        assert "SILENT" in eu_row and "| eu | Payments |" in eu_row, eu_row
        assert "| prod | Payments |" in next(r for r in rows.split("\n") if "prod-cron" in r)
        assert "stg: the site's plan has no heartbeats (402)" in shown(panel.state)
        assert rows.split("\n")[0].count("SILENT")  # silent first, whatever the site
        keys = [str(k.value) for k in panel.table.rows]
        panel.table.move_cursor(row=next(i for i, k in enumerate(keys) if "eu-cron" in k))
        await pilot.press("p")
        await until(pilot, lambda: "Ping" in str(getattr(app.screen, "_title", "")))
        await pilot.press("y")
        await until(
            pilot, lambda: heartbeat_status(sites["eu"], eu_team, "eu-cron") == "Responsive"
        )
        # Only eu accepts eu's account: the ping went to eu, with eu's credentials.
        await until(pilot, lambda: "SILENT" not in rows_of(panel).split("\n")[0], timeout=10)


def rows_of(panel: Any) -> str:
    return "\n".join(
        " | ".join(str(getattr(c, "plain", c)) for c in panel.table.get_row_at(i))
        for i in range(panel.table.row_count)
    )


async def test_a_silent_heartbeat_on_any_site_is_loud_on_the_wall_and_no_all_clear(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    new_heartbeat(sites["stg"], "stg-cron")
    sites["stg"].admin("clock", {"advance_ms": 150_000})
    app = await make_sites(
        wall=True,
        refresh_s=1,
        query="status: open AND tag: nothing-carries-this",
        read_only=frozenset(SITES),
    )
    async with app.run_test(size=WIDE) as pilot:
        wall = app.main
        assert isinstance(wall, WallScreen)
        await until(pilot, lambda: "stg-cron" in shown(wall.silent_line), timeout=15)
        assert "stg · Payments" in shown(wall.silent_line)
        assert int(str(wall.digits["silent"].value)) >= 1
        assert not wall.all_clear.has_class("shown")  # the alerts match nothing; stg is silent


# ---------------------------------------------------------------------- on call


async def test_the_on_call_panel_is_every_sites_and_w_assigns_only_on_the_alerts_own_site(
    make_sites: Any, sites: dict[str, BackgroundSimulator]
) -> None:
    from console.tui.panels import OnCallPanel

    app = await make_sites(query="status: open")
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        alert = app.main.table.selected
        assert alert is not None and alert.site
        await pilot.press("W")
        panel = app.screen
        assert isinstance(panel, OnCallPanel)
        # Each site's schedules for the teams of that site's alerts, with the site's column.
        await until(pilot, lambda: len({o.site for o in panel.feed.on_call.values()}) >= 2, 15)
        rows = [panel.table.get_row_at(i) for i in range(panel.table.row_count)]
        assert {str(r[0]) for r in rows} == {o.site for o in panel.feed.on_call.values()}
        keys = [str(k.value) for k in panel.table.rows]
        entries = [panel.feed.on_call[k] for k in keys]
        # A schedule of another site: w says why and sends nothing (ids differ per site).
        other = next(i for i, e in enumerate(entries) if e.site != alert.site and e.now)
        panel.table.move_cursor(row=other)
        await pilot.press("w")
        await until(pilot, lambda: any("is on call on" in t for t in toasts(app)))
        assert not app.tracker.actions
        # One of its own site: the assign lands there, with that site's credentials.
        own = next(i for i, e in enumerate(entries) if e.site == alert.site and e.now)
        panel.table.move_cursor(row=own)
        who = entries[own].now[0]
        await pilot.press("w")
        book = app.directories[alert.site]
        await until(pilot, lambda: book.name("user", who) is not None, timeout=15)
        with service(sites[alert.site]) as api:

            def owner() -> object:
                return get(api, alert.id).get("owner")

            await until(pilot, lambda: owner() == book.name("user", who), timeout=15)
