"""A rerun killed before its end, that had reused results and started no task, says so.

A rerun whose tasks were all reused has nothing to run: its tasks complete from their
source's results, none starts. Its process killed before its end was recorded, the
reaper's note read "ended before any task was recorded as started", as if it had done
nothing. It now says its tasks completed from reused results (or how many it reused
before it was stopped); a run that did nothing still says that (test_died_at_once).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.events import Event, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import reaper
from flowtop.workspace.history import History
from flowtop.workspace.ownership import host_name
from flowtop.workspace.unstarted_runs import reused_said

from .test_unread_end import DEAD_PID, RUN, owned_by

SOURCE = "cafe00000000"
GONE = f"its process (pid {DEAD_PID} on {host_name()}) is gone"


def reused(task: str, ts: float) -> TaskStateChanged:
    """``task`` completed from its source run's result, as a rerun logs it: no start."""
    return TaskStateChanged(
        RUN, "etl", task, StateType.COMPLETED, 1, 1, ts, result="1", reused=True
    )


def note_after_death(db: Path, events: list[Event]) -> str:
    """The note the reaper gives the rerun logging ``events``, once its process is gone."""
    history = History(db)
    try:
        history(events)
        assert history.flush()
        owned_by(db, DEAD_PID)  # not this History's: its close leaves the run to the reaper
    finally:
        history.close()
    assert reaper.reap_store(db) == [RUN]
    with closing(sqlite3.connect(db)) as raw:
        state, note, counts = raw.execute(
            "SELECT state, note, counts FROM runs WHERE run_id = ?", (RUN,)
        ).fetchone()
    assert state == "INTERRUPTED"  # its end was never recorded: its flow may have gone on
    reused_steps = sum(1 for event in events if getattr(event, "reused", False))
    assert json.loads(counts).get("reused", 0) == reused_steps
    return str(note)


def rerun_start(*tasks: str) -> RunStarted:
    return RunStarted(RUN, "etl", 2, tasks, (1,) * len(tasks), ("",) * len(tasks), SOURCE, 10.0)


def test_a_rerun_with_every_task_reused_reads_as_completed_from_reused_results(
    tmp_path: Path,
) -> None:
    events: list[Event] = [rerun_start("extract", "load"), reused("extract", 11.0)]
    note = note_after_death(tmp_path / "history.db", [*events, reused("load", 11.5)])
    assert note == (
        "interrupted: all 2 of its tasks completed from reused results (none was left to "
        f"run), but the run's end was not recorded: {GONE}"
    )


def test_a_rerun_stopped_after_reusing_some_says_how_many(tmp_path: Path) -> None:
    events: list[Event] = [rerun_start("extract", "clean", "load"), reused("extract", 11.0)]
    note = note_after_death(tmp_path / "history.db", [*events, reused("clean", 11.5)])
    assert note == (
        "interrupted: ended after reusing 2 tasks' results, before any other task was "
        f"recorded as started: {GONE}"
    )


@pytest.mark.parametrize(
    ("reused_tasks", "planned", "said"),
    [
        (1, 1, "its task completed from a reused result (none was left to run)"),
        (1, 3, "ended after reusing 1 task's result, before any other task"),
        # a @flow run's tasks come as they are called: more may have been to come
        (2, 0, "ended after reusing 2 tasks' results, before any other task"),
        (1_200, 1_200, "all 1200 of its tasks completed from reused results"),
    ],
)
def test_the_words_fit_the_count(reused_tasks: int, planned: int, said: str) -> None:
    assert reused_said(reused_tasks, planned).startswith(said)
