"""A killed ``@flow`` parent that did something of its own first still names its subflow.

The subflow note of a killed parent (``dead_families.subflows_said``) was given only to a
parent whose note read "ended before any task was recorded as started": one that ran a
task of its own first, or reused results first, and then called a subflow whose task was
running as the process was killed, read a bare "its process … is gone" (or "ended after
reusing …: its process … is gone"), no word of the subflow that was running. Its own
tasks showing nothing running, the note names the subflow run and what it was doing.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.engine.events import Event, TaskStateChanged
from flowtop.engine.states import StateType

from .test_killed_parent_kp63 import BOSS, GONE, boss_start, child_start, killed, working

WAITING = StateType.AWAITING_RETRY


def own(state: StateType, *, reused: bool = False) -> TaskStateChanged:
    return TaskStateChanged(BOSS, "boss", "prep", state, 1, 1, 1000.5, reused=reused)


def test_a_parent_that_ran_a_task_first_names_its_running_subflow(tmp_path: Path) -> None:
    events: list[Event] = [
        boss_start(),
        own(StateType.RUNNING),
        own(StateType.COMPLETED),
        child_start(),
        working(),
    ]
    notes = killed(tmp_path / "history.db", events)
    assert notes[BOSS] == f"interrupted: {GONE}; its subflow child #9 was running work"


def test_a_parent_that_reused_results_first_names_its_running_subflow(tmp_path: Path) -> None:
    events: list[Event] = [
        boss_start(),
        own(StateType.COMPLETED, reused=True),
        child_start(),
        working(),
    ]
    notes = killed(tmp_path / "history.db", events)
    assert notes[BOSS] == (
        "interrupted: ended after reusing 1 task's result, before any other task was "
        f"recorded as started: {GONE}; its subflow child #9 was running work"
    )


def test_a_parent_running_a_task_of_its_own_names_that_task(tmp_path: Path) -> None:
    events: list[Event] = [boss_start(), child_start(), working(), own(StateType.RUNNING)]
    notes = killed(tmp_path / "history.db", events)
    assert notes[BOSS].startswith(
        f"interrupted: {GONE}: it ended without a word while running prep"
    )
    assert "subflow" not in notes[BOSS]  # its own task says what it was doing


def test_the_same_run_in_two_stores_says_what_each_holds(tmp_path: Path) -> None:
    """Dead runs' tasks are kept once read (a read-only store is asked every second), by
    store: a copy of a folder holds the same run ids, its newest event at the same id."""
    waiting = killed(tmp_path / "a.db", [boss_start(), child_start(), working(state=WAITING)])
    running = killed(tmp_path / "b.db", [boss_start(), child_start(), working()])
    assert waiting[BOSS].endswith("its subflow child #9 was waiting to retry work")
    assert running[BOSS].endswith("its subflow child #9 was running work")
