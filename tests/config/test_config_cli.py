"""``alert-console config path|check|init`` and starting with profiles, as a user runs them."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests import corpus

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


def private_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command said (no traceback, nothing else)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("alert-console: ")
    return lines[0]


def test_a_config_nested_3000_deep_is_one_sentence_from_check_and_from_the_start(
    tmp_path: Path,
) -> None:
    path = private_config(tmp_path, corpus.DEEP_TOML)
    check = run("config", "check", "--config", str(path))
    assert check.returncode == 1
    assert one_sentence(check) == f"alert-console: {path}:1: nested more than 32 levels deep"
    start = run("--config", str(path), "--demo")
    assert start.returncode == 2
    assert f"{path}:1: nested more than 32 levels deep" in one_sentence(start)


def test_check_reports_every_problem_in_one_run(tmp_path: Path, private_dirs: Path) -> None:
    """What passed config check and then stopped the start (issue 16), all in one run."""
    themes = private_dirs / "config" / "alert-console" / "themes"
    themes.mkdir(parents=True)
    (themes / "latin.toml").write_bytes(corpus.NOT_UTF8_THEME)
    path = private_config(
        tmp_path,
        "[profiles.prod]\n"
        "cloud_id = 'x'\n"
        "email = 'me@acme.com'\n"
        "origin = 'http://jsm.example.com'\n"
        "theme = 'no-such-theme'\n"
        "keyring = false\n"
        f"alert_url = '{corpus.UNCLOSED_ALERT_URL}'\n"
        "[profiles.bot]\n"
        "cloud_id = 'y'\n"
        "auth = 'bearer'\n"
        "token_env = 'BOT_TOKEN'\n",
    )
    result = run("config", "check", "--config", str(path))
    assert result.returncode == 1
    said = result.stderr
    assert f"{path}:4: profiles.prod.origin: 'http://jsm.example.com' is plain http" in said
    assert f"{path}:5: profiles.prod.theme: unknown theme 'no-such-theme'; known: " in said
    assert f"{path}:7: profiles.prod.alert_url: expected '}}' before end of string" in said
    assert (
        f"{path}:1: profile 'prod': no token; looked in $ALERT_CONSOLE_API_TOKEN, token in "
        "the config file" in said
    )
    assert f"{path}:8: profile 'bot': no token; looked in $BOT_TOKEN, the OS keyring" in said
    assert f"theme {themes / 'latin.toml'}:2: is not UTF-8 text" in said
    assert "Traceback" not in said
    assert f"{path}: 6 problem(s)" in result.stdout


def test_config_check_takes_config_after_the_subcommand_too(tmp_path: Path) -> None:
    path = private_config(tmp_path, "[profiles.p]\ncloud_id = 'x'\nrefresh = 0\n")
    before = run("config", "--config", str(path), "check")
    after = run("config", "check", "--config", str(path))
    assert before.returncode == after.returncode == 1
    assert before.stderr == after.stderr
    assert f"{path}:3: profiles.p.refresh" in after.stderr


def test_a_profiles_origin_is_named_at_the_start_with_its_line_not_as_url(
    tmp_path: Path,
) -> None:
    path = private_config(
        tmp_path, "[profiles.p]\ncloud_id = 'x'\nemail = 'a@b.c'\norigin = 'http://jsm.example'\n"
    )
    result = run("--config", str(path), "--profile", "p", ALERT_CONSOLE_API_TOKEN="t")
    assert result.returncode == 2
    said = one_sentence(result)
    assert f"{path}:4: profiles.p.origin: 'http://jsm.example' is plain http" in said
    assert "--url" not in said


def test_profile_none_starts_without_the_configs_default_profile(tmp_path: Path) -> None:
    path = private_config(
        tmp_path,
        "default_profile = 'prod'\n[profiles.prod]\ncloud_id = 'x'\nemail = 'a@b.c'\n"
        "keyring = false\n",
    )
    with_default = run("--config", str(path))
    assert with_default.returncode == 2
    assert "profile 'prod': no token" in one_sentence(with_default)
    without = run("--config", str(path), "--profile", "none")
    assert without.returncode == 2
    # Past the profile: flags and the environment only, and they name no site (prod's
    # cloud_id is not used).
    assert "--cloud-id is required" in one_sentence(without)


def test_an_alert_url_that_would_break_b_stops_the_start_with_its_line(tmp_path: Path) -> None:
    path = private_config(tmp_path, f"[defaults]\nalert_url = '{corpus.UNCLOSED_ALERT_URL}'\n")
    result = run("--config", str(path), "--demo")
    assert result.returncode == 2
    assert f"{path}:2: defaults.alert_url: expected '}}'" in one_sentence(result)


def test_config_check_names_a_theme_linked_to_dev_zero_and_a_22_mb_one_at_once(
    private_dirs: Path, tmp_path: Path
) -> None:
    themes = private_dirs / "config" / "alert-console" / "themes"
    themes.mkdir(parents=True)
    (themes / "zero.toml").symlink_to("/dev/zero")
    with (themes / "huge.toml").open("wb") as handle:
        handle.truncate(corpus.BIG_THEME_BYTES)
    path = private_config(tmp_path, "[defaults]\ntheme = 'zero'\n")
    started = time.monotonic()
    result = run("config", "check", "--config", str(path))
    took = time.monotonic() - started
    assert result.returncode == 1
    assert f"theme {themes / 'zero.toml'}: is not a regular file" in result.stderr
    assert f"theme {themes / 'huge.toml'}: is too large (23,068,672 bytes" in result.stderr
    assert took < 10, took  # before: /dev/zero was read until memory ran out


def test_a_token_command_printing_gigabytes_is_refused_at_once_at_the_start(
    tmp_path: Path,
) -> None:
    flood = json.dumps(corpus.flood_command(1.5))
    path = private_config(
        tmp_path, f"[profiles.p]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken_command = {flood}\n"
    )
    started = time.monotonic()
    result = run("--config", str(path), "--profile", "p")
    took = time.monotonic() - started
    assert result.returncode == 2
    said = one_sentence(result)
    assert "token_command's first line is longer than 8,192 bytes" in said
    assert "xxxx" not in said
    assert took < 10, took  # before: 23.6 GB, then the kernel's OOM killer


def test_a_token_command_leaving_a_child_behind_is_taken_at_once(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    command = json.dumps(corpus.token_then_background("tok-bg-1", pid_file))
    path = private_config(
        tmp_path, f"[profiles.p]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken_command = {command}\n"
    )
    started = time.monotonic()
    try:
        result = run("config", "check", "--config", str(path))
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)  # the sleep it left behind
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "profile p: token from token_command" in result.stdout
    assert "tok-bg-1" not in result.stdout + result.stderr
    assert took < 5, took  # before: refused after the 10 s deadline


def test_a_failing_token_commands_gigabyte_of_errors_is_read_in_little_memory(
    tmp_path: Path,
) -> None:
    """Its last line is said; the rest is read and dropped (before: all of it kept)."""
    flood = json.dumps(corpus.error_flood_command(1.2, "vault sealed", 3))
    path = private_config(
        tmp_path, f"[profiles.p]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken_command = {flood}\n"
    )

    def at_most_1_gib() -> None:  # of address space, for config check (and its command)
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    base = {k: v for k, v in os.environ.items() if not k.startswith("ALERT_CONSOLE_")}
    result = subprocess.run(
        [sys.executable, "-m", "console", "config", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=base,
        stdin=subprocess.DEVNULL,
        preexec_fn=at_most_1_gib,  # a test's own child; no threads in play
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert (
        f"{path}:1: profile 'p': token_command exited with status 3; it said: vault sealed"
        in result.stderr
    )
