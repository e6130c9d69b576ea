"""A store's runs are found by their ``parent`` through an index (``runs_parent``).

A run's subflow runs (``subflow_runs``: a run's page, ``history --run``, a rerun's plan,
``watch``) were read with ``parent = ?`` / ``parent IN (…)``: a scan of every run for
each. A store the previous schema made gets the index in place, its runs kept and its
version unchanged (an index changes nothing an older flowtop reads); a newer flowtop's
store is still refused untouched.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace import store_schema
from flowtop.workspace.history import History
from flowtop.workspace.history_records import HistoryError
from flowtop.workspace.store_reader import StoreReader
from flowtop.workspace.subflow_runs import _CHILDREN, _SHOWN


def previous_store(db: Path, version: int = store_schema.SCHEMA_VERSION) -> None:
    """A store as the previous schema left it, marked ``version``: a parent and its child."""
    with closing(sqlite3.connect(db)) as raw:
        for step in range(1, store_schema.SCHEMA_VERSION + 1):
            raw.executescript(store_schema.MIGRATIONS[step])
        raw.execute("DROP INDEX IF EXISTS runs_parent")  # (none then)
        for run_id, number, parent in (("p", 1, None), ("c", 1, "p")):
            raw.execute(
                "INSERT INTO runs(run_id, flow, number, state, started, parent) "
                "VALUES (?, ?, ?, 'COMPLETED', ?, ?)",
                (run_id, "kid" if parent else "daily", number, float(number), parent),
            )
        raw.execute(f"PRAGMA user_version = {version}")
        raw.commit()


def indexes(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {name for (name,) in rows}


def plan(db: Path, query: str, *args: object) -> str:
    with closing(sqlite3.connect(db)) as raw:
        return " | ".join(row[-1] for row in raw.execute(f"EXPLAIN QUERY PLAN {query}", args))


def version(db: Path) -> int:
    with closing(sqlite3.connect(db)) as raw:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])


@pytest.mark.parametrize(
    "marked", [store_schema.SCHEMA_VERSION, store_schema.ENDED_ROWS_VERSION], ids=str
)
def test_a_previous_store_gets_the_index_in_place(tmp_path: Path, marked: int) -> None:
    db = tmp_path / "history.db"
    previous_store(db, marked)
    children = _CHILDREN.format(", ".join(_SHOWN), "?")
    assert "runs_parent" not in plan(db, children, "p")  # a scan of every run
    History(db).close()  # opened for writing, as a run opens it
    assert "runs_parent" in indexes(db)
    assert "USING INDEX runs_parent" in plan(db, children, "p"), plan(db, children, "p")
    assert "USING INDEX runs_parent" in plan(db, "SELECT run_id FROM runs WHERE parent = ?", "p")
    assert version(db) == marked  # an older flowtop still reads it
    assert [run.label for run in StoreReader(db).subflows("p")] == ["kid #1"]  # kept


def test_a_new_store_has_it_and_top_level_runs_use_it_not(tmp_path: Path) -> None:
    """Only subflow runs are in it: a query for top-level runs is not steered to it."""
    db = tmp_path / "history.db"
    History(db).close()
    assert "runs_parent" in indexes(db)
    live = "SELECT run_id FROM runs WHERE state = 'RUNNING' AND parent IS NULL"
    assert "runs_parent" not in plan(db, live)


def test_a_newer_store_is_still_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    previous_store(db, store_schema.READS_UP_TO + 1)
    with pytest.raises(HistoryError, match="written by a newer flowtop"):
        History(db)
    assert "runs_parent" not in indexes(db)
    assert version(db) == store_schema.READS_UP_TO + 1
