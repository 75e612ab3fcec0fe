"""Where a profile's token comes from: environment, command, keyring, private file; in order."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from console.api.auth import BasicCredentials, BearerToken
from console.settings.config import ConfigError, load
from console.settings.secrets import (
    MAX_TOKEN_BYTES,
    credentials_for,
    find_secret,
    keyring_available,
)
from tests.corpus import long_line_command, token_then_background


class MemoryKeyring(KeyringBackend):
    """A keyring backend in memory: the real keyring API, no OS service."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.stored.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def no_token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALERT_CONSOLE_API_TOKEN", "ALERT_CONSOLE_ACCESS_TOKEN", "ALERT_CONSOLE_EMAIL"):
        monkeypatch.delenv(name, raising=False)


def config_with(tmp_path: Path, profile: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[profiles.p]\ncloud_id = 'c'\nemail = 'me@acme.com'\n{profile}")
    path.chmod(mode)
    return path


def command(script: str) -> str:
    """A token_command line running a small Python script (no shell involved)."""
    return json.dumps([sys.executable, "-c", script])  # a JSON array is a TOML array


def test_the_environment_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(config_with(tmp_path, "token_env = 'MY_TOKEN'\ntoken = 'from-file'\n"))
    monkeypatch.setenv("MY_TOKEN", "from-env")
    secret = find_secret("p", config.profiles["p"], config)
    assert secret is not None and secret.value == "from-env" and "MY_TOKEN" in secret.source


def test_the_token_command_runs_without_a_shell(tmp_path: Path) -> None:
    script = "print('from-command'); print('second line ignored')"
    config = load(config_with(tmp_path, f"token_command = {command(script)}\n"))
    credentials = credentials_for("p", config.profiles["p"], config)
    assert isinstance(credentials, BasicCredentials)
    assert credentials.token == "from-command" and credentials.email == "me@acme.com"
    # A string is split like a command line, and its metacharacters are not a shell's.
    config = load(config_with(tmp_path, "token_command = 'echo tok; rm -rf /nonexistent'\n"))
    secret = find_secret("p", config.profiles["p"], config)
    assert secret is not None and secret.value == "tok; rm -rf /nonexistent"


@pytest.mark.parametrize(
    ("script", "said"),
    [
        (
            "import sys; sys.stderr.write('vault sealed \\x1b[31m\\n'); sys.exit(3)",
            "exited with status 3; it said: vault sealed ␛[31m",
        ),
        ("pass", "printed nothing"),
    ],
)
def test_a_failing_token_command_says_how_never_raw(tmp_path: Path, script: str, said: str) -> None:
    config = load(config_with(tmp_path, f"token_command = {command(script)}\n"))
    with pytest.raises(ConfigError) as caught:
        credentials_for("p", config.profiles["p"], config)
    assert said in str(caught.value)
    assert "\x1b" not in str(caught.value)


def test_a_hanging_token_command_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("console.settings.secrets.COMMAND_TIMEOUT_S", 0.5)
    config = load(
        config_with(tmp_path, f"token_command = {command('import time; time.sleep(30)')}\n")
    )
    with pytest.raises(ConfigError, match=r"took longer than 0\.5 s"):
        credentials_for("p", config.profiles["p"], config)


def test_a_missing_command_is_named(tmp_path: Path) -> None:
    config = load(config_with(tmp_path, "token_command = 'no-such-tool-here show'\n"))
    with pytest.raises(ConfigError, match="'no-such-tool-here' was not found"):
        credentials_for("p", config.profiles["p"], config)


def test_the_keyring_when_installed(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    config = load(config_with(tmp_path, "token = 'from-file'\n"))
    memory_keyring.set_password("alert-console", "p", "from-keyring")
    secret = find_secret("p", config.profiles["p"], config)
    assert secret is not None and secret.value == "from-keyring" and "keyring" in secret.source
    memory_keyring.delete_password("alert-console", "p")
    secret = find_secret("p", config.profiles["p"], config)
    assert secret is not None and secret.value == "from-file"  # last: the private file


def test_without_the_keyring_extra_the_other_sources_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # as if not installed
    assert not keyring_available()
    config = load(config_with(tmp_path, ""))
    with pytest.raises(ConfigError, match=r"the OS keyring \(not installed\)"):
        credentials_for("p", config.profiles["p"], config)
    config = load(config_with(tmp_path, "token = 'from-file'\n"))
    assert find_secret("p", config.profiles["p"], config).value == "from-file"  # type: ignore[union-attr]


def test_bearer_tokens_are_another_source_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERT_CONSOLE_ACCESS_TOKEN", "oauth-access")
    config = load(config_with(tmp_path, "auth = 'bearer'\n"))
    credentials = credentials_for("p", config.profiles["p"], config)
    assert isinstance(credentials, BearerToken)


def test_a_500_kb_first_line_is_refused_and_the_longest_allowed_taken(tmp_path: Path) -> None:
    config = load(
        config_with(tmp_path, f"token_command = {json.dumps(long_line_command(500_000))}\n")
    )
    with pytest.raises(ConfigError) as caught:
        credentials_for("p", config.profiles["p"], config)
    said = str(caught.value)
    assert said == (
        "profile 'p': token_command's first line is longer than 8,192 bytes; a token is one line"
    )
    # A token of the longest length allowed, and one without a newline, are taken whole.
    script = f"import sys; sys.stdout.write('k' * {MAX_TOKEN_BYTES} + '\\n')"
    config = load(config_with(tmp_path, f"token_command = {command(script)}\n"))
    secret = find_secret("p", config.profiles["p"], config)
    assert secret is not None and secret.value == "k" * MAX_TOKEN_BYTES
    config = load(config_with(tmp_path, f"token_command = {command('print(end=chr(116))')}\n"))
    secret = find_secret("p", config.profiles["p"], config)
    assert secret is not None and secret.value == "t"


def test_the_token_is_taken_when_its_command_exits_not_when_its_children_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "child.pid"
    token_command = json.dumps(token_then_background("tok-now", pid_file))
    config = load(config_with(tmp_path, f"token_command = {token_command}\n"))
    started = time.monotonic()
    try:
        secret = find_secret("p", config.profiles["p"], config)
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
    assert secret is not None and secret.value == "tok-now"
    assert time.monotonic() - started < 5  # before: 10 s, then refused
    # The command itself still has its deadline, though its line came at once.
    monkeypatch.setattr("console.settings.secrets.COMMAND_TIMEOUT_S", 0.5)
    script = "import sys, time; print('tok', flush=True); time.sleep(30)"
    config = load(config_with(tmp_path, f"token_command = {command(script)}\n"))
    with pytest.raises(ConfigError, match=r"took longer than 0\.5 s"):
        credentials_for("p", config.profiles["p"], config)
