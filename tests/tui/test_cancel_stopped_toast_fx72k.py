"""`c` on a run whose process is stopped (``kill -STOP``) says so at once.

The toast came only after ``CANCEL_WAIT`` (3 s), and said "(stopped or busy)", while the
store's liveness check knew the process was stopped: it now looks at the process as the
cancel is asked, and says the ``kill -CONT`` that lets it take the cancel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.tui import run_control
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.workspace import Workspace
from flowtop.workspace.places import STORE_FILE
from pilot_kit import toasts_said, wait_for, wait_for_run

from .test_answers_off_the_queue import FLOW, SIZE, start_and_wait_for_the_retry
from .test_cancel_ack_s59 import run_pid, stopped


@pytest.fixture
def slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    # a wait for the answer longer than the test waits for the toast: a guard, no timing
    monkeypatch.setattr(run_control, "CANCEL_WAIT", 120.0)
    (tmp_path / "slow.py").write_text(FLOW)
    workspace = Workspace(tmp_path)
    workspace.load()
    yield workspace
    workspace.close()


async def test_c_on_a_stopped_run_process_says_it_is_stopped_at_once(slow: Workspace) -> None:
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        pid = run_pid(app)
        queued = (
            f"Cancel of run #1 of slow is queued: its process is stopped (paused, pid {pid}: "
            f"kill -CONT {pid} resumes it); it ends once it runs again"
        )
        with toasts_said(app) as said, stopped(pid, slow.state_dir / STORE_FILE):
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "c's ask")
            await pilot.press("y")
            # old: nothing until CANCEL_WAIT was over, then "(stopped or busy)"
            await wait_for(pilot, lambda: queued in said, repr(queued))
            assert app.table.run is not None and app.table.run.is_live
        await wait_for_run(pilot, app, StateType.CANCELLED)  # let go on, it took the cancel
