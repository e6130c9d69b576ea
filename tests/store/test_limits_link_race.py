"""``limits.db`` (concurrency limits) is never opened through a symbolic link put at its
name after flowtop looked for one: SQLite wrote the slots' tables, as you, into the file
the link points at (``SlotStore``), or made its ``-shm`` beside it (``flowtop limits``,
``read_slots``). What SQLite opened is now compared with what was at the name."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowtop.concurrency.slots import SlotStore, read_slots


@pytest.fixture
def limits(tmp_path: Path) -> Path:
    state = tmp_path / "ws" / ".flowtop"
    state.mkdir(parents=True, mode=0o700)
    SlotStore(state / "limits.db")._conn.close()
    return state / "limits.db"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    mine = tmp_path / "home" / "mine.db"
    mine.parent.mkdir()
    with sqlite3.connect(mine) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE mine (x)")
    conn.close()
    return mine


def plant_as_sqlite_opens(monkeypatch: pytest.MonkeyPatch, at: Path, target: Path) -> None:
    """A link to ``target`` renamed over ``at`` just before SQLite opens it."""
    connect = sqlite3.connect

    def plant_then_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        if not at.is_symlink():
            planted = at.with_name("planted.db")
            planted.symlink_to(target)
            os.replace(planted, at)
        return connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", plant_then_connect)


def test_the_slots_writer_refuses_a_link_put_there_as_it_opens(
    monkeypatch: pytest.MonkeyPatch, limits: Path, victim: Path
) -> None:
    before = victim.read_bytes()
    plant_as_sqlite_opens(monkeypatch, limits, victim)
    with pytest.raises(ValueError, match=r"cannot keep concurrency limits there: .*symbolic link"):
        SlotStore(limits)
    assert victim.read_bytes() == before
    assert sorted(p.name for p in victim.parent.iterdir()) == ["mine.db"]


def test_flowtop_limits_refuses_it_too(
    monkeypatch: pytest.MonkeyPatch, limits: Path, victim: Path
) -> None:
    plant_as_sqlite_opens(monkeypatch, limits, victim)
    with pytest.raises(ValueError, match=r"cannot read concurrency limits: .*symbolic link"):
        read_slots(limits, {})
    assert sorted(p.name for p in victim.parent.iterdir()) == ["mine.db"]


def test_limits_left_alone_are_read(limits: Path) -> None:
    assert read_slots(limits, {}) == ({}, [])
