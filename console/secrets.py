"""Where a profile's secret comes from, in this order: the environment variable named by
``token_env``, a ``token_command`` (run without a shell, with a timeout), the OS keyring
(with the optional ``keyring`` extra), and a ``token`` in the config file (only when the
file is private). No message here ever holds the secret, nor a command's raw output."""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.sanitize import clean

if TYPE_CHECKING:
    from console.api.client import Credentials
    from console.config import Config, Profile

ENV_EMAIL = "ALERT_CONSOLE_EMAIL"
ENV_TOKEN = "ALERT_CONSOLE_API_TOKEN"  # noqa: S105 (the name of a variable, not a secret)
ENV_ACCESS_TOKEN = "ALERT_CONSOLE_ACCESS_TOKEN"  # noqa: S105
KEYRING_SERVICE = "alert-console"
COMMAND_TIMEOUT_S = 10.0


def _refused(problem: str) -> Exception:
    """The config's error type, imported when needed: the command line reads this module's
    variable names before it loads anything heavy."""
    from console.config import ConfigError

    return ConfigError([problem])


@dataclass(frozen=True)
class Secret:
    value: str
    source: str  # where it came from, for `config check` ("environment ALERT_CONSOLE_API_TOKEN")


def token_env(profile: Profile) -> str:
    return profile.token_env or (ENV_ACCESS_TOKEN if profile.auth == "bearer" else ENV_TOKEN)


def find_secret(name: str, profile: Profile, config: Config) -> Secret | None:
    """The profile's token from the first source that has one; None when none has."""
    variable = token_env(profile)
    value = os.environ.get(variable, "").strip()
    if value:
        return Secret(value, f"environment variable {variable}")
    if profile.token_command is not None:
        return Secret(run_token_command(name, profile.token_command), "token_command")
    if profile.keyring:
        stored = keyring_get(name)
        if stored:
            return Secret(stored, "the OS keyring")
    if profile.token is not None:
        if not config.private:
            # load() refuses such a file already; kept here so no path can skip the check.
            raise _refused(f"{config.path}: holds a token but others can read it")
        return Secret(profile.token.get_secret_value(), f"the private file {config.path}")
    return None


def credentials_for(name: str, profile: Profile, config: Config) -> Credentials:
    """HTTP credentials for a profile, or a ConfigError saying which sources were tried."""
    from console.api.client import BasicCredentials, BearerToken

    secret = find_secret(name, profile, config)
    if secret is None:
        tried = [f"${token_env(profile)}"]
        if profile.token_command is not None:
            tried.append("token_command")
        if profile.keyring:
            tried.append("the OS keyring" + ("" if keyring_available() else " (not installed)"))
        tried.append("token in the config file")
        raise _refused(f"profile {name!r}: no token; looked in {', '.join(tried)} (or use --demo)")
    if profile.auth == "bearer":
        return BearerToken(secret.value)
    email = profile.email or os.environ.get(ENV_EMAIL, "").strip()
    if not email:
        raise _refused(f"profile {name!r}: no email for the API token; set email or {ENV_EMAIL}")
    return BasicCredentials(email, secret.value)


def run_token_command(name: str, command: str | list[str]) -> str:
    """Run a profile's token command without a shell; its first line of output is the token.
    A failure says how it failed, never what the command printed raw."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise _refused(f"profile {name!r}: token_command is empty")
    try:
        done = subprocess.run(  # noqa: S603 (the user's own command, no shell)
            argv,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise _refused(
            f"profile {name!r}: token_command {clean(argv[0])!r} was not found"
        ) from None
    except subprocess.TimeoutExpired:
        raise _refused(
            f"profile {name!r}: token_command took longer than {COMMAND_TIMEOUT_S:g} s"
        ) from None
    except OSError as error:
        raise _refused(
            f"profile {name!r}: token_command could not run ({clean(error.strerror or '')})"
        ) from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        last = f"; it said: {clean(said[-1])[:160]}" if said else ""
        raise _refused(
            f"profile {name!r}: token_command exited with status {done.returncode}{last}"
        )
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if not lines or not lines[0].strip():
        raise _refused(f"profile {name!r}: token_command printed nothing")
    return lines[0].strip()


def keyring_available() -> bool:
    try:
        import keyring  # noqa: F401
    except Exception:  # not installed, or no backend can load
        return False
    return True


def keyring_get(name: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except Exception:
        return None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, name)
    except KeyringError:
        return None
    return stored if isinstance(stored, str) else None


def keyring_set(name: str, token: str) -> None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except Exception:
        raise _refused(
            "the OS keyring needs the optional extra: pip install 'alert-console[keyring]'"
        ) from None
    try:
        keyring.set_password(KEYRING_SERVICE, name, token)
    except KeyringError as error:
        # The backend's own words, never the token (it is not in them; cleaned all the same).
        raise _refused(f"the OS keyring did not store the token: {error}") from None
