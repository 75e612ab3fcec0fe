"""Bad start-up input, as one sentence and exit status 2 (every command says it this way)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad start-up input: printed as one sentence, exit status 2."""
