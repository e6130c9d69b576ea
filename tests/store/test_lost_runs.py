"""A run another process marked INTERRUPTED (its owner sent no heartbeats: the process
was stopped, or its host cut off) stays interrupted when its owner resumes: the owner's
agent cancels it, and the run's end the owner writes afterwards does not replace that
one (a rerun of it may be running already)."""

from __future__ import annotations

import logging
import threading
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.workspace import owner_agent, reaper, store_schema
from flowtop.workspace.history import History
from flowtop.workspace.owner_agent import OwnerAgent

WHY = "its process (pid 7 on otherbox) stopped sending heartbeats 12 s ago"


def _start(history: History, run_id: str = "run-1") -> None:
    history.sink([RunStarted(run_id, "f", 1, ("a",), (1,), ("",), None, 1.0)])
    assert history.flush(10)


def _mark_interrupted(db: Path, run_id: str = "run-1") -> None:
    with closing(reaper.connect(db)) as conn, store_schema.write_transaction(conn):
        reaper.interrupt(conn, {run_id: WHY})


def _row(db: Path, run_id: str = "run-1") -> tuple[str, str | None]:
    with closing(reaper.connect(db)) as conn:
        state, note = conn.execute(
            "SELECT state, note FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
    return state, note


def test_the_owner_s_late_end_does_not_undo_the_interruption(tmp_path: Path) -> None:
    """It read COMPLETED with the note ``interrupted: …``, and its log held two ends."""
    db = tmp_path / "history.db"
    history = History(db)
    try:
        _start(history)
        _mark_interrupted(db)
        history.sink([RunFinished("run-1", "f", 1, S.COMPLETED, {"COMPLETED": 1}, 2.0, 3.0)])
        assert history.flush(10)
    finally:
        history.close()
    assert _row(db) == ("INTERRUPTED", f"interrupted: {WHY}")
    with closing(reaper.connect(db)) as conn:
        bodies = [b for (b,) in conn.execute("SELECT body FROM events WHERE run_id = 'run-1'")]
    assert not [b for b in bodies if b.startswith('["run_finished"')]
    assert len([b for b in bodies if b.startswith('["run_interrupted"')]) == 1


def test_a_run_that_ends_normally_is_still_written(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    try:
        _start(history)
        history.sink([RunFinished("run-1", "f", 1, S.COMPLETED, {"COMPLETED": 1}, 2.0, 3.0)])
        assert history.flush(10)
    finally:
        history.close()
    assert _row(db)[0] == "COMPLETED"


def test_the_resumed_owner_cancels_the_run_it_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """It kept running it, beside the rerun another process had started meanwhile."""
    db = tmp_path / "history.db"
    history = History(db)
    cancelled: list[tuple[str, str]] = []
    seen = threading.Event()

    def apply(run_id: str, kind: str, task: str | None) -> bool:
        cancelled.append((run_id, kind))
        seen.set()
        return True

    caplog.set_level(logging.WARNING, logger="flowtop.store")
    try:
        _start(history, "run-1")
        _start(history, "run-2")
        agent = OwnerAgent(db, history.owner, apply)
        try:
            # Both beaten for (the agent's first round), then one is taken for orphaned.
            with closing(reaper.connect(db)) as conn:
                conn.execute("UPDATE runs SET heartbeat = 0")
            for _ in range(500):
                with closing(reaper.connect(db)) as conn:
                    beats = [h for (h,) in conn.execute("SELECT heartbeat FROM runs")]
                if all(beats):
                    break
                seen.wait(0.01)
            assert all(beats)
            _mark_interrupted(db, "run-2")
            assert seen.wait(10), "the lost run was never cancelled"
        finally:
            agent.close()
    finally:
        history.close()
    assert cancelled == [("run-2", "lost")]
    said = [r.getMessage() for r in caplog.records]
    assert any("run-2 was marked interrupted by another process" in m and WHY in m for m in said)
    assert not any("(interrupted: " in m for m in said)
    # The warning goes to the run's log, deleted once the run ends: the store keeps it.
    state, note = _row(db, "run-2")
    assert state == "INTERRUPTED"
    assert note is not None
    assert note.startswith(f"interrupted: {WHY}; its process came back at ")
    assert note.endswith(" and cancelled it")


class _Run:
    done = False

    def __init__(self) -> None:
        self.whys: list[str | None] = []

    def cancel(self, why: str | None = None) -> bool:
        self.whys.append(why)
        return True


class _Runner:
    def __init__(self) -> None:
        self.run = _Run()

    def find(self, run_id: str) -> _Run | None:
        return self.run if run_id == "run-1" else None


def test_a_lost_run_s_tasks_say_why_they_were_cancelled() -> None:
    """They read ``cancelled by the user``, which no user did."""
    runner = _Runner()
    assert owner_agent.apply_command(runner, "run-1", owner_agent.LOST, None)  # type: ignore[arg-type]
    assert owner_agent.apply_command(runner, "run-1", "cancel", None)  # type: ignore[arg-type]
    assert not owner_agent.apply_command(runner, "run-9", "cancel", None)  # type: ignore[arg-type]
    assert runner.run.whys == [owner_agent.LOST_WHY, None]
    assert "marked interrupted" in owner_agent.LOST_WHY
