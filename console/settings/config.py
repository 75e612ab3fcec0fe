"""The config file: profiles for several sites, saved views, the wall's rotation, keys.

TOML at platformdirs' config directory (``config.toml``), or the file named by
``ALERT_CONSOLE_CONFIG`` or ``--config``. Parsed into pydantic models, so an unknown key,
a wrong type or a bad value is reported with the file, the line and the field. Nothing
here reads a secret (console.settings.secrets does, when a profile is used) and nothing here
imports Textual: ``alert-console config check`` runs it without a screen.

Precedence, strongest first: flags, then the profile, then the file's ``[defaults]``,
then the built-in defaults.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from console.base.bounded import FileProblem, read_toml
from console.base.paths import config_dir
from console.live.feed import DEFAULT_QUERY, SORT_FIELDS
from console.settings.links import DEFAULT_ALERT_URL, template_problem

ENV_CONFIG = "ALERT_CONSOLE_CONFIG"
DEFAULT_ORIGIN = "https://api.atlassian.com"
DEMO = "demo"  # the built-in profile: the simulator, started with the console
NO_PROFILE = "(flags)"  # no profile in force: flags and the environment only
NONE = "none"  # --profile none: no profile, not even default_profile (no profile has this name)
MAX_BYTES = 1 << 20  # a config file is a few KB; a larger one is refused unread
CA_BUNDLE_MAX_BYTES = 16 << 20  # read by TLS itself, so bounded here
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class ConfigError(Exception):
    """The config cannot be used: one or more sentences, each naming the file, the line and
    the field. Never holds a secret."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class _Strict(BaseModel):
    # Built on first use: a start without a config file never pays for the schemas.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _colour(value: str | None) -> str | None:
    if value is None:
        return None
    from rich.color import Color, ColorParseError

    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError(f"{value!r} is not a colour (a name such as 'red' or '#d03030')") from None
    return value


class Defaults(_Strict):
    """What a profile may set and the file's ``[defaults]`` sets for every profile."""

    read_only: bool | None = None
    theme: str | None = None
    default_view: str | None = None
    refresh: Annotated[float, Field(ge=1, allow_inf_nan=False)] | None = None
    page_size: Annotated[int, Field(ge=1, le=100)] | None = None
    color: str | None = None
    alert_url: str | None = None

    _check_colour = field_validator("color")(_colour)


TeamName = Annotated[str, Field(min_length=1, max_length=200)]


class Profile(Defaults):
    """One site: where it is, who we are there, where the secret comes from."""

    demo: bool = False  # the built-in simulator instead of a site
    origin: str = DEFAULT_ORIGIN
    cloud_id: str | None = None
    site_url: str | None = None
    email: str | None = None
    auth: Literal["basic", "bearer"] = "basic"  # bearer: an OAuth 2.0 access token
    token_env: str | None = None  # default ALERT_CONSOLE_API_TOKEN (ACCESS_TOKEN for bearer)
    token_command: str | list[str] | None = None
    keyring: bool = True  # look in the OS keyring (with the optional extra installed)
    token: SecretStr | None = None  # only honoured in a private file (mode 600)
    ca_bundle: Path | None = None
    # The teams whose heartbeats and on-call this profile watches (names or ids); empty: the
    # heartbeats of every team, and the on-call of the teams of the alerts in view.
    teams: Annotated[list[TeamName], Field(max_length=100)] = []

    @field_validator("site_url")
    @classmethod
    def _site(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^/\s]+/?$", value):
            raise ValueError(f"{value!r} is not a site address such as https://acme.atlassian.net")
        return value.rstrip("/") if value else value


MAX_SITES = 10  # sites in one table: each is a request per refresh


class SavedView(_Strict):
    query: str = DEFAULT_QUERY
    sort: Literal["createdAt", "lastOccurredAt", "priority"] = "createdAt"
    order: Literal["asc", "desc"] = "desc"
    key: Annotated[int, Field(ge=1, le=9)] | None = None  # keymap.VIEW_SLOTS
    profile: str | None = None
    # Several sites in one table: a console opened on this view shows these profiles' sites.
    profiles: Annotated[list[str], Field(max_length=MAX_SITES)] = []

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str) -> str:
        from console.query import QuerySyntaxError, parse

        try:
            parse(value)
        except QuerySyntaxError as error:
            raise ValueError(f"the query does not parse: {error}") from None
        return value


class Wall(_Strict):
    views: list[str] = []
    # The wall shows these profiles' sites at once (counts per site and summed).
    profiles: Annotated[list[str], Field(max_length=MAX_SITES)] = []
    rotate_seconds: Annotated[float, Field(ge=5, allow_inf_nan=False)] = 30.0
    notify_priority: Literal["P1", "P2", "P3", "P4", "P5"] | None = None


class ConfigFile(_Strict):
    default_profile: str | None = None
    defaults: Defaults = Field(default_factory=Defaults)
    profiles: dict[str, Profile] = {}
    views: dict[str, SavedView] = {}
    wall: Wall = Field(default_factory=Wall)
    keys: dict[str, str] = {}


assert set(SORT_FIELDS) == {"createdAt", "lastOccurredAt", "priority"}


def origin_problem(url: str) -> str | None:
    """Why ``url`` is not an origin we may send credentials to (None: it is one), in words
    that follow the URL or the flag that gave it."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except Exception:
        return "is not a URL"
    if parsed.userinfo:
        # A URL is printed, logged and shown in headers: no credential may ride in it.
        return "must not carry a user name or password"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "must be an http(s) origin such as https://api.atlassian.com"
    if parsed.path not in ("", "/") or parsed.query:
        return "must be an origin only, without a path"
    if parsed.scheme == "http" and parsed.host not in LOOPBACK:
        return "is plain http: credentials are only sent over https (or to this machine)"
    return None


# ---------------------------------------------------------------------- reading the file


@dataclass
class Config:
    """A config file, read and checked (or the empty one when there is no file)."""

    file: ConfigFile
    path: Path | None  # None: no file (everything from flags and the environment)
    private: bool = True  # the file is mode 600 or stricter and ours
    text: str = ""  # the file as read, to say where a key is set
    problems: list[str] = field(default_factory=list)  # what stops a start (see load)

    def at(self, *loc: str) -> str:
        """``FILE:LINE`` where the key at ``loc`` is set."""
        return f"{self.path}:{_line_of(self.text, list(loc))}"

    @property
    def profiles(self) -> dict[str, Profile]:
        # Built-in values need no checking: constructed, so that a start without a config
        # file never builds the profile's validator (~1 ms).
        profiles = {DEMO: Profile.model_construct(demo=True)}
        profiles.update(self.file.profiles)
        return profiles


def config_path(flag: str | None = None) -> Path:
    """The config file in use: ``--config``, else ``ALERT_CONSOLE_CONFIG``, else the
    platform's config directory."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get(ENV_CONFIG, "").strip()
    if env:
        return Path(env).expanduser()
    return config_dir() / "config.toml"


def is_private(path: Path) -> bool:
    """Readable by its owner only, and the owner is us."""
    info = path.stat()
    return info.st_mode & 0o077 == 0 and (not hasattr(os, "getuid") or info.st_uid == os.getuid())


def load(path: Path, *, required: bool = False) -> Config:
    """Read and check the config at ``path`` (ConfigError with every problem found); a
    missing file is an empty config unless it was asked for by name."""
    config = read(path, required=required)
    if config.problems:
        raise ConfigError(config.problems)
    return config


def read(path: Path, *, required: bool = False) -> Config:
    """Read the config at ``path``: ConfigError when it cannot be read or parsed, else the
    config with what its parts cannot know alone in ``problems`` (names that must exist,
    keys used twice, a token in a readable file)."""
    try:
        data, text = read_toml(path, MAX_BYTES)
    except FileNotFoundError:
        if required:
            raise ConfigError([f"{path}: no such file"]) from None
        return Config(ConfigFile.model_construct(), None)  # nothing to check: no schema built
    except FileProblem as problem:
        raise ConfigError([str(problem)]) from None
    try:
        file = ConfigFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(list(_explain(error, path, text))) from None
    problems = list(_cross_check(file, path, text))
    config = Config(file, path, is_private(path), text, problems)
    if any(p.token is not None for p in file.profiles.values()) and not config.private:
        mode = path.stat().st_mode & 0o777
        problems.append(
            f"{path}: holds a token but others can read it (mode {mode:o}); run "
            f"'chmod 600 {path}', or move the token to the keyring or a token_command"
        )
    return config


def _explain(error: ValidationError, path: Path, text: str) -> Iterator[str]:
    for item in error.errors(include_url=False, include_input=False):
        loc = [str(part) for part in item["loc"]]
        # A union's members add their type names to the path: keep the config's own keys.
        loc = [part for part in loc if not re.fullmatch(r"[a-z]+\[.*\]|function-after\[.*", part)]
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        message = message.removeprefix("Value error, ")
        yield f"{path}:{_line_of(text, loc)}: {'.'.join(loc)}: {message}"


def _cross_check(file: ConfigFile, path: Path, text: str) -> Iterator[str]:
    """What each part cannot know alone: names that must exist, keys used twice."""
    profiles = {DEMO, *file.profiles}

    def at(*loc: str) -> str:
        return f"{path}:{_line_of(text, list(loc))}: {'.'.join(loc)}"

    if file.default_profile is not None and file.default_profile not in profiles:
        yield f"{at('default_profile')}: no profile named {file.default_profile!r}"

    def owner(view: str | None) -> str | None:
        """The one profile ``view`` is for (a start on any other stops at it), or None."""
        return file.views[view].profile if view in file.views else None

    templates: list[tuple[tuple[str, ...], str | None]] = [
        (("defaults", "alert_url"), file.defaults.alert_url),
        *((("profiles", n, "alert_url"), p.alert_url) for n, p in file.profiles.items()),
    ]
    for loc, template in templates:
        problem = None if template is None else template_problem(template)
        if problem:
            yield f"{at(*loc)}: {problem}"
    for name, profile in file.profiles.items():
        problem = origin_problem(profile.origin)
        if problem:
            shown = "" if "password" in problem else f" {profile.origin!r}"
            yield f"{at('profiles', name, 'origin')}:{shown} {problem}"
        if name == NONE:
            yield f"{at('profiles', name)}: the name 'none' is kept for '--profile none'"
        first = profile.default_view
        if first is not None and first not in file.views:
            yield f"{at('profiles', name, 'default_view')}: no view named {first!r}"
        elif owner(first) not in (None, name):
            yield (
                f"{at('profiles', name, 'default_view')}: the view {first!r} is only for "
                f"profile {owner(first)!r}"
            )
        sources = (profile.token_command is not None) + (profile.token is not None)
        if sources > 1:
            yield f"{at('profiles', name)}: give token_command or token, not both"
        if not profile.demo and not profile.cloud_id:
            yield f"{at('profiles', name)}: cloud_id is missing (see https://SITE.atlassian.net/_edge/tenant_info)"
        if profile.ca_bundle is not None:
            bundle = profile.ca_bundle.expanduser()
            if not bundle.exists():
                yield f"{at('profiles', name, 'ca_bundle')}: no such file {str(bundle)!r}"
            elif not bundle.is_file():  # a FIFO or /dev/zero: TLS would read it without end
                yield f"{at('profiles', name, 'ca_bundle')}: {str(bundle)!r} is not a regular file"
            elif bundle.stat().st_size > CA_BUNDLE_MAX_BYTES:
                yield (
                    f"{at('profiles', name, 'ca_bundle')}: {str(bundle)!r} is larger than "
                    f"{CA_BUNDLE_MAX_BYTES:,} bytes; a bundle of certificates is a few hundred KB"
                )
    first = file.defaults.default_view
    if first is not None and first not in file.views:
        yield f"{at('defaults', 'default_view')}: no view named {first!r}"
    elif owner(first) is not None:
        yield (
            f"{at('defaults', 'default_view')}: the view {first!r} is only for profile "
            f"{owner(first)!r}, so a start on any other stops; set it in that profile"
        )
    slots: dict[int, str] = {}
    for name, view in file.views.items():
        if view.profile is not None and view.profile not in profiles:
            yield f"{at('views', name, 'profile')}: no profile named {view.profile!r}"
        if view.key is not None:
            if view.key in slots:
                taken = slots[view.key]
                yield f"{at('views', name, 'key')}: key {view.key} is already view {taken!r}"
            slots[view.key] = name
    for name in file.wall.views:
        if name not in file.views:
            yield f"{at('wall', 'views')}: no view named {name!r}"
    listed = [(("views", n, "profiles"), v.profiles) for n, v in file.views.items()]
    for loc, names in [*listed, (("wall", "profiles"), file.wall.profiles)]:
        for name in names:
            if name not in profiles:
                yield f"{at(*loc)}: no profile named {name!r}"
        if len(set(names)) != len(names):
            yield f"{at(*loc)}: a profile is named twice"
    from console.settings.keymap import keymap_problems  # the op registry: only when checking keys

    for problem in keymap_problems(file.keys):
        binding = re.match(r"keys\.(\w+)", problem)
        line = _line_of(text, ["keys", binding[1]]) if binding else _line_of(text, ["keys"])
        yield f"{path}:{line}: {problem}"


def _line_of(text: str, loc: Sequence[str]) -> int:
    """The line where the key at ``loc`` is set, as well as a reader of TOML's common forms
    (tables, dotted tables, ``key = value``) can tell; else the line of the deepest table on
    its path; else 1."""
    loc = list(loc)
    best, depth = 1, 0
    table: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            table = [part.strip().strip("\"'") for part in header[1].split(".")]
            if table == loc[: len(table)] and len(table) > depth:
                best, depth = number, len(table)
            continue
        assignment = re.match(r"^([A-Za-z0-9_.\"' -]+?)\s*=", line)
        if assignment:
            key = [part.strip().strip("\"'") for part in assignment[1].split(".")]
            path = table + key
            if path == loc[: len(path)]:
                return number
    return best


# ---------------------------------------------------------------------- what a start uses


@dataclass(frozen=True)
class Resolved:
    """A profile with the file's defaults and the flags folded in: what the console uses."""

    name: str
    profile: Profile
    read_only: bool
    theme: str | None
    refresh: float
    page_size: int
    color: str | None
    alert_url: str
    default_view: str | None
    views: dict[str, SavedView] = field(default_factory=dict)  # this profile's views
    wall_views: tuple[str, ...] = ()
    rotate_seconds: float = 30.0
    notify_priority: str = "P1"
    keys: Mapping[str, str] = field(default_factory=dict)
    teams: tuple[str, ...] = ()  # the profile's teams (names or ids), see Profile.teams


def resolve(config: Config, profile_name: str | None, flags: Mapping[str, Any]) -> Resolved:
    """Fold flags > profile > ``[defaults]`` > built-in for the named (or default) profile;
    ``none`` (or no name and no ``default_profile``): flags and ``[defaults]`` only.

    ``flags`` holds only the flags that were given (absent ones are left out)."""
    name = profile_name or config.file.default_profile
    profiles = config.profiles
    if name is None or profile_name == NONE:
        name = NO_PROFILE
        profile = Profile.model_construct()  # the built-in defaults: nothing to check
    elif name not in profiles:
        where = f" in {config.path}" if config.path else " (no config file)"
        known = ", ".join(sorted(profiles))
        raise ConfigError([f"no profile named {name!r}{where}; known: {known}"])
    else:
        profile = profiles[name]
    defaults = config.file.defaults

    def pick(key: str, builtin: Any) -> Any:
        if flags.get(key) is not None:
            return flags[key]
        for source in (profile, defaults):
            value = getattr(source, key)
            if value is not None:
                return value
        return builtin

    views = {
        view_name: view
        for view_name, view in config.file.views.items()
        if view.profile is None or view.profile == name
    }
    return Resolved(
        name=name,
        profile=profile,
        read_only=bool(flags.get("read_only")) or bool(pick("read_only", False)),
        theme=pick("theme", None),
        refresh=float(pick("refresh", 15.0)),
        page_size=int(pick("page_size", 50)),
        color=pick("color", None),
        alert_url=pick("alert_url", DEFAULT_ALERT_URL),
        default_view=pick("default_view", None),
        views=views,
        wall_views=tuple(v for v in config.file.wall.views if v in views),
        rotate_seconds=config.file.wall.rotate_seconds,
        notify_priority=flags.get("notify_priority") or config.file.wall.notify_priority or "P1",
        keys=dict(config.file.keys),
        teams=tuple(profile.teams),
    )


STARTER = """\
# alert-console configuration. Every key is optional; flags override a profile, a profile
# overrides [defaults]. 'alert-console config check' validates this file.
# Keep no token here unless this file is mode 600: prefer token_env, token_command or the
# OS keyring ('alert-console config set-token PROFILE', with the keyring extra).

# default_profile = "prod"

[defaults]
# refresh = 15          # seconds between refreshes (at least 1)
# page_size = 50        # alerts per page (1..100)
# theme = "alert-dark"  # alert-dark, alert-light, wall-contrast, okabe-ito, or yours
# read_only = false

# [profiles.prod]
# cloud_id = "00000000-0000-0000-0000-000000000000"  # from https://SITE.atlassian.net/_edge/tenant_info
# site_url = "https://acme.atlassian.net"            # for 'open in browser'
# email = "you@acme.com"
# token_env = "ALERT_CONSOLE_API_TOKEN"              # first source of the API token
# token_command = "pass show jsm/prod"               # second: run without a shell
# color = "red"                                      # always on screen: prod is never staging
# default_view = "mine"
# read_only = false
# auth = "basic"                                     # or "bearer" for an OAuth access token
# ca_bundle = "/etc/ssl/certs/corporate.pem"         # TLS is always verified

# [profiles.staging]
# cloud_id = "11111111-1111-1111-1111-111111111111"
# email = "you@acme.com"
# token_command = ["pass", "show", "jsm/staging"]
# color = "green"

# [views.mine]
# query = "status: open AND owner: you@acme.com"
# key = 1

# [views.p1]
# query = "status: open AND priority: P1"
# sort = "createdAt"
# order = "desc"
# key = 2

# [wall]
# views = ["p1", "mine"]   # rotated every rotate_seconds
# rotate_seconds = 30
# notify_priority = "P1"

# [keys]                   # binding id = key
# acknowledge = "A"
# refresh = "ctrl+r"
"""
