"""The server without a browser: the key, what reaches a wall and what comes back, the
page's assets, and the command's checks. A small stand-in (``fake_wall.py``) plays the wall."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from console.serve import page as serve_page
from console.serve.app import WallServer
from console.serve.command import exposure_warning, serve
from console.serve.page import PAGE, AssetError, assets
from console.serve.wall import preflight
from tests.serve.support import (
    KEY,
    ROOT,
    child_pids,
    fake,
    recorded,
    until,
    until_async,
)


@pytest.fixture
async def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[TestClient[Any, Any], WallServer, Path]]:
    monkeypatch.setenv("ALERT_CONSOLE_SERVE_KEY", KEY)  # the serving key never reaches a wall
    record = tmp_path / "record.jsonl"
    server = WallServer(fake(record), KEY, max_browsers=2, spare=False)
    async with TestClient(TestServer(server.application())) as client:
        yield client, server, record
        await server.close()


async def test_the_page_needs_its_key_and_nothing_starts_without_it(
    served: tuple[TestClient[Any, Any], WallServer, Path],
) -> None:
    client, server, record = served
    children = set(child_pids(os.getpid()))
    for query in ("", "?key=", f"?key={KEY[:-1]}", f"?key={KEY}{KEY}", "?key=%3Cb%3E"):
        response = await client.get(f"/{query}")
        assert response.status == 403, query
        assert "<b>" not in await response.text()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/not-the-key")
    assert refused.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError) as elsewhere:
        await client.ws_connect(f"/ws/{KEY}", headers={"Origin": "http://attacker.example"})
    assert elsewhere.value.status == 403
    assert server.started == 0 and not recorded(record)
    assert set(child_pids(os.getpid())) <= children
    page = await client.get(f"/?key={KEY}")
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert await page.text() == PAGE  # the same for everyone: no key, no site, no secret


async def test_only_size_focus_and_terminal_answers_reach_the_wall(
    served: tuple[TestClient[Any, Any], WallServer, Path],
) -> None:
    client, server, record = served
    socket_ = await client.ws_connect(f"/ws/{KEY}?width=120&height=40")
    first = await socket_.receive_bytes(timeout=10)
    assert first.startswith(b"\x1b[?1049h")
    for envelope in (
        ["stdin", "a"],
        ["stdin", "\x1b[<0;10;5M"],  # a click
        ["stdin", "\x1b[200~ack everything\x1b[201~"],  # a paste
        ["stdin", "\x1b[?2026;2$y"],  # the terminal's answer to Textual's query
        ["resize", {"width": 100, "height": 30}],
        ["resize", {"width": "x", "height": 10**9}],
        ["focus"],
        ["blur"],
        ["quit"],
        ["open_url", {"url": "https://example.com"}],
        "not a list",
        [],
    ):
        await socket_.send_str(json.dumps(envelope))
    await socket_.send_str("{not json")
    await socket_.send_str(json.dumps(["ping", "<b>1</b>"]))  # not echoed
    await socket_.send_str(json.dumps(["ping", "123"]))
    texts: list[str] = []
    drawn = b""
    while b"drawn" not in drawn or not texts:
        message = await socket_.receive(timeout=10)
        if isinstance(message.data, bytes):
            drawn += message.data
        else:
            texts.append(message.data)
    assert texts == ['["pong", "123"]']  # no open_url, no other pong
    await socket_.close()
    await until_async(lambda: not server.walls)

    packets = recorded(record)
    environment = packets[0][1]
    assert "ALERT_CONSOLE_API_TOKEN" in environment["names"]
    assert "ALERT_CONSOLE_SERVE_KEY" not in environment["names"]
    assert environment["size"] == {"width": 120, "height": 40}
    data = [payload for kind, payload in packets[1:] if kind == "D"]
    assert data == ["\x1b[?2026;2$y"]  # no key, click or paste
    meta = [json.loads(payload) for kind, payload in packets[1:] if kind == "M"]
    assert meta == [
        {"type": "resize", "width": 100, "height": 30},
        {"type": "resize", "width": 80, "height": 500},  # clamped, never passed on raw
        {"type": "focus"},
        {"type": "blur"},
        {"type": "quit"},  # from the server, when the browser left
    ]
    assert server.started == 1


async def test_a_browser_too_many_is_refused(
    served: tuple[TestClient[Any, Any], WallServer, Path],
) -> None:
    client, server, _record = served
    first = await client.ws_connect(f"/ws/{KEY}")
    second = await client.ws_connect(f"/ws/{KEY}")
    await first.receive_bytes(timeout=10)
    await second.receive_bytes(timeout=10)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(f"/ws/{KEY}")
    assert refused.value.status == 503
    assert server.started == 2


async def test_a_spare_waits_loaded_and_the_next_browser_gets_it(tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    server = WallServer(fake(record), KEY)
    async with TestClient(TestServer(server.application())) as client:
        server.ready_spare()
        await until_async(lambda: server.spare is not None)
        assert server.spare is not None
        spare = server.spare.pid
        assert not recorded(record)  # loaded, not started
        socket_ = await client.ws_connect(f"/ws/{KEY}?width=100&height=30")
        await socket_.receive_bytes(timeout=10)
        started = recorded(record)[0][1]
        assert started["pid"] == spare and started["size"] == {"width": 100, "height": 30}
        # The next one is loaded once this one is up.
        await until_async(lambda: server.spare is not None and server.spare.pid != spare)
        await socket_.close()
        await server.close()
    assert [kind for kind, _payload in recorded(record)].count("env") == 1  # let go, unstarted


async def test_a_wall_that_cannot_start_says_why_without_its_secret(tmp_path: Path) -> None:
    why = await preflight(fake(tmp_path / "record.jsonl", "--fail"))
    assert why == "no credentials: set ALERT_CONSOLE_EMAIL and ***"
    assert await preflight(fake(tmp_path / "record.jsonl")) is None


def test_the_command_says_why_the_wall_cannot_start(tmp_path: Path) -> None:
    """Without credentials: one sentence and status 2, nothing served (the server finds the
    credentials itself now: its walls never get any)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "console", "serve", "--cloud-id", "abc", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 2
    assert "alert-console serve: no credentials: set ALERT_CONSOLE_EMAIL" in result.stderr
    assert "the wall on" not in result.stdout


# A server that starts a real wall (the console's own --demo) and then does nothing but
# drain its output: killed, it leaves the wall behind.
SERVER = """
import os, subprocess, sys, threading
wall = subprocess.Popen(
    [sys.executable, "-m", "console.cli.warm", "--demo", "--wall"],
    stdin=subprocess.PIPE,
    stdout=subprocess.PIPE,
    env={**os.environ, "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"},
)
wall.stdin.write(b'{"width": 80, "height": 24}\\n')
wall.stdin.flush()
while wall.stdout.readline() != b"__GANGLION__\\n":
    pass
print(wall.pid, flush=True)
threading.Thread(target=lambda: [None for _ in iter(lambda: wall.stdout.read(4096), b"")]).start()
"""


def test_a_wall_whose_server_is_killed_quits(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    assert server.stdout is not None
    wall = int(server.stdout.readline())
    try:
        assert child_pids(server.pid) == [wall]
        server.kill()
        server.wait()

        def gone() -> bool:
            try:
                state = Path(f"/proc/{wall}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                return True
            return state == "Z"

        until(gone, timeout=20)
    finally:
        server.kill()
        with contextlib.suppress(OSError):  # only if the test failed: the wall is still there
            if b"serve_warm" in Path(f"/proc/{wall}/cmdline").read_bytes():
                os.kill(wall, signal.SIGKILL)


# ---------------------------------------------------------------------- the page's files


def test_every_asset_is_served_locally() -> None:
    files = assets()
    assert set(files) == {
        "xterm.css",
        "kiosk.css",
        "textual.js",
        "kiosk.js",
        "RobotoMono.ttf",
        "RobotoMono-Italic.ttf",
    }
    texts = {name: asset.body for name, asset in files.items() if not name.endswith(".ttf")}
    texts["the page"] = PAGE.encode()
    for name, text in texts.items():
        if name.endswith(".css"):
            text = re.sub(rb"/\*.*?\*/", b"", text, flags=re.DOTALL)  # a licence names its site
        another_host = re.search(rb"(https?:)?//[a-z0-9-]+(\.[a-z0-9-]+)+", text, re.IGNORECASE)
        assert another_host is None, name
        assert b"googleapis" not in text and b"@import" not in text, name
    assert re.findall(r'(?:href|src)="([^"]+)"', PAGE) == [
        "data:,",
        "assets/RobotoMono.ttf",  # preloaded: the terminal is measured in it before it draws
        "assets/xterm.css",
        "assets/kiosk.css",
        "assets/textual.js",
        "assets/kiosk.js",
    ]
    assert re.findall(r'url\("([^"]+)"\)', serve_page.KIOSK_CSS) == [
        "RobotoMono.ttf",
        "RobotoMono-Italic.ttf",
    ]
    script = files["textual.js"].body
    assert b"window.TextualTerminalClient=" in script and b"window.onload=" not in script


async def test_an_asset_the_browser_has_is_not_sent_again(
    served: tuple[TestClient[Any, Any], WallServer, Path],
) -> None:
    client, _server, _record = served
    first = await client.get("/assets/textual.js")
    assert first.status == 200 and len(await first.read()) > 100_000
    etag = first.headers["ETag"]
    again = await client.get("/assets/textual.js", headers={"If-None-Match": etag})
    assert again.status == 304 and await again.read() == b""
    changed = await client.get("/assets/textual.js", headers={"If-None-Match": '"other"'})
    assert changed.status == 200


def test_an_unknown_textual_serve_is_refused_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve_page, "_package_file", lambda _path: b"window.onload=()=>{}")
    with pytest.raises(AssetError, match=r"textual-serve 1\.1"):
        assets()


# ---------------------------------------------------------------------- the command's checks


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_loopback_needs_no_warning(host: str) -> None:
    assert exposure_warning(host, "the alerts") is None


@pytest.mark.parametrize(
    ("host", "where"),
    [
        ("0.0.0.0", "every address of this machine"),  # noqa: S104
        ("::", "every address of this machine"),
        ("192.168.1.20", "192.168.1.20"),
        ("wall.example.lan", "wall.example.lan"),
    ],
)
def test_another_address_gets_a_warning_naming_what_the_page_shows(host: str, where: str) -> None:
    warning = exposure_warning(host, "the alerts of site x: their messages")
    assert warning is not None
    assert f"serving on {where}" in warning
    assert "the alerts of site x: their messages" in warning
    assert "plain http" in warning


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--key", "short"], "--key must be 16 to 128"),
        (["--key", "a" * 20 + "/?x"], "--key must be 16 to 128"),
        (["--demo", "--url", "http://127.0.0.1:1"], "--demo starts its own simulator"),
        (["--demo", "--profile", "prod"], "--demo starts its own simulator"),
        (["--refresh", "0.5"], "--refresh must be"),
        (["--refresh", "nan"], "--refresh must be"),
        (["--page-size", "0"], "--page-size must be"),
        (["--port", "70000"], "--port must be"),
        (["--max-browsers", "0"], "--max-browsers must be"),
        (["--query", "status: open AND (priority: P1"], "--query:"),
    ],
)
def test_bad_options_get_one_sentence_and_status_2(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert serve(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("alert-console serve: ") and said in error
    assert len(error.strip().splitlines()) == 1


def test_a_busy_port_is_said_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve(["--demo", "--port", str(port)]) == 2
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_url_carrying_a_password_is_refused_before_any_wall_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Checked in the server, not only in each wall: a wall's command line is readable by
    anyone on the machine, and the URL would have been on it."""
    status = serve(["--url", "https://me:pa55word@example.com", "--cloud-id", "c", "--port", "0"])
    said = capsys.readouterr().err
    assert status == 2
    assert "--url must not carry a user name or password" in said
    assert "pa55word" not in said
