"""Themes as data: TOML files from the top-level ``themes/`` folder (shipped inside the
package) and from the user's own ``themes/`` in the config directory.

Each file becomes a Textual theme: the command palette's theme picker lists it and
``--theme`` chooses it. A file that cannot be read (not a regular file, over 64 KB, not
UTF-8, not TOML, nested too deep, a bad colour) gets one sentence naming the file, the line
where there is one, and the problem; the console then falls back to its default theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from console.base import paths
from console.base.bounded import FileProblem, read_toml

DEFAULT_THEME = "alert-dark"
WALL_THEME = "wall-contrast"
MAX_BYTES = 64 << 10  # a theme is a few hundred bytes


class ThemeFile(BaseModel):
    """What a theme file may say: Textual's theme colours, and variables (``alert-p1`` …)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    variables: dict[str, str] = {}

    @field_validator(
        "primary",
        "secondary",
        "accent",
        "warning",
        "error",
        "success",
        "foreground",
        "background",
        "surface",
        "panel",
        "boost",
    )
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{value!r} is not a colour") from None
        return value


@dataclass(frozen=True)
class Loaded:
    """The themes that could be read, and one sentence for each file that could not."""

    themes: dict[str, Theme]
    problems: list[str]  # one sentence per file that could not be read


def shipped_files() -> list[Path]:
    folder = resources.files("console") / "themes"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))


def user_files() -> list[Path]:
    folder = paths.config_dir() / "themes"
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def read(path: Path) -> Theme:
    """One theme file as a Textual theme (ValueError with one clear sentence if it cannot)."""
    try:
        data, _text = read_toml(path, MAX_BYTES)
    except FileNotFoundError:
        raise ValueError(f"theme {path}: no such file") from None
    except FileProblem as problem:
        raise ValueError(f"theme {problem}") from None
    try:
        spec = ThemeFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        message = first["msg"].removeprefix("Value error, ")
        raise ValueError(f"theme {path}: {where}: {message}") from None
    values = spec.model_dump(exclude={"name", "variables"}, exclude_none=True)
    return Theme(name=spec.name or path.stem, variables=dict(spec.variables), **values)


def load_all() -> Loaded:
    """Every shipped and user theme (a user's theme of the same name wins)."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for path in [*shipped_files(), *user_files()]:
        try:
            theme = read(path)
        except ValueError as error:
            problems.append(str(error))
            continue
        themes[theme.name] = theme
    return Loaded(themes, problems)


def known_names() -> list[str]:
    """Every theme that may be asked for: Textual's, ours, and the user's files (a broken
    one too: the console then says what is wrong with it and falls back)."""
    loaded = load_all()
    stems = {p.stem for p in [*shipped_files(), *user_files()]}
    return sorted({*BUILTIN_THEMES, *loaded.themes, *stems})
