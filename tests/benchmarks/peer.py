"""The one terminal peer, leoxtc/jsm-tui, installed from its public repository in a venv of its
own (under the system's temp folder, kept between runs by its commit; never in this
repository), for run.py's ``first_rows_vs_jsm_tui``.

One change is made to its code, and only so that it reaches the simulator: its base URL is
fixed to ``https://api.atlassian.com``, so the origin is read from ``JSM_API_ORIGIN`` (that
URL when unset). Everything else is as its README sets it up: ``pip install -e .``, its
environment variables, its defaults (a page of 100, a refresh every 30 s, a log file under
the folder it is started in).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = "https://github.com/leoxtc/jsm-tui"
CONFIG = Path("src/jsm_tui/config.py")
FIXED = 'f"https://api.atlassian.com/jsm/ops/api/{self.cloud_id}"'
POINTED = "f\"{getenv('JSM_API_ORIGIN', 'https://api.atlassian.com')}/jsm/ops/api/{self.cloud_id}\""


@dataclass(frozen=True)
class Peer:
    command: list[str]
    commit: str

    def env(self, origin: str, email: str, token: str) -> dict[str, str]:
        return {
            "JSM_CLOUD_ID": "demo",
            "JSM_API_EMAIL": email,
            "JSM_API_TOKEN": token,
            "JSM_API_ORIGIN": origin,
        }


class Unavailable(Exception):
    """The peer cannot be had here: one sentence why."""


def _run(argv: list[str], what: str, timeout: float = 600, cwd: Path | None = None) -> str:
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unavailable(f"{what} failed: {error}") from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no message"]
        said = next((x for x in lines if x.startswith(("fatal:", "ERROR:"))), lines[0])
        raise Unavailable(f"{what} failed ({result.returncode}): {said}")
    return result.stdout


def jsm_tui(source: str | None = None) -> Peer:
    """The peer, installed if it is not yet (a minute or two the first time). SOURCE: a clone
    or git folder of it on this machine; its public repository when None."""
    origin = source or REPOSITORY
    head = _run(["git", "ls-remote", origin, "HEAD"], f"git ls-remote {origin}", timeout=60)
    if not head.strip():
        raise Unavailable(f"{origin} has no HEAD")
    commit = head.split()[0]
    home = Path(tempfile.gettempdir()) / "alert-console-bench" / f"jsm-tui-{commit[:12]}"
    ready = home / "installed"
    command = [str(home / "venv" / "bin" / "jsm-tui")]
    if ready.exists():
        return Peer(command, commit)
    if home.exists():
        shutil.rmtree(home)  # an install that did not finish
    home.mkdir(parents=True)
    _run(["git", "clone", "--quiet", origin, str(home / "src")], f"git clone {origin}")
    _run(["git", "checkout", "--quiet", commit], "git checkout", cwd=home / "src")
    config = home / "src" / CONFIG
    text = config.read_text()
    if text.count(FIXED) != 1:
        raise Unavailable(f"jsm-tui {commit[:12]}: its base URL is no longer where {CONFIG} had it")
    config.write_text(text.replace(FIXED, POINTED))
    _run([sys.executable, "-m", "venv", str(home / "venv")], "making its venv")
    pip = str(home / "venv" / "bin" / "pip")
    _run([pip, "install", "--quiet", "-e", str(home / "src")], "pip install -e jsm-tui")
    ready.write_text(commit + "\n")
    return Peer(command, commit)


if __name__ == "__main__":
    try:
        peer = jsm_tui(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("JSM_TUI_SOURCE"))
    except Unavailable as reason:
        raise SystemExit(f"jsm-tui: {reason}") from None
    print(peer.commit, " ".join(peer.command))
