"""Starting the console: bad start-up input is one clear sentence and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("ALERT_CONSOLE_")}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env if env is not None else CLEAN_ENV,
    )


@pytest.mark.parametrize(
    ("args", "env_extra", "words"),
    [
        (
            ["--cloud-id", "abc"],
            {},
            "no credentials: set ALERT_CONSOLE_EMAIL and ALERT_CONSOLE_API_TOKEN",
        ),
        (["--cloud-id", "abc"], {"ALERT_CONSOLE_EMAIL": "me@example.com"}, "no credentials"),
        (
            [],
            {"ALERT_CONSOLE_EMAIL": "a@b.c", "ALERT_CONSOLE_API_TOKEN": "t"},
            "--cloud-id is required",
        ),
        (["--url", "ftp://example.com", "--cloud-id", "x"], {}, "must be an http(s) origin"),
        (["--url", "not a url at all", "--cloud-id", "x"], {}, "--url"),
        (["--url", "http://example.com", "--cloud-id", "x"], {}, "only sent over https"),
        (["--url", "https://example.com/some/path", "--cloud-id", "x"], {}, "origin only"),
        (["--demo", "--theme", "no-such-theme"], {}, "unknown theme 'no-such-theme'"),
        (["--demo", "--refresh", "0.5"], {}, "--refresh must be a number of seconds, at least 1"),
        (["--demo", "--refresh", "nan"], {}, "--refresh must be a number of seconds, at least 1"),
        (["--demo", "--refresh", "inf"], {}, "--refresh must be a number of seconds, at least 1"),
        (
            ["--url", "https://me:secret-pass@example.com", "--cloud-id", "x"],
            {"ALERT_CONSOLE_EMAIL": "a@b.c", "ALERT_CONSOLE_API_TOKEN": "t"},
            "--url must not carry a user name or password",
        ),
        (
            ["--url", "http://user@127.0.0.1:9", "--cloud-id", "x"],
            {"ALERT_CONSOLE_EMAIL": "a@b.c", "ALERT_CONSOLE_API_TOKEN": "t"},
            "--url must not carry a user name or password",
        ),
        (["--demo", "--page-size", "101"], {}, "--page-size must be between 1 and 100"),
        (["--demo", "--query", "status: (open"], {}, "--query:"),
        (["--demo", "--url", "https://api.atlassian.com"], {}, "--demo starts its own simulator"),
        (["--served-demo", "--wall"], {}, "--served-demo is for the walls of"),
        (
            ["--served-demo", "--wall", "--url", "https://api.atlassian.com", "--cloud-id", "x"],
            {"ALERT_CONSOLE_EMAIL": "a@b.c", "ALERT_CONSOLE_API_TOKEN": "t"},
            "--served-demo and --relayed read a server on this machine only",
        ),
    ],
)
def test_bad_start_up_input_is_one_sentence(
    args: list[str], env_extra: dict[str, str], words: str
) -> None:
    result = run(*args, env={**CLEAN_ENV, **env_extra})
    assert result.returncode == 2, result
    assert words in result.stderr, result.stderr
    assert result.stderr.startswith("alert-console: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "secret-pass" not in result.stderr


def test_a_token_given_in_the_environment_never_shows_in_a_start_up_error() -> None:
    result = run(
        "--url",
        "http://example.com",
        "--cloud-id",
        "x",
        env={
            **CLEAN_ENV,
            "ALERT_CONSOLE_EMAIL": "me@example.com",
            "ALERT_CONSOLE_API_TOKEN": "s3cr3t-t0ken",
        },
    )
    assert result.returncode == 2
    assert "s3cr3t-t0ken" not in result.stderr + result.stdout


def test_version_and_help() -> None:
    assert run("--version").stdout.startswith("alert-console ")
    help_text = run("--help").stdout
    for option in (
        "--demo",
        "--url",
        "--cloud-id",
        "--query",
        "--refresh",
        "--page-size",
        "--theme",
        "--read-only",
        "--debug",
    ):
        assert option in help_text


def test_a_config_problem_quoting_the_files_own_text_is_shown_through_the_sanitiser(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles."\\u001b]0;pwned\\u0007p"]\nbogus = 1\n', encoding="utf-8")
    config.chmod(0o600)
    result = run("--config", str(config), "--demo")
    assert result.returncode == 2, result
    assert result.stderr.startswith("alert-console: "), result.stderr
    assert "bogus" in result.stderr  # the problem is named
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_the_start_loads_no_plugin_machinery_and_pydantic_still_validates() -> None:
    """The console's start puts a loader that finds no pydantic plugin in the place of
    pydantic's own, which imports importlib.metadata (~5 ms) to find none when every plugin
    is off; pydantic's own is still where the stand-in goes, and finds none the same way."""
    start = (
        "import sys\n"
        "from console.cli.lean import lean_start\n"
        "lean_start()\n"
        "from console.api.models import Alert\n"
        "assert Alert.model_validate({'id': 'a', 'count': 2.0}).count == 2\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    own = (
        "import os\n"
        "os.environ['PYDANTIC_DISABLE_PLUGINS'] = '__all__'\n"
        "from pydantic.plugin._loader import get_plugins\n"
        "print(list(get_plugins()))\n"
    )
    for code, said in ((start, "False"), (own, "[]")):
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=CLEAN_ENV
        )
        assert result.stdout.strip() == said, result.stderr[-2000:]
