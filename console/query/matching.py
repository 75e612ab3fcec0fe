"""How one query value matches one string, precompiled for speed.

"Case-insensitive" means: equal after ``str.lower()``. Candidates are lowered
and tested against patterns built from the lowered query value.

Semantics ("tokens" are the runs of letters and digits, so ``db-01.eu_west``
has the tokens ``db 01 eu west``):

* Text fields, plain value ``v`` (``message: disk``, ``entity: db-01``): the
  tokens of ``v`` occur contiguously in the field's tokens. For one token that
  is "the word occurs", and a field equal to ``v`` always matches. A value
  with no letters or digits (``-``) must equal the whole field.
* Text fields, quoted phrase of two or more tokens (``"disk full"``): as
  above, OR the phrase is a substring of the field. A quoted single word
  behaves like the plain word.
* Text fields, wildcard (unquoted value containing ``*``): the glob matches
  the whole field value, OR (when its literal parts are letters/digits only)
  it matches one whole token: ``message: redis*`` finds "Disk: Redis-server".
* Keyword fields: the whole value equals ``v``, or matches the glob.
* Inside quotes ``*`` is an ordinary character.

Speed matters more than elegance here (see evaluate.py): a short ASCII
constant becomes the set of all its spellings, so equality is one hash
lookup with no lowering; a search gets a literal that must occur in the
lowered candidate, checked with ``in`` before any regex runs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"[^\W_]+")
_ALNUM_ONLY = re.compile(r"[^\W_]*")
# A match must start and end at a token boundary. The start check sits after
# the first character so that the regex engine can still scan for a literal.
_END = r"(?![^\W_])"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_MAX_VARIANTS = 1024
_KELVIN = "\u212a"  # the one non-ASCII character whose lower() is ASCII ("k")

Search = Callable[[str], object]
"""A compiled regex method on a lowered string; a non-None result is a match."""


@dataclass(frozen=True, slots=True)
class Matcher:
    """A compiled value. Exactly one way of matching applies:

    * ``variants``: the candidate (not lowered) is one of these strings;
    * ``equals``: the lowered candidate equals it;
    * else: ``literal`` occurs in the lowered candidate and ``search`` (if
      any) matches it.
    """

    variants: frozenset[str] | None = None
    equals: str | None = None
    literal: str = ""
    search: Search | None = None

    def __call__(self, candidate: str) -> bool:
        """The match test on one string, for paths where a call is cheap enough."""
        if self.variants is not None:
            return candidate in self.variants
        lowered = candidate.lower()
        if self.equals is not None:
            return lowered == self.equals
        return self.literal in lowered and (self.search is None or self.search(lowered) is not None)


def tokens(text: str) -> list[str]:
    """The lower-cased tokens of ``text``."""
    return _TOKEN.findall(text.lower())


def is_glob(value: str, quoted: bool) -> bool:
    return not quoted and "*" in value


def spellings(lowered: str) -> frozenset[str] | None:
    """Every string whose ``lower()`` is ``lowered``, if it is ASCII and few."""
    if not lowered.isascii() or lowered != lowered.lower():
        return None
    options: list[tuple[str, ...]] = []
    count = 1
    for ch in lowered:
        choices = {ch, ch.upper(), _KELVIN if ch == "k" else ch}
        options.append(tuple(sorted(choices)))
        count *= len(choices)
        if count > _MAX_VARIANTS:
            return None
    return frozenset("".join(p) for p in itertools.product(*options))


def equality(value: str) -> Matcher:
    """Whole-value, case-insensitive equality with ``value``."""
    lowered = value.lower()
    variants = spellings(lowered)
    return Matcher(variants=variants) if variants is not None else Matcher(equals=lowered)


def _token_start(word: str) -> str:
    """``word`` (letters/digits) not preceded by a letter or digit.

    The boundary check comes after the first character, not before it, so the
    pattern starts with a literal and the regex engine can scan for it fast.
    """
    return re.escape(word[0]) + r"(?<![^\W_].)" + re.escape(word[1:])


def _glob(value: str, *, token_alternative: bool) -> Matcher:
    parts = value.lower().split("*")
    literal = max(parts, key=len)
    if len(parts) == 3 and not parts[0] and not parts[2]:
        return Matcher(literal=literal)  # "*x*": plain containment
    whole = ".*".join(re.escape(p) for p in parts)
    if not token_alternative or not _ALNUM_ONLY.fullmatch("".join(parts)):
        return Matcher(literal=literal, search=re.compile(whole, re.DOTALL).fullmatch)
    first, rest = parts[0], parts[1:]
    start = _token_start(first) if first else r"(?<![^\W_])"
    token = start + "".join(r"[^\W_]*" + re.escape(p) for p in rest) + _END
    pattern = re.compile(rf"\A(?:{whole})\Z|{token}", re.DOTALL)
    return Matcher(literal=literal, search=pattern.search)


def text_matcher(value: str, quoted: bool) -> Matcher:
    """Matching for text fields (message, entity, owner ...); see module docstring."""
    if is_glob(value, quoted):
        return _glob(value, token_alternative=True)
    lowered = value.lower()
    words = _TOKEN.findall(lowered)
    if not words:
        return equality(value)
    sequence = _token_start(words[0]) + "".join(r"[\W_]+" + re.escape(w) for w in words[1:]) + _END
    if quoted and len(words) > 1:
        sequence = f"{re.escape(lowered)}|{sequence}"
    return Matcher(literal=max(words, key=len), search=re.compile(sequence).search)


def keyword_matcher(value: str, quoted: bool) -> Matcher:
    """Matching for keyword fields (status, tags, ids, property values ...)."""
    if is_glob(value, quoted):
        return _glob(value, token_alternative=False)
    return equality(value)


def as_text(value: Any) -> str:
    """A stored scalar as the text a query sees: booleans are true/false."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_number(value: Any) -> float | int | None:
    """``value`` as a number if it is one (or a numeric string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value)
    return None


def is_unset(value: Any) -> bool:
    """NULL semantics: missing, None, empty string, empty list or map."""
    if value is None:
        return True
    cls = value.__class__
    if cls is str or cls is list or cls is dict or cls is tuple:
        return not value
    return False
