"""Where alert-console keeps its files, and how it creates them: private to the user.

Every path comes from platformdirs (so ``XDG_STATE_HOME`` and friends are honoured);
every directory we create is mode 700 and every file mode 600, because the journal,
the logs, crash reports and the page cache describe a company's incidents.
"""

from __future__ import annotations

import contextlib
import os
import stat
from io import TextIOWrapper
from pathlib import Path
from typing import Literal

import platformdirs

APP_NAME = "alert-console"
DIR_MODE = 0o700
FILE_MODE = 0o600


def state_dir() -> Path:
    """The journal and crash reports."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed; make it 700 if it is ours and looser."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def open_private(
    path: Path, mode: Literal["a", "w"] = "a", *, buffering: int = -1
) -> TextIOWrapper:
    """Open a text file for writing, created 600 (an existing looser file is tightened)."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, FILE_MODE)
    try:
        _tighten(path, FILE_MODE)
        return os.fdopen(descriptor, mode, encoding="utf-8", buffering=buffering)
    except BaseException:
        os.close(descriptor)
        raise


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, the new file 600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open_private(tmp, "w") as handle:
        handle.write(text)
    tmp.replace(path)


def _tighten(path: Path, mode: int) -> None:
    """Remove group and other permissions from a path we own; leave others' paths alone."""
    with contextlib.suppress(OSError):
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & ~mode:
            path.chmod(stat.S_IMODE(info.st_mode) & mode)
