"""A ``@flow`` parent killed while its subflow ran a task says so, not that nothing started.

A parent with no task of its own whose process was killed (``kill -9``) while its subflow's
run was running a task read ``interrupted: ended before any task was recorded as started:
its process … is gone`` in ``history`` and the monitor: its own table holds no task, but
its subflow's task had started. Its note names the subflow run and what it was doing. The
subflow's mark is written before its parent's, so a reader of the log (``flowtop watch``)
ends the subflow before the run that called it, as a cancel does.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flowtop.engine.events import Event, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.ownership import host_name
from flowtop.workspace.run_log import RunInterrupted, decode_rows, log_columns

from .test_unread_end import DEAD_PID, owned_by

BOSS, CHILD, OTHER = "b0550000000a", "c41d0000000b", "c41d0000000c"
GONE = f"its process (pid {DEAD_PID} on {host_name()}) is gone"


def boss_start() -> RunStarted:
    return RunStarted(BOSS, "boss", 7, (), (), (), ts=1000.0)


def child_start(run_id: str = CHILD, number: int = 9) -> RunStarted:
    return RunStarted(run_id, "child", number, (), (), (), ts=1001.0, parent_run=BOSS)


def working(run_id: str = CHILD, state: StateType = StateType.RUNNING) -> TaskStateChanged:
    return TaskStateChanged(run_id, "child", "work", state, 1, 4, 1002.0)


def killed(db: Path, events: list[Event]) -> dict[str, str]:
    """The notes the reaper gives each run logging ``events``, its process gone."""
    history = History(db)
    try:
        history(events)
        assert history.flush()
        owned_by(db, DEAD_PID)  # every run: one process recorded them all
    finally:
        history.close()
    assert sorted(reaper.reap_store(db)) == sorted({e.run_id for e in events})
    with closing(sqlite3.connect(db)) as raw:
        return dict(raw.execute("SELECT run_id, note FROM runs").fetchall())


def test_a_killed_parent_names_its_subflow_s_running_task(tmp_path: Path) -> None:
    notes = killed(tmp_path / "history.db", [boss_start(), child_start(), working()])
    assert notes[BOSS] == f"interrupted: {GONE}; its subflow child #9 was running work"
    assert notes[CHILD].startswith(f"interrupted: {GONE}: it ended without a word while running")


def test_subflows_waiting_or_between_tasks_are_said_so(tmp_path: Path) -> None:
    events: list[Event] = [
        boss_start(),
        child_start(),
        working(state=StateType.AWAITING_RETRY),
        child_start(OTHER, 10),
    ]
    notes = killed(tmp_path / "history.db", events)
    assert notes[BOSS] == (
        f"interrupted: {GONE}; its subflows were running: "
        "child #9 (waiting to retry work), child #10"
    )


def test_a_parent_whose_subflows_had_ended_says_they_ran(tmp_path: Path) -> None:
    done = working(state=StateType.COMPLETED)
    events: list[Event] = [boss_start(), child_start(), working(), done]
    history = History(tmp_path / "history.db")
    try:
        history(events)
        history(
            [RunFinished(CHILD, "child", 9, StateType.COMPLETED, {"COMPLETED": 1}, 2.0, 1003.0)]
        )
        assert history.flush()
        owned_by(tmp_path / "history.db", DEAD_PID)
    finally:
        history.close()
    assert reaper.reap_store(tmp_path / "history.db") == [BOSS]
    with closing(sqlite3.connect(tmp_path / "history.db")) as raw:
        (note,) = raw.execute("SELECT note FROM runs WHERE run_id = ?", (BOSS,)).fetchone()
    assert note == f"interrupted: {GONE}; its subflow run child #9 had ended"


def test_a_parent_that_called_nothing_still_says_nothing_started(tmp_path: Path) -> None:
    notes = killed(tmp_path / "history.db", [boss_start()])
    assert notes[BOSS] == f"interrupted: ended before any task was recorded as started: {GONE}"


def test_the_subflow_is_marked_before_its_parent(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    killed(db, [boss_start(), child_start(), working()])
    with closing(sqlite3.connect(db)) as raw:
        rows = raw.execute(f"SELECT {log_columns(raw)} FROM events ORDER BY id").fetchall()
    marks = [e.run_id for e in decode_rows(rows) if isinstance(e, RunInterrupted)]
    assert marks == [CHILD, BOSS]


def test_a_reader_that_cannot_mark_says_the_same(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    try:
        history([boss_start(), child_start(), working()])
        assert history.flush()
        owned_by(db, DEAD_PID)
    finally:
        history.close()
    ended = reaper.unmarked(db)
    assert [e.run_id for e in ended] == [CHILD, BOSS]  # as the store would be marked
    assert ended[1].reason.startswith(f"{GONE}; its subflow child #9 was running work")
