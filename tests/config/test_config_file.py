"""The config file: every problem named with the file, the line and the field; precedence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.settings.config import (
    CA_BUNDLE_MAX_BYTES,
    MAX_BYTES,
    NO_PROFILE,
    ConfigError,
    config_path,
    load,
    resolve,
)
from tests import corpus


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(path)
    return caught.value.problems


GOOD = """\
default_profile = "prod"

[defaults]
refresh = 30
page_size = 40
theme = "alert-light"

[profiles.prod]
cloud_id = "c-prod"
email = "me@acme.com"
site_url = "https://acme.atlassian.net"
color = "red"
refresh = 20
default_view = "mine"

[profiles.staging]
cloud_id = "c-staging"
email = "me@acme.com"
read_only = true

[views.mine]
query = "status: open AND owner: me@acme.com"
key = 1

[views.p1]
query = "priority: P1"
sort = "priority"
order = "asc"
key = 2
profile = "prod"

[views.staging-only]
query = "status: open"
profile = "staging"

[wall]
views = ["p1", "mine"]
rotate_seconds = 20

[keys]
acknowledge = "A"
"""


def test_a_good_file_resolves_with_flags_over_profile_over_defaults(tmp_path: Path) -> None:
    config = load(write(tmp_path, GOOD))
    prod = resolve(config, None, {})
    assert prod.name == "prod"  # default_profile
    assert prod.refresh == 20  # the profile over [defaults]
    assert prod.page_size == 40  # [defaults] over the built-in 50
    assert prod.theme == "alert-light"
    assert prod.color == "red"
    assert prod.default_view == "mine"
    assert set(prod.views) == {"mine", "p1"}  # not staging's own view
    assert prod.wall_views == ("p1", "mine")
    assert dict(prod.keys) == {"acknowledge": "A"}
    flagged = resolve(config, "prod", {"refresh": 5.0, "page_size": None, "theme": "okabe-ito"})
    assert flagged.refresh == 5.0  # flags over the profile
    assert flagged.page_size == 40  # a flag not given leaves the file's value
    assert flagged.theme == "okabe-ito"
    staging = resolve(config, "staging", {})
    assert staging.read_only and set(staging.views) == {"mine", "staging-only"}
    assert staging.refresh == 30
    demo = resolve(config, "demo", {})
    assert demo.profile.demo  # --demo is a profile too


def test_no_file_is_an_empty_config_and_flags_alone_work(tmp_path: Path) -> None:
    config = load(tmp_path / "absent.toml")
    resolved = resolve(config, None, {"refresh": 7.0})
    assert resolved.name == NO_PROFILE and resolved.refresh == 7.0 and resolved.page_size == 50
    with pytest.raises(ConfigError, match="no such file"):
        load(tmp_path / "absent.toml", required=True)


def test_the_path_comes_from_the_flag_then_the_environment_then_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALERT_CONSOLE_CONFIG", raising=False)
    assert config_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "alert-console" / "config.toml"
    monkeypatch.setenv("ALERT_CONSOLE_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"
    assert config_path(str(tmp_path / "flag.toml")) == tmp_path / "flag.toml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[profiles.prod]\ncloud_id = 'x'\ncolour = 'red'\n",
            ":3: profiles.prod.colour: unknown key",
        ),
        (
            "[defaults]\n\nrefresh = 'soon'\n",
            ":3: defaults.refresh: Input should be a valid number",
        ),
        (
            "[defaults]\nrefresh = 0.5\n",
            ":2: defaults.refresh: Input should be greater than or equal to 1",
        ),
        (
            "[defaults]\npage_size = 500\n",
            ":2: defaults.page_size: Input should be less than or equal to 100",
        ),
        ("[views.x]\nquery = 'status: (open'\n", ":2: views.x.query: the query does not parse"),
        ("[views.x]\nkey = 12\n", ":2: views.x.key: Input should be less than or equal to 9"),
        (
            "[profiles.p]\ncloud_id = 'x'\ncolor = 'not-a-colour'\n",
            ":3: profiles.p.color: 'not-a-colour' is not a colour",
        ),
        (
            "[profiles.p]\ncloud_id = 'x'\nalert_url = '{site}/a/{id}'\n",
            ":3: profiles.p.alert_url: unknown placeholder {site}",
        ),
        (
            "[wall]\nrotate_seconds = 1\n",
            ":2: wall.rotate_seconds: Input should be greater than or equal to 5",
        ),
        ("default_profile = 'prod'\n", ":1: default_profile: no profile named 'prod'"),
        ("[profiles.p]\nemail = 'a@b.c'\n", ":1: profiles.p: cloud_id is missing"),
        ("[views.a]\nkey = 1\n[views.b]\nkey = 1\n", ":4: views.b.key: key 1 is already view 'a'"),
        ("[wall]\nviews = ['nope']\n", ":2: wall.views: no view named 'nope'"),
        (
            "[keys]\nacknowledge = 'ctrl+h'\n",
            ":2: keys.acknowledge: terminals send ctrl+h as Backspace",
        ),
        ("[keys]\n\nno_such_action = 'z'\n", ":3: keys.no_such_action: not a binding id"),
        ("[keys]\nrefresh = 'a'\n", "keys: a is bound to acknowledge and refresh"),
        ("[keys]\nrefresh = 'j'\n", ":2: keys.refresh: j moves in the table"),
        ("[profiles.p\ncloud_id = 'x'\n", ":1: not valid TOML"),
        # Issue 17: a template that broke "b"; issue 16: what passed and then stopped a start.
        (
            f"[profiles.p]\ncloud_id = 'x'\nalert_url = '{corpus.UNCLOSED_ALERT_URL}'\n",
            ":3: profiles.p.alert_url: expected '}' before end of string",
        ),
        (
            "[defaults]\nalert_url = '{site_url}/{id!r}'\n",
            ":2: defaults.alert_url: a placeholder takes no format",
        ),
        (
            "[profiles.p]\ncloud_id = 'x'\n\norigin = 'http://jsm.example.com'\n",
            ":4: profiles.p.origin: 'http://jsm.example.com' is plain http",
        ),
        (
            "[profiles.p]\ncloud_id = 'x'\norigin = 'https://me:pw@jsm.example.com'\n",
            ":3: profiles.p.origin: must not carry a user name or password",
        ),
        ("[profiles.none]\ncloud_id = 'x'\n", ":1: profiles.none: the name 'none' is kept"),
        (
            "[profiles.p]\ncloud_id = 'x'\ndefault_view = 'v'\n[views.v]\nprofile = 'q'\n"
            "[profiles.q]\ncloud_id = 'y'\n",
            ":3: profiles.p.default_view: the view 'v' is only for profile 'q'",
        ),
        (
            "[defaults]\ndefault_view = 'v'\n[views.v]\nprofile = 'demo'\n",
            ":2: defaults.default_view: the view 'v' is only for profile 'demo'",
        ),
        (corpus.DEEP_TOML, ":1: nested more than 32 levels deep"),
        ("[profiles.p]\ncloud_id = 'x'\n# caf\xe9\n", ":3: is not UTF-8 text"),
    ],
)
def test_each_problem_names_the_file_the_line_and_the_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(text.encode("latin-1" if "\xe9" in text else "utf-8"))
    path.chmod(0o600)
    said = problems(path)
    assert any(p.startswith(str(path)) and expected in p for p in said), said


def test_a_token_in_a_file_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    text = "[profiles.p]\ncloud_id = 'x'\nemail = 'a@b.c'\ntoken = 'file-s3cret'\n"
    path = write(tmp_path, text, mode=0o644)
    said = problems(path)
    assert any("others can read it (mode 644)" in p and f"chmod 600 {path}" in p for p in said)
    assert "file-s3cret" not in "\n".join(said)
    path.chmod(0o600)
    assert load(path).private


def test_a_missing_ca_bundle_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "[profiles.p]\ncloud_id = 'x'\nca_bundle = '/no/such/ca.pem'\n")
    assert any(":3: profiles.p.ca_bundle: no such file" in p for p in problems(path))


def test_a_ca_bundle_that_tls_would_read_without_end_is_refused(tmp_path: Path) -> None:
    linked = tmp_path / "zero.pem"
    linked.symlink_to("/dev/zero")
    big = tmp_path / "big.pem"
    with big.open("wb") as handle:
        handle.truncate(CA_BUNDLE_MAX_BYTES + 1)
    cases = ((linked, "is not a regular file"), (big, "is larger than 16,777,216 bytes"))
    for bundle, said in cases:
        path = write(tmp_path, f"[profiles.p]\ncloud_id = 'x'\nca_bundle = '{bundle}'\n")
        assert any(":3: profiles.p.ca_bundle: " in p and said in p for p in problems(path))


def test_a_query_flag_wins_over_the_default_view(tmp_path: Path) -> None:
    from console.settings.start import settings_for

    config = load(write(tmp_path, GOOD))
    resolved = resolve(config, "prod", {})
    common = {"wall": False, "demo": False, "site": "s", "site_url": None, "user": "u"}
    by_view = settings_for(resolved, query=None, view="p1", **common)
    assert (by_view.query, by_view.sort, by_view.order) == ("priority: P1", "priority", "asc")
    assert by_view.view_name == "p1" and by_view.profile == "prod"
    assert by_view.keymap == (("acknowledge", "A"),)
    by_flag = settings_for(resolved, query="tag: x", view="p1", **common)
    assert (by_flag.query, by_flag.sort, by_flag.view_name) == ("tag: x", "createdAt", None)
    wall = settings_for(resolved, query=None, view=None, **{**common, "wall": True})
    assert wall.view_name == "p1" and wall.wall_views == ("p1", "mine") and wall.read_only


def test_a_config_that_is_not_a_small_regular_file_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    linked = tmp_path / "zero.toml"
    linked.symlink_to("/dev/zero")
    assert problems(linked) == [f"{linked}: is not a regular file"]
    big = tmp_path / "big.toml"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    [said] = problems(big)
    assert said.startswith(f"{big}: is too large (1,048,577 bytes")
    # A link to a regular file is a dotfiles folder's habit: followed, and read.
    real = write(tmp_path, "[defaults]\nrefresh = 20\n")
    dotfile = tmp_path / "dotfile.toml"
    dotfile.symlink_to(real)
    assert load(dotfile).file.defaults.refresh == 20


def test_profile_none_is_no_profile_not_even_the_default(tmp_path: Path) -> None:
    config = load(write(tmp_path, GOOD))
    plain = resolve(config, "none", {})
    assert plain.name == NO_PROFILE and plain.profile.cloud_id is None
    assert plain.refresh == 30  # [defaults] still hold
    assert resolve(config, None, {}).name == "prod"
