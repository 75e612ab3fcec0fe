"""The kinds of main screen the console can be, as data: the app asks its kind, never
whether it is a wall.

A :class:`ScreenKind` says which screen it builds (loaded only when that kind is used),
the stylesheet the app reads with its own, the theme it starts in, whether it may write,
open dialogs (help, the command palette) and name ids (the directory). What a screen shows
is handed to it in :class:`Sources`: it never reaches through a feed for a client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from console.tui.themes import DEFAULT_THEME, WALL_THEME

if TYPE_CHECKING:
    from console.actions import AnyTracker
    from console.directory import Directory
    from console.live.feed import AlertSource
    from console.live.history import HistoryCache
    from console.live.oncall import HeartbeatFeed, OnCallFeed, SitesHeartbeats, SitesOnCall
    from console.settings.start import Settings
    from console.tui.live import LiveScreen

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Sources:
    """What a screen is handed: its feed, and whatever else it shows or acts through."""

    feed: AlertSource
    tracker: AnyTracker
    directory: Directory | None = None  # names for ids (None: ids stay ids)
    # Several sites: each site's own directory, by the site's name (the first is ``directory``).
    directories: Mapping[str, Directory] = field(default_factory=dict)
    history: HistoryCache | None = None  # an alert's notes and activity
    count: Callable[[str], Awaitable[int]] | None = None  # the service's count of a query
    oncall: OnCallFeed | SitesOnCall | None = None  # who is on call (the panel, the wall's strip)
    heartbeats: HeartbeatFeed | SitesHeartbeats | None = None  # which monitors went silent


@dataclass(frozen=True)
class ScreenKind:
    """A kind of main screen (the console or the wall): its styles, theme and what it may do."""

    name: str
    styles: Path  # read with the app's own stylesheets (one pass at start)
    theme: str  # the theme it starts in unless told otherwise
    read_only: bool  # whatever it was given: no write can leave the process
    dialogs: bool  # help, the command palette
    names: bool  # a directory of names, read in the background
    build: Callable[[Settings, Sources], LiveScreen]


def _alerts(settings: Settings, sources: Sources) -> LiveScreen:
    from console.tui.main_screen import AlertScreen

    return AlertScreen(settings, sources)


def _wall(settings: Settings, sources: Sources) -> LiveScreen:
    from console.tui.wall_screen import WallScreen  # its widgets only on a wall

    return WallScreen(settings, sources)


KINDS: dict[str, ScreenKind] = {
    "alerts": ScreenKind(
        "alerts",
        HERE / "main_screen.tcss",
        DEFAULT_THEME,
        read_only=False,
        dialogs=True,
        names=True,
        build=_alerts,
    ),
    "wall": ScreenKind(
        "wall",
        HERE / "wall_screen.tcss",
        WALL_THEME,
        read_only=True,
        dialogs=False,
        names=True,  # the on-call strip names people and teams
        build=_wall,
    ),
}


def kind_of(settings: Settings) -> ScreenKind:
    return KINDS["wall" if settings.wall else "alerts"]
