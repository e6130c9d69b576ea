"""Security review 45, second pass: links planted in a shared ``.flowtop`` at the run store
and at flowtop's own folders.

A ``.flowtop`` shared with a group (``chmod 2770``, README "Where the data lives, and what
is safe to share") is a folder every member writes in: one may replace ``history.db`` with
a symbolic link to a file of yours, which SQLite then wrote as you, or ``cache/`` and
``logs/`` with links to a folder of yours, where the result cache and the launcher made
their files. Each is refused, naming the link and saying ``rm`` it. Links work as root
too, so these run anywhere, in ``tmp_path``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.caching import CachedResult
from flowtop.workspace import params_file, reaper
from flowtop.workspace.history import History, open_live_history
from flowtop.workspace.private import FolderError
from flowtop.workspace.result_cache import FolderCache
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_reader import StoreReader


def shared_state(tmp_path: Path) -> Path:
    """A workspace's ``.flowtop``, shared with a group as the README says."""
    state = tmp_path / "ws" / ".flowtop"
    state.mkdir(parents=True)
    os.chmod(state, 0o2770)
    return state


def victims_store(tmp_path: Path) -> Path:
    """A store of the victim's elsewhere (any file they may write would do): its bytes
    must not change."""
    victim = tmp_path / "home" / "mine.db"
    victim.parent.mkdir()
    History(victim).close()
    return victim


def test_the_writer_refuses_a_store_that_is_a_link(tmp_path: Path) -> None:
    """``History`` made its file only when missing: an existing link at ``history.db``
    was opened by SQLite, which wrote the new store into the file it points at."""
    state = shared_state(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"")
    (state / "history.db").symlink_to(victim)
    with pytest.raises(FolderError, match=r"history\.db is a symbolic link.*: rm .*history\.db$"):
        open_live_history(state)
    assert victim.read_bytes() == b""


def test_readers_and_the_reaper_refuse_a_store_that_is_a_link(tmp_path: Path) -> None:
    """``flowtop history`` and the TUI read through it (SQLite making files beside its
    target), and the reaper's connection, which marks runs, wrote through it."""
    state = shared_state(tmp_path)
    victim = victims_store(tmp_path)
    before = victim.read_bytes()
    link = state / "history.db"
    link.symlink_to(victim)
    with pytest.raises(FolderError, match=r"history\.db is a symbolic link"):
        StoreReader(link).runs()
    with pytest.raises(FolderError, match=r"history\.db is a symbolic link"):
        reaper.connect(link)
    with pytest.raises(FolderError, match=r"history\.db is a symbolic link"):
        StoreClient(link, lambda events: None)
    assert reaper.reap_store(link) == []  # quiet: the readers say why
    assert reaper.unmarked(link) == []  # read through, it made -wal and -shm beside mine.db
    assert victim.read_bytes() == before
    assert sorted(p.name for p in victim.parent.iterdir()) == ["mine.db"]


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_a_link_beside_the_store_is_named(tmp_path: Path, suffix: str) -> None:
    """SQLite opens its ``-wal`` and ``-shm`` by name and follows no link there, but said
    only "unable to open database file": the link is named now, with what to do."""
    state = shared_state(tmp_path)
    open_live_history(state).close()
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    sibling = state / f"history.db{suffix}"
    sibling.unlink(missing_ok=True)
    sibling.symlink_to(victim)
    with pytest.raises(FolderError, match=rf"history\.db{suffix} is a symbolic link.*: rm "):
        open_live_history(state)
    with pytest.raises(FolderError, match=rf"history\.db{suffix} is a symbolic link"):
        StoreReader(state / "history.db").runs()
    assert victim.read_text() == "mine\n"


def test_a_link_swapped_in_as_the_store_opens_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member who puts the link there between the check and SQLite's open: the file
    SQLite opened is not the store named, and the connection is refused unused."""
    state = shared_state(tmp_path)
    store = state / "history.db"
    open_live_history(state).close()
    victim = victims_store(tmp_path)
    before = victim.read_bytes()
    real_connect = sqlite3.connect

    def swapping(*args: Any, **options: Any) -> sqlite3.Connection:
        store.rename(state / "moved.db")
        store.symlink_to(victim)
        return real_connect(*args, **options)

    monkeypatch.setattr(reaper.sqlite3, "connect", swapping)
    with pytest.raises(FolderError, match=r"took its place as it opened"):
        reaper.connect(store)
    assert victim.read_bytes() == before


@pytest.mark.parametrize("folder", ["cache", "logs"])
def test_a_linked_folder_in_flowtop_is_refused(tmp_path: Path, folder: str) -> None:
    """``cache/`` (a cached result, a pickle) and ``logs/`` (a run's parameters and log)
    made their files in the linked folder's target, as you."""
    state = shared_state(tmp_path)
    elsewhere = tmp_path / "home" / "bin"
    elsewhere.mkdir(parents=True)
    (state / folder).symlink_to(elsewhere)
    said = rf"\.flowtop/{folder} is a symbolic link.*: rm .*\.flowtop/{folder}$"
    if folder == "cache":
        with pytest.raises(ValueError, match=said):
            FolderCache(state / "cache", 1 << 20).put("key", CachedResult(42, "etl #1"))
    else:
        with pytest.raises(FolderError, match=said):
            params_file.put(state / "logs" / "0123456789ab.params.json", "{}")
    assert list(elsewhere.iterdir()) == []
