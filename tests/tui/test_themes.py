"""Themes: the shipped ones load and travel in the wheel; a broken one falls back, saying why;
without colour the console still reads."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from console.base import paths
from console.simulator.server import BackgroundSimulator
from console.tui.themes import DEFAULT_THEME, WALL_THEME, load_all, read, shipped_files
from tests.tui.conftest import WIDE, ConsoleFactory, loaded, screen_text, toasts

SHIPPED = ("alert-dark", "alert-light", "wall-contrast", "okabe-ito")


def test_the_shipped_themes_all_load() -> None:
    loaded_themes = load_all()
    assert loaded_themes.problems == []
    assert set(SHIPPED) <= set(loaded_themes.themes)
    assert {p.stem for p in shipped_files()} == set(SHIPPED)
    assert DEFAULT_THEME in loaded_themes.themes and WALL_THEME in loaded_themes.themes


@pytest.mark.parametrize("name", SHIPPED)
async def test_each_shipped_theme_is_in_force_when_chosen(
    sim: BackgroundSimulator, make_console: ConsoleFactory, name: str
) -> None:
    app = await make_console(sim.origin, theme=name)
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        assert app.theme == name
        assert name in app.available_themes  # so the palette's theme picker lists it


def test_the_wheel_carries_the_themes(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = tmp_path.glob("alert_console-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"console/themes/{name}.toml" for name in SHIPPED} <= set(names)


def user_theme(text: str, name: str = "mine") -> Path:
    folder = paths.private_dir(paths.config_dir() / "themes")
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_theme_is_one_sentence_naming_the_file_and_the_problem() -> None:
    path = user_theme('primary = "not a colour at all"\n')
    with pytest.raises(ValueError) as caught:
        read(path)
    assert str(path) in str(caught.value) and "not a colour" in str(caught.value)
    broken_toml = user_theme("primary = [unclosed", name="worse")
    problems = load_all().problems
    assert any(str(broken_toml) in p and "not valid TOML" in p for p in problems)


async def test_a_broken_user_theme_falls_back_to_the_default_and_says_so(
    sim: BackgroundSimulator, make_console: ConsoleFactory
) -> None:
    path = user_theme('primary = "#12345"\nnonsense = 3\n')
    app = await make_console(sim.origin, theme="mine")
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await loaded(pilot)
        assert app.theme == DEFAULT_THEME
        said = " ".join(toasts(app))
        assert str(path) in said
        assert "'mine' cannot be used; showing alert-dark instead" in said


async def test_a_user_theme_is_used(sim: BackgroundSimulator, make_console: ConsoleFactory) -> None:
    user_theme('name = "night-shift"\nprimary = "#336699"\n[variables]\nalert-p1 = "#ff00ff"\n')
    app = await make_console(sim.origin, theme="night-shift")
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        assert app.theme == "night-shift"
        assert app.theme_variables["alert-p1"].lower() == "#ff00ff"


async def test_without_colour_the_priorities_still_read(
    sim: BackgroundSimulator, make_console: ConsoleFactory, monkeypatch: Any
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = await make_console(sim.origin)
    assert app.no_color
    async with app.run_test(size=WIDE) as pilot:
        await loaded(pilot)
        text = screen_text(app)
        priorities = {app.main.table.alerts[i].priority for i in app.main.table.order}
        glyphs = {"P1": "◆ P1", "P2": "▲ P2", "P3": "■ P3", "P4": "▼ P4", "P5": "· P5"}
        for priority in priorities:
            assert glyphs[str(priority)] in text
