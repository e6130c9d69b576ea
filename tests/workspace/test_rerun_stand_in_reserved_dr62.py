"""Two reruns of one run at once, one naming it and the other a rerun that did not start
standing for it, are refused as two reruns of one source are (ex62c §6).

#2, a rerun of #1 cancelled while its file imported, stands for #1: a rerun of #2 reruns
#1. ``--rerun-of 1`` and ``--rerun-of 2`` at once both started, each recording RERUN OF #1.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowtop.engine.events import Event, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace.history import History
from flowtop.workspace.run_numbers import RerunRunning, reserve_rerun


def ran(run_id: str, number: int) -> list[Event]:
    """Run ``number`` of ``slow``: ``a`` completed, ``b`` failed."""
    now = time.time()
    return [
        RunStarted(run_id, "slow", number, ("a", "b"), (1, 1), ("", ""), None, now),
        TaskStateChanged(run_id, "slow", "a", S.RUNNING, 1, 1, now),
        TaskStateChanged(run_id, "slow", "a", S.COMPLETED, 1, 1, now, result="1"),
        TaskStateChanged(run_id, "slow", "b", S.RUNNING, 1, 1, now),
        TaskStateChanged(run_id, "slow", "b", S.FAILED, 1, 1, now),
        RunFinished(run_id, "slow", number, S.FAILED, {"COMPLETED": 1, "FAILED": 1}, 0.1, now),
    ]


def cancelled_importing(run_id: str, number: int, rerun_of: str) -> list[Event]:
    """A rerun of ``rerun_of`` cancelled while its file imported: no task ran."""
    now = time.time()
    return [
        RunStarted(run_id, "slow", number, ("a", "b"), (1, 1), ("", ""), rerun_of, now),
        RunFinished(run_id, "slow", number, S.CANCELLED, {}, 0.0, now),
    ]


def workspace(tmp_path: Path, *runs: list[Event]) -> Path:
    db = tmp_path / "history.db"
    history = History(db)
    try:
        for events in runs:
            history.next_number("slow")
            history.sink(events)
        assert history.flush(10)
    finally:
        history.close()
    return db


@pytest.mark.parametrize(("first", "second"), [("one", "two"), ("two", "one")])
def test_a_rerun_of_a_stand_in_and_of_its_source_are_one_rerun(
    tmp_path: Path, first: str, second: str
) -> None:
    db = workspace(tmp_path, ran("one", 1), cancelled_importing("two", 2, "one"))
    assert reserve_rerun(db, "slow", "a" * 12, first) == 3  # reserved: it runs
    with pytest.raises(RerunRunning) as refused:
        reserve_rerun(db, "slow", "b" * 12, second)
    assert (refused.value.run_id, refused.value.number) == ("a" * 12, 3)


def test_down_a_chain_of_stand_ins(tmp_path: Path) -> None:
    """#3 stands for #2, which stands for #1: a rerun of #3 and one of #1 are one rerun."""
    db = workspace(
        tmp_path,
        ran("one", 1),
        cancelled_importing("two", 2, "one"),
        cancelled_importing("three", 3, "two"),
    )
    assert reserve_rerun(db, "slow", "a" * 12, "three") == 4
    with pytest.raises(RerunRunning):
        reserve_rerun(db, "slow", "b" * 12, "one")


def test_a_rerun_of_a_run_that_started_is_its_own(tmp_path: Path) -> None:
    """#2 ran (its task failed again): a rerun of #2 and one of #1 both go."""
    db = workspace(tmp_path, ran("one", 1), ran("two", 2))
    assert reserve_rerun(db, "slow", "a" * 12, "one") == 3
    assert reserve_rerun(db, "slow", "b" * 12, "two") == 4
