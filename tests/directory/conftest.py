"""Shared pieces of the directory's tests: the simulator's directory knobs, and a directory
of our own on the test's client (its cache in the test's private directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.api import JsmClient
from console.directory import Directory
from console.simulator.model import DirectoryEntry
from console.simulator.server import BackgroundSimulator
from tests.tui.conftest import make_console

__all__ = ["entries", "knobs", "make_console", "names"]


def knobs(sim: BackgroundSimulator, **body: Any) -> dict[str, Any]:
    """``/_admin/directory``: scopes (``ops_config``, ``jira_users``) and ``add``."""
    answer: dict[str, Any] = sim.admin("directory", body)
    return answer


def entries(sim: BackgroundSimulator, kind: str) -> list[DirectoryEntry]:
    """What the simulated site knows of one kind, as its store holds it."""
    return [d for d in sim.simulator.store.directory.values() if d.type == kind]


@pytest.fixture
def names(client: JsmClient, tmp_path: Path) -> Directory:
    return Directory(client, directory=tmp_path / "directory")
