"""The keys page of the docs, made from the keymap: ``python -m console.settings.keys_page``.

It prints the part of ``docs/user/keys.md`` between its two markers; ``--write PAGE`` puts it
there. ``tests/test_docs.py`` fails when the page and the keymap differ.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from console.base.bounded import NOFOLLOW, read_bounded
from console.settings.keymap import BUILT_IN, INDISTINCT, KEYMAP, RESERVED, Key, display

BEGIN = (
    "<!-- generated from console/settings/keymap.py by `python -m console.settings.keys_page"
    " --write docs/user/keys.md`: edit the keymap, not this part -->"
)
END = "<!-- end of the generated keys -->"
PAGE_CAP = 1_000_000


def _code(text: str) -> str:
    return f"`{text}`"


def _table(keys: Iterable[Key]) -> list[str]:
    lines = ["| key | binding id | what it does | in the footer |", "|---|---|---|---|"]
    for key in keys:
        footer = "yes" if key.footer else ""
        lines.append(
            f"| {_code(display(key.key))} | {_code(key.id)} | {key.description} | {footer} |"
        )
    return lines


def generated() -> str:
    """The generated part of the keys page, markers included."""
    writes = [key for key in KEYMAP if key.writes]
    view = [key for key in KEYMAP if not key.writes]
    lines = [
        BEGIN,
        "",
        "### Alert operations",
        "",
        "Each acts on the marked alerts, or else on the selected one; in read-only mode none is",
        "offered.",
        "",
        *_table(writes),
        "",
        "### Moving, viewing and the rest",
        "",
        *_table(view),
        "",
        "### Keys the table and the palette own",
        "",
        "Help shows them too; `[keys]` does not rebind them.",
        "",
        "| key | what it does |",
        "|---|---|",
        *(f"| {_code(key)} | {description} |" for key, description in BUILT_IN),
        "",
        "### Keys that cannot be bound",
        "",
        "`config check` reports each of these in `[keys]` as a problem:",
        "",
        f"- {', '.join(_code(display(key)) for key in RESERVED)}: the table, the palette or the"
        " dialogs own them, so a binding would never fire;",
        *(
            f"- {_code(key)}: a terminal sends it as {sent}, so it cannot be told apart;"
            for key, sent in INDISTINCT.items()
        ),
        "- one key for two binding ids: one key, one action.",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def replace_in(page: str) -> str:
    """``page`` with its generated part made anew (ValueError without both markers)."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError("the page has no generated part: its two markers are missing")
    return page[:start] + generated() + page[end + len(END) + 1 :]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console.settings.keys_page")
    parser.add_argument("--write", type=Path, metavar="PAGE", help="rewrite PAGE's part")
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(generated())
        return 0
    page: Path = args.write
    try:
        text = replace_in(read_bounded(page, PAGE_CAP))  # a link or a huge file is refused
        with os.fdopen(os.open(page, os.O_WRONLY | os.O_TRUNC | NOFOLLOW), "w") as handle:
            handle.write(text)
    except (OSError, ValueError) as problem:  # FileProblem is a ValueError: one sentence
        sys.stderr.write(f"{problem}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
