"""Where alert-console keeps its files, and how it creates them: private to the user.

Every path comes from platformdirs (so ``XDG_STATE_HOME`` and friends are honoured);
every directory we create is mode 700 and every file mode 600, because the journal,
the logs, crash reports and the page cache describe a company's incidents.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
from io import TextIOWrapper
from pathlib import Path
from typing import Any, Literal

import platformdirs

log = logging.getLogger(__name__)

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


def keyed_file(directory: Path, *identity: str) -> Path:
    """The file in ``directory`` for one identity (a site, a query…): named by a digest, so
    no text from the service or the user ever becomes part of a path."""
    digest = hashlib.sha256("\n".join(identity).encode()).hexdigest()[:32]
    return directory / f"{digest}.json"


def read_json(path: Path) -> Any:
    """A JSON file we keep (a cache), or None when it is not there or cannot be read: a
    damaged file is said in the log and ignored, never fatal."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("%s is unreadable (%s); ignored", path, error)
        return None


def write_json(path: Path, data: Any) -> None:
    """Keep ``data`` as JSON in ``path``, atomically, 600 in a 700 directory; a failure is
    said in the log (a cache that cannot be written costs only the next start)."""
    try:
        write_private(path, json.dumps(data, ensure_ascii=False))
    except (OSError, TypeError, ValueError) as error:
        log.warning("cannot keep %s: %s", path, error)


def _tighten(path: Path, mode: int) -> None:
    """Remove group and other permissions from a path we own; leave others' paths alone."""
    with contextlib.suppress(OSError):
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & ~mode:
            path.chmod(stat.S_IMODE(info.st_mode) & mode)
