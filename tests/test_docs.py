"""The docs tell the truth about the code: the README's set-up, the keys, the scopes, every link
and every path they name, the version, and a site that builds."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import console
from console.actions import OPS
from console.api import BasicCredentials, JsmClient
from console.settings import keys_page
from console.settings.keymap import BY_ID, KEYMAP, display
from tests.hostile import HostileServer, json_reply

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
KEYS_PAGE = DOCS / "user" / "keys.md"
CONNECT_PAGE = DOCS / "user" / "connect.md"
SPECS = ROOT / "tests" / "contract"
PAGES = sorted(
    [README, ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md", *DOCS.rglob("*.md")],
    key=str,
)
SCOPE = re.compile(r"`([a-z]+:[a-z.-]+(?::[a-z-]+)?)`")


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _prose(text: str) -> str:
    """The text without its fenced code blocks (their lines kept empty, so line numbers hold)."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else line)
    return "\n".join(lines)


def _setup_commands() -> list[str]:
    """The README's set-up block: its command lines, comments left out."""
    block = re.search(r"## Set up\n.*?```sh\n(.*?)```", _text(README), re.S)
    assert block, "README.md has no set-up block under '## Set up'"
    return [
        line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")
    ]


# ---------------------------------------------------------------- the README


def test_the_readme_is_a_short_front_page_with_the_two_set_up_commands() -> None:
    lines = _text(README).splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; the rest belongs in docs/"
    assert _setup_commands() == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/alert-console --demo",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]


def test_ci_installs_and_tests_as_the_readme_says() -> None:
    test_command = _setup_commands()[1]
    venv, install, run = (part.strip() for part in test_command.split("&&"))
    ci = [line.strip() for line in _text(ROOT / ".ci/run").splitlines()]
    assert venv.startswith("python3 -m venv ")
    assert "python3 -m venv .ci/venv" in ci
    # The venv's own python and pip, as the README's `.venv/bin/...` are once it is activated.
    assert f"python -m pip install --quiet {install.removeprefix('.venv/bin/pip install ')}" in ci
    assert run.removeprefix(".venv/bin/") in ci
    assert ci[-1] == run.removeprefix(".venv/bin/"), "the test command is the last thing CI runs"


def test_the_readmes_incident_keys_are_the_keymaps() -> None:
    section = _text(README).split("## The ten keys that matter in an incident", 1)[1]
    table = section.split("\n\n", 2)[1]
    keys = re.findall(r"^\| `([^`]+)` \|", table, re.M)
    assert len(keys) == 10
    defaults = {display(key.key) for key in KEYMAP}
    assert [key for key in keys if key not in defaults] == []


# ---------------------------------------------------------------- the keys page


def test_the_keys_page_is_made_from_the_keymap() -> None:
    page = _text(KEYS_PAGE)
    assert keys_page.generated() in page, (
        "docs/user/keys.md differs from the keymap: "
        "python -m console.settings.keys_page --write docs/user/keys.md"
    )
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", page, re.M)
    assert sorted(rows) == sorted((display(key.key), key.id) for key in KEYMAP)


def test_the_keys_page_notes_name_real_bindings_with_their_keys() -> None:
    notes = re.findall(r"\*\*([a-z_0-9]+)\*\* \(`([^`]+)`\)", _text(KEYS_PAGE))
    assert len(notes) > 15
    assert [
        (binding, key)
        for binding, key in notes
        if binding not in BY_ID or display(BY_ID[binding].key) != key
    ] == []


def test_the_keys_page_writer_replaces_only_its_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "keys.md"
    page.write_text(f"# Keys\n\nmine\n\n{keys_page.BEGIN}\nstale\n{keys_page.END}\n\nmine too\n")
    assert keys_page.main(["--write", str(page)]) == 0
    assert page.read_text() == f"# Keys\n\nmine\n\n{keys_page.generated()}\nmine too\n"
    link = tmp_path / "link.md"
    link.symlink_to(page)
    assert keys_page.main(["--write", str(link)]) == 2
    assert capsys.readouterr().err == f"{link}: is a symbolic link\n"
    page.write_text("# Keys\n\nno markers\n")
    assert keys_page.main(["--write", str(page)]) == 2
    assert "markers are missing" in capsys.readouterr().err


# ---------------------------------------------------------------- the scopes


def _spec_scopes() -> dict[tuple[str, str], set[str]]:
    """(method, path) -> the OAuth 2.0 scopes the vendored spec names for it."""
    scopes: dict[tuple[str, str], set[str]] = {}
    for spec in SPECS.glob("*.openapi.json"):
        for path, operations in json.loads(spec.read_text(encoding="utf-8"))["paths"].items():
            for method, operation in operations.items():
                for requirement in operation.get("security", []):
                    if "OAuth2" in requirement:
                        scopes[(method.upper(), path)] = set(requirement["OAuth2"])
    return scopes


def _scope_rows() -> list[list[str]]:
    section = _text(CONNECT_PAGE).split("## 2. The scopes each part needs", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_the_scopes_page_says_what_the_spec_says() -> None:
    spec = _spec_scopes()
    rows = _scope_rows()
    assert rows, "docs/user/connect.md has no scopes table"
    covered: set[str] = set()
    for what, requests, scopes, confirmed in rows:
        named = set(SCOPE.findall(scopes))
        ops = [name for name in re.findall(r"`([a-z_]+)`", what) if name in OPS]
        if ops:
            covered.update(ops)
            for name in ops:
                request = OPS[name].request
                path = "/api/{cloudId}/v1/alerts" + request.path
                assert spec[(request.method, path)] == named, f"{name}: {request.method} {path}"
            assert confirmed == "by the spec"
            continue
        paths = re.findall(r"`(?:GET )?…(/v1/[^`]+)`", requests)
        if confirmed == "by the spec":
            assert paths, what
            for path in paths:
                assert spec[("GET", "/api/{cloudId}" + path)] == named, path
        else:
            assert "inferred" in confirmed, f"{what}: neither confirmed nor said to be inferred"
            assert not any(("GET", "/api/{cloudId}" + path) in spec for path in paths)
    assert covered == set(OPS), f"operations without their scopes: {set(OPS) - covered}"


def test_every_scope_the_readme_names_is_on_the_scopes_page() -> None:
    readme = set(SCOPE.findall(_text(README)))
    assert readme >= {"read:ops-alert:jira-service-management", "read:jira-user"}
    assert readme <= set(SCOPE.findall(_text(CONNECT_PAGE)))


# ---------------------------------------------------------------- links and names


def _slug(heading: str) -> str:
    """The anchor MkDocs (Python-Markdown's toc) gives a heading."""
    from markdown.extensions.toc import slugify

    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return str(slugify(re.sub(r"[`*]", "", text).strip(), "-"))


def _anchors(page: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", _prose(_text(page)), re.M)}


def _links(page: Path) -> list[str]:
    prose = re.sub(r"`[^`\n]*`", "", _prose(_text(page)))
    return re.findall(r"\]\(([^)\s]+)\)", prose)


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_relative_link_points_at_what_exists(page: Path) -> None:
    broken = []
    for link in _links(page):
        if re.match(r"[a-z]+:", link):
            continue  # a web address: nothing a build needs
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.exists():
            broken.append(f"{link}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{link}: no heading with that anchor")
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_path_test_and_module_named_exists(page: Path) -> None:
    named = re.findall(r"`([^`\n]+)`", _text(page))
    tests_text = "\n".join(_text(p) for p in (ROOT / "tests").rglob("*.py"))
    missing = []
    for item in named:
        if re.fullmatch(r"(console|tests)/[\w./-]*\w(::\w+)?", item):
            path, _, test = item.partition("::")
            there = (ROOT / path).exists()
            if not there or (test and not re.search(rf"def {test}\b", _text(ROOT / path))):
                missing.append(item)
        elif re.fullmatch(r"test_\w+", item):
            if not re.search(rf"def {item}\b", tests_text):
                missing.append(item)
        elif re.fullmatch(r"console(\.\w+)+", item) and not _resolves(item):
            missing.append(item)
    assert missing == []


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                found = getattr(found, attribute)
        except AttributeError:
            return False
        return True
    return False


def test_every_docs_page_is_in_the_sites_nav() -> None:
    nav = _text(ROOT / "mkdocs.yml").split("\nnav:", 1)[1]
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, re.M))
    assert listed == {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}


# ---------------------------------------------------------------- the papers


def test_the_version_has_one_source() -> None:
    project = tomllib.loads(_text(ROOT / "pyproject.toml"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    source = project["tool"]["setuptools"]["dynamic"]["version"]
    assert source == {"attr": "console.__version__"}
    assert importlib.metadata.version("alert-console") == console.__version__, (
        "the installed metadata is older than console/__init__.py: pip install -e . again"
    )
    command = Path(sys.executable).with_name("alert-console")
    shown = subprocess.run(
        [str(command), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert shown.stdout.strip() == f"alert-console {console.__version__}"


async def test_the_user_agent_says_the_same_version(hostile: HostileServer) -> None:
    hostile.on("GET", "/v1/alerts", json_reply({"values": [], "count": 0, "links": {}}))
    credentials = BasicCredentials("me@example.com", "a-token")
    async with JsmClient(origin=hostile.origin, cloud_id="demo", credentials=credentials) as api:
        await api.list_alerts()
    [seen] = hostile.seen("GET", "/v1/alerts")
    agent = {name.lower(): value for name, value in seen.headers.items()}["user-agent"]
    assert agent == f"alert-console/{console.__version__}"


def test_the_licence_is_the_one_pyproject_states() -> None:
    project = tomllib.loads(_text(ROOT / "pyproject.toml"))["project"]
    assert project["license"] == {"text": "MIT"}
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    licence = _text(ROOT / "LICENSE")
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 the alert-console authors\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in licence


# ---------------------------------------------------------------- the site


def test_the_site_builds_strict_and_its_pages_say_what_the_sources_say(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr

    def page(name: str) -> str:
        html = (site / name).read_text(encoding="utf-8")
        return re.sub(r"<[^>]+>", "", html)

    keys = page("user/keys.html")
    assert all(key.id in keys for key in KEYMAP)
    assert "read:ops-alert:jira-service-management" in page("user/connect.html")
    assert "Layout and layers" in page("contributors/layout.html")
    assert (site / "screenshots" / "main.svg").read_bytes() == (
        ROOT / "screenshots" / "main.svg"
    ).read_bytes()
    html = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    remote = re.findall(r"<(?:link|script|img)[^>]+(?:href|src)=\"https?://[^\"]+", html)
    assert remote == [], "the site loads nothing from another host"
