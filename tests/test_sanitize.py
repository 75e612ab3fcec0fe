"""The one sanitiser: the hostile corpus comes out visible and inert, ordinary text untouched."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.base.sanitize import MAX_COMBINING, SafeFormatter, clean
from tests import corpus
from tests.corpus import text_controls


@pytest.mark.parametrize("hostile", corpus.CORPUS)
def test_every_corpus_string_comes_out_without_a_raw_control(hostile: str) -> None:
    for multiline in (False, True):
        shown = clean(hostile, multiline=multiline)
        assert text_controls(shown, multiline=multiline) == []
        assert not any(s in shown for s in corpus.RAW_SEQUENCES)


def test_controls_become_pictures_and_escapes_that_a_person_can_read() -> None:
    assert clean(corpus.OSC52).startswith("␛]52;c;")
    assert clean(corpus.SGR_RED) == "␛[31m"
    assert clean(corpus.C1_CSI) == "\\u009b2J"
    assert clean(corpus.NEL) == "a\\u0085b"
    assert clean(corpus.RLO) == "\\u202eevil"
    assert clean(corpus.LINE_SEPARATOR) == "line\\u2028next\\u2029para"
    assert clean(corpus.BELL) == "ding␇"
    assert clean("a\tb\nc") == "a␉b␊c"
    assert clean("a\r\nb\rc", multiline=True) == "a\nb␍c"
    assert clean("\ud800") == "\\ud800"  # a lone surrogate would crash the terminal write
    assert clean(corpus.TAGS).startswith("\\U000e0041\\U000e0042")


def test_ordinary_text_is_left_alone() -> None:
    for text in (
        corpus.MARKUP,  # markup is text here: the callers never interpret it
        corpus.LINK,
        corpus.BRACES,
        corpus.WIDE,
        "Ünïcödé, עברית, مرحبا, Tiếng Việt, हिन्दी",
        "non\u00a0breaking\u3000spaces",
    ):
        assert clean(text) == text


def test_stacked_combining_marks_are_cut_to_a_few() -> None:
    shown = clean(corpus.COMBINING)
    assert shown.startswith("Z")
    assert shown.count("\u0300") + shown.count("\u0301") + shown.count("\u0302") <= MAX_COMBINING
    assert len(shown) == 1 + MAX_COMBINING + len("alg\u0336o")


def test_none_and_other_values() -> None:
    assert clean(None) == ""
    assert clean(42) == "42"


def test_the_log_formatter_cleans_every_line() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s", (corpus.ALL,), None)
    line = SafeFormatter("%(message)s").format(record)
    assert text_controls(line, multiline=True) == []
    assert "␛]52;c;" in line


@given(st.text())
def test_any_text_comes_out_safe_and_cleaning_twice_changes_nothing(text: str) -> None:
    for multiline in (False, True):
        once = clean(text, multiline=multiline)
        assert text_controls(once, multiline=multiline) == []
        assert clean(once, multiline=multiline) == once
