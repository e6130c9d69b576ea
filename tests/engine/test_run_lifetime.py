"""A finished run is freed once nobody holds it: a long-lived runner (the TUI's, a
script's loop) must not keep every run it ever made, with each task's record, result and
error. Found by ``bench_memory.py``: 10,000-task runs grew a process by 25 MB over six
runs, because idle pool threads and the timer thread held their last job."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from flowtop import Flow, StateType, task
from flowtop.engine import Runner
from flowtop.engine.timer import Timer

from .kit import wait_until


@pytest.fixture
def runner() -> Iterator[Runner]:
    r = Runner(workers=8)
    yield r
    r.shutdown()


def _flaky_flow(n: int) -> Flow:
    seen: set[int] = set()

    @task(max_retries=1, retry_delay=0)
    def step(i: int) -> int:
        if i % 3 == 0 and i not in seen:  # a failure: its traceback ties frames to the run
            seen.add(i)
            raise ConnectionError(f"item {i}")
        return i

    flow = Flow("lifetime")
    for i in range(n):
        flow.add_call(step, (i,), {})
    return flow


def _gone(ref: weakref.ref[object]) -> bool:
    gc.collect()
    return ref() is None


def test_finished_runs_are_freed_while_the_runner_lives_on(runner: Runner) -> None:
    flow = _flaky_flow(500)
    refs = []
    for _ in range(4):  # enough runs for drivers to land on different pool threads
        run = runner.start(flow)
        assert run.final_state() is StateType.COMPLETED
        refs.append(weakref.ref(run))
        del run
    wait_until(lambda: all(_gone(ref) for ref in refs))


def test_a_run_cancelled_while_it_waits_a_long_retry_is_freed_before_that_deadline(
    runner: Runner,
) -> None:
    @task(max_retries=1, retry_delay=3600)
    def later() -> None:
        raise ConnectionError("not yet")

    flow = Flow("waits")
    flow.add_task(later)

    def cancelled_while_waiting() -> weakref.ref[object]:
        run = runner.start(flow)
        wait_until(lambda: run.tasks["later"].state is StateType.AWAITING_RETRY)
        assert run.cancel()
        return weakref.ref(run)

    ref = cancelled_while_waiting()
    # The hour-long retry's handle stays in the timer's heap until its deadline; its
    # callback, and the run with it, must not.
    wait_until(lambda: _gone(ref))


def test_a_cancelled_handle_lets_go_of_its_callback() -> None:
    timer = Timer()
    try:

        class Payload:
            pass

        payload = Payload()
        handle = timer.call_later(3600, lambda p=payload: None)
        ref = weakref.ref(payload)
        del payload
        assert not _gone(ref)  # pending: the callback holds it
        handle.cancel()
        assert _gone(ref)
    finally:
        timer.stop()
