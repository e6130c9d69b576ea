"""Runs of a flow ``slow`` written straight into a store: one that ran (``a`` completed,
``b`` failed) and a rerun of it cancelled while its file imported (no task ran), which
stands for its source. Shared by the prune and rerun-reservation tests of such reruns."""

from __future__ import annotations

import time
from pathlib import Path

from flowtop.engine.events import Event, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace.history import History


def ran(run_id: str, number: int, rerun_of: str | None = None) -> list[Event]:
    """Run ``number`` of ``slow``: ``a`` completed, ``b`` failed (a rerun of ``rerun_of``)."""
    now = time.time()
    return [
        RunStarted(run_id, "slow", number, ("a", "b"), (1, 1), ("", ""), rerun_of, now),
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


def store(db: Path, *runs: list[Event]) -> Path:
    """``runs`` written into the store ``db``, numbered as they come; ``db``."""
    history = History(db)
    try:
        for events in runs:
            history.next_number("slow")
            history.sink(events)
        assert history.flush(10)
    finally:
        history.close()
    return db
