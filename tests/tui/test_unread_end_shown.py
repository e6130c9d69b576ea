"""A run whose end cannot be read from the store shows ended once its process is gone.

Its task's completion and the run's end were damaged in the store (the store records
the run COMPLETED): the monitor said the rows were skipped and showed the run, and its
task, ``▶ Running`` for good, its clock going on and ``c Cancel`` offered for a run with
no process.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from flowtop.workspace.ownership import host_name
from pilot_kit import screen_text, wait_for

from .gone_run_kit import DEAD_PID, monitor_once_ended, owned_by_a_gone_process


def run_with_damaged_end(db: Path) -> None:
    """Run #1 of ``slow`` as its gone process recorded it, its last two rows damaged."""
    history = History(db)
    started = RunStarted("cafe00000001", "slow", 1, ("wait",), (1,), ("",), ts=1000.0)
    running = TaskStateChanged("cafe00000001", "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
    history([started, running])
    assert history.flush()
    done = TaskStateChanged("cafe00000001", "slow", "wait", StateType.COMPLETED, 1, 1, 1004.0)
    counts = {"COMPLETED": 1}
    history([done, RunFinished("cafe00000001", "slow", 1, StateType.COMPLETED, counts, 4.0)])
    assert history.flush()
    history.close()
    with sqlite3.connect(db) as raw:
        (last,) = raw.execute("SELECT max(id) FROM events").fetchone()
        raw.execute("UPDATE events SET body = 'garbage' WHERE id >= ?", (last - 1,))
    owned_by_a_gone_process(db)


async def test_a_run_whose_end_cannot_be_read_shows_interrupted_saying_why(
    tmp_path: Path,
) -> None:
    run_with_damaged_end(tmp_path / ".flowtop" / "history.db")
    async with monitor_once_ended(tmp_path, (120, 36)) as (app, pilot):
        # the screen shows it once the table redraws (a condition, not a pause)
        await wait_for(pilot, lambda: "Interrupted" in screen_text(app), "it to show")
        run = app.store.latest_for("slow")
        assert run is not None and run.process_died
        assert run.note.startswith(
            "interrupted: its end could not be read from the run store "
            "(recorded COMPLETED there): event "
        )
        assert f"and its process (pid {DEAD_PID} on {host_name()}) is gone" in run.note
        assert run.rows["wait"].interrupted  # its task no longer runs either
        text = screen_text(app)
        assert "Interrupted" in text and "Running" not in text
        assert "Cancel" not in text  # no live-run keys
