"""A store holding a run's end that its end mark gave is marked so an older flowtop says so.

The reaper logs such an end (``end_marks``) as a ``run_interrupted`` row with a seventh
field, the state the run ended in, and left the file at schema version 12: a flowtop that
reads up to version 12 read that row as damage (``run_interrupted with 7 fields, at most
6``) and the run as one whose end could not be read. The write that logs such a row now
marks the file version 13, which that flowtop refuses as a newer one's; a store without
such a row stays at 12, read by either.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import end_marks, reaper, store_schema
from flowtop.workspace.history import History
from flowtop.workspace.history_records import HistoryError
from flowtop.workspace.store_reader import StoreReader

from .test_unread_end import DEAD_PID, RUN, owned_by


def dead_running_run(db: Path) -> None:
    """A run of ``slow`` whose task was running when its process (``DEAD_PID``) died."""
    history = History(db)
    try:
        started = RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=1000.0)
        running = TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
        history([started, running])
        assert history.flush()
        owned_by(db, DEAD_PID)  # not this History's: its close leaves the run to the reaper
    finally:
        history.close()


def version(db: Path) -> int:
    with closing(sqlite3.connect(db)) as raw:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])


def test_only_a_store_holding_an_end_mark_s_end_is_marked_newer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, marked = tmp_path / "plain" / "history.db", tmp_path / "marked" / "history.db"
    dead_running_run(plain)
    dead_running_run(marked)
    end_marks.leave(marked, {RUN: "COMPLETED"})
    assert reaper.reap_store(plain) == [RUN] and reaper.reap_store(marked) == [RUN]
    assert version(plain) == store_schema.SCHEMA_VERSION == 12  # any flowtop reads it
    assert version(marked) == store_schema.ENDED_ROWS_VERSION == 13
    (run,) = StoreReader(marked).runs()  # this flowtop reads it, as its mark said
    assert (run.state, run.note) == ("COMPLETED", end_marks.not_recorded(marked, "COMPLETED"))
    # A flowtop that reads up to version 12 refuses it, naming why, and reads the other.
    monkeypatch.setattr(store_schema, "READS_UP_TO", 12)
    assert [run.state for run in StoreReader(plain).runs()] == ["INTERRUPTED"]
    with pytest.raises(HistoryError, match="schema version 13 was written by a newer flowtop"):
        StoreReader(marked).runs()
    assert version(marked) == 13  # refused untouched


def test_a_store_marked_13_is_opened_and_written_as_it_is(tmp_path: Path) -> None:
    """No migration takes a file to 13 or back: a run recorded in it leaves it so."""
    db = tmp_path / "history.db"
    dead_running_run(db)
    end_marks.leave(db, {RUN: "FAILED"})
    reaper.reap_store(db)
    history = History(db)
    try:
        history([RunStarted("cafe00000002", "slow", 2, ("wait",), (1,), ("",), ts=1002.0)])
        assert history.flush()
    finally:
        history.close()
    assert version(db) == 13
    assert {run.run_id: run.state for run in StoreReader(db).runs()}[RUN] == "FAILED"
