"""A run whose end a full disk kept out of the store shows in the monitor as it ended.

Its process left an end mark (``end_marks``) saying it completed: the monitor showed it
``⚡ Interrupted``, its note saying it had completed, and its table said nothing of its
tasks the store missed. It shows ``Completed`` now, the note saying the store missed its
end because the disk was full, and its task whose end went with the run's interrupted.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.workspace import end_marks
from flowtop.workspace.history import History
from pilot_kit import screen_text, wait_for

from .gone_run_kit import monitor_once_ended, owned_by_a_gone_process

RUN = "cafe00000001"


def run_whose_end_was_missed(db: Path) -> None:
    """Run #1 of ``slow`` as its gone process recorded it before the disk filled up: its
    task running, no end; and the end mark it left: COMPLETED."""
    history = History(db)
    started = RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=1000.0)
    running = TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
    history([started, running])
    assert history.flush()
    owned_by_a_gone_process(db)  # another owner: the close leaves it RUNNING
    history.close()
    end_marks.leave(db, {RUN: "COMPLETED"})


async def test_a_run_whose_end_the_store_missed_shows_as_it_ended(tmp_path: Path) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    run_whose_end_was_missed(db)
    async with monitor_once_ended(tmp_path, (160, 36)) as (app, pilot):
        await wait_for(pilot, lambda: "Completed" in screen_text(app), "it to show")
        run = app.store.latest_for("slow")
        assert run is not None and run.state is StateType.COMPLETED
        assert not run.process_died and run.end_missed
        assert run.note == end_marks.not_recorded(db, "COMPLETED")
        assert run.rows["wait"].interrupted  # its end went with the run's
        assert "Running" not in screen_text(app)
