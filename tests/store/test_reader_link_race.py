"""A reader (``run_log.connect_reader``: the TUI's tail, ``watch``, ``history``) never
reads through a symbolic link put at the store's name *after* it looked for one.

It looked, then opened the store by its resolved name: a link a member of a shared
``.flowtop`` put there in between was followed, and the first read made SQLite's ``-wal``
and ``-shm`` beside the file it points at, as you (the TUI's test of a planted link failed
about one run in six on it). Now what SQLite opened is compared with what was at the name.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace import run_log
from flowtop.workspace.history import History, open_live_history
from flowtop.workspace.store_links import LinkedStore


@pytest.fixture
def store(tmp_path: Path) -> Path:
    state = tmp_path / "ws" / ".flowtop"
    state.mkdir(parents=True, mode=0o700)
    open_live_history(state).close()
    return state / "history.db"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A store of the victim's elsewhere, closed: no ``-wal`` or ``-shm`` beside it."""
    mine = tmp_path / "home" / "mine.db"
    mine.parent.mkdir()
    History(mine).close()
    return mine


def link_in_place(store: Path, target: Path) -> None:
    """A link to ``target`` renamed over ``store`` in one step, as a member would."""
    planted = store.with_name("planted.db")
    planted.symlink_to(target)
    os.replace(planted, store)


def planting_as_it_opens(monkeypatch: pytest.MonkeyPatch, store: Path, victim: Path) -> None:
    """Make the link appear after ``connect_reader``'s look and before SQLite opens."""
    opened = run_log._reader

    def plant_then_open(path: Path, options: str) -> sqlite3.Connection:
        if not store.is_symlink():
            link_in_place(store, victim)
        return opened(path, options)

    monkeypatch.setattr(run_log, "_reader", plant_then_open)


def beside(victim: Path) -> list[str]:
    return sorted(p.name for p in victim.parent.iterdir())


def test_a_link_put_at_the_store_as_a_reader_opens_it_is_refused(
    monkeypatch: pytest.MonkeyPatch, store: Path, victim: Path
) -> None:
    before = victim.read_bytes()
    planting_as_it_opens(monkeypatch, store, victim)
    with pytest.raises(LinkedStore, match=r"cannot open .*history\.db: .*symbolic link"):
        run_log.connect_reader(store)
    assert victim.read_bytes() == before
    assert beside(victim) == ["mine.db"]  # no -wal or -shm made beside it


def test_a_tail_refuses_it_too(monkeypatch: pytest.MonkeyPatch, store: Path, victim: Path) -> None:
    planting_as_it_opens(monkeypatch, store, victim)
    with pytest.raises(LinkedStore):
        run_log.LogTail(store).read()
    assert beside(victim) == ["mine.db"]


def test_a_store_left_alone_is_read(store: Path) -> None:
    with closing(run_log.connect_reader(store)) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
