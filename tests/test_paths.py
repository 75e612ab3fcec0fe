"""The floor under every file: read bounded, written through no link, set aside when damaged
(console/bounded.py, console/paths.py), and the caches that read through it."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.base import paths
from console.base.bounded import FileProblem, data_depth, json_depth, read_bounded
from console.live.cache import MAX_BYTES, Cached, PageCache
from console.live.wall import Counts, Trend, TrendStore
from console.tui.themes import read as read_theme
from tests import corpus


def test_a_file_we_write_is_never_written_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("theirs\n")
    victim.chmod(0o644)
    state = paths.private_dir(paths.state_dir())
    planted = state / "journal.jsonl"
    planted.symlink_to(victim)
    with pytest.raises(paths.UnsafePath, match="is a symbolic link"):
        paths.open_private(planted, "a")
    # The temp name write_private uses, planted too: the link is removed, never followed.
    target = state / "kept.json"
    (state / f".kept.json.{os.getpid()}.tmp").symlink_to(victim)
    paths.write_private(target, "ours")
    # And a link at the final name is replaced by the file, not written through.
    linked = state / "linked.json"
    linked.symlink_to(victim)
    paths.write_private(linked, "ours too")
    assert victim.read_text() == "theirs\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert target.read_text() == "ours" and not linked.is_symlink()
    assert stat.S_IMODE(linked.stat().st_mode) == 0o600


def test_a_fifo_in_a_files_place_never_blocks_a_read_or_a_write(tmp_path: Path) -> None:
    fifo = paths.private_dir(paths.cache_dir()) / "pages.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(FileProblem, match="is not a regular file"):
        read_bounded(fifo, 1000)
    with pytest.raises(OSError):  # no reader: refused at once, never waiting for one
        paths.open_private(fifo, "a")
    assert time.monotonic() - started < 1


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory away needs root")
def test_a_state_directory_that_is_someone_elses_is_refused(tmp_path: Path) -> None:
    state = paths.state_dir()
    state.mkdir(parents=True)
    os.chown(state, 4242, 4242)
    with pytest.raises(paths.UnsafePath, match=r"belongs to another user \(uid 4242\)"):
        paths.open_private(state / "journal.jsonl")


def test_our_directories_are_made_700_and_a_directory_the_user_named_is_left_alone(
    tmp_path: Path,
) -> None:
    cache = paths.cache_dir()
    cache.mkdir(parents=True, mode=0o755)
    cache.chmod(0o755)
    paths.write_private(cache / "pages" / "x.json", "{}")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache / "pages").stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    linked = tmp_path / "linked"
    linked.symlink_to(shared)  # a folder the user chose (a config elsewhere): followed
    paths.write_private(linked / "config.toml", "")
    assert (shared / "config.toml").exists()


@pytest.mark.parametrize(
    ("count", "kind", "said"),
    [
        (corpus.INFINITY, "not-finite", "holds a number that is not finite (Infinity)"),
        ("NaN", "not-finite", "not finite (NaN)"),
        ("-1e999", "not-finite", "not finite (-1e999)"),
        ("1" + "0" * 5000, "not-finite", "holds an integer too long to read"),
        ("1,", "not-json", "is not JSON"),
    ],
)
def test_a_page_cache_is_read_only_with_finite_numbers(
    tmp_path: Path, count: str, kind: str, said: str
) -> None:
    paths.set_aside_notes()
    pages = PageCache("site", tmp_path / "pages")
    path = pages.path("k")
    paths.private_dir(path.parent)
    path.write_text(corpus.page_cache("site", "k", count=count))
    assert pages.load("k") is None
    assert path.with_name(f"{path.name}.bad-{kind}").exists()
    [note] = paths.set_aside_notes()
    assert note.startswith(f"Started without the page cache: {path}") and said in note


def test_nesting_is_counted_without_recursion_and_brackets_in_text_are_not_nesting(
    tmp_path: Path,
) -> None:
    pages = PageCache("site", tmp_path / "pages")
    path = pages.path("k")
    paths.private_dir(path.parent)
    path.write_text(corpus.DEEP_JSON)
    assert pages.load("k") is None  # before: RecursionError
    assert path.with_name(f"{path.name}.bad-too-deep").exists()
    text = "[" * 10_000 + '\\"{' * 100  # an alert's message: text, not nesting
    values = f'[{{"id": "a", "message": {json.dumps(text)}}}]'
    path.write_text(
        corpus.page_cache("site", "k", count="1").replace('"values": []', f'"values": {values}')
    )
    kept = pages.load("k")
    assert kept is not None and kept.values[0]["message"] == text
    # The same for TOML: 3,000 nested arrays refused with the line; brackets in strings and
    # comments read as they are.
    theme = tmp_path / "theme.toml"
    theme.write_text("primary = '#d03030'\n" + corpus.DEEP_TOML)
    with pytest.raises(ValueError, match=f"theme {theme}:2: nested more than 32 levels deep"):
        read_theme(theme)
    theme.write_text("primary = '#d03030'\nname = '" + "[" * 100 + "'\n# " + "{" * 100 + "\n")
    assert read_theme(theme).name == "[" * 100


def test_a_page_cache_past_its_cap_is_set_aside_unread(tmp_path: Path) -> None:
    pages = PageCache("site", tmp_path / "pages")
    path = pages.path("k")
    paths.private_dir(path.parent)
    values = json.dumps([{"id": str(n), "message": "m" * 1000} for n in range(9_000)])
    path.write_text(
        corpus.page_cache("site", "k", count="1").replace('"values": []', f'"values": {values}')
    )
    assert path.stat().st_size > MAX_BYTES
    assert pages.load("k") is None  # before: 9 MB read and shown
    assert path.with_name(f"{path.name}.bad-too-big").exists()
    paths.set_aside_notes()


def test_a_damaged_cache_is_set_aside_once_and_set_aside_files_stay_few(tmp_path: Path) -> None:
    paths.set_aside_notes()  # what earlier tests in this process left
    pages = PageCache("site", tmp_path / "pages")
    path = pages.path("k")
    paths.private_dir(path.parent)
    for number in range(paths.KEEP_SET_ASIDE + 5):
        other = pages.path(f"k{number}")
        other.write_text(corpus.page_cache("site", f"k{number}", count=corpus.INFINITY))
        assert pages.load(f"k{number}") is None
    assert len(list(path.parent.glob("*.bad-*"))) == paths.KEEP_SET_ASIDE
    notes = paths.set_aside_notes()
    assert len(notes) == paths.NOTES_MAX  # kept for the screen, a few at most
    assert notes[0].startswith("Started without the page cache: ")
    assert paths.set_aside_notes() == []  # said once


@pytest.mark.parametrize(
    ("count", "kind"),
    [("1e300", "not-a-page"), ("true", "not-a-page"), ("-1", "not-a-page"), ("1.5", "not-a-page")],
)
def test_a_page_cache_count_out_of_range_sets_the_page_aside(
    tmp_path: Path, count: str, kind: str
) -> None:
    pages = PageCache("site", tmp_path / "pages")
    path = pages.path("k")
    paths.private_dir(path.parent)
    path.write_text(corpus.page_cache("site", "k", count=count))
    assert pages.load("k") is None
    assert path.with_name(f"{path.name}.bad-{kind}").exists()
    paths.set_aside_notes()


def test_a_cache_we_would_refuse_to_read_is_never_written(tmp_path: Path) -> None:
    pages = PageCache("site", tmp_path / "pages")
    at = Cached(
        at=datetime.now(UTC),
        values=[{"id": "a", "score": float("inf")}],
        count=1,
        offset=0,
        size=50,
        extra={},
    )
    pages.save("k", at)
    assert not pages.path("k").exists()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(JSON)
def test_what_is_written_is_counted_as_deep_as_reading_will_count_it(value: object) -> None:
    """The page cache is checked for depth at every write by walking the data, not its text
    (the text's regular expressions took 2.3 ms a page of 100): the two counts agree."""
    assert data_depth(value) == json_depth(json.dumps(value))


def test_data_nested_past_the_limit_is_never_written_and_a_loop_never_hangs(
    tmp_path: Path,
) -> None:
    deep: list[object] = []
    for _ in range(70):
        deep = [deep]
    paths.write_json(tmp_path / "deep.json", {"values": deep}, 1 << 20)
    assert not (tmp_path / "deep.json").exists()
    loop: list[object] = []
    loop.append(loop)  # json.dumps would say "circular"; the depth check stops first
    paths.write_json(tmp_path / "loop.json", loop, 1 << 20)
    assert not (tmp_path / "loop.json").exists()
    paths.write_json(tmp_path / "fine.json", {"values": [[[[1]]]]}, 1 << 20)
    assert paths.read_json(tmp_path / "fine.json", 1 << 20) == {"values": [[[[1]]]]}


def test_the_walls_counts_and_trend_take_only_whole_numbers_in_range(tmp_path: Path) -> None:
    kept = {"unacked": {p: 0 for p in corpus.PRIORITIES}, "acked": 0, "at": "2024-05-01T10:00"}
    assert Counts.from_json(kept) is not None
    for bad in (10**30, -1, True, 1.5, "3"):
        assert Counts.from_json({**kept, "unacked": {**kept["unacked"], "P1": bad}}) is None
    store = TrendStore(tmp_path / "trends" / "t.json")
    paths.private_dir(store.path.parent)
    now = time.time()
    for point in ('[[%f, {"P1": 1e400}]]', "[[1e400, {}]]", '[[%f, {"P1": 10000000000000}]]'):
        store.path.write_text(point % now if "%f" in point else point)
        trend = Trend()
        store.load(trend, now)
        assert trend.points == []
        assert not store.path.exists()  # set aside
    paths.set_aside_notes()
    good = Trend()
    good.add(now, dict.fromkeys(corpus.PRIORITIES, 2))
    store.save(good)
    again = Trend()
    store.load(again, now)
    assert again.series("P1") == [2]
