"""Where a profile's secret comes from, in this order: the environment variable named by
``token_env``, a ``token_command`` (run without a shell, with a timeout, its output
bounded), the OS keyring
(with the optional ``keyring`` extra), and a ``token`` in the config file (only when the
file is private). No message here ever holds the secret, nor a command's raw output."""

from __future__ import annotations

import os
import selectors
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from console.base.sanitize import clean

if TYPE_CHECKING:
    from console.api.client import Credentials
    from console.settings.config import Config, Profile

ENV_EMAIL = "ALERT_CONSOLE_EMAIL"
ENV_TOKEN = "ALERT_CONSOLE_API_TOKEN"  # noqa: S105 (the name of a variable, not a secret)
ENV_ACCESS_TOKEN = "ALERT_CONSOLE_ACCESS_TOKEN"  # noqa: S105
KEYRING_SERVICE = "alert-console"
COMMAND_TIMEOUT_S = 10.0
MAX_TOKEN_BYTES = 8192  # a token is one line: an API token is 192 bytes, a JWT a few KB
STDERR_TAIL = 4096  # of a failing command's errors, the end is kept (its last line is said)


def _refused(problem: str) -> Exception:
    """The config's error type, imported when needed: the command line reads this module's
    variable names before it loads anything heavy."""
    from console.settings.config import ConfigError

    return ConfigError([problem])


@dataclass(frozen=True)
class Secret:
    """A credential's value and where it was read from (never shown, only its source)."""

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
        raise _refused(no_token(name, profile))
    if profile.auth == "bearer":
        return BearerToken(secret.value)
    problem = missing_email(name, profile)
    if problem:
        raise _refused(problem)
    return BasicCredentials(profile.email or os.environ[ENV_EMAIL].strip(), secret.value)


def no_token(name: str, profile: Profile) -> str:
    """The sentence for a profile none of whose sources has a token: each source tried."""
    tried = [f"${token_env(profile)}"]
    if profile.token_command is not None:
        tried.append("token_command")
    if profile.keyring:
        tried.append("the OS keyring" + ("" if keyring_available() else " (not installed)"))
    tried.append("token in the config file")
    return f"profile {name!r}: no token; looked in {', '.join(tried)} (or use --demo)"


def missing_email(name: str, profile: Profile) -> str | None:
    """An API token (HTTP Basic) goes with an email: the sentence when there is none."""
    if profile.auth == "bearer" or profile.email or os.environ.get(ENV_EMAIL, "").strip():
        return None
    return f"profile {name!r}: no email for the API token; set email or {ENV_EMAIL}"


def run_token_command(name: str, command: str | list[str]) -> str:
    """Run a profile's token command without a shell; its first line of output is the token,
    taken when that line is complete and the command has exited (not when every process it
    left behind has closed its output). At most ``MAX_TOKEN_BYTES`` are read for the line;
    the rest of the output is read and dropped, so the command never blocks on a full pipe.
    A failure says how it failed, never what the command printed raw."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise _refused(f"profile {name!r}: token_command is empty")
    try:
        process = subprocess.Popen(  # noqa: S603 (the user's own command, no shell)
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except FileNotFoundError:
        raise _refused(
            f"profile {name!r}: token_command {clean(argv[0])!r} was not found"
        ) from None
    except OSError as error:
        raise _refused(
            f"profile {name!r}: token_command could not run ({clean(error.strerror or '')})"
        ) from None
    heard = _Heard()
    try:
        status = _listen(process, heard, time.monotonic() + COMMAND_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()  # past its deadline, or its line too long: no more of it
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    if heard.too_long:
        raise _refused(
            f"profile {name!r}: token_command's first line is longer than {MAX_TOKEN_BYTES:,} "
            "bytes; a token is one line"
        )
    if status is None:
        raise _refused(f"profile {name!r}: token_command took longer than {COMMAND_TIMEOUT_S:g} s")
    if status != 0:
        said = bytes(heard.said).decode("utf-8", "replace").strip().splitlines()
        last = f"; it said: {clean(said[-1])[:160]}" if said else ""
        raise _refused(f"profile {name!r}: token_command exited with status {status}{last}")
    token = heard.first_line().decode("utf-8", "replace").strip()
    if not token:
        raise _refused(f"profile {name!r}: token_command printed nothing")
    return token


@dataclass
class _Heard:
    """What a token command printed, bounded: its first line, and the tail of its errors."""

    line: bytes | None = None  # the first line, once its newline came
    pending: bytearray = field(default_factory=bytearray)  # the first line so far
    said: bytearray = field(default_factory=bytearray)  # the last STDERR_TAIL bytes of stderr
    too_long: bool = False

    def out(self, chunk: bytes) -> None:
        if self.line is not None:
            return  # after the token: read and dropped
        self.pending += chunk
        end = self.pending.find(b"\n")
        if end > MAX_TOKEN_BYTES or (end < 0 and len(self.pending) > MAX_TOKEN_BYTES):
            self.too_long = True
        elif end >= 0:
            self.line = bytes(self.pending[:end])
        if self.line is not None or self.too_long:
            self.pending = bytearray()

    def err(self, chunk: bytes) -> None:
        self.said += chunk
        del self.said[:-STDERR_TAIL]

    def first_line(self) -> bytes:
        return self.line if self.line is not None else bytes(self.pending)


def _listen(process: subprocess.Popen[bytes], heard: _Heard, deadline: float) -> int | None:
    """Read the command's output until it has exited (its exit status), or until the first
    line is too long or the deadline passes (None)."""
    assert process.stdout is not None and process.stderr is not None
    selector = selectors.DefaultSelector()
    streams: dict[int, Callable[[bytes], None]] = {
        process.stdout.fileno(): heard.out,
        process.stderr.fileno(): heard.err,
    }
    for fd in streams:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    exited = _exit_watch(process.pid)  # readable when the command exits (Linux)
    if exited is not None:
        selector.register(exited, selectors.EVENT_READ)
    try:
        while not heard.too_long:
            status = process.poll()
            if status is not None:
                # What it wrote before it exited is in the pipes now: read it without
                # waiting for what it left running (`sleep 30 &` holds the pipe open).
                while (
                    heard.line is None and not heard.too_long and _read_ready(selector, streams, 0)
                ):
                    pass
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            _read_ready(selector, streams, left if exited is not None else min(left, 0.05))
        return None
    finally:
        selector.close()
        if exited is not None:
            os.close(exited)


def _read_ready(
    selector: selectors.BaseSelector, streams: dict[int, Callable[[bytes], None]], wait: float
) -> bool:
    """Read once from each stream that has output within ``wait`` seconds; True if any did."""
    read = False
    for key, _events in selector.select(wait):
        take = streams.get(key.fd)
        if take is None:
            continue  # the command exited: the loop asks for its status
        chunk = os.read(key.fd, 65536)
        if chunk:
            take(chunk)
            read = True
        else:
            selector.unregister(key.fd)  # closed by every process that held it
    return read


def _exit_watch(pid: int) -> int | None:
    """A descriptor that becomes readable when process ``pid`` exits, where there is one."""
    try:
        return os.pidfd_open(pid)  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError):
        return None


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
