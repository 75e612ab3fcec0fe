"""What the console was started with: the view, the pace, and how it names the site.

No Textual here: the command line reads it, and builds the feed from it before the
UI is loaded, so the first page can be on its way while Textual starts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.api.client import JsmClient, Listing
from console.live.cache import PageCache
from console.live.feed import DEFAULT_QUERY, AlertFeed, View
from console.settings.links import DEFAULT_ALERT_URL

if TYPE_CHECKING:
    from console.live.sites import SitesFeed
    from console.settings.config import Resolved, SavedView


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SiteInfo:
    """One site of several shown at once: its profile's name and colour, where it is and as
    whom, whether it is read-only, and where its alerts open in a browser."""

    name: str
    color: str | None = None
    site: str = ""  # how the header names it
    user: str = ""
    read_only: bool = False
    site_url: str | None = None
    alert_url: str = DEFAULT_ALERT_URL
    demo: bool = False
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """Everything a start was given, resolved: the view, the pace, the site and the keys."""

    query: str = DEFAULT_QUERY
    refresh_s: float = 15.0
    page_size: int = 50
    theme: str | None = None
    read_only: bool = False
    demo: bool = False
    site: str = ""  # how the header names the site
    user: str = ""  # who we are there
    wall: bool = False  # the wall display instead of the console (read-only)
    notify_priority: str = "P1"  # the wall's attention: new alerts at this priority or above
    keep_pages: bool = True  # keep the last good page on disk for the next start
    sort: str = "createdAt"
    order: str = "desc"
    profile: str = ""  # the profile's name, always on screen (production is never staging)
    profile_color: str | None = None
    site_url: str | None = None  # for "open in browser"
    alert_url: str = DEFAULT_ALERT_URL
    views: tuple[tuple[str, SavedView], ...] = ()  # saved views, in the file's order
    view_name: str | None = None  # the saved view shown first, if any
    wall_views: tuple[str, ...] = ()  # the wall rotates through these
    rotate_s: float = 30.0
    # --query replaced the wall's rotation of saved views (the wall says so on screen).
    rotation_skipped: bool = False
    site_key: str | None = None  # the site's origin/cloud id when the client reads a relay
    teams: tuple[str, ...] = ()  # the profile's teams (names or ids): heartbeats, on-call
    # How often heartbeats are read, at least: None is once a minute (live.oncall's
    # heartbeats_every); tests set it to their own quick pace.
    heartbeats_s: float | None = None
    keymap: tuple[tuple[str, str], ...] = ()  # binding id -> key, as Textual's set_keymap
    # Several sites in one table (two or more; empty: the one site above). Fixed at start.
    sites: tuple[SiteInfo, ...] = ()
    # The wall clock the screen reads (times in the header, ages in the table); tests and
    # snapshots pin it.
    clock: Callable[[], datetime] = field(default=utc_now, compare=False)

    @property
    def several(self) -> bool:
        return len(self.sites) > 1

    def site_info(self, name: str) -> SiteInfo:
        """The site called ``name`` (with one site: the one, whatever the name)."""
        for info in self.sites:
            if info.name == name:
                return info
        return SiteInfo(
            self.profile,
            self.profile_color,
            self.site,
            self.user,
            self.read_only,
            self.site_url,
            self.alert_url,
            self.demo,
            self.teams,
        )

    @property
    def view_keys(self) -> dict[int, str]:
        """The saved views on number keys: key -> view name."""
        return {view.key: name for name, view in self.views if view.key}


def settings_for(
    resolved: Resolved,
    *,
    query: str | None,
    view: str | None,
    wall: bool,
    demo: bool,
    site: str,
    site_url: str | None,
    user: str,
    keep_pages: bool = True,
    site_key: str | None = None,
    sites: tuple[SiteInfo, ...] = (),
) -> Settings:
    """What a start uses: the resolved profile, the flags that are not part of a profile."""
    from console.settings.config import NO_PROFILE
    from console.settings.keymap import active_keymap

    saved = resolved.views.get(view) if view else None
    # An explicit --query is what the wall shows: it replaces the rotation of saved views
    # (flags win over the file), and the wall says so; it never shows under a view's name.
    wall_views = resolved.wall_views if wall and query is None else ()
    if saved is None and wall_views:
        view, saved = wall_views[0], resolved.views[wall_views[0]]
    return Settings(
        query=query if query is not None else saved.query if saved else DEFAULT_QUERY,
        sort=saved.sort if saved and query is None else "createdAt",
        order=saved.order if saved and query is None else "desc",
        refresh_s=resolved.refresh,
        page_size=resolved.page_size,
        theme=resolved.theme,
        read_only=resolved.read_only or wall,
        keep_pages=keep_pages,
        site_key=site_key,
        teams=resolved.teams,
        demo=demo,
        site=site,
        user=user,
        wall=wall,
        notify_priority=resolved.notify_priority,
        profile="" if resolved.name == NO_PROFILE else resolved.name,
        profile_color=resolved.color,
        site_url=site_url,
        alert_url=resolved.alert_url,
        views=tuple(resolved.views.items()),
        view_name=view if saved is not None and query is None else None,
        wall_views=wall_views,
        rotate_s=resolved.rotate_seconds,
        rotation_skipped=wall and query is not None and bool(resolved.wall_views),
        keymap=tuple(active_keymap(resolved.keys).items()),
        sites=sites,
    )


def feed_for(client: JsmClient, settings: Settings, site_name: str = "") -> AlertFeed:
    """The feed of the alert view these settings describe (the wall's asks for its rows by
    urgency, with their counts); ``site_name``: one site of several, whose alerts it tags."""
    fetch_page = None
    if settings.wall:
        from console.live.wall import WallPages

        pages = WallPages(settings.clock)

        async def fetch_page(client: JsmClient, view: View) -> Listing:
            return await pages.fetch(client, view.query, view.size)

    return AlertFeed(
        client,
        View(
            query=settings.query,
            sort=settings.sort,
            order=settings.order,
            size=settings.page_size,
        ),
        interval_s=settings.refresh_s,
        clock=settings.clock,
        cache=PageCache(client.site) if settings.keep_pages else None,
        fetch_page=fetch_page,
        site_key=settings.site_key,
        site_name=site_name,
    )


def sites_feed_for(clients: Sequence[JsmClient], settings: Settings) -> SitesFeed:
    """The feed of several sites (``settings.sites``, one client each, in the same order):
    each site's own feed (its cache, freshness and backoff), merged in the view's order."""
    from console.live.sites import Site, SitesFeed

    sites = [
        Site(info.name, feed_for(client, settings, info.name), info.color, info.read_only)
        for info, client in zip(settings.sites, clients, strict=True)
    ]
    first = sites[0].feed
    return SitesFeed(
        sites, first.view, interval_s=settings.refresh_s, wall=settings.wall, clock=settings.clock
    )
