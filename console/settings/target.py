"""Where a start connects, as whom, and how screens name it: a profile (or the flags and
the environment) turned into an origin, a cloud id and credentials, checked.

The console and ``serve`` both start from here; the built-in demo (a simulator started in
process) is the command line's own business, above this floor. No Textual here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from console.base.errors import UsageError
from console.settings.options import checked_origin
from console.settings.secrets import ENV_ACCESS_TOKEN, ENV_EMAIL, ENV_TOKEN

if TYPE_CHECKING:
    from console.api.client import Credentials, JsmClient
    from console.settings.config import Config, Resolved


def one_line(error: Exception) -> str:
    """A config problem as one sentence (more: 'config check' lists them)."""
    lines = str(error).splitlines() or ["the config cannot be used"]
    more = (
        f" (and {len(lines) - 1} more: run 'alert-console config check')" if len(lines) > 1 else ""
    )
    return lines[0] + more


def resolved_start(
    config_arg: str | None, profile: str | None, *, view: str | None, flags: dict[str, object]
) -> tuple[Config, Resolved, str | None]:
    """The config file read, the profile (or none) resolved with the flags over it, and the
    saved view to open first (``view``, else the profile's default), checked; each problem
    one sentence (UsageError)."""
    from console.settings.config import ConfigError, config_path, load, resolve

    try:
        config = load(config_path(config_arg), required=bool(config_arg))
        resolved = resolve(config, profile, flags)
    except ConfigError as error:
        raise UsageError(one_line(error)) from None
    view_name = view or resolved.default_view
    if view_name is not None and view_name not in resolved.views:
        names = ", ".join(resolved.views) or "none"
        raise UsageError(f"no saved view named {view_name!r} for this profile; known: {names}")
    return config, resolved, view_name


def resolve_site(config: Config, profile: str, flags: dict[str, object]) -> Resolved:
    """One site of several: its profile resolved with the flags over it (UsageError)."""
    from console.settings.config import ConfigError, resolve

    try:
        return resolve(config, profile, flags)
    except ConfigError as error:
        raise UsageError(one_line(error)) from None


@dataclass
class Target:
    """Where the console connects, as whom, and how the header names it."""

    origin: str
    cloud_id: str
    credentials: Credentials
    site: str
    site_url: str | None = None
    ca_bundle: str | None = None
    demo: bool = False  # the built-in simulator, started here or by 'serve --demo'
    relayed: bool = False  # a wall reading serve's relay: its data is the server's poll
    site_key: str | None = None  # the site's own origin/cloud id when reading a relay

    def client(self, *, read_only: bool) -> JsmClient:
        """A client for this target (enter it with ``async with``)."""
        from console.api.client import JsmClient

        return JsmClient(
            origin=self.origin,
            cloud_id=self.cloud_id,
            credentials=self.credentials,
            read_only=read_only,
            ca_bundle=self.ca_bundle,
        )


def demo_target(
    origin: str, cloud_id: str, email: str, token: str, site_url: str | None = None
) -> Target:
    """Where a console connects to the built-in demo's simulator at ``origin`` (as its
    account, named as the header names it); ``site_url``: a profile's, else the origin."""
    from console.api.auth import BasicCredentials

    return Target(
        origin,
        cloud_id,
        BasicCredentials(email, token),
        "built-in simulator",
        site_url=site_url or origin,
        demo=True,
    )


def target_for(
    resolved: Resolved,
    config: Config,
    *,
    url: str | None,
    cloud_id: str | None,
    served_demo: bool = False,
    relayed: str | None = None,
) -> Target:
    """The profile's (or the flags' and environment's) site and credentials, checked; each
    problem one sentence (UsageError). ``relayed``: a wall of serve's, reading its relay on
    this machine, naming the site as the server does."""
    from console.settings.config import LOOPBACK, NO_PROFILE, ConfigError, Profile
    from console.settings.secrets import credentials_for

    profile = resolved.profile
    origin = checked_origin(url or profile.origin)
    if (served_demo or relayed) and urlsplit(origin).hostname not in LOOPBACK:
        raise UsageError("--served-demo and --relayed read a server on this machine only")
    cloud_id = cloud_id or profile.cloud_id
    if not cloud_id:
        raise UsageError(
            "--cloud-id is required (or a profile, or --demo); find it at "
            "https://YOUR-SITE.atlassian.net/_edge/tenant_info"
        )
    if resolved.name == NO_PROFILE:
        # No profile: the environment, as before profiles existed.
        bearer = bool(os.environ.get(ENV_ACCESS_TOKEN, "").strip())
        profile = Profile.model_construct(auth="bearer" if bearer else "basic", keyring=False)
        if not bearer and not (
            os.environ.get(ENV_EMAIL, "").strip() and os.environ.get(ENV_TOKEN, "").strip()
        ):
            raise UsageError(
                f"no credentials: set {ENV_EMAIL} and {ENV_TOKEN}, or pick a profile "
                "(or use --demo)"
            )
    try:
        credentials = credentials_for(resolved.name, profile, config)
    except ConfigError as error:
        raise UsageError(one_line(error)) from None
    bundle = profile.ca_bundle
    shown = (relayed or origin).removeprefix("https://")
    site = "built-in simulator" if served_demo else f"{cloud_id} ({shown})"
    return Target(
        origin,
        cloud_id,
        credentials,
        site,
        site_url=profile.site_url,
        ca_bundle=str(bundle.expanduser()) if bundle else None,
        demo=served_demo,
        relayed=relayed is not None,
        site_key=f"{relayed.rstrip('/')}/{cloud_id}" if relayed else None,
    )
