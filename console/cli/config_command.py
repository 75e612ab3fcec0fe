"""``alert-console config path|check|init|set-token``: the config file from the command line.

Every message names the file, the line and the field; none prints a secret.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from console.base import paths
from console.base.sanitize import clean
from console.settings.config import (
    DEMO,
    STARTER,
    Config,
    ConfigError,
    Profile,
    config_path,
    load,
    read,
)
from console.settings.secrets import find_secret, missing_email, no_token


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alert-console config", description="The config file: where it is, is it right."
    )
    parser.add_argument("--config", default=None, help="the config file to use")
    commands = parser.add_subparsers(dest="command", required=True)
    path = commands.add_parser("path", help="print every path in use")
    check = commands.add_parser(
        "check", help="validate the file, its themes and each profile's token source"
    )
    init = commands.add_parser("init", help="write a commented starter file (mode 600)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    token = commands.add_parser("set-token", help="store a profile's token in the OS keyring")
    token.add_argument("profile")
    for command in (path, check, init, token):
        # 'config check --config FILE' as well as 'config --config FILE check'.
        command.add_argument("--config", default=argparse.SUPPRESS, help="the config file to use")
    return parser


def config_command(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    path = config_path(args.config)
    if args.command == "path":
        return _path(path)
    if args.command == "check":
        return _check(path, required=bool(args.config))
    if args.command == "init":
        return _init(path, force=args.force)
    return _set_token(path, args.profile)


def _path(path: Path) -> int:
    rows = [
        ("config", path, "" if path.exists() else "  (not there yet: 'config init')"),
        ("themes", paths.config_dir() / "themes", ""),
        ("state", paths.state_dir(), "  (journal, crash reports)"),
        ("cache", paths.cache_dir(), "  (last good pages, wall trend, directory)"),
        ("logs", paths.log_dir(), "  (--debug)"),
    ]
    for name, where, note in rows:
        print(f"{name:<7} {where}{note}")
    return 0


def _say(problem: str) -> None:
    """One problem on stderr, through the sanitiser: it quotes the config file's own text."""
    print(f"alert-console: {clean(problem)}", file=sys.stderr)


def _check(path: Path, *, required: bool) -> int:
    """Every problem in one run: the file's own, its themes', and each profile's (the token
    source, the email): all that would stop a start, or change it."""
    try:
        config = read(path, required=required)
    except ConfigError as error:
        for problem in error.problems:
            _say(problem)
        return 1
    if config.path is None:
        print(f"{path}: no config file (flags and the environment only); 'config init' writes one")
        return 0
    problems = [*config.problems, *_theme_problems(config)]
    said: list[str] = []
    for name, profile in config.profiles.items():
        if profile.demo:
            said.append(f"  profile {clean(name)}: the built-in simulator")
            continue
        if profile.token is not None and not config.private:
            continue  # the file's own problem says it already (read() names its mode)
        source, problem = _token_source(name, profile, config)
        if source is not None:
            said.append(f"  profile {clean(name)}: token from {source}")
        else:
            problems.append(f"{config.at('profiles', name)}: {problem}")
        email = missing_email(name, profile)
        if email:
            problems.append(f"{config.at('profiles', name)}: {email}")
    print(f"{path}: {'valid' if not problems else f'{len(problems)} problem(s)'}")
    for line in said:
        print(line)
    for problem in problems:
        _say(problem)
    return 1 if problems else 0


def _token_source(name: str, profile: Profile, config: Config) -> tuple[str | None, str]:
    """Where the profile's token comes from, or None and the sentence saying why none does
    (every source tried, or how the one that should have answered failed)."""
    try:
        secret = find_secret(name, profile, config)
    except ConfigError as error:
        return None, "; ".join(error.problems)
    if secret is None:
        return None, no_token(name, profile)
    return secret.source, ""


def _theme_problems(config: Config) -> list[str]:
    """A theme the file names that no theme file or Textual has (the start stops there),
    and each of the user's theme files that cannot be read (the start falls back)."""
    from console.tui.themes import known_names, user_files
    from console.tui.themes import read as read_theme

    known = known_names()
    named: list[tuple[tuple[str, ...], str | None]] = [
        (("defaults", "theme"), config.file.defaults.theme),
        *((("profiles", n, "theme"), p.theme) for n, p in config.file.profiles.items()),
    ]
    problems = [
        f"{config.at(*loc)}: {'.'.join(loc)}: unknown theme {theme!r}; known: {', '.join(known)}"
        for loc, theme in named
        if theme is not None and theme not in known
    ]
    for file in user_files():
        try:
            read_theme(file)
        except ValueError as error:
            problems.append(str(error))
    return problems


def _init(path: Path, *, force: bool) -> int:
    if path.exists() and not force:
        _say(f"{path} exists; --force replaces it")
        return 1
    paths.write_private(path, STARTER)
    print(f"wrote {path} (mode 600)")
    return 0


def _set_token(path: Path, profile: str) -> int:
    from console.settings.secrets import keyring_set

    try:
        config = load(path)
        if profile not in config.profiles or profile == DEMO:
            known = ", ".join(sorted(set(config.profiles) - {DEMO})) or "none"
            raise ConfigError([f"no profile named {profile!r} in {path}; known: {known}"])
        token = getpass.getpass(f"API token for {profile}: ").strip()
        if not token:
            raise ConfigError(["no token given; nothing stored"])
        keyring_set(profile, token)
    except ConfigError as error:
        for problem in error.problems:
            _say(problem)
        return 1
    print(f"stored the token of {profile} in the OS keyring")
    return 0
