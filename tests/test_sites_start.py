"""Starting on several sites (issue 21): the command line's checks, the config's, and the
installed command in a terminal over two simulators, each with its own credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.settings.config import ConfigError, load
from console.simulator.server import BackgroundSimulator
from tests.helpers import site_config
from tests.terminal import run_in_terminal
from tests.test_cli import CLEAN_ENV, run

TWO = """\
[profiles.prod]
origin = "{prod}"
cloud_id = "cloud-prod"
email = "prod@example.com"
token_env = "PROD_TOKEN"
color = "red"

[profiles.eu]
origin = "{eu}"
cloud_id = "cloud-eu"
email = "eu@example.com"
token_env = "EU_TOKEN"
read_only = true

[views.both]
query = "status: open"
profiles = ["prod", "eu"]
"""


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def two_sites() -> Iterator[tuple[BackgroundSimulator, BackgroundSimulator]]:
    prod = BackgroundSimulator(site_config("prod", alerts=20, seed=3)).start()
    eu = BackgroundSimulator(site_config("eu", alerts=8, seed=5)).start()
    yield prod, eu
    prod.stop()
    eu.stop()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--profile", "prod", "--profile", "prod"], "the profile 'prod' is named twice"),
        (
            ["--profile", "prod", "--profile", "eu", "--url", "https://api.atlassian.com"],
            "several sites come from their profiles: leave out --url and --cloud-id",
        ),
        (["--profile", "prod", "--profile", "nowhere"], "no profile named 'nowhere'"),
    ],
)
def test_bad_several_sites_input_is_one_sentence(
    tmp_path: Path, args: list[str], words: str
) -> None:
    path = config_file(tmp_path, TWO.format(prod="http://127.0.0.1:9", eu="http://127.0.0.1:9"))
    result = run("--config", str(path), *args, env=CLEAN_ENV)
    assert result.returncode == 2, result
    assert words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_config_check_names_a_view_or_walls_unknown_or_repeated_profile(
    tmp_path: Path,
) -> None:
    text = TWO.format(prod="http://127.0.0.1:9", eu="http://127.0.0.1:9") + (
        '\n[views.odd]\nprofiles = ["prod", "mars"]\n\n[wall]\nprofiles = ["eu", "eu"]\n'
    )
    with pytest.raises(ConfigError) as raised:
        load(config_file(tmp_path, text), required=True)
    problems = str(raised.value)
    assert "views.odd.profiles: no profile named 'mars'" in problems
    assert "wall.profiles: a profile is named twice" in problems


def test_a_saved_view_with_profiles_opens_one_table_over_both_sites(
    tmp_path: Path, two_sites: tuple[BackgroundSimulator, BackgroundSimulator]
) -> None:
    prod, eu = two_sites
    path = config_file(tmp_path, TWO.format(prod=prod.origin, eu=eu.origin))
    env = {**CLEAN_ENV, "PROD_TOKEN": "prod-token", "EU_TOKEN": "eu-token"}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    session = run_in_terminal(
        ["--config", str(path), "--view", "both"],
        env,
        lambda screen: "(prod " in screen and " eu " in screen and "2 sites" in screen,
    )
    assert session.status == 0, session.screen[-3000:]
    assert "Traceback" not in session.screen
    screen = session.screen
    assert " PROD " in screen and " EU " in screen  # one badge (and dot) per site
    assert "eu r/o" in screen  # the read-only site's rows say so
    assert "prod-token" not in screen and "eu-token" not in screen
