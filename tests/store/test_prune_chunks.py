"""``flowtop history --prune`` deletes a bounded chunk per transaction (``pruning``).

In one transaction, deleting 630 MB of runs grew the write-ahead log by as much first
(SQLite's ``secure_delete`` writes every freed page, zeroed, to the WAL), on a disk that
may be full, and kept a live run's writes waiting throughout. A run's ``runs`` row goes
first, in one transaction, and its other rows after it; killed at any point, the store
holds each run whole or not at all, and the next prune deletes what was left.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections import namedtuple
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace import pruning
from flowtop.workspace.history import History

from .conftest import env

RUNS, KEEP = 8, 2
#: Every table with rows of a run, and its rows for each run ``_store`` made.
TABLES = {
    "runs": 1,
    "events": 6,
    "results": 1,
    "result_batches": 1,
    "attempts": 1,
    "task_runs": 1,
    "commands": 1,
}


def _store(path: Path) -> list[str]:
    """A store of ``RUNS`` finished runs of about 2.6 MB each (a step log, results, and
    the rows a version-1 store kept); their ids, oldest first."""
    History(path).close()  # the current schema
    ids = [f"run{number:09d}" for number in range(1, RUNS + 1)]
    with closing(sqlite3.connect(path, isolation_level=None)) as raw:
        raw.execute("BEGIN")
        for number, run_id in enumerate(ids, 1):
            raw.execute(
                "INSERT INTO runs(run_id, flow, number, state, started, finished) "
                "VALUES (?, 'big', ?, 'COMPLETED', ?, ?)",
                (run_id, number, float(number), number + 0.5),
            )
            raw.execute("INSERT INTO run_numbers VALUES ('big', ?)", (number,))
            for step in range(TABLES["events"]):
                body = f'["x","{run_id}",{step},"{os.urandom(200_000).hex()}"]'
                raw.execute("INSERT INTO events(run_id, body) VALUES (?, ?)", (run_id, body))
            raw.execute(
                "INSERT INTO results VALUES (?, 't', ?, 1, '', NULL)", (run_id, os.urandom(50_000))
            )
            raw.execute(
                "INSERT INTO result_batches(run_id, tasks, data) VALUES (?, '[\"t\"]', ?)",
                (run_id, os.urandom(100_000)),
            )
            raw.execute(
                "INSERT INTO attempts(run_id, task, number, state, traceback) "
                "VALUES (?, 't', 1, 'FAILED', ?)",
                (run_id, "Traceback …\n" * 8_000),
            )
            raw.execute(
                "INSERT INTO task_runs(run_id, task, position, state) VALUES (?, 't', 0, 'FAILED')",
                (run_id,),
            )
            raw.execute(
                "INSERT INTO commands(run_id, kind, created) VALUES (?, 'cancel', 0)", (run_id,)
            )
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ids


def _rows(path: Path) -> dict[str, dict[str, int]]:
    """Each run's rows, by run id and table."""
    found: dict[str, dict[str, int]] = {}
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for table in TABLES:
            for run_id, count in raw.execute(
                f"SELECT run_id, count(*) FROM {table} GROUP BY run_id"
            ):
                found.setdefault(run_id, {})[table] = count
    return found


def test_the_wal_stays_the_size_of_a_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "history.db"
    ids = _store(db)
    monkeypatch.setattr(pruning, "CHUNK_BYTES", 1 << 20, raising=False)
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA secure_delete = ON")  # as Debian's SQLite is built: every
        # freed page is zeroed, through the WAL (elsewhere the old prune grew it less)
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # as the history's connection
        assert sorted(pruning.prune_runs(conn, KEEP)) == ids[:-KEEP]
        wal = db.with_name("history.db-wal").stat().st_size  # as far as it ever grew
    assert wal < 4 << 20, f"the WAL grew to {wal >> 20} MB for a 16 MB prune"
    assert _rows(db) == {run_id: TABLES for run_id in ids[-KEEP:]}


#: Where a prune process is killed (a ``kill -9``): after its runs went and before any
#: other row did, after its n-th chunk, or in the middle of its n-th chunk's transaction.
KILLS = {"runs gone": "sweep:1", "after chunk 1": "checkpoint:1", "after chunk 9": "checkpoint:9"}
KILLS |= {"inside chunk 2": "_delete_rows:2", "inside chunk 11": "_delete_rows:11"}

KILLED = """
import os, signal, sys
from pathlib import Path
from flowtop.workspace import pruning
from flowtop.workspace.history import History

name, at = sys.argv[2].split(":")
real, calls = getattr(pruning, name), []

def killing(*args):
    calls.append(1)
    if len(calls) == int(at) and name != "checkpoint":
        os.kill(os.getpid(), signal.SIGKILL)
    done = real(*args)
    if len(calls) == int(at):
        os.kill(os.getpid(), signal.SIGKILL)
    return done

setattr(pruning, name, killing)
pruning.CHUNK_BYTES = 1 << 20
History(Path(sys.argv[1])).prune(int(sys.argv[3]))
print("not killed")
"""


@pytest.mark.parametrize("where", list(KILLS.values()), ids=list(KILLS))
def test_a_prune_killed_anywhere_leaves_each_run_whole_or_gone(tmp_path: Path, where: str) -> None:
    db = tmp_path / "history.db"
    ids = _store(db)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, str(db), where, str(KEEP)],
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    left = _rows(db)
    for run_id in ids:
        if "runs" in left.get(run_id, {}):
            assert left[run_id] == TABLES, run_id  # there: whole
    assert {r for r in ids if "runs" in left.get(r, {})} == set(ids[-KEEP:])  # they went at once
    with History(db) as history:  # nothing more to remove, and what was left of them:
        assert history.prune(KEEP) == 0
    assert _rows(db) == {run_id: TABLES for run_id in ids[-KEEP:]}


def test_rows_of_a_run_that_went_are_deleted_by_the_next_prune(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    ids = _store(db)
    with closing(sqlite3.connect(db, isolation_level=None)) as raw:  # a prune cut short
        raw.execute("BEGIN")
        for table in ("commands", "runs"):  # (as its first transaction leaves it)
            raw.execute(f"DELETE FROM {table} WHERE run_id = ?", (ids[0],))
        raw.execute("COMMIT")
    history = History(db)
    try:
        assert history.prune(RUNS) == 0
    finally:
        history.close()
    assert _rows(db) == {run_id: TABLES for run_id in ids[1:]}


def test_a_failure_after_the_runs_went_is_said_and_counts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A full disk in the middle: the runs are gone (``flowtop history`` says so, not
    "nothing was deleted"), and their rows wait for the next prune."""
    db = tmp_path / "history.db"
    ids = _store(db)

    def full(*_: object) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(pruning, "_delete_chunk", full, raising=False)
    history = History(db)
    try:
        with caplog.at_level(logging.WARNING, "flowtop.history"):
            assert history.prune(KEEP) == RUNS - KEEP
    finally:
        history.close()
    assert "database or disk is full" in caplog.text and "next prune" in caplog.text
    monkeypatch.undo()
    with History(db) as history:
        assert history.prune(KEEP) == 0
    assert _rows(db) == {run_id: TABLES for run_id in ids[-KEEP:]}


Usage = namedtuple("Usage", "total used free")


@pytest.mark.parametrize("why", ["a live run", "a full disk"])
def test_compact_leaves_the_file_when_it_would_stall_a_run_or_fill_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, why: str
) -> None:
    """A ``VACUUM`` writes what remains twice (a temporary copy, and the WAL), and holds
    every writer off until it is done."""
    db = tmp_path / "history.db"
    _store(db)
    history = History(db)
    try:
        history.prune(KEEP)
        if why == "a live run":
            history.next_number("live", "live00000001")  # recorded RUNNING, owned here
        else:
            monkeypatch.setattr("shutil.disk_usage", lambda _: Usage(1 << 40, 0, 1 << 20))
        size = db.stat().st_size
        assert history.compact() is False
        assert db.stat().st_size == size
        monkeypatch.undo()
        if why == "a full disk":
            assert history.compact() is True
            assert db.stat().st_size < size / 2
    finally:
        history.close()
