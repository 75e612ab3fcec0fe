"""``alert-console config path|check|init`` and starting with profiles, as a user runs them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("ALERT_CONSOLE_")}


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The XDG directories of the test (set by the autouse fixture) are in os.environ now.
    base = {k: v for k, v in os.environ.items() if not k.startswith("ALERT_CONSOLE_")}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **env},
        stdin=subprocess.DEVNULL,
    )


def test_path_prints_every_path_in_use(private_dirs: Path) -> None:
    result = run("config", "path")
    assert result.returncode == 0
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert set(lines) == {"config", "themes", "state", "cache", "logs"}
    assert lines["config"].startswith(
        str(private_dirs / "config" / "alert-console" / "config.toml")
    )
    assert lines["cache"].startswith(str(private_dirs / "cache"))
    custom = run("config", "path", ALERT_CONSOLE_CONFIG="/etc/elsewhere.toml")
    assert "config  /etc/elsewhere.toml" in custom.stdout


def test_init_writes_a_private_starter_that_checks_clean(private_dirs: Path) -> None:
    result = run("config", "init")
    assert result.returncode == 0, result.stderr
    path = private_dirs / "config" / "alert-console" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "[profiles.prod]" in path.read_text()
    assert run("config", "check").returncode == 0
    again = run("config", "init")
    assert again.returncode == 1 and "exists" in again.stderr


def test_check_reports_every_problem_with_its_line_and_never_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "[profiles.prod]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken = 'tok-in-file-123'\n"
        "refresh = -1\n[keys]\nnope = 'z'\n"
    )
    path.chmod(0o644)
    result = run("config", "--config", str(path), "check")
    assert result.returncode == 1
    assert f"{path}:5: profiles.prod.refresh" in result.stderr
    assert "tok-in-file-123" not in result.stdout + result.stderr
    path.write_text("[profiles.prod]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken = 'tok-in-file-123'\n")
    result = run("config", "--config", str(path), "check")
    assert result.returncode == 1
    assert f"chmod 600 {path}" in result.stderr
    assert "tok-in-file-123" not in result.stdout + result.stderr
    path.chmod(0o600)
    result = run("config", "--config", str(path), "check")
    assert result.returncode == 0, result.stderr
    assert "profile prod: token from the private file" in result.stdout
    assert "tok-in-file-123" not in result.stdout + result.stderr


def test_check_names_a_profile_without_any_token(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles.stage]\ncloud_id = 'x'\nemail = 'a@b.c'\nkeyring = false\n")
    result = run("config", "--config", str(path), "check")
    assert result.returncode == 1
    assert (
        f"{path}:1: profile 'stage': no token; looked in $ALERT_CONSOLE_API_TOKEN, token in "
        "the config file" in result.stderr
    )


def test_a_start_with_a_readable_token_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles.prod]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken = 'tok-start-9'\n")
    path.chmod(0o640)
    result = run("--config", str(path), "--profile", "prod")
    assert result.returncode == 2
    assert f"chmod 600 {path}" in result.stderr
    assert "tok-start-9" not in result.stdout + result.stderr


def test_start_up_mistakes_about_profiles_are_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles.prod]\ncloud_id = 'x'\nemail = 'a@b.c'\nkeyring = false\n")
    path.chmod(0o600)
    cases = [
        (["--profile", "nope"], "no profile named 'nope'"),
        (["--profile", "prod"], "profile 'prod': no token; looked in $ALERT_CONSOLE_API_TOKEN"),
        (["--demo", "--view", "nope"], "no saved view named 'nope'"),
        (["--demo", "--profile", "prod"], "--demo is the demo profile"),
    ]
    for args, words in cases:
        result = run("--config", str(path), *args)
        assert result.returncode == 2, (args, result.stderr)
        assert words in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    missing = run("--config", str(tmp_path / "absent.toml"), "--demo")
    assert missing.returncode == 2 and "no such file" in missing.stderr
