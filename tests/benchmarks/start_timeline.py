"""Diagnosis: where the real start's time goes. Starts ``alert-console --url ORIGIN --cloud-id
demo`` as first_rows does (a 160x48 pseudo-terminal, the account in the environment, nothing on
disk), with a few marks taken inside the process, and prints a timeline in milliseconds from
just before ``Popen``: the first import of each large package, the console's modules as they
load, the connection to the service, the first page received, the app mounted, the first rows
applied, each frame written to the terminal, and the newest alert's text on the screen.

    python start_timeline.py ORIGIN [--runs N] [--imports]

The marks cost little (an audit hook and four wrapped methods); run it alternately with
run.py's first_rows, not instead of it. CLOCK_MONOTONIC is one clock for every process here,
so the child's marks and the probe's moments are on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.pty_probe import terminal, terminal_env  # noqa: E402
from tests.benchmarks.run import (  # noqa: E402
    NEEDLE_CHARACTERS,
    RUN_ENV,
    console_env,
    fresh_home,
    installed_command,
    newest_open_message,
)

# Run in the console's process before its main(): marks into a file when SIGUSR1 comes.
MARKED = r"""
import json, os, signal, sys, time
marks = [(time.perf_counter(), "python up, marks set")]
def mark(name):
    marks.append((time.perf_counter(), name))
PACKAGES = {"asyncio", "pydantic", "httpx", "httpcore", "textual", "rich", "platformdirs"}
seen = set()
def hook(event, args):
    if event == "import":
        name = args[0]
        top = name.split(".")[0]
        key = top if top in PACKAGES else name
        if (top in PACKAGES or top == "console") and key not in seen:
            seen.add(key)
            mark("import " + name)
    elif event == "socket.connect":
        mark("connect " + str(args[1]))
sys.addaudithook(hook)
def dump(*_):
    with open(OUT, "w") as f:
        json.dump(marks, f)
    os._exit(0)
signal.signal(signal.SIGUSR1, dump)
import console.cli.main as cli
opened = cli.open_console
async def open_console(client, settings, **kw):
    mark("open_console: first page asked for")
    app = await opened(client, settings, **kw)
    mark("open_console: app built (Textual loaded)")
    main = app.main
    applied = main.apply
    def apply(update):
        applied(update)
        mark("first page applied to the table")
        main.apply = applied
    main.apply = apply
    kind = type(app)
    mounted = kind.on_mount
    def on_mount(self):
        mark("app mounted (its main screen composes next)")
        mounted(self)
    kind.on_mount = on_mount
    screen_kind = type(main)
    screen_mounted = screen_kind.on_mount
    def on_screen_mount(self):
        mark("main screen mounted (composed)")
        screen_mounted(self)
    screen_kind.on_mount = on_screen_mount
    from textual.drivers.linux_driver import LinuxDriver
    started = LinuxDriver.start_application_mode
    def start_application_mode(self):
        mark("terminal driver starting")
        started(self)
        mark("terminal driver started")
    LinuxDriver.start_application_mode = start_application_mode
    written = LinuxDriver.write
    def write(self, data):
        if len(data) > 2000:
            mark("a frame written (over 2,000 characters)")
        written(self, data)
    LinuxDriver.write = write
    return app
cli.open_console = open_console
import console.api.client as client_module
original_list = client_module.JsmClient.list_alerts
async def list_alerts(self, *args, **kw):
    result = await original_list(self, *args, **kw)
    mark("first page received and parsed")
    client_module.JsmClient.list_alerts = original_list
    return result
client_module.JsmClient.list_alerts = list_alerts
sys.argv = ["alert-console"] + ARGV
raise SystemExit(cli.main())
"""


def once(origin: str, needle: str, imports: bool) -> list[tuple[float, str]]:
    with fresh_home() as (home, xdg), tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "marks.json"
        code = MARKED.replace("OUT", repr(str(out))).replace(
            "ARGV", repr(["--url", origin, "--cloud-id", "demo"])
        )
        if not imports:
            code = code.replace('if event == "import":', "if False:")
        python = installed_command().with_name("python")
        env = terminal_env(RUN_ENV, **xdg, **console_env())
        with terminal([str(python), "-c", code], env, home) as term:
            seen = term.wait_for(needle)
            term.stop_watching()
            assert term.process is not None
            os.kill(term.process.pid, 10)  # SIGUSR1: the marks to the file, and out
            term.process.wait(timeout=10)
        marks = [(t - term.started, name) for t, name in json.loads(out.read_text())]
    marks.append((seen, "the newest alert's text on the screen"))
    return sorted(marks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("origin")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--imports", action="store_true", help="mark the imports too")
    args = parser.parse_args()
    needle = newest_open_message(f"{args.origin}/jsm/ops/api/demo")[:NEEDLE_CHARACTERS]
    once(args.origin, needle, args.imports)  # bytecode and page cache warm
    runs = [once(args.origin, needle, args.imports) for _ in range(args.runs)]
    # The median moment of each mark (by its place in the run: names repeat, e.g. frames).
    for i, (_, name) in enumerate(runs[0]):
        moments = [run[i][0] for run in runs if i < len(run) and run[i][1] == name]
        print(f"{1000 * statistics.median(moments):7.0f} ms  {name}  ({len(moments)} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
