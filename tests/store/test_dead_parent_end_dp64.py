"""A killed ``@flow`` parent ends no sooner than the subflows it called.

Its process writes each step of a subflow's tasks in the subflow's log, none in its own:
the parent was dated by its own last sign of life alone, and read ended (and shorter)
before the subflow it was waiting on. Its mark, and every reader that cannot mark it,
date it by the latest of its own last sign and its subflows' (theirs too).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flowtop.engine.events import Event, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.history import History

from .test_killed_parent_kp63 import BOSS, CHILD, boss_start, child_start, working
from .test_unread_end import DEAD_PID, owned_by

GRANDCHILD = "9c41d000000d"


def later(run_id: str = CHILD, ts: float = 1050.0) -> TaskStateChanged:
    """A step of the subflow's task long after the parent's own last sign (1000)."""
    return TaskStateChanged(run_id, "child", "work", StateType.AWAITING_RETRY, 1, 4, ts)


def recorded(db: Path, events: list[Event]) -> None:
    """``events`` in the store, all of their runs owned by a process that is gone."""
    history = History(db)
    try:
        history(events)
        assert history.flush()
        owned_by(db, DEAD_PID)
    finally:
        history.close()


def ends(db: Path) -> dict[str, tuple[float, float]]:
    with closing(sqlite3.connect(db)) as raw:
        rows = raw.execute("SELECT run_id, finished, duration FROM runs").fetchall()
    return {run_id: (finished, duration) for run_id, finished, duration in rows}


def test_a_killed_parent_is_marked_ended_with_its_subflow(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    recorded(db, [boss_start(), child_start(), working(), later()])
    assert sorted(reaper.reap_store(db)) == sorted([BOSS, CHILD])
    marked = ends(db)
    assert marked[CHILD][0] == 1050.0
    assert marked[BOSS] == (1050.0, 50.0)  # its body began at 1000


def test_a_parent_outlives_a_subflow_that_ended_after_its_own_last_sign(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    done = RunFinished(CHILD, "child", 9, StateType.COMPLETED, {"COMPLETED": 1}, 2.0, 1003.0)
    recorded(db, [boss_start(), child_start(), working(), done])
    assert reaper.reap_store(db) == [BOSS]
    assert ends(db)[BOSS] == (1003.0, 3.0)


def test_a_reader_that_cannot_mark_dates_the_parent_as_its_mark_will(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    recorded(db, [boss_start(), child_start(), working(), later()])
    shown = {event.run_id: event.ts for event in reaper.unmarked(db)}
    assert shown == {CHILD: 1050.0, BOSS: 1050.0}
    assert reaper.end_and_duration(db, BOSS) == (1050.0, 50.0)
    reaper.reap_store(db)
    assert ends(db)[BOSS] == (1050.0, 50.0)


def test_a_grandchild_s_last_sign_dates_every_run_above_it(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    deep = RunStarted(GRANDCHILD, "deep", 3, (), (), (), ts=1003.0, parent_run=CHILD)
    recorded(db, [boss_start(), child_start(), working(), deep, later(GRANDCHILD, 1070.0)])
    assert {event.run_id: event.ts for event in reaper.unmarked(db)} == dict.fromkeys(
        [GRANDCHILD, CHILD, BOSS], 1070.0
    )
    assert reaper.end_time(db, BOSS) == 1070.0
    reaper.reap_store(db)
    assert {run_id: end for run_id, (end, _) in ends(db).items()} == dict.fromkeys(
        [GRANDCHILD, CHILD, BOSS], 1070.0
    )


def test_a_parent_loop_written_by_hand_is_dated_all_the_same(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    recorded(db, [boss_start(), child_start(), working(), later()])
    with closing(sqlite3.connect(db)) as raw, raw:
        raw.execute("UPDATE runs SET parent = ? WHERE run_id = ?", (CHILD, BOSS))
    assert reaper.end_time(db, BOSS) == 1050.0
    assert reaper.end_time(db, CHILD) == 1050.0
