"""Small things the screens said that were not quite so (issue 16, "seen in the same walk"):
each against the simulator over loopback HTTP, through Textual's Pilot, checked on what a
person sees."""

from __future__ import annotations

import colorsys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.style import Style
from textual.geometry import Region

from console.simulator.server import BackgroundSimulator
from console.tui.dialogs import ConfirmDialog, DetailScreen
from console.tui.keys import KEYMAP
from console.tui.textual_compat import screen_lines, toasts_shown
from tests.helpers import create, get, write
from tests.tui.conftest import WIDE, ConsoleFactory, loaded, screen_text, select, toasts, until

THEMES_PAGE = Path(__file__).resolve().parents[2] / "docs" / "user" / "themes.md"
THEMES = Path(__file__).resolve().parents[2] / "themes"
DEMO = {"demo": True, "profile": "demo", "site": "built-in simulator", "query": "status: open"}


# ---------------------------------------------------------------------- one DEMO marker


@pytest.mark.parametrize("wall", [False, True], ids=["console", "wall"])
async def test_the_demo_is_marked_once_in_the_header(
    make_console: ConsoleFactory, sim: BackgroundSimulator, wall: bool
) -> None:
    settings: dict[str, Any] = {**DEMO, "wall": wall, "read_only": wall}
    app = await make_console(sim.origin, **settings)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: "built-in simulator" in screen_text(app))
        header = next(line for line in screen_text(app).splitlines() if "built-in" in line)
        assert header.count("DEMO") == 1, header


# ---------------------------------------------------------------------- rebound keys


async def test_rebound_keys_keep_their_place_in_the_footer(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await make_console(sim.origin, keymap=(("acknowledge", "A"), ("refresh", "R")))
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        footer = screen_text(app).splitlines()[-1]
        labels = [k.label for k in KEYMAP if k.footer]
        places = [footer.find(f" {label} ") for label in labels]
        assert -1 not in places and places == sorted(places), footer
        assert " A Ack " in f" {footer}" and " R Refresh " in footer, footer


# ---------------------------------------------------------------------- a bulk's summary


async def test_a_bulk_summary_says_finished_only_when_every_outcome_is_known(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await make_console(sim.origin, query="status: open")
    app.tracker.deadline_s = 0.3  # past this an outcome is "not known", still followed
    sim.set_processing(paused=True)  # the service takes the writes and processes none yet
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "space", "a")
        await until(pilot, lambda: any("Acknowledge on 3 alerts" in t for t in toasts(app)))
        (summary,) = [t for t in toasts(app) if "Acknowledge on 3 alerts" in t]
        assert "finished" not in summary, summary
        assert summary.startswith("Acknowledge on 3 alerts: 3 outcomes not known: "), summary
        assert summary.endswith("no outcome after 0.3 s; still pending"), summary


# ---------------------------------------------------------------------- toasts and dialogs


async def test_no_toast_is_drawn_over_a_dialog_and_it_shows_when_the_dialog_closes(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    app = await make_console(sim.origin, query="status: open")
    sim.set_processing(paused=True)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        label = f"#{app.main.table.selected.tiny_id}"  # type: ignore[union-attr]
        await pilot.press("a")
        await until(pilot, lambda: f"Acknowledge sent for {label}" in screen_text(app))
        await pilot.press("c")  # a dialog opens while that toast is on screen
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.pause()
        # The dialog draws no toast of its own: the one before it stays behind its backdrop.
        assert not toasts_shown(app)
        sim.set_processing(paused=False)  # the outcome's toast comes while the dialog is open
        await until(pilot, lambda: not app.tracker.pending)
        await pilot.pause(0.2)
        drawn = screen_text(app)
        assert "Close #" in drawn and f"Acknowledge done for {label}" not in drawn
        assert not toasts_shown(app)
        await pilot.press("escape")
        await until(pilot, lambda: f"Acknowledge done for {label}" in screen_text(app))


# ---------------------------------------------------------------------- the full-screen detail


async def test_the_full_screen_detail_takes_the_action_keys_of_its_alert(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client
) -> None:
    shown_alert = create(api, message="acted on from its detail")["id"]
    app = await make_console(sim.origin, query="status: open AND acknowledged: false")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        table = app.main.table
        marked = [i for i in table.order if i != shown_alert][:2]
        for alert_id in marked:  # marks elsewhere: the detail's keys act on its alert alone
            await select(pilot, alert_id)
            await pilot.press("space")
        await select(pilot, shown_alert)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        title = screen_text(app).splitlines()[1]
        assert "a Ack, c Close, n Note… act on it" in title, title
        await pilot.press("a")
        await until(pilot, lambda: get(api, shown_alert)["acknowledged"])
        assert not isinstance(app.screen, DetailScreen)
        assert not any(get(api, alert_id)["acknowledged"] for alert_id in marked)
        assert [a.alert_id for a in app.tracker.actions.values()] == [shown_alert]


# ---------------------------------------------------------------------- narrow tables


@pytest.mark.parametrize(("size", "count_shown"), [((80, 24), False), ((120, 40), True)])
async def test_the_owner_outlasts_the_count_when_columns_are_dropped(
    make_console: ConsoleFactory,
    sim: BackgroundSimulator,
    api: httpx.Client,
    size: tuple[int, int],
    count_shown: bool,
) -> None:
    owned = create(api, message="whose is it", count=1)["id"]
    write(api, "POST", f"/v1/alerts/{owned}/assign", {"accountId": "Quentin Zabriskie"})
    app = await make_console(sim.origin, query="status: open")
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        keys = [c.key for c in app.main.table._columns]
        assert "owner" in keys and ("count" in keys) is count_shown, keys
        assert "entity" not in keys and "tags" not in keys, keys
        row = next(line for line in screen_text(app).splitlines() if "whose is it" in line)
        assert "Quentin Zabri…" in row, row


# ---------------------------------------------------------------------- the wall's contrast


def _luminance(colour: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: tuple[int, int, int], two: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def drawn_cells(app: Any, region: Region) -> list[tuple[str, Style]]:
    """Every run of text in ``region`` as the terminal gets it: its characters and the style
    Textual resolved for them (colours blended, dim turned into colour)."""
    runs = []
    for y, line in enumerate(screen_lines(app)):
        if region.y <= y < region.bottom:
            for strip in line:
                runs.extend((s.text, s.style) for s in strip if s.style and s.text.strip())
    return runs


def _text(app: Any, y: int) -> str:
    return "".join(text for text, _style in drawn_cells(app, Region(0, y, app.size.width, 1)))


@pytest.mark.parametrize("theme", ["wall-contrast", "alert-dark", "alert-light", "okabe-ito"])
async def test_the_walls_p1_and_p2_rows_meet_wcag_aa_contrast(
    make_console: ConsoleFactory, sim: BackgroundSimulator, api: httpx.Client, theme: str
) -> None:
    create(api, message="an old P1", priority="P1")
    settings = {"wall": True, "read_only": True, "query": "status: open", "theme": theme}
    app = await make_console(sim.origin, **settings)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        create(api, message="a new P1", priority="P1")  # its row is highlighted, reversed
        app.main.refresh_now()
        await until(pilot, lambda: bool(app.main.attention.highlighted))
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.main.table
        rows = [
            y
            for y in range(table.region.y, table.region.bottom)
            if any(p in _text(app, y) for p in ("◆ P1", "▲ P2"))
        ]
        assert len(rows) >= 3  # an old P1, the new one (reversed), and the P2s
        lowest = 21.0
        for y in rows:
            for text, style in drawn_cells(app, Region(0, y, app.size.width, 1)):
                assert style.color is not None and style.bgcolor is not None, text
                fg, bg = style.color.get_truecolor(), style.bgcolor.get_truecolor()
                ratio = contrast(tuple(fg), tuple(bg))
                assert ratio >= 4.5, f"{theme}: {text!r} at {ratio:.2f}:1 ({style})"
                lowest = min(lowest, ratio)
        # The themes page gives each theme's lowest ratio: it must be the one measured here.
        assert f"`{theme}` {lowest:.1f}:1" in THEMES_PAGE.read_text(encoding="utf-8"), lowest


def _hue_name(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    degrees = hue * 360
    if saturation < 0.1:
        return "grey"
    for name, below in (("red", 15), ("orange", 40), ("yellow", 70), ("green", 170)):
        if degrees < below:
            return name
    return "light blue" if 170 <= degrees < 250 and lightness > 0.6 else "other"


def test_wall_contrast_is_described_as_it_is() -> None:
    theme = tomllib.loads((THEMES / "wall-contrast.toml").read_text(encoding="utf-8"))
    row = next(
        line
        for line in THEMES_PAGE.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `wall-contrast` |")
    )
    assert "white text on black" in row, row
    assert (theme["foreground"], theme["background"]) == ("#FFFFFF", "#000000")
    hues = [_hue_name(theme["variables"][f"alert-p{n}"]) for n in range(1, 6)]
    said = row.split("the priorities in ", 1)[1].split(" (", 1)[0]
    assert said == f"{', '.join(hues[:4])} and {hues[4]}", (said, hues)


async def test_the_mark_keys_are_rebound_in_one_place(
    make_console: ConsoleFactory, sim: BackgroundSimulator
) -> None:
    """[keys] rebinds marking like any key: the table no longer binds space and * itself."""
    app = await make_console(sim.origin, keymap=(("toggle_mark", "m"), ("mark_page", "v")))
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        table = app.main.table
        await pilot.press("space")
        assert not table.marks  # the old key does nothing now
        await pilot.press("m")
        assert len(table.marks) == 1
        await pilot.press("asterisk")
        assert len(table.marks) == 1
        await pilot.press("v")
        assert len(table.marks) == table.row_count
