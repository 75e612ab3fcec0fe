"""Where alert-console keeps its files, and how it writes them: private to the user.

Every path comes from platformdirs (so ``XDG_STATE_HOME`` and friends are honoured).
Every directory of ours (state, cache, logs) is a real directory, owned by us, mode 700,
and every file is created mode 600 and opened without following a symbolic link, because
the journal, the logs, crash reports and the page cache describe a company's incidents.
Caches are read through :mod:`console.base.bounded`; a damaged one is set aside
(:func:`read_cache`), never fatal.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import stat
from io import TextIOWrapper
from pathlib import Path
from typing import Any, Literal

import platformdirs

from console.base.bounded import (
    CLOEXEC,
    JSON_MAX_DEPTH,
    NOFOLLOW,
    NONBLOCK,
    FileProblem,
    data_depth,
    read_json,
)

log = logging.getLogger(__name__)

APP_NAME = "alert-console"
DIR_MODE = 0o700
FILE_MODE = 0o600
KEEP_SET_ASIDE = 8  # set-aside files kept per directory (the oldest are removed)
NOTES_MAX = 8  # "started without …" sentences kept for the screen to say once


class UnsafePath(PermissionError):
    """A place alert-console will not write: a symbolic link, someone else's, not a file."""


def state_dir() -> Path:
    """The journal and crash reports."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


# ---------------------------------------------------------------------- writing


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed, mode 700. Below our state, cache or log
    directory (that directory included), each directory is looked at before anything is made
    in it: it must be a real one and ours (UnsafePath if not), and is made 700. Elsewhere (a
    file the user named) a directory of ours is made 700, one of someone else's left alone."""
    chain = _our_chain(path)
    if not chain:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        _tighten(path, DIR_MODE)
        return path
    chain[0].parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)  # ~/.cache and such
    for directory in chain:
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=DIR_MODE)
        info = os.lstat(directory)
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePath(
                f"{directory} is a symbolic link; alert-console keeps its files only in a "
                "directory of its own (remove the link)"
            )
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafePath(f"{directory} is not a directory")
        if _foreign(info):
            raise UnsafePath(f"{directory} belongs to another user (uid {info.st_uid})")
        if stat.S_IMODE(info.st_mode) & ~DIR_MODE:
            directory.chmod(stat.S_IMODE(info.st_mode) & DIR_MODE)
    return path


def open_private(
    path: Path, mode: Literal["a", "w"] = "a", *, buffering: int = -1
) -> TextIOWrapper:
    """Open a text file for writing, created 600 (an existing looser file is tightened);
    never through a symbolic link, and only a regular file of ours (UnsafePath)."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    descriptor = _open_for_writing(path, flags)
    try:
        return os.fdopen(descriptor, mode, encoding="utf-8", buffering=buffering)
    except BaseException:
        os.close(descriptor)
        raise


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, the new file 600: written to a new file
    beside it (never through a link planted at that name) and renamed over it (a rename
    replaces a link, it does not follow it)."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # a leftover, or a planted link: the link itself goes
    descriptor = _open_for_writing(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _open_for_writing(path: Path, flags: int) -> int:
    try:
        descriptor = os.open(path, flags | NOFOLLOW | NONBLOCK | CLOEXEC, FILE_MODE)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK) and path.is_symlink():
            raise UnsafePath(
                f"{path} is a symbolic link; alert-console does not write through one (remove it)"
            ) from None
        raise
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{path} is not a regular file; alert-console does not write it")
        if _foreign(info):
            raise UnsafePath(f"{path} belongs to another user (uid {info.st_uid})")
        if stat.S_IMODE(info.st_mode) & ~FILE_MODE:
            os.fchmod(descriptor, stat.S_IMODE(info.st_mode) & FILE_MODE)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _our_chain(path: Path) -> list[Path]:
    """``path`` and its parents up to our state, cache or log directory (empty when it is
    under none of them)."""
    path = path.absolute()  # not resolved: each link on the way is looked at
    for root in (state_dir(), cache_dir(), log_dir()):
        root = root.absolute()
        if path == root or root in path.parents:
            chain = [root]
            for part in path.relative_to(root).parts:
                chain.append(chain[-1] / part)
            return chain
    return []


def _foreign(info: os.stat_result) -> bool:
    return hasattr(os, "getuid") and info.st_uid != os.getuid()


def _tighten(path: Path, mode: int) -> None:
    """Remove group and other permissions from a path we own; leave others' paths alone."""
    try:
        info = path.stat()
        if not _foreign(info) and stat.S_IMODE(info.st_mode) & ~mode:
            path.chmod(stat.S_IMODE(info.st_mode) & mode)
    except OSError:
        pass


def keyed_file(directory: Path, *identity: str) -> Path:
    """The file in ``directory`` for one identity (a site, a query…): named by a digest, so
    no text from the service or the user ever becomes part of a path."""
    digest = hashlib.sha256("\n".join(identity).encode()).hexdigest()[:32]
    return directory / f"{digest}.json"


# ---------------------------------------------------------------------- caches

_notes: list[str] = []


def read_cache(path: Path, cap: int, what: str) -> Any:
    """A JSON file we keep (a cache): its data, or None when it is not there. A damaged file
    is set aside (see :func:`set_aside`), never fatal."""
    try:
        return read_json(path, cap)
    except FileNotFoundError:
        return None
    except FileProblem as problem:
        set_aside(problem, what)
        return None


def set_aside(problem: FileProblem, what: str) -> None:
    """Rename a damaged cache to ``NAME.bad-KIND`` (the newest few kept per directory), log
    it, and keep one sentence for the screen to say once (:func:`set_aside_notes`)."""
    path = problem.path
    target = path.with_name(f"{path.name}.bad-{problem.kind}")
    try:
        path.replace(target)  # a link is renamed itself, never followed
        aside = sorted(path.parent.glob("*.bad-*"), key=_mtime, reverse=True)
        for old in aside[KEEP_SET_ASIDE:]:
            old.unlink(missing_ok=True)
        kept = f"; set aside as {target.name}"
    except OSError as error:
        kept = f"; it could not be set aside ({error.strerror or error})"
    sentence = f"Started without {what}: {problem}{kept}."
    log.warning("%s", sentence)
    if sentence not in _notes and len(_notes) < NOTES_MAX:
        _notes.append(sentence)


def set_aside_notes() -> list[str]:
    """The "started without …" sentences kept since the last call (then forgotten)."""
    notes = list(_notes)
    _notes.clear()
    return notes


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def write_json(path: Path, data: Any, cap: int, *, max_depth: int = JSON_MAX_DEPTH) -> None:
    """Keep ``data`` as JSON in ``path``, atomically, 600 in a 700 directory; never what
    :func:`read_json` would refuse (past ``cap`` or ``max_depth``, or not finite). A
    failure is said in the log (a cache that cannot be written costs only the next start)."""
    try:
        if data_depth(data, max_depth) > max_depth:  # before json.dumps recurses through it
            raise ValueError(f"nested past {max_depth} levels")
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        if len(text.encode()) > cap:
            raise ValueError(f"larger than {cap:,} bytes")
        write_private(path, text)
    except (OSError, TypeError, ValueError, RecursionError) as error:
        log.warning("cannot keep %s: %s", path, error)
