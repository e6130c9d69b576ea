"""A run's row is read by column name (issue 17).

``history_records`` read a ``runs`` listing's row by position (``row[9]``, ``row[12]``…)
and checked its types against a second list, by position too: a column added to or
moved in the SELECT alone shifted every field after it without a word. The SELECT and
its decoder are now built from one table of columns (``store_reader._listing``); these
tests move and add columns in that table and read the same runs, the damaged one too.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace import store_reader
from flowtop.workspace.store_reader import StoreReader

from .test_corrupt_rows import two_runs


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return two_runs(tmp_path / ".flowtop" / "history.db")


def ids(db: Path) -> dict[int, str]:
    with closing(sqlite3.connect(db)) as conn:
        return {
            number: run_id for run_id, number in conn.execute("SELECT run_id, number FROM runs")
        }


def every_column_set(db: Path) -> str:
    """Run #1 with a value of its own in each column the listing reads; its id."""
    run = ids(db)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE runs SET started = 100.5, finished = 103.0, duration = 2.5, rerun_of = ?, "
            "counts = ?, tasks = 0, note = 'the note', host = 'box', pid = 4242, error = ?, "
            "parent = ?, parameters = ? WHERE run_id = ?",
            (
                run[2],
                json.dumps({"COMPLETED": 2, "reused": 1}),
                json.dumps(["ValueError", "bad rows", "Traceback …"]),
                run[2],
                json.dumps({"day": "monday"}),
                run[1],
            ),
        )
        (event_id, body) = conn.execute(
            "SELECT id, body FROM events WHERE run_id = ? ORDER BY id LIMIT 1", (run[1],)
        ).fetchone()
        started = json.loads(body)
        started[11] = "nightly"  # its flow_run_name (``run_log.run_started_name``)
        conn.execute("UPDATE events SET body = ? WHERE id = ?", (json.dumps(started), event_id))
    return run[1]


def test_every_field_is_read_from_the_column_of_its_name(store: Path) -> None:
    first = every_column_set(store)
    second = ids(store)[2]
    record = StoreReader(store).find_run("etl", 1)
    assert record is not None and record.damage == ""
    assert (record.run_id, record.flow, record.number, record.state) == (
        first,
        "etl",
        1,
        "COMPLETED",
    )
    assert (record.started, record.finished, record.duration) == (100.5, 103.0, 2.5)
    assert (record.rerun_of, record.rerun_of_number) == (second, 2)
    assert (record.counts, record.reused, record.tasks) == ({"COMPLETED": 2}, 1, 0)
    assert (record.note, record.owner) == ("the note", "pid 4242 on box")
    assert record.error == {"type": "ValueError", "message": "bad rows", "traceback": "Traceback …"}
    assert (record.parent, record.parent_flow, record.parent_number) == (second, "etl", 2)
    assert (record.parameters, record.name) == ({"day": "monday"}, "nightly")


def listed(db: Path) -> list[dict[str, object]]:
    return [
        {**run.as_json(), "owner": run.owner, "note": run.note}
        for run in StoreReader(db).runs(limit=None)
    ]


@pytest.mark.parametrize("how", ["reversed", "a column added first"])
def test_a_column_moved_or_added_in_the_table_shifts_no_field(
    store: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    every_column_set(store)
    with closing(sqlite3.connect(store)) as conn, conn:  # run #2 damaged: one bad column
        conn.execute("UPDATE runs SET started = 'x' WHERE number = 2")
    before = listed(store)
    assert [run["damage"] for run in before if "damage" in run] == [
        "unreadable, left out: started 'x'"
    ]
    columns = store_reader._RUN_COLUMNS
    if how == "reversed":
        moved = tuple(reversed(columns))
    else:  # a column the decoder does not read yet, before all the others
        text = frozenset((str,))
        moved = (store_reader._RunColumn("plan", "r.plan", text), *columns)
    monkeypatch.setattr(store_reader, "_RUNS", store_reader._listing(moved))
    assert listed(store) == before
