"""What a browser is given by ``alert-console serve``: one page, its script and its assets.

Everything is served by the wall's own server, so a kiosk with no internet access works:
the terminal (xterm.js inside textual-serve's ``textual.js``), its stylesheet and the Roboto
Mono font come from the installed textual-serve package; the page and the kiosk script are
here. The page is the same for everyone and holds nothing but markup: no key, no site, no
credential. The kiosk script starts the wall at once (no button), covers it with a
"disconnected" notice whenever the websocket is down, and reconnects by itself.

textual-serve's script starts its terminal from ``window.onload`` and keeps it to itself;
it is served with that one statement changed so that the kiosk script starts the terminal
instead (and so that tests can read what the terminal shows). :func:`assets` fails loudly
if a textual-serve release changes that statement.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib.resources import files


class AssetError(RuntimeError):
    """The installed textual-serve is not the one this page was written for."""


@dataclass(frozen=True)
class Asset:
    content_type: str
    body: bytes

    @property
    def etag(self) -> str:
        """The body's fingerprint: a page opened again asks "still this?" and gets a 304
        instead of half a megabyte of script."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


# The page never changes: what it shows comes over the websocket, what it needs from the URL
# (the key, an optional font size) the kiosk script reads there.
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>alert-console wall</title>
<link rel="preload" href="assets/RobotoMono.ttf" as="font" type="font/ttf" crossorigin>
<link rel="stylesheet" href="assets/xterm.css">
<link rel="stylesheet" href="assets/kiosk.css">
<script src="assets/textual.js"></script>
<script src="assets/kiosk.js" defer></script>
</head>
<body>
<div id="terminal" class="textual-terminal"></div>
<div id="overlay" class="shown starting" role="status" aria-live="assertive">
<div class="box">
<div id="overlay-title">Starting the wall…</div>
<div id="overlay-detail"></div>
</div>
</div>
</body>
</html>
"""

KIOSK_CSS = """\
@font-face {
  font-family: "Roboto Mono";
  src: url("RobotoMono.ttf") format("truetype");
  font-weight: 100 700;
  font-style: normal;
  font-display: block;
}
@font-face {
  font-family: "Roboto Mono";
  src: url("RobotoMono-Italic.ttf") format("truetype");
  font-weight: 100 700;
  font-style: italic;
  font-display: block;
}
html, body {
  margin: 0;
  padding: 0;
  width: 100%;
  height: 100%;
  overflow: hidden;
  background: #000;
}
#terminal {
  position: fixed;
  inset: 0;
}
#overlay {
  position: fixed;
  inset: 0;
  z-index: 10;
  display: none;
  align-items: center;
  justify-content: center;
  background: rgba(0, 0, 0, 0.7);
  color: #fff;
  font-family: "Roboto Mono", monospace;
}
#overlay.shown {
  display: flex;
}
#overlay.starting {
  background: #000;
}
#overlay .box {
  max-width: 80vw;
  padding: 2em 3em;
  border: 0.5vmin solid #fff;
  background: #000;
  text-align: center;
}
#overlay.disconnected .box {
  border-color: #ff3b3b;
}
#overlay-title {
  font-size: 5vmin;
  font-weight: 700;
}
#overlay-detail {
  margin-top: 1em;
  font-size: 2.4vmin;
  white-space: pre-line;
}
"""

KIOSK_JS = r"""// alert-console serve: start the wall, show when it is cut off, reconnect by itself.
(() => {
  "use strict";
  const PING_MS = 10000; // a ping over the websocket this often,
  const SILENCE_MS = 30000; // and a connection silent this long is given up
  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 3000;
  const FIRST_SCREEN_BYTES = 1024; // the notice stays until the wall's first screenful

  const params = new URLSearchParams(window.location.search);
  const key = params.get("key") || "";
  const asked = Number.parseInt(params.get("fontsize") || "", 10);
  const fontSize = Number.isFinite(asked) ? Math.min(72, Math.max(8, asked)) : 16;

  const element = document.getElementById("terminal");
  const overlay = document.getElementById("overlay");
  const title = document.getElementById("overlay-title");
  const detail = document.getElementById("overlay-detail");

  const socketUrl = new URL("ws/" + encodeURIComponent(key), window.location.href);
  socketUrl.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  socketUrl.search = "";
  socketUrl.hash = "";
  element.dataset.sessionWebsocketUrl = socketUrl.href;
  element.dataset.fontSize = String(fontSize);

  // What the page is doing, for whoever looks (tests read the terminal through it).
  const wall = { client: null, terminal: null, state: "starting", connects: 0, downSince: null };
  window.alertConsoleWall = wall;

  let socket = null;
  let heardAt = 0;
  let retryMs = RETRY_MIN_MS;
  let retryTimer = null;

  function clock(date) {
    return date.toLocaleTimeString([], {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hour12: false,
    });
  }

  function show(state, heading, text) {
    wall.state = state;
    overlay.className = state === "connected" ? "" : "shown " + state;
    title.textContent = heading;
    detail.textContent = text;
  }

  function retry(reason) {
    socket = null;
    if (wall.downSince === null) {
      wall.downSince = new Date();
    }
    show(
      "disconnected",
      "DISCONNECTED",
      "The wall's server cannot be reached since " + clock(wall.downSince) + " (" + reason +
        ").\nWhat is behind this notice is as of then. Reconnecting by itself…",
    );
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(probe, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  // The page itself first: it tells a server that is down from a key that is refused.
  async function probe() {
    let status = 0;
    try {
      const answer = await fetch(window.location.href, {
        method: "HEAD",
        cache: "no-store",
        signal: AbortSignal.timeout(5000), // a server that accepts but never answers
      });
      status = answer.status;
    } catch (error) {
      status = 0;
    }
    if (status === 200) {
      connect();
    } else if (status === 403) {
      retry("the access key is refused: was the server started again with another key?");
    } else {
      retry(status ? "answer " + status : "no answer");
    }
  }

  function connect() {
    if (wall.connects > 0) {
      wall.terminal.reset(); // a new wall process draws from scratch
    }
    wall.connects += 1;
    wall.client.connect();
    const mine = wall.client.socket;
    socket = mine;
    heardAt = Date.now();
    let received = 0;
    mine.addEventListener("message", (event) => {
      if (socket !== mine) {
        return;
      }
      heardAt = Date.now();
      if (wall.state !== "connected" && typeof event.data !== "string") {
        received += event.data.byteLength;
        if (received >= FIRST_SCREEN_BYTES) {
          retryMs = RETRY_MIN_MS;
          wall.downSince = null;
          show("connected", "", "");
        }
      }
    });
    mine.addEventListener("close", () => {
      if (socket === mine) {
        retry("connection closed");
      }
    });
  }

  window.setInterval(() => {
    if (socket === null || socket.readyState !== WebSocket.OPEN) {
      return;
    }
    if (Date.now() - heardAt > SILENCE_MS) {
      const silent = socket;
      socket = null;
      try {
        silent.close();
      } catch (error) {
        // it is given up either way
      }
      retry("no answer for " + SILENCE_MS / 1000 + " s");
      return;
    }
    socket.send(JSON.stringify(["ping", String(Date.now())]));
  }, PING_MS);

  async function start() {
    try {
      await document.fonts.load(fontSize + 'px "Roboto Mono"'); // measured before drawing
    } catch (error) {
      // a fallback monospace font draws the same wall
    }
    wall.client = new window.TextualTerminalClient(element, { ping: null });
    wall.terminal = wall.client.terminal;
    // Drawn with the DOM, xterm.js's own renderer. textual-serve loads the canvas renderer
    // (which xterm.js deprecates) over the WebGL one; the canvas builds its glyph atlas in the
    // first frame, and the first rows showed ~250 ms later in a browser without a GPU.
    for (const addon of [wall.client.canvasAddon, wall.client.webglAddon]) {
      if (addon) {
        addon.dispose();
      }
    }
    wall.client.fit();
    connect();
  }

  start();
})();
"""

# textual-serve 1.1's script: its terminal client class, and the statement that starts it.
_CLIENT_CLASS = re.compile(rb"class (\w+)\{constructor\(e,t\)\{this\.element=e,this\.ping=t\.ping")
_ONLOAD = b"window.onload=e=>{"


def _package_file(path: str) -> bytes:
    return (files("textual_serve") / "static" / path).read_bytes()


def terminal_script() -> bytes:
    """textual-serve's script, with its client class given to the kiosk script instead of
    being started on load."""
    source = _package_file("js/textual.js")
    found = _CLIENT_CLASS.search(source)
    if found is None or source.count(_ONLOAD) != 1:
        raise AssetError(
            "this textual-serve's page script is not the one alert-console serve knows "
            "(textual-serve 1.1): install the version pinned by alert-console"
        )
    exposed = b"window.TextualTerminalClient=" + found.group(1) + b",window.textualServeStart=e=>{"
    return source.replace(_ONLOAD, exposed, 1)


def assets() -> dict[str, Asset]:
    """Every file the page asks for, by its name under ``assets/``."""
    return {
        "xterm.css": Asset("text/css", _package_file("css/xterm.css")),
        "kiosk.css": Asset("text/css", KIOSK_CSS.encode()),
        "textual.js": Asset("text/javascript", terminal_script()),
        "kiosk.js": Asset("text/javascript", KIOSK_JS.encode()),
        "RobotoMono.ttf": Asset(
            "font/ttf", _package_file("fonts/RobotoMono-VariableFont_wght.ttf")
        ),
        "RobotoMono-Italic.ttf": Asset(
            "font/ttf", _package_file("fonts/RobotoMono-Italic-VariableFont_wght.ttf")
        ),
    }
