"""`n` (Retry now) on a task whose retry wait is over, waiting for a free worker.

Its row reads ``⟳ Awaiting worker``: `n` can start no attempt sooner (every worker runs
one), and it did nothing and said nothing. Now it says what the task waits for.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace.settings import Settings
from pilot_kit import screen_text, wait_for, wait_for_run

from .conftest import FakeWorkspace
from .test_busy_workers import busy_flow


async def test_n_on_a_task_awaiting_a_worker_says_it_waits_for_one(tmp_path: Path) -> None:
    release = threading.Event()
    ws = FakeWorkspace(tmp_path, {"busy": busy_flow(release)})
    ws.settings = Settings(workers=4)  # what the fake's runner has
    app = FlowtopApp(ws, watch=False)
    try:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: "⟳ Awaiting worker" in screen_text(app), "the wait")
            assert app.table.cursor_key == "flaky"
            await pilot.press("n")
            await wait_for(pilot, lambda: app._notifications, "what n says")
            said = [str(n.message) for n in app._notifications]
            assert said == ["flaky's wait is over: it waits for a free worker (4 of 4 busy)"]
            row = app.table.run.rows["flaky"] if app.table.run is not None else None
            assert row is not None and row.state is StateType.AWAITING_RETRY
            release.set()
            await wait_for_run(pilot, app, StateType.COMPLETED)
    finally:
        release.set()
        for runner in ws.runners:
            runner.shutdown(wait=True)
