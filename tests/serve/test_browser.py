"""``alert-console serve --demo`` in headless Chromium: the wall drawn, nothing written, no
credential anywhere the browser can see, a wrong key refused, and recovery by itself.

Chromium is Debian's (``chromium``, ``chromium-driver``; ``.ci/run`` installs them); without
them these tests are skipped, with the reason, except in CI. A screenshot of the page is
written to ``screenshots/browser_wall.png`` with ``--snapshot-update``, as every picture is.
"""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path
from typing import Any

import httpx
import pytest

try:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("selenium is not installed (pip install -e '.[test]')", allow_module_level=True)

from tests.serve.support import (
    DEMO_ACCOUNT,
    KEY,
    ROOT,
    Served,
    drawn,
    frames,
    screen,
    until,
)

EMAIL, TOKEN = DEMO_ACCOUNT
CREDENTIALS = [
    TOKEN.encode(),
    base64.b64encode(f"{EMAIL}:{TOKEN}".encode()),  # the Basic header's form
]
SCREENSHOT = ROOT / "screenshots" / "browser_wall.png"


def test_the_page_starts_the_wall_by_itself_and_fills_the_screen(
    browser: Any, served: Served
) -> None:
    browser.get_log("browser")  # what came before
    browser.get(served.url)
    drawn(browser, served)  # no button pressed: the wall starts on its own

    def header() -> dict[str, Any] | None:
        now = screen(browser)
        return now if "read-only" in now["text"] else None

    header.__doc__ = "the wall's header drawn in the page"
    shown = until(header, 10, every=0.1)
    assert served.walls(), "a wall process for the page"
    # Nothing refused by the page's content policy, nothing missing.
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []

    def covered() -> bool:
        width, height, inner_width, inner_height = browser.execute_script(
            "const r = document.querySelector('.xterm-screen').getBoundingClientRect();"
            "return [r.width, r.height, window.innerWidth, window.innerHeight];"
        )
        return bool(width >= 0.95 * inner_width and height >= 0.9 * inner_height)

    assert covered()
    # Drawn with the DOM (xterm.js's own renderer): what the wall shows is the page's text,
    # no canvas, whose glyph atlas held the first rows back ~250 ms without a GPU.
    rows, canvases = browser.execute_script(
        "return [document.querySelector('#terminal .xterm-rows').textContent,"
        " document.querySelectorAll('#terminal canvas').length];"
    )
    assert "read-only" in rows and canvases == 0
    # At another size the terminal (and the wall in it) follows.
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1000, "height": 640, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        until(lambda: screen(browser)["cols"] < shown["cols"])
        until(covered)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_demo_wall_names_the_demo_not_its_loopback_address(
    browser: Any, served: Served
) -> None:
    browser.get(served.url)
    drawn(browser, served)

    def header() -> str | None:
        text = "\n".join(screen(browser)["text"].splitlines()[:4])
        return text if "built-in simulator" in text else None

    header.__doc__ = "the site named in the wall's header"
    said = until(header, 10, every=0.1)
    assert said.count("DEMO") == 1, said
    assert "127.0.0.1" not in said and served.simulator.split("//")[1] not in said, said


def test_no_key_or_click_in_the_browser_sends_a_write(browser: Any, served: Served) -> None:
    browser.get(served.url)
    drawn(browser, served)
    frames(browser)  # what came before
    served.reset_stats()
    terminal = browser.find_element(By.CSS_SELECTOR, ".xterm-screen")
    ActionChains(browser).click(terminal).double_click(terminal).perform()
    # The console's write keys (acknowledge, close, snooze, escalate, note, new, …), confirm
    # and quit, and the command palette.
    keys = ["a", "c", "s", "e", "n", "N", "t", "u", "x", "y", Keys.ENTER, Keys.SPACE, "q"]
    ActionChains(browser).send_keys(*keys).perform()
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("p").key_up(Keys.CONTROL).perform()
    sent: list[bytes] = []

    def keys_left_the_page() -> bool:
        sent.extend(payload for direction, payload in frames(browser) if direction == "sent")
        return any(b'["stdin","a"]' in payload for payload in sent)

    until(keys_left_the_page)  # the browser did send them: the server holds them back
    # Two refreshes later (every 2 s: six reads each), still not one write.
    until(lambda: served.stats()["requests"].get("reads", 0) >= 12)
    assert served.stats()["requests"].get("writes", 0) == 0
    after = screen(browser)
    assert after["state"] == "connected" and not after["overlay"], "q did not end the wall"


def test_no_credential_in_the_page_the_url_the_frames_or_the_storage(
    browser: Any, served: Served
) -> None:
    frames(browser)
    browser.get(served.url)
    drawn(browser, served)
    seen: list[bytes] = []

    def a_refresh_later() -> bool:
        seen.extend(payload for _direction, payload in frames(browser))
        return sum(b"as of" in payload for payload in seen) >= 2

    until(a_refresh_later)
    assert any(b"read-only" in payload for payload in seen), "the frames were read"
    storage = browser.execute_script(
        "const all = {cookies: document.cookie};"
        "for (const s of [localStorage, sessionStorage]) {"
        "  for (let i = 0; i < s.length; i++) { all[s.key(i)] = s.getItem(s.key(i)); } }"
        "return JSON.stringify(all);"
    )
    places: dict[str, bytes] = {
        "the page": browser.page_source.encode(),
        "the URL": browser.current_url.encode(),
        "the storage": storage.encode(),
        "the websocket frames": b"\n".join(seen),
    }
    page = httpx.get(served.url)
    places["the page as served"] = page.content
    for name in ("xterm.css", "kiosk.css", "textual.js", "kiosk.js"):
        places[name] = httpx.get(f"{served.origin}/assets/{name}").content
    for place, content in places.items():
        for secret in CREDENTIALS:
            assert secret not in content, f"a credential in {place}"
    # Nor on the wall process's command line (it has them in its environment).
    walls = served.walls()
    assert walls
    for pid in walls:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert b"--wall" in command_line
        assert not any(secret in command_line for secret in CREDENTIALS)


def test_a_wrong_or_missing_key_gets_403_and_starts_no_wall(browser: Any, served: Served) -> None:
    browser.get("about:blank")
    served.at_rest()  # the last page's wall is gone; only the spare waits
    walls = served.walls()
    said = len(served.stderr)
    hostile = "<script>alert(1)</script>"
    for query in ("", "?key=", f"?key={hostile}", f"?key={KEY[:-1]}", f"?key={KEY}x"):
        page = httpx.get(f"{served.origin}/{query}")
        assert page.status_code == 403, query
        assert "access key" in page.text
        assert "<script>" not in page.text  # nothing of the request is echoed
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
    }
    assert httpx.get(f"{served.origin}/ws/wrong-key", headers=upgrade).status_code == 403
    assert httpx.get(f"{served.origin}/ws/", headers=upgrade).status_code == 404
    other_site = {**upgrade, "Origin": "http://attacker.example"}
    assert httpx.get(f"{served.origin}/ws/{KEY}", headers=other_site).status_code == 403
    browser.get(f"{served.origin}/?key=not-the-key")
    assert "403" in browser.find_element(By.TAG_NAME, "body").text
    assert served.walls() == walls
    assert not any(" started " in line for line in served.stderr[said:])


def test_a_screenshot_of_the_page(browser: Any, served: Served, update: bool) -> None:
    """The page on a 1920×1080 screen at font size 20, as on a TV: the wall at about 160×46.
    Rewritten with --snapshot-update; otherwise only checked to be a picture of that size
    (a browser's pixels differ from run to run)."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        browser.get(f"{served.url}&fontsize=20")
        drawn(browser, served)
        until(lambda: "as of" in screen(browser)["text"])
        browser.execute_async_script(  # two frames: the rows are painted
            "const done = arguments[0];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done()));"
        )
        picture: bytes = browser.get_screenshot_as_png()
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", picture[16:24]) == (1920, 1080)
    if update:
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(picture)


def test_the_page_recovers_after_the_server_restarts(browser: Any, served: Served) -> None:
    browser.get(served.url)
    drawn(browser, served)
    before = screen(browser)["connects"]
    served.stop()

    def cut_off() -> bool:
        shown = screen(browser)
        return bool(
            shown["state"] == "disconnected"
            and shown["overlay"]
            and "DISCONNECTED" in shown["notice"]
        )

    until(cut_off)
    served.start()  # the same port and key
    drawn(browser, served, timeout=40)
    assert screen(browser)["connects"] > before
    assert browser.current_url == served.url  # no reload: the page reconnected by itself
