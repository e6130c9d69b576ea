"""The monitor takes how many attempts a run runs at once from the run's start.

It used its own workspace's ``[defaults] workers`` for every run, so a run started with
``flowtop run --workers 2`` (or capped by its flow) beside ``workers = 8`` never had all
its workers busy there: a due retry read ``⟳ Retry in 0.0s``, then ``⟳ Overdue``, while
it awaited one of the two. ``RunStarted.workers`` says the run's own count; the
workspace's setting is only the guess for a start that does not (an older flowtop's).
"""

from __future__ import annotations

import threading
from pathlib import Path

from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunStartedElsewhere
from flowtop.tui.run_store import RunStore
from pilot_kit import screen_text, wait_for, wait_for_run

from .conftest import FakeWorkspace
from .test_busy_workers import busy_flow

S = StateType
T0 = 1_700_000_000.0
KEYS = ("flaky", "slow-1", "slow-2")


def start(run_id: str, workers: int) -> RunStarted:
    return RunStarted(run_id, "etl", 1, KEYS, (3, 1, 1), ("", "", ""), ts=T0, workers=workers)


def test_a_run_started_elsewhere_keeps_the_count_its_start_says() -> None:
    store = RunStore()
    store.workers = lambda: 8  # this workspace's [defaults] workers
    store.apply_batch([RunStartedElsewhere(*start("r1", 2))])
    run = store.runs["r1"]
    assert run.workers == 2  # was 8
    failed = ErrorInfo("ConnectionError", "reset")
    store.apply_batch(
        [
            TaskStateChanged("r1", "etl", "flaky", S.RUNNING, 1, 3, T0),
            TaskStateChanged(
                "r1", "etl", "flaky", S.AWAITING_RETRY, 1, 3, T0, retry_in=0.5, error=failed
            ),
            TaskStateChanged("r1", "etl", "slow-1", S.RUNNING, 1, 1, T0),
            TaskStateChanged("r1", "etl", "slow-2", S.RUNNING, 1, 1, T0),
        ]
    )
    assert run.all_busy
    assert run.waiting_for("flaky", (), T0 + 4.5) == "a free worker (2 of 2 busy)"


def test_a_start_that_does_not_say_falls_back_to_the_workspaces_setting() -> None:
    store = RunStore()
    store.workers = lambda: 8
    store.apply_batch([start("old", 0)])  # read back from a store an older flowtop wrote
    assert store.runs["old"].workers == 8


async def test_the_screen_says_the_retry_awaits_one_of_the_runs_own_workers(tmp_path: Path) -> None:
    release = threading.Event()
    ws = FakeWorkspace(tmp_path, {"capped": busy_flow(release, "capped", slow=2, cap=2)})
    assert ws.settings.workers == 8  # the guess, wrong for this run
    app = FlowtopApp(ws, watch=False)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: "Waiting for: a free worker (2 of 2 busy)" in screen_text(app),
                "the detail pane to say the retry awaits one of the run's two workers",
            )
            assert "flaky  ⟳ Awaiting worker  attempt 1/3" in screen_text(app)  # the title
            release.set()
            await wait_for_run(pilot, app, S.COMPLETED)
    finally:
        release.set()
        for runner in ws.runners:
            runner.shutdown(wait=True)
