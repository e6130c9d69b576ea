"""A retry whose wait is over but whose run has no free worker (every one runs an attempt)
read ``⟳ Overdue 4s``, and the detail pane said only why it retries: it looked stuck.
Now it reads ``⟳ Awaiting worker``, and the pane says ``a free worker (8 of 8 busy)``."""

from __future__ import annotations

import threading

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.events import ErrorInfo, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.workspace.settings import Settings
from pilot_kit import FrozenClock, screen_text, wait_for, wait_for_run

from .conftest import FakeWorkspace

S = StateType
T0 = 1_700_000_000.0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(T0)
    monkeypatch.setattr(RunModel, "clock", frozen)
    return frozen


def step(key: str, state: StateType, ts: float, **kw: object) -> TaskStateChanged:
    return TaskStateChanged("r1", "etl", key, state, 1, 3, ts, **kw)  # type: ignore[arg-type]


def test_a_due_retry_with_every_worker_busy_awaits_a_worker(clock: FrozenClock) -> None:
    store = RunStore()
    store.workers = lambda: 2
    keys = ("flaky", "slow-1", "slow-2")
    store.apply_batch([RunStarted("r1", "etl", 1, keys, (3, 1, 1), ("", "", ""), None, T0)])
    failed = ErrorInfo("ConnectionError", "reset")
    store.apply_batch(
        [
            step("flaky", S.RUNNING, T0),
            step("flaky", S.AWAITING_RETRY, T0, retry_in=0.5, error=failed, duration=0.1),
            step("slow-1", S.RUNNING, T0),
            step("slow-2", S.RUNNING, T0),
        ]
    )
    run = store.latest_for("etl")
    assert run is not None and run.workers == 2
    row = run.rows["flaky"]
    assert run.state_text(row, T0 + 0.2) == "⟳ Retry in 0.3s"  # its wait is not over
    assert run.waiting_for("flaky", (), T0 + 0.2) == ""
    assert run.state_text(row, T0 + 4.5) == "⟳ Awaiting worker"  # was "⟳ Overdue 4s"
    assert run.waiting_for("flaky", (), T0 + 4.5) == "a free worker (2 of 2 busy)"
    # one worker is free, yet it has not started: a tag's slot, or a stopped process
    store.apply_batch([step("slow-1", S.COMPLETED, T0 + 4, duration=4.0)])
    assert run.state_text(row, T0 + 4.5) == "⟳ Overdue 4s"
    assert run.waiting_for("flaky", (), T0 + 4.5) == (
        "a slot of a concurrency limit on its tags, if it has any, or its run's process, too busy "
        "to start it (it has reported since)"
    )
    assert run.waiting_for("flaky", (), T0 + 0.6) == ""  # a moment late: it is starting
    store.apply_batch([step("slow-2", S.COMPLETED, T0 + 4, duration=4.0)])
    assert run.waiting_for("flaky", (), T0 + 4.5) == (
        "a slot of a concurrency limit on its tags, if it has any, or its run's process, too busy "
        "to start it (it has reported since)"
    )


def busy_flow(
    release: threading.Event, name: str = "busy", slow: int = 4, cap: int | None = None
) -> Flow:
    """``flaky`` fails and retries 0.05 s later, while ``slow`` tasks hold the workers
    (the runner's, or the flow's ``cap`` below them: as many as ``slow``) until
    ``release`` is set. ``flaky`` fails once the other workers hold a slow task: its own
    worker then takes the last one before the retry comes due, which would otherwise go
    ahead of it (a due retry starts before first attempts) on a slow machine."""
    tries: list[int] = []
    slow_started = threading.Semaphore(0)

    @task(max_retries=2, retry_delay=0.05)
    def flaky() -> str:
        tries.append(1)
        if len(tries) == 1:
            for _ in range(slow - 1):
                slow_started.acquire(timeout=20)
            raise ConnectionError("connection reset")
        return "ok"

    flow = Flow(name)
    flow.max_workers = cap
    flow.add_task(flaky)
    for i in range(1, slow + 1):

        @task(name=f"slow-{i}")
        def held() -> None:
            slow_started.release()
            release.wait(30)

        flow.add_task(held, key=f"slow-{i}")
    return flow


async def test_the_row_and_the_detail_pane_say_the_retry_awaits_a_worker(tmp_path) -> None:
    release = threading.Event()
    ws = FakeWorkspace(tmp_path, {"busy": busy_flow(release)})
    ws.settings = Settings(workers=4)  # what the fake's runner has
    app = FlowtopApp(ws, watch=False)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: "Waiting for: a free worker (4 of 4 busy)" in screen_text(app),
                "the detail pane to say what the retry waits for",
            )
            (line,) = [line for line in screen_text(app).splitlines() if "flaky " in line][:1]
            assert "⟳ Awaiting worker" in line
            assert "flaky  ⟳ Awaiting worker  attempt 1/3" in screen_text(app)  # the title
            release.set()
            await wait_for_run(pilot, app, S.COMPLETED)
            await pilot.pause()
            assert "Waiting for:" not in screen_text(app)
    finally:
        release.set()
        for runner in ws.runners:
            runner.shutdown(wait=True)
