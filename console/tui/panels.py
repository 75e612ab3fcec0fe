"""Two panels beside the alert view: who is on call, and the heartbeats (which monitors went
silent). Each refreshes its own feed (console.live.oncall) on the alerts' freshness rules,
with its own age and reason, and a site that refuses these reads (402, 403, a scope) is said
in one line, never asked again, and never turns the alerts stale.

On-call (``W``): for the teams of the alerts in view and the profile's, who is on call now
on each schedule and who is next, by name, and when the shift changes; ``w`` assigns the
alert selected in the table to the person on call, ``+`` adds them as a responder.
Heartbeats (``H``): every heartbeat of the profile's teams, silent ones first; ``p`` pings,
``d`` switches off and ``e`` on, each asked first, naming them, on the marked ones or the
selected one, through the action tracker (journaled, told in toasts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from console.actions import AnyTracker, TrackerSet
from console.actions.ops import HEARTBEAT_OPS, heartbeat_target
from console.api import errors
from console.base.sanitize import clean
from console.directory import Directory
from console.live.oncall import (
    HeartbeatFeed,
    OnCall,
    OnCallFeed,
    SitesHeartbeats,
    SitesOnCall,
    handover_words,
    locate,
)
from console.tui.cells import clock_time, label, literal
from console.tui.guard import Guarded, start_work
from console.tui.live import LiveCycle, simple_turn
from console.tui.palette import PLAIN, Palette

if TYPE_CHECKING:
    from console.api.oncall import Heartbeat
    from console.tui.main_screen import AlertScreen

PANEL_CSS = """
{name} { layout: vertical; }
{name} > .panel-title { height: 1; background: $panel; text-style: bold; padding: 0 1; }
{name} > .panel-state { height: auto; padding: 0 1; }
{name} > DataTable { height: 1fr; }
{name} > .panel-keys { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
"""


def person(directory: Directory | None, account_id: str) -> str:
    named = directory.name("user", account_id) if directory is not None else None
    return named or account_id


class Panel(Guarded, Screen[None]):
    """What both panels share: a title, a line saying how fresh they are, a table, keys."""

    TITLE_TEXT = ""
    KEYS_TEXT = ""

    def __init__(self) -> None:
        super().__init__()
        self.title_line = Static(self.TITLE_TEXT, classes="panel-title", markup=False)
        self.state = Static("", classes="panel-state", markup=False)
        self.table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        self.keys_line = Static(self.KEYS_TEXT, classes="panel-keys", markup=False)
        self.palette = PLAIN
        self._drawn: list[tuple[str, list[tuple[str, str, list[Any]]]]] | None = None

    def compose(self) -> ComposeResult:
        yield self.title_line
        yield self.state
        yield self.table
        yield self.keys_line

    def on_mount(self) -> None:
        self.palette = Palette.of(self.app.theme_variables)
        self.set_interval(1.0, self.say)

    def say(self) -> None:
        """Say how fresh the panel's data is, and why not fresher."""

    def selected_key(self) -> str | None:
        if not self.table.row_count:
            return None
        return str(self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value)

    def draw_rows(self, rows: list[tuple[str, tuple[Text, ...]]]) -> None:
        """The table's rows, drawn again only when they changed (a refresh with the same answer
        draws nothing). The cursor stays on the item it was on (what w, p and the marks act
        on), except on the first row, which it keeps: the top of the list, as when it opened,
        while names arriving reorder it."""
        drawn = [(key, [(c.plain, str(c.style), c.spans) for c in cells]) for key, cells in rows]
        if drawn == self._drawn:
            return
        self._drawn = drawn
        cursor = self.table.cursor_row
        selected = self.selected_key() if cursor > 0 else None
        self.table.clear()
        for key, cells in rows:
            self.table.add_row(*cells, key=key)
        keys = [key for key, _cells in rows]
        if keys:
            self.table.move_cursor(
                row=keys.index(selected) if selected in keys else min(cursor, len(keys) - 1)
            )


class OnCallPanel(Panel):
    DEFAULT_CSS = PANEL_CSS.replace("{name}", "OnCallPanel")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="panel_close"),
        Binding("w", "assign", "Assign to them", id="oncall_assign"),
        Binding("plus", "responder", "Add as responder", id="oncall_responder"),
        Binding("r", "refresh", "Refresh", id="panel_refresh"),
    ]
    TITLE_TEXT = "Who is on call"
    KEYS_TEXT = (
        "w assign the alert to the first on call   + add them as responder   r refresh   Esc close"
    )

    def __init__(self, host: AlertScreen, feed: OnCallFeed | SitesOnCall) -> None:
        """``feed``'s teams are set by the host before (each site's, with several)."""
        super().__init__()
        self.host = host
        self.feed = feed
        self.several = isinstance(feed, SitesOnCall)  # a Site column; w and + on its own site
        self.alert = host.table.selected  # what w and + act on: the alert selected when opened
        self._asked_names: set[str] = set()
        self._forget: list[Callable[[], None]] = []
        self.cycle = LiveCycle(
            self, feed, simple_turn(feed, lambda _data: self.show()), said=self.say, group="oncall"
        )

    def on_mount(self) -> None:
        super().on_mount()
        for key, title in (
            *([("site", "Site")] if self.several else []),
            ("team", "Team"),
            ("schedule", "Schedule"),
            ("handover", "Handover"),
            ("now", "On call now"),
            ("next", "Next"),
        ):
            self.table.add_column(title, key=key)
        about = f" · for {label(self.alert)}" if self.alert is not None else ""
        self.title_line.update(literal(f"Who is on call · the teams of the alerts in view{about}"))
        sites = self.feed.sites if isinstance(self.feed, SitesOnCall) else {"": None}
        for directory in {id(d): d for s in sites if (d := self._directory(s))}.values():
            # Names for the people and teams shown: asked for now, drawn as they come.
            self._forget.append(directory.subscribe(lambda: self.call_later(self.show)))
        self.show()
        self.cycle.start()

    def on_unmount(self) -> None:
        for forget in self._forget:
            forget()

    def _directory(self, site: str) -> Directory | None:
        return self.host.directory_for(site) if site else self.host.directory

    def show(self) -> None:
        now = self.feed.clock()
        entries = sorted(
            self.feed.on_call.items(),
            key=lambda pair: (pair[1].site, self._team(pair[1]), pair[1].schedule_name),
        )
        rows: list[tuple[str, tuple[Text, ...]]] = []
        for key, on_call in entries:
            directory = self._directory(on_call.site)
            rows.append(
                (
                    key,
                    (
                        *([literal(on_call.site)] if self.several else []),
                        literal(self._team(on_call)),
                        literal(on_call.schedule_name),
                        Text(handover_words(on_call.handover, now)),
                        literal(", ".join(person(directory, p) for p in on_call.now) or "nobody"),
                        literal(", ".join(person(directory, p) for p in on_call.next) or "—"),
                    ),
                )
            )
            if directory is not None and on_call.site not in self._asked_names:
                # The names of these people, asked of the site's directory once.
                self._asked_names.add(on_call.site)
                start_work(self, directory.tick, group=f"names-{on_call.site}", exclusive=True)
        self.draw_rows(rows)
        self.say()

    def _team(self, on_call: OnCall) -> str:
        directory = self._directory(on_call.site)
        named = directory.name("team", on_call.team_id) if directory else None
        return named or on_call.team_id

    def say(self) -> None:
        text = Text()
        reason = self.feed.verdict_reason()
        confirmed = self.feed.freshness.confirmed_at
        if not self.feed.teams:
            text.append("No team in view: the alerts on this page have no team responder.")
        elif reason is None and confirmed is not None:
            text.append(f"as of {clock_time(confirmed)}", style=self.palette["muted"])
        elif reason is not None:
            text.append_text(literal(f"⚠ {reason}"))
            text.stylize(self.palette["stale"])
        if self.state.content != text:
            self.state.update(text)

    def _first_on_call(self) -> str | None:
        """The first person on call on the selected schedule; None (said why) when there is
        nobody, or they are of another site than the alert (ids differ from site to site)."""
        key = self.selected_key()
        found = self.feed.on_call.get(key) if key is not None else None
        if found is None or not found.now:
            return None
        if self.alert is not None and found.site != self.alert.site:
            self.notify(
                f"{person(self._directory(found.site), found.now[0])} is on call on "
                f"{found.site}; {label(self.alert)} is {self.alert.site}'s: choose a schedule "
                f"of {self.alert.site}.",
                severity="warning",
                timeout=6,
            )
            return None
        return found.now[0]

    def _act(self, op: str, data: dict[str, str]) -> None:
        if self.alert is None:
            self.notify("No alert was selected in the table.", timeout=4)
            return
        self.host.flow.send_known(op, [self.alert], data)

    def action_assign(self) -> None:
        who = self._first_on_call()
        if who is not None:
            self._act("assign", {"accountId": who})

    def action_responder(self) -> None:
        who = self._first_on_call()
        if who is not None:
            self._act("add_responder", {"type": "user", "id": who})

    def action_refresh(self) -> None:
        self.cycle.refresh_now()

    def action_close(self) -> None:
        self.dismiss(None)


class HeartbeatsPanel(Panel):
    DEFAULT_CSS = PANEL_CSS.replace("{name}", "HeartbeatsPanel")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="panel_close"),
        Binding("space", "mark", "Mark", id="heartbeat_mark"),
        Binding("p", "write('ping_heartbeat')", "Ping", id="ping_heartbeat"),
        Binding("d", "write('disable_heartbeat')", "Off", id="disable_heartbeat"),
        Binding("e", "write('enable_heartbeat')", "On", id="enable_heartbeat"),
        Binding("r", "refresh", "Refresh", id="panel_refresh"),
    ]
    TITLE_TEXT = "Heartbeats"
    KEYS_TEXT = "space mark   p ping   d switch off   e switch on   r refresh   Esc close"

    def __init__(self, feed: HeartbeatFeed | SitesHeartbeats, tracker: AnyTracker) -> None:
        super().__init__()
        self.feed = feed
        # Several sites: a Site column, and each write goes to its heartbeat's own site.
        self.sites = feed if isinstance(feed, SitesHeartbeats) else None
        self.tracker = tracker
        self.marks: set[str] = set()
        self.cycle = LiveCycle(
            self,
            feed,
            simple_turn(feed, lambda _data: self.show()),
            said=self.say,
            group="heartbeats",
        )
        self._unsubscribe = tracker.subscribe(self._heard)

    def on_mount(self) -> None:
        super().on_mount()
        for key, title in (
            ("mark", " "),
            ("status", "Status"),
            *([("site", "Site")] if self.sites is not None else []),
            ("team", "Team"),
            ("name", "Heartbeat"),
            ("interval", "Interval"),
        ):
            self.table.add_column(title, key=key)
        self.show()
        self.cycle.start()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _heard(self, event: Any) -> None:
        op = getattr(getattr(event, "action", None), "op", "")
        if op in HEARTBEAT_OPS and getattr(event, "state", None) is not None:
            self.call_later(self.cycle.refresh_now)

    def show(self) -> None:
        p = self.palette
        rows: list[tuple[str, tuple[Text, ...]]] = []
        for team_id, beat in self.feed.heartbeats:
            target = heartbeat_target(team_id, beat.name)
            status = beat.status or "?"
            if beat.silent:
                shown = Text(f"◆ SILENT ({status})", style=p["p1"] + Style(bold=True))
            elif status.casefold() == "responsive":
                shown = Text(status, style=p["ok"])
            else:
                shown = Text(status, style=p["muted"])
            interval = f"{beat.interval} {(beat.interval_unit or '').lower()}".strip()
            site: list[Text] = []
            team = self.feed.team_names.get(team_id, team_id)
            if self.sites is not None:
                name, plain_id = locate(team_id)
                site = [literal(name)]
                team = self.sites.sites[name].team_names.get(plain_id, plain_id)
            rows.append(
                (
                    target,
                    (
                        Text("●" if target in self.marks else " ", style=p["mark"]),
                        shown,
                        *site,
                        literal(team),
                        literal(beat.name),
                        Text(interval),
                    ),
                )
            )
        self.draw_rows(rows)
        self.say()

    def say(self) -> None:
        text = Text()
        reason = self.feed.verdict_reason()
        confirmed = self.feed.freshness.confirmed_at
        silent = len(self.feed.silent)
        if silent:
            text.append(f"◆ {silent} silent  ", style=self.palette["p1"] + Style(bold=True))
        if reason is None and confirmed is not None:
            text.append(f"as of {clock_time(confirmed)}", style=self.palette["muted"])
        elif reason is not None:
            warning = literal(f"⚠ {reason}")
            warning.stylize(self.palette["stale"])
            text.append_text(warning)
        if self.state.content != text:
            self.state.update(text)

    def action_mark(self) -> None:
        target = self.selected_key()
        if target is None:
            return
        self.marks.symmetric_difference_update({target})
        self.show()
        if self.table.cursor_row < self.table.row_count - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)

    def action_write(self, name: str) -> None:
        if self.tracker.read_only:
            self.notify("Read-only: this console sends no changes.", severity="warning")
            return
        chosen = sorted(self.marks) or ([t] if (t := self.selected_key()) else [])
        if not chosen:
            return
        op = HEARTBEAT_OPS[name]
        names = {heartbeat_target(t, b.name): (t, b) for t, b in self.feed.heartbeats}
        labels = [
            f"{names[c][1].name} ({self.feed.team_names.get(names[c][0], names[c][0])})"
            if c in names
            else c
            for c in chosen
        ]
        what = labels[0] if len(labels) == 1 else f"{len(labels)} heartbeats"
        from console.tui.dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            targets = list(zip(chosen, labels, strict=True))
            for tracker, each in self._per_site(targets, names):
                try:
                    tracker.submit(name, each, None)
                except errors.ReadOnlyError as error:
                    self.notify(str(error), severity="warning")
            self.marks.clear()
            self.show()

        assert op.confirm is not None
        self.app.push_screen(
            ConfirmDialog(op.confirm(what, {}), clean("\n".join(labels))), answered
        )

    def _per_site(
        self, targets: list[tuple[str, str]], located: dict[str, tuple[str, Heartbeat]]
    ) -> list[tuple[AnyTracker, list[tuple[str | None, str]]]]:
        """The writes as each tracker takes them: one site's all to its tracker; several
        sites', each site's to its own (its credentials; a read-only site refuses its own)."""
        if self.sites is None or not isinstance(self.tracker, TrackerSet):
            return [(self.tracker, [(t, said) for t, said in targets])]
        by_site: dict[str, list[tuple[str | None, str]]] = {}
        for target, said in targets:  # said: "nightly (eu · Payments)", the site in it
            if target not in located:
                continue  # gone from the list since it was marked
            site, team_id = locate(located[target][0])
            by_site.setdefault(site, []).append(
                (heartbeat_target(team_id, located[target][1].name), said)
            )
        return [(self.tracker.for_site(site), each) for site, each in by_site.items()]

    def action_refresh(self) -> None:
        self.cycle.refresh_now()

    def action_close(self) -> None:
        self.dismiss(None)


def silent_count(feed: HeartbeatFeed | None) -> int:
    return 0 if feed is None else len(feed.silent)
