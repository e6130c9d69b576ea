"""A run whose end a full disk kept out of the store shows in the monitor as it ended.

Its process left an end mark (``end_marks``) saying it completed: the monitor showed it
``⚡ Interrupted``, its note saying it had completed, and its table said nothing of its
tasks the store missed. It shows ``Completed`` now, the note saying the store missed its
end because the disk was full, and its task whose end went with the run's interrupted.
"""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace, end_marks
from flowtop.workspace.history import History
from flowtop.workspace.ownership import boot_id, host_name
from pilot_kit import screen_text, wait_for

#: A pid above any pid_max: no process has it.
DEAD_PID = 999_999_999
RUN = "cafe00000001"

FLOW = """
    from flowtop import Flow, task

    @task
    def wait():
        return 1

    with Flow("slow") as flow:
        wait()
"""


def run_whose_end_was_missed(db: Path) -> None:
    """Run #1 of ``slow`` as its gone process recorded it before the disk filled up: its
    task running, no end; and the end mark it left: COMPLETED."""
    history = History(db)
    started = RunStarted(RUN, "slow", 1, ("wait",), (1,), ("",), ts=1000.0)
    running = TaskStateChanged(RUN, "slow", "wait", StateType.RUNNING, 1, 1, 1001.0)
    history([started, running])
    assert history.flush()
    with sqlite3.connect(db) as raw:  # another owner, gone: the close leaves it RUNNING
        raw.execute(
            "UPDATE runs SET owner = 'gone', host = ?, pid = ?, boot_id = ?, proc_start = '1'",
            (host_name(), DEAD_PID, boot_id()),
        )
    history.close()
    end_marks.leave(db, {RUN: "COMPLETED"})


async def test_a_run_whose_end_the_store_missed_shows_as_it_ended(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(textwrap.dedent(FLOW).lstrip())
    db = tmp_path / ".flowtop" / "history.db"
    run_whose_end_was_missed(db)
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(160, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow("slow")

            def shown_ended() -> bool:
                run = app.store.latest_for("slow")
                return run is not None and not run.is_live

            await wait_for(pilot, shown_ended, "the run to read ended", 10)
            await wait_for(pilot, lambda: "Completed" in screen_text(app), "it to show")
            run = app.store.latest_for("slow")
            assert run is not None and run.state is StateType.COMPLETED
            assert not run.process_died and run.end_missed
            assert run.note == end_marks.not_recorded(db, "COMPLETED")
            assert run.rows["wait"].interrupted  # its end went with the run's
            assert "Running" not in screen_text(app)
            app.shutdown(cancel=True)
    finally:
        workspace.close()
