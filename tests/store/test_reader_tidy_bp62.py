"""A reader of a closed store leaves no ``-wal`` nor ``-shm`` behind, without a writable
connection at each close: a reader closed while another of this process still has the
store open leaves them to that one (they could not go then). The monitor's and
``flowtop watch``'s polls, once a second beside the tail they keep open, each opened one
for nothing."""

from __future__ import annotations

import gc
import sqlite3
import threading
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.workspace import run_log
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder


def _closed_store(tmp_path: Path) -> Path:
    db = private_folder(tmp_path / ".flowtop") / "history.db"
    history = History(db)
    history([RunStarted("a1b2c3d4e5f6", "etl", 1, ("t",), (1,), ("",), ts=1000.0)])
    history([RunFinished("a1b2c3d4e5f6", "etl", 1, StateType.COMPLETED, {}, 1.0, ts=1001.0)])
    history.close()
    return db


def _beside(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith("history.db"))


@pytest.fixture
def writable_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each writable connection ``run_log`` opens, by its path."""
    opened: list[str] = []
    reader = run_log._reader

    def counted(path: Path, options: str) -> sqlite3.Connection:
        if "mode=rw" in options:
            opened.append(str(path))
        return reader(path, options)

    monkeypatch.setattr(run_log, "_reader", counted)
    return opened


def test_polls_beside_an_open_reader_open_no_writable_connection(
    tmp_path: Path, writable_opens: list[str]
) -> None:
    db = _closed_store(tmp_path)
    kept = run_log.connect_reader(db)  # a tail, open all along
    for _ in range(5):  # the polls
        conn = run_log.connect_reader(db)
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (1,)
        conn.close()
    assert writable_opens == []
    assert "history.db-wal" in _beside(db)  # kept's: it still reads
    kept.close()
    assert writable_opens == [str(db)]  # the last one tidies
    assert _beside(db) == ["history.db"]


def test_the_last_reader_tidies_for_one_opened_before_it(
    tmp_path: Path, writable_opens: list[str]
) -> None:
    """The reader that made the files closes first; the one still open then tidies."""
    db = _closed_store(tmp_path)
    first = run_log.connect_reader(db)
    second = run_log.connect_reader(db)
    first.close()
    assert writable_opens == []
    second.close()
    assert _beside(db) == ["history.db"]


def test_readers_closed_on_threads_at_once_leave_nothing(tmp_path: Path) -> None:
    db = _closed_store(tmp_path)
    readers = [run_log.connect_reader(db) for _ in range(8)]
    go = threading.Barrier(len(readers))

    def close(conn: sqlite3.Connection) -> None:
        go.wait()
        conn.close()

    threads = [threading.Thread(target=close, args=(conn,)) for conn in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _beside(db) == ["history.db"]


def test_a_reader_closed_alone_still_tidies(tmp_path: Path) -> None:
    db = _closed_store(tmp_path)
    conn = run_log.connect_reader(db)
    assert _beside(db) != ["history.db"]
    conn.close()
    assert _beside(db) == ["history.db"]


def test_a_reader_collected_unclosed_does_not_stop_the_next_from_tidying(tmp_path: Path) -> None:
    db = _closed_store(tmp_path)
    lost = run_log.connect_reader(db)
    del lost  # (never closed: collected)
    gc.collect()
    conn = run_log.connect_reader(db)
    conn.close()
    assert _beside(db) == ["history.db"]
