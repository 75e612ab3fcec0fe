"""``alert-console config path|check|init|set-token``: the config file from the command line.

Every message names the file, the line and the field; none prints a secret.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from console import paths
from console.config import (
    DEMO,
    STARTER,
    ConfigError,
    config_path,
    load,
)
from console.sanitize import clean


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alert-console config", description="The config file: where it is, is it right."
    )
    parser.add_argument("--config", default=None, help="the config file to use")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("path", help="print every path in use")
    commands.add_parser("check", help="validate the file and each profile's token source")
    init = commands.add_parser("init", help="write a commented starter file (mode 600)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    token = commands.add_parser("set-token", help="store a profile's token in the OS keyring")
    token.add_argument("profile")
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
    from console.secrets import find_secret, keyring_available

    try:
        config = load(path, required=required)
    except ConfigError as error:
        for problem in error.problems:
            _say(problem)
        return 1
    if config.path is None:
        print(f"{path}: no config file (flags and the environment only); 'config init' writes one")
        return 0
    failed = False
    print(f"{path}: valid")
    for name, profile in config.profiles.items():
        if profile.demo:
            print(f"  profile {clean(name)}: the built-in simulator")
            continue
        try:
            secret = find_secret(name, profile, config)
        except ConfigError as error:
            failed = True
            for problem in error.problems:
                _say(problem)
            continue
        if secret is None:
            failed = True
            hint = "" if keyring_available() else " (the keyring extra is not installed)"
            _say(f"profile {name!r}: no token in any source{hint}")
        else:
            print(f"  profile {clean(name)}: token from {secret.source}")
    return 1 if failed else 0


def _init(path: Path, *, force: bool) -> int:
    if path.exists() and not force:
        _say(f"{path} exists; --force replaces it")
        return 1
    paths.write_private(path, STARTER)
    print(f"wrote {path} (mode 600)")
    return 0


def _set_token(path: Path, profile: str) -> int:
    from console.secrets import keyring_set

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
