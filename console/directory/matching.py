"""How typed text meets names: folding case and accents, ranking matches (recent choices
first), and telling an id from a name. Pure: no I/O, no Textual."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KINDS: tuple[str, ...] = ("user", "team", "escalation", "schedule")
NOUNS = {"user": "person", "team": "team", "escalation": "escalation", "schedule": "schedule"}
PLURALS = {"user": "people", "team": "teams", "escalation": "escalations", "schedule": "schedules"}
_ASCII_FIXES = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "đ": "d"})
_WORDS = re.compile(r"[\s\-_.'@()/]+")


@dataclass(frozen=True)
class Entry:
    """One person, team, escalation or schedule of the directory, with its id."""

    kind: str  # user | team | escalation | schedule
    id: str
    name: str
    detail: str = ""  # shown beside the name: an email, the team it belongs to, "inactive"
    email: str = ""  # people only (Jira may hide it)


@dataclass(frozen=True)
class Suggestion:
    """An entry offered for what was typed, and whether it was chosen lately."""

    entry: Entry
    recent: bool  # chosen lately, so listed first


class Unresolved(ValueError):
    """What was typed names nothing the directory can turn into an id (the reason says why)."""


def looks_like_id(text: str) -> bool:
    """An id rather than a name: one word holding a digit or a sign no name has
    (``5b10ac8d82e05b22cc``, ``557058:f581…``, a UUID). "Nadia" or "O'Brien" is a name."""
    if not text or any(ch.isspace() for ch in text):
        return False
    return any(not (ch.isalpha() or ch in "'-.") for ch in text)


def fold(text: str) -> str:
    """For matching: no case, no accents ("Chloé" is found as "chloe", "Yılmaz" as "yilmaz")."""
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII_FIXES))
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def _tier(tokens: list[str], entry: Entry) -> int | None:
    """How well every typed word matches, each at the start of a word: 0 the name's start,
    1 another word of the name (or the start of the email or detail), 2 the id's start;
    None: no match. Nothing matches from the middle of a word ("adia" is not Nadia), as
    Jira's own user search does not."""
    name = fold(entry.name)
    words = _WORDS.split(name)
    detail = fold(f"{entry.email} {entry.detail}")
    worst = 0
    for token in tokens:
        if name.startswith(token):
            tier = 0
        elif any(w.startswith(token) for w in words) or detail.startswith(token):
            tier = 1
        elif entry.id.casefold().startswith(token):
            tier = 2
        else:
            return None
        worst = max(worst, tier)
    return worst


def rank(
    entries: Iterable[Entry], text: str, recent: Sequence[str], limit: int
) -> list[Suggestion]:
    """What ``text`` may mean among ``entries``, best first: the ``recent`` ids first (the
    latest on top), then the closest matches by name."""
    tokens = fold(text).split()
    order = {ident: i for i, ident in enumerate(recent)}
    scored: list[tuple[tuple[int, int, int, str], Entry]] = []
    for entry in entries:
        tier = _tier(tokens, entry) if tokens else 0
        if tier is None:
            continue
        latest = order.get(entry.id)
        inactive = 1 if "inactive" in entry.detail else 0
        key = (0 if latest is not None else 1, latest or 0, tier + inactive, fold(entry.name))
        scored.append((key, entry))
    scored.sort(key=lambda pair: pair[0])
    return [Suggestion(e, key[0] == 0) for key, e in scored[:limit]]


def resolve(kind: str, text: str, entries: Sequence[Entry], problem: str | None) -> str:
    """The id ``text`` stands for among ``entries`` (all of ``kind``): an id as typed, or the
    one entry of that name (or, for a person, that email). Unresolved, saying what to do,
    when it names nobody or several."""
    typed = text.strip()
    if not typed or any(e.id == typed for e in entries):
        return typed
    folded = fold(typed)
    named = [e for e in entries if fold(e.name) == folded or (e.email and fold(e.email) == folded)]
    if len(named) == 1:
        return named[0].id
    noun, plural = NOUNS.get(kind, kind), PLURALS.get(kind, kind)
    if named:
        raise Unresolved(f"{len(named)} {plural} are called {typed!r}: pick one from the list")
    if looks_like_id(typed):
        return typed
    close = [s.entry.name for s in rank(entries, typed, (), 3)]
    if close:
        raise Unresolved(
            f"no {noun} is called {typed!r}; did you mean {', '.join(close)}? "
            "Pick one from the list, or type an id"
        )
    if problem:
        raise Unresolved(f"names of {plural} cannot be looked up ({problem}); type an id")
    known = "is known yet" if kind == "user" else "is known"
    raise Unresolved(f"no {noun} called {typed!r} {known}; pick one from the list, or an id")
