"""The two one-line bars of the alert view: the header (who, where, how fresh) and the page
bar (which alerts, in which order, what is marked or pending). Each is given what to say and
redraws only when its text changes, without a layout pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from console.api import errors
from console.api.client import LIST_WINDOW
from console.live.feed import Freshness, Update, View, describe
from console.live.sites import SitesListing
from console.tui.cells import clock_time, literal
from console.tui.palette import PLAIN, Palette


class Bar(Static):
    DEFAULT_CSS = "Bar { height: 1; background: $panel; color: $text; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.palette = PLAIN

    def put(self, text: Text) -> None:
        """Show ``text`` if it differs from what is shown, without a layout pass."""
        if self.content != text:
            self.update(text, layout=False)


SITE_TROUBLE = 32  # characters of a site's trouble in the header


@dataclass(frozen=True)
class SiteState:
    """One site of several, as the header shows it: its badge, its dot, its age, its trouble."""

    name: str
    color: str | None
    freshness: Freshness
    read_only: bool = False


class StatusBar(Bar):
    def draw(
        self,
        *,
        demo: bool,
        read_only: bool,
        paused: bool,
        interval_s: float,
        freshness: Freshness,
        now: float,
        rate_wait_s: float,
        who: str,
        cached_at: datetime | None = None,
        profile: str = "",
        profile_color: str | None = None,
        silent: int = 0,
        sites: Sequence[SiteState] = (),
    ) -> None:
        p = self.palette
        text = Text()
        text.append(" alert-console ", style=p["title"])
        if sites:
            text.append_text(site_badges("", None, demo=demo, palette=p))
        else:
            text.append_text(site_badges(profile, profile_color, demo=demo, palette=p))
        if read_only:
            text.append(" READ-ONLY ", style=p["read-only"])
        text.append("  ")
        verdict = freshness.verdict(interval_s, now)
        if paused:
            text.append("⏸ paused", style=p["paused"])
        else:
            # Green only while the last refresh worked and is younger than two intervals;
            # amber at the first failed attempt or when overdue; the problem colour once a
            # whole refresh failed.
            colour = {"live": "live", "waiting": "muted", "failing": "problem"}.get(
                verdict.condition, "stale"
            )
            text.append(f"● every {interval_s:g} s", style=p[colour])
        text.append("  ")
        if sites:
            for each in sites:
                text.append_text(_site_dot(each, interval_s, now, paused, p))
                text.append("  ")
        elif freshness.confirmed_at is None and cached_at is not None:
            text.append(f"cached from {clock_time(cached_at)}, not yet confirmed", style=p["stale"])
        elif freshness.confirmed_at is None:
            text.append(
                "no data yet" if verdict.trouble else "waiting for the first answer…", "italic"
            )
        else:
            text.append(
                f"updated {clock_time(freshness.confirmed_at)}{_ago(freshness.age(now))}",
                style="" if verdict.live else p["stale"],
            )
        if verdict.trouble and not sites:
            warning = literal(f"⚠ {verdict.words()}")
            warning.stylize(p["problem" if verdict.condition == "failing" else "stale"])
            text.append("  ")
            text.append_text(warning)
        if silent:
            # A monitor that went silent is as loud as a P1 (the heartbeats panel, H, says which).
            text.append("  ")
            text.append(
                f" ◆ {silent} silent heartbeat{'s' if silent != 1 else ''} ",
                style=p["p1"] + Style(bold=True, reverse=True),
            )
        if rate_wait_s > 0:
            text.append(
                f"  rate limited by the alerts API: waiting {rate_wait_s:.0f} s", style=p["stale"]
            )
        site = literal(who)
        site.stylize(p["muted"])
        text.append("   ")
        text.append_text(site)
        self.put(text)


class PageBar(Bar):
    def draw(
        self,
        *,
        last: Update | None,
        view: View,
        marked: int,
        marked_away: int,
        pending: int,
        refused: Mapping[str, str] | None = None,
    ) -> None:
        p = self.palette
        text = Text(" ")
        if last is None:
            text.append("loading…", style="italic")
        elif not last.order:
            text.append(f"No alerts match · as of {clock_time(last.at)}", style="bold")
        else:
            first = last.view.offset + 1
            final = last.view.offset + len(last.order)
            text.append(f"{first:,}–{final:,} of {last.total:,}", style="bold")
            if isinstance(last.listing, SitesListing) and last.listing.totals:
                each = " · ".join(f"{name} {n:,}" for name, n in last.listing.totals.items())
                text.append_text(literal(f" ({each})"))
            if last.listing.unreadable:
                n = last.listing.unreadable
                text.append(
                    f"  · {n} alert{'s' if n != 1 else ''} unreadable (no id): not shown",
                    style=p["stale"],
                )
            if last.listing.window_reached:
                text.append(
                    f"  · the service shows at most {LIST_WINDOW:,}: narrow the query",
                    style=p["stale"],
                )
        for site, why in (refused or {}).items():
            # Several sites: one that refuses the query says so for itself; the others' rows
            # are shown.
            note = literal(f"  · {site} refuses this query: {why}")
            note.stylize(p["problem"])
            text.append_text(note)
        arrow = "↓" if view.order == "desc" else "↑"
        text.append(f"   sort {view.sort} {arrow}", style=p["muted"])
        if marked:
            away = f" ({marked_away} off this page)" if marked_away else ""
            text.append(f"   {marked} marked{away}", style=p["mark"])
        if pending:
            text.append(f"   {pending} action{'s' if pending != 1 else ''} pending", p["stale"])
        text.append("   ")
        query = literal(f"query: {view.query or '(everything)'}")
        query.stylize(p["muted"])
        text.append_text(query)
        self.put(text)


def _site_dot(site: SiteState, interval_s: float, now: float, paused: bool, p: Palette) -> Text:
    """One site of several in the header: its badge, a dot in its freshness's colour, the time
    of its last good page, and its own trouble (which never colours another site's)."""
    fresh = site.freshness
    verdict = fresh.verdict(interval_s, now)
    colour = {"live": "live", "waiting": "muted", "failing": "problem"}.get(
        verdict.condition, "stale"
    )
    text = profile_badge(site.name, site.color)
    if site.read_only:
        text.append(" r/o", style=p["muted"])
    text.append(" ● ", style=p["paused" if paused else colour])
    if fresh.confirmed_at is None:
        text.append("no data yet" if verdict.trouble else "waiting…", "italic")
    else:
        text.append(
            f"{clock_time(fresh.confirmed_at)}{_ago(fresh.age(now))}",
            style="" if verdict.live else p["stale"],
        )
    if verdict.trouble:
        # Short, so that every site keeps its place in the header (a toast says it in full).
        words = verdict.words()
        short = words if len(words) <= SITE_TROUBLE else words[: SITE_TROUBLE - 1] + "…"
        warning = literal(f" ⚠ {short}")
        warning.stylize(p["problem" if verdict.condition == "failing" else "stale"])
        text.append_text(warning)
    return text


def profile_badge(profile: str, color: str | None) -> Text:
    """The profile's name on its own colour, so production is never mistaken for staging
    (the name alone carries it without colour)."""
    badge = literal(f" {profile.upper()} ")
    badge.stylize(f"bold reverse {color}" if color else "bold reverse")
    return badge


def site_badges(profile: str, color: str | None, *, demo: bool, palette: Palette) -> Text:
    """What the header says the site is, before its name: the profile's badge, and DEMO on
    the built-in simulator. One DEMO, never two: the built-in profile is called demo."""
    badges = Text()
    if profile and not (demo and profile.upper() == "DEMO"):
        badges.append_text(profile_badge(profile, color))
    if demo:
        badges.append(" DEMO ", style=palette["demo"])
    return badges


def _ago(seconds: float | None) -> str:
    """How long ago, once it is worth saying: nothing under a minute (the time says it), then
    whole minutes, so the header does not redraw every second."""
    if seconds is None or seconds < 60:
        return ""
    if seconds < 5400:
        return f" ({seconds // 60:.0f} min ago)"
    return f" ({seconds / 3600:.1f} h ago)"


def problem(error: errors.ApiError) -> str:
    """Why the data is not fresh, in a few words."""
    return describe(error)
