"""A run whose end a monitor cannot read is dated as the reaper dates a dead run
(``dead_run_dates.last_sign_of_life``): the later of its heartbeat and its newest logged
event. With no end time recorded, ``unread_ends`` took its heartbeat alone, and an event
the run logged after it (a task's step, a ``task_output`` piece) read after its end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.ownership import boot_id, host_name
from flowtop.workspace.unread_ends import unread_ends

RUN = "cafe00000061"
#: A pid above any pid_max: no process has it.
DEAD_PID = 999_999_999


def recorded(db: Path) -> None:
    """A run of ``slow`` whose task completed at 1004.0, its end row then damaged and its
    end time gone from the runs table; its owner, dead, last beat at ``heartbeat``."""
    history = History(db)
    for events in (
        [RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=1000.0)],
        [TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)],
        [TaskStateChanged(RUN, "slow", "wait", StateType.COMPLETED, 1, 1, 1004.0, result="1")],
        [RunFinished(RUN, "slow", 1, StateType.COMPLETED, {"COMPLETED": 1}, 4.0, 1004.5)],
    ):
        history(events)
        assert history.flush()
    history.close()


def damaged(db: Path, heartbeat: float) -> int:
    """The run's end row unreadable, no end time recorded, a dead owner that last beat at
    ``heartbeat``; the id of the newest row."""
    with sqlite3.connect(db) as raw:
        (last,) = raw.execute("SELECT max(id) FROM events").fetchone()
        raw.execute("UPDATE events SET body = 'garbage' WHERE id = ?", (last,))
        raw.execute(
            "UPDATE runs SET finished = NULL, heartbeat = ?, owner = ?, host = ?, pid = ?, "
            "boot_id = ?, proc_start = '1'",
            (heartbeat, f"{host_name()}:{DEAD_PID}:test", host_name(), DEAD_PID, boot_id()),
        )
    return int(last)


@pytest.mark.parametrize(("heartbeat", "ended"), [(1002.0, 1004.0), (1007.0, 1007.0)])
def test_a_run_whose_end_cannot_be_read_ends_at_its_last_sign_of_life(
    tmp_path: Path, heartbeat: float, ended: float
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    recorded(db)
    last = damaged(db, heartbeat)
    (interrupted,) = unread_ends(db, {RUN: ("slow", 1)}, last, {})
    assert interrupted.run_id == RUN
    assert interrupted.ts == ended  # the later of its heartbeat and its last logged event
