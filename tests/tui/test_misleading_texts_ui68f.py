"""Two texts of the task view that named the wrong thing (ui68f).

- A retry overdue while its run's process was stopped (``kill -STOP``), one other task
  of the run still ``▶ Running``: the detail pane said it waited for "a free worker, or a
  slot of a concurrency limit on its tags (1 running)", with 7 of 8 workers idle and no
  limit set, and never named the process. It now names the process first when nothing
  came from it since the retry was due; a worker only when the run's are all busy (or
  their number is not known), and a tag's limit only as "if it has any".
- A file's row in the flows list (``✗ slow.py``, ``✗ .flowtop/overrides.toml``) left the
  task table saying "No flow selected": it now says what the row is, and that its error
  is in the pane below.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.events import ErrorInfo, RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from pilot_kit import FrozenClock, screen_text, wait_for, wait_for_text

from .conftest import FakeLoadError, FakeWorkspace

S = StateType
T0 = 1_700_000_000.0
SIZE = (120, 36)
SILENT = "its run's process, which has reported nothing since the retry was due (stopped or busy)"


def step(key: str, state: StateType, ts: float, **kw: object) -> TaskStateChanged:
    return TaskStateChanged("r1", "etl", key, state, 1, 3, ts, **kw)  # type: ignore[arg-type]


def overdue_beside_a_running_task(workers: int) -> RunModel:
    """``flaky``'s retry due at T0 + 1, ``sleepy`` running; ``workers``: as its start says."""
    run = RunModel.from_started(
        RunStarted("r1", "etl", 1, ("flaky", "sleepy"), (3, 1), ("", ""), ts=T0, workers=workers)
    )
    failed = ErrorInfo("ConnectionError", "reset")
    run.apply(step("flaky", S.RUNNING, T0))
    run.apply(step("sleepy", S.RUNNING, T0))
    run.apply(step("flaky", S.AWAITING_RETRY, T0, retry_in=1.0, error=failed))
    return run


def test_an_overdue_retry_names_the_process_that_said_nothing_since(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RunModel, "clock", FrozenClock(T0))
    run = overdue_beside_a_running_task(workers=8)
    said = run.waiting_for("flaky", (), T0 + 20)
    # old: "a free worker, or a slot of a concurrency limit on its tags (1 running)"
    assert said == f"{SILENT}, or a slot of a concurrency limit on its tags, if it has any"
    assert run.waiting_for("flaky", (), T0 + 2) == ""  # a moment late: it is starting
    # its process says something after the retry was due: up, yet it has not started it
    run.apply(TaskOutput("r1", "etl", "sleepy", 1, "still here\n", T0 + 5))
    assert run.waiting_for("flaky", (), T0 + 20) == (
        "a slot of a concurrency limit on its tags, if it has any, or its run's process, "
        "too busy to start it (it has reported since)"
    )


def test_a_free_worker_is_named_only_when_the_runs_workers_are_not_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RunModel, "clock", FrozenClock(T0))
    unknown = overdue_beside_a_running_task(workers=0)
    assert unknown.waiting_for("flaky", (), T0 + 20).startswith(
        f"a free worker (1 running), or {SILENT}"
    )
    busy = overdue_beside_a_running_task(workers=1)  # its one worker runs sleepy
    assert busy.waiting_for("flaky", (), T0 + 20) == "a free worker (1 of 1 busy)"


def stalled_flow(release: threading.Event) -> Flow:
    """``flaky`` fails and retries a minute later, while ``sleepy`` runs until ``release``."""

    @task(max_retries=2, retry_delay=60)
    def flaky() -> None:
        raise ConnectionError("down")

    @task
    def sleepy() -> None:
        release.wait(30)

    flow = Flow("stalled")
    flow.add_task(flaky)
    flow.add_task(sleepy)
    return flow


async def test_the_pane_names_the_silent_process_not_a_free_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(time.time())
    monkeypatch.setattr(RunModel, "clock", clock)
    release = threading.Event()
    ws = FakeWorkspace(tmp_path, {"stalled": stalled_flow(release)})
    app = FlowtopApp(ws, watch=False, clock=clock)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: (
                    (run := app.table.run) is not None
                    and run.rows["flaky"].state is S.AWAITING_RETRY
                    and run.rows["sleepy"].state is S.RUNNING
                ),
                "flaky to await its retry beside sleepy running",
            )
            assert app.table.cursor_key == "flaky"
            # the monitor's clock moves on, its retry long due; the run reports nothing,
            # as a process stopped with `kill -STOP` would not
            clock.now += 120
            await wait_for_text(pilot, app, f"Waiting for: {SILENT}")
            shown = screen_text(app)
            (row,) = [line for line in shown.splitlines() if " flaky " in line][:1]
            assert "⟳ Overdue" in row
            assert "a free worker" not in shown  # 1 of its 4 workers is busy
            release.set()
            app.shutdown(cancel=True)
    finally:
        release.set()
        for runner in ws.runners:
            runner.shutdown(wait=True)


async def test_a_files_row_says_what_it_is_in_place_of_rows(tmp_path: Path) -> None:
    slow = tmp_path / "slow.py"
    overrides = tmp_path / ".flowtop" / "overrides.toml"
    errors = {
        slow: FakeLoadError(slow, 3, "SyntaxError: invalid syntax"),
        overrides: FakeLoadError(overrides, 2, "[flows.etl]: max_retries must be an integer"),
    }
    app = FlowtopApp(FakeWorkspace(tmp_path, {}, errors), watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.flow_list.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: app.selected_error == str(slow), "slow.py's row")
        # old: "No flow selected", under the columns' titles
        shown = await wait_for_text(
            pilot, app, "slow.py did not load, so it has no tasks: its error is in the pane below"
        )
        assert "No flow selected" not in shown
        assert "slow.py:3: SyntaxError: invalid syntax" in shown  # the pane it points to
        await pilot.press("down")
        await wait_for(pilot, lambda: app.selected_error == str(overrides), "the settings row")
        shown = await wait_for_text(
            pilot, app, "overrides.toml holds settings, not tasks: its error is in the pane below"
        )
        assert "max_retries must be an integer" in shown and "No flow selected" not in shown
