"""A run's waiters wake once the runner gave up on the workers its end left blocked.

``_finish`` woke the run's waiters (``final_state``, which takes no run lock) before the
runner replaced the workers still inside its attempts: a waiter shutting the runner down
right then could reach ``executor.shutdown(wait=True)`` first, and join a thread blocked
in C. Waking them last, nobody sees the run ended before its workers are given up on.
"""

from __future__ import annotations

import threading

import pytest

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.run import FlowRun
from flowtop.engine.states import StateType

#: How long the blocked task waits for the test to release it.
BLOCKED = 8.0


def test_a_cancelled_run_s_waiters_wake_after_its_blocked_worker_is_given_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, released, returned = threading.Event(), threading.Event(), threading.Event()

    def download() -> None:
        started.set()
        try:
            released.wait(BLOCKED)  # blocked in C until released
        finally:
            returned.set()

    with Flow("stuck") as stuck:
        task(download, name="download")()
    woken_before: list[bool] = []
    try:
        with Runner(workers=1) as runner:
            run_done = runner._run_done

            def given_up(run: FlowRun) -> None:
                woken_before.append(run._done.is_set())  # a waiter could be shutting down
                run_done(run)

            monkeypatch.setattr(runner, "_run_done", given_up)
            run = runner.start(stuck)
            assert started.wait(BLOCKED)
            assert run.cancel()
            assert run.final_state(BLOCKED) is StateType.CANCELLED
            assert getattr(runner.executor, "abandoned", 0) == 1
        assert not returned.is_set(), "the shutdown waited for the blocked task"
    finally:
        released.set()
    assert woken_before == [False]
