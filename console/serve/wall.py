"""The wall processes behind ``alert-console serve``: started, spoken to, and stopped.

Each browser's wall is ``alert-console --wall --read-only OPTIONS`` in a process of its
own, under Textual's web driver, spoken to with textual-serve's packets (its
``AppService``). The process is started loaded-but-waiting (``console.cli.warm``) and
begins when it is given its size: so one can be made ready ahead, the spare, and a page
opened on a TV is drawn about as soon as a terminal would draw it.

From a wall, only what it draws goes on to its browser: a request to open a URL or to
deliver a file is dropped. Its stderr is kept, not printed: only the one-sentence reason
of a failed start (``alert-console: ...``) reaches the server's log, scrubbed of every
secret the server knows. Credentials reach a wall in its environment (``--demo``) or where
the console finds them itself, never on its command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from asyncio.subprocess import PIPE, Process
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from console.base.sanitize import clean

GANGLION = b"__GANGLION__\n"  # the first line of a Textual app under the web driver
LOADED = b"__LOADED__\n"  # a wall process's modules are loaded (console.cli.warm)
STDERR_KEPT = 64 * 1024
STOP_WAIT_S = 5.0


@dataclass(frozen=True)
class WallCommand:
    """How a wall process is started: its command line, and what its environment gains and
    loses (credentials for ``--demo``; the serving key is never passed on)."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    unset: frozenset[str] = frozenset()
    secrets: tuple[str, ...] = ()  # values that no line of ours may show

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        environment = {k: v for k, v in base.items() if k not in self.unset}
        environment.update(self.env)
        return environment

    def scrub(self, text: str) -> str:
        """``text`` made safe for our log: sanitised, and no known secret in it."""
        text = clean(text)
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


WriteBytes = Callable[[bytes], Awaitable[None]]
WriteStr = Callable[[str], Awaitable[None]]
Close = Callable[[], Awaitable[Any]]


class WallProcess(AppService):
    """One wall process, spoken to with textual-serve's packets.

    Started without a shell, in a session of its own (a Ctrl+C at the server's terminal is
    the server's to handle), and stopped with a ``quit`` packet, or killed after
    ``STOP_WAIT_S``. Its stderr is kept, not printed: only the one-sentence reason of a
    failed start (``alert-console: ...``) reaches our log, scrubbed."""

    def __init__(
        self,
        command: WallCommand,
        *,
        write_bytes: WriteBytes,
        write_str: WriteStr,
        close: Close,
        spare: Process | None = None,
    ) -> None:
        super().__init__(
            " ".join(command.argv),
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=DownloadManager(),
        )
        self.wall = command
        self.spare = spare  # a process made ready ahead, if there is one
        self.ready = asyncio.Event()  # the app is up (its driver said so)
        self.ended = asyncio.Event()  # its output ended: it exited, or the browser left
        self.stderr = bytearray()

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        spare, self.spare = self.spare, None
        alive = spare is not None and spare.returncode is None
        process = spare if spare is not None and alive else await spawn(self.wall)
        assert process.stdin is not None
        self._process, self._stdin = process, process.stdin
        # Its size starts it (see console.cli.warm); a process that died meanwhile is
        # found out by run(), as any wall that ends.
        process.stdin.write(json.dumps({"width": width, "height": height}).encode() + b"\n")
        with contextlib.suppress(ConnectionError):
            await process.stdin.drain()
        return process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def run(self) -> None:
        """Relay what the wall draws until its output ends, then close the browser's side."""
        process = self._process
        assert process is not None and process.stdout is not None and process.stderr is not None
        stdout, stderr = process.stdout, process.stderr

        async def keep_stderr() -> None:
            while chunk := await stderr.read(4096):
                if len(self.stderr) < STDERR_KEPT:
                    self.stderr.extend(chunk[: STDERR_KEPT - len(self.stderr)])

        kept = asyncio.create_task(keep_stderr())
        line = b""
        try:
            for _ in range(10):  # lines before the driver starts (none, usually)
                line = await stdout.readline()
                if not line or line == GANGLION:
                    break
            if line == GANGLION:
                self.ready.set()
                while True:
                    kind = await stdout.readexactly(1)
                    size = int.from_bytes(await stdout.readexactly(4), "big")
                    payload = await stdout.readexactly(size)
                    if kind == b"D":
                        await self.remote_write_bytes(payload)
                    elif kind == b"M" and _meta_type(payload) == "exit":
                        break
                    # Anything else (open a URL, deliver a file) is not for a wall's browser.
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.ended.set()
            if not self.ready.is_set():
                await asyncio.wait({kept}, timeout=STOP_WAIT_S)  # the reason it gives
            kept.cancel()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.remote_close()

    @property
    def failure(self) -> str:
        """Why the wall did not start, in one sentence of its own when it gave one."""
        for line in reversed(self.stderr.decode("utf-8", "replace").splitlines()):
            if line.startswith("alert-console: "):
                return self.wall.scrub(line.removeprefix("alert-console: "))
        status = self._process.returncode if self._process is not None else None
        return (
            f"it ended (status {status}) without saying why; run the same options with "
            "'alert-console --wall' in a terminal to see"
        )

    async def stop(self) -> None:
        process, task, self._task = self._process, self._task, None
        if task is not None:
            if process is not None and process.returncode is None:
                await self.send_meta({"type": "quit"})
            await asyncio.wait({task}, timeout=STOP_WAIT_S)
            task.cancel()
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), STOP_WAIT_S)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _discard(_data: Any) -> None:
    return None


async def _nothing() -> None:
    return None


def wall_environment(command: WallCommand) -> dict[str, str]:
    """Ours, as textual-serve gives it to an app (its web driver, true colour), with the
    command's changes; the size comes later, with the line that starts the wall."""
    service = AppService(
        "",
        write_bytes=_discard,
        write_str=_discard,
        close=_nothing,
        download_manager=DownloadManager(),
    )
    return command.environment(service._build_environment())


async def spawn(command: WallCommand) -> Process:
    """A wall process, loaded and waiting for its size (``console.cli.warm``). Without a
    shell, and in a session of its own: a Ctrl+C at the server's terminal is the server's."""
    return await asyncio.create_subprocess_exec(
        *command.argv,
        stdin=PIPE,
        stdout=PIPE,
        stderr=PIPE,
        env=wall_environment(command),
        start_new_session=True,
    )


async def discard(process: Process) -> None:
    """Let a waiting wall process go: end of its input, and it exits (or is killed)."""
    if process.stdin is not None:
        process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), STOP_WAIT_S)
    except TimeoutError:
        process.kill()
        await process.wait()


def _meta_type(payload: bytes) -> str | None:
    try:
        meta = json.loads(payload)
    except ValueError:
        return None
    kind = meta.get("type") if isinstance(meta, dict) else None
    return kind if isinstance(kind, str) else None


async def preflight(command: WallCommand, within_s: float = 60.0) -> str | None:
    """Start the wall once, as a browser would, and stop it as soon as it is up: None when
    it came up, else why not. Bad options, a missing token or an unknown profile are told at
    start, in the terminal, rather than to a browser as a blank page."""

    wall = WallProcess(command, write_bytes=_discard, write_str=_discard, close=_nothing)
    await wall.start(80, 24)
    waits = [asyncio.ensure_future(wall.ready.wait()), asyncio.ensure_future(wall.ended.wait())]
    try:
        await asyncio.wait(waits, timeout=within_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
        started = wall.ready.is_set()
        ended = wall.ended.is_set()
        await wall.stop()
    if started:
        return None
    if not ended:
        return f"it did not come up within {within_s:g} s"
    return wall.failure
