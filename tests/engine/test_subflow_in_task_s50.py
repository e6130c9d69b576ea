"""A ``@flow`` called inside a task, where it hung or ran unseen (``flow_in_task``).

- An ``async def`` task calling a sync ``@flow`` whose tasks are async blocked the event
  loop those tasks needed: the run never ended. Prefect 3.9.1 finishes it (the subflow's
  tasks run on a loop of their own); so does flowtop now, on a second loop.
- Called in a task of a ``Flow`` graph, it ran on a private runner: no record, its output
  on the terminal. It is a recorded subflow of the graph's run now.
- In an attempt shipped to a worker process it runs there, unrecorded (as before).
- On a runner given a one-thread ``Executor`` a task waiting for its subflow held the
  thread the subflow's tasks needed: it now fails at once, saying so.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import Runner, RunStarted, StateType
from flowtop.engine.events import Event
from flowtop.engine.executors import ProcessBackend

from .kit import Recorder


def starts(events: list[Event]) -> list[RunStarted]:
    return [e for e in events if isinstance(e, RunStarted)]


# -- 1. an async task calling a sync flow whose tasks are async ------------------------
@task
async def add_one(n: int) -> int:
    await asyncio.sleep(0.01)
    return n + 1


@flow(name="sync-inner")
def sync_inner(n: int) -> int:
    print("inner body", n)
    return add_one(n)


@task
async def calls_sync_flow(n: int) -> int:
    return sync_inner(n)


@flow(name="async-outer")
async def async_outer() -> list[int]:
    return list(await asyncio.gather(calls_sync_flow(1), calls_sync_flow(10)))


@flow(name="sync-outer")
def sync_outer() -> int:
    return calls_sync_flow(1)


@pytest.mark.parametrize("workers", [1, 4])
def test_an_async_task_calling_a_sync_flow_of_async_tasks_ends_as_in_prefect(
    workers: int,
) -> None:
    recorder = Recorder()
    with Runner(workers, sinks=[recorder]) as runner:
        assert runner.start(async_outer).final_result(timeout=10).value == [2, 11]
        assert runner.start(sync_outer).final_result(timeout=10).value == 2
        runner.bus.flush()
    by_id = {s.run_id: s for s in starts(recorder.events)}
    inner = [s for s in by_id.values() if s.flow == "sync-inner"]
    assert len(inner) == 3  # each call a recorded subflow of the run whose task called it
    assert {by_id[s.parent_run].flow for s in inner if s.parent_run} == {
        "async-outer",
        "sync-outer",
    }
    for child in inner:
        assert recorder.run_finished(child.run_id).output.startswith("inner body")


_never = threading.Event()


@task
async def waits_long() -> None:
    await asyncio.sleep(30)


@flow(name="slow-inner")
def slow_inner() -> None:
    waits_long()


@task(timeout_seconds=0.3)
async def times_out_in_a_sync_flow() -> None:
    slow_inner()


@flow(name="timed-holder")
def timed_holder() -> None:
    times_out_in_a_sync_flow()


def test_an_async_task_s_timeout_calls_off_the_sync_flow_it_waits_in() -> None:
    """Its loop is blocked in the call, so the cancel its timeout sends never arrives: the
    subflow ran to its own end (30 s here) before the attempt was stopped."""
    recorder = Recorder()
    with Runner(2, sinks=[recorder]) as runner:
        began = time.monotonic()
        assert runner.start(timed_holder).final_state(timeout=10) is StateType.FAILED
        runner.bus.flush()
        (child,) = [s for s in starts(recorder.events) if s.flow == "slow-inner"]
        assert runner.find(child.run_id).final_state(timeout=5) is StateType.CANCELLED
        assert time.monotonic() - began < 5


_running = [0]
_most = [0]
_count_lock = threading.Lock()


@task
def counted() -> None:
    with _count_lock:
        _running[0] += 1
        _most[0] = max(_most[0], _running[0])
    time.sleep(0.2)
    with _count_lock:
        _running[0] -= 1


@flow(name="counts-once")
def counts_once() -> None:
    counted()


@task
async def async_calls_counts_once() -> None:
    counts_once()


@flow(name="async-lender")
def async_lender() -> None:
    for future in [async_calls_counts_once.submit(), counted.submit()]:
        future.result()


def test_an_async_task_waiting_for_a_subflow_lends_no_worker_it_does_not_hold() -> None:
    """It runs on the event loop, not on a worker: lending a place let a pool of one
    worker (a rate-limited API) run two tasks at once, the subflow's beside its run's."""
    _most[0] = 0
    with Runner(1) as runner:
        assert runner.start(async_lender).final_state(timeout=10) is StateType.COMPLETED
    assert _most[0] == 1


# -- 2. a Flow graph's task, an attempt in another process or on Dask --------------------
@task
def load(region: str) -> int:
    print("load printing", region)
    return len(region)


@flow(name="regional")
def regional(region: str) -> int:
    print("nested flow body printing", region)
    return load(region) * 10


@task
def wraps_regional() -> int:
    print("before")
    value = regional("emea")
    print("after")
    return value


def test_a_flow_called_in_a_task_of_a_graph_is_a_recorded_subflow_of_its_run() -> None:
    graph = Flow("graph")
    graph.add_task(wraps_regional)
    recorder = Recorder()
    with Runner(1, sinks=[recorder]) as runner:  # one worker: the waiting one lends its place
        result = runner.start(graph).result(timeout=10)
        runner.bus.flush()
    assert result["wraps_regional"].result == 40
    top, child = starts(recorder.events)
    assert (top.flow, child.flow, child.parent_run) == ("graph", "regional", top.run_id)
    assert recorder.run_finished(child.run_id).output == "nested flow body printing emea\n"
    (loaded,) = recorder.of("load", StateType.COMPLETED, child.run_id)
    assert loaded.output == "load printing emea\n"
    (wrapped,) = recorder.of("wraps_regional", StateType.COMPLETED, top.run_id)
    assert wrapped.output == "before\nafter\n"  # the subflow's output is its own


_release = threading.Event()
_began = threading.Event()


@task
def blocks() -> None:
    _began.set()
    _release.wait(10)


@flow(name="held")
def held() -> None:
    blocks()


@task
def calls_held() -> None:
    held()


def test_cancelling_a_graph_s_run_cancels_the_subflow_its_task_waits_for() -> None:
    _release.clear()
    _began.clear()
    graph = Flow("graph-holder")
    graph.add_task(calls_held)
    recorder = Recorder()
    try:
        with Runner(2, sinks=[recorder]) as runner:
            run = runner.start(graph)
            assert _began.wait(10)
            runner.bus.flush()
            (child,) = [s for s in starts(recorder.events) if s.flow == "held"]
            began = time.monotonic()
            run.cancel()
            held_run = runner.find(child.run_id)
            assert held_run is not None
            assert held_run.final_state(timeout=5) is StateType.CANCELLED
            assert time.monotonic() - began < 4  # not when its blocked task gives up
            runner.bus.flush()
            assert recorder.run_finished(child.run_id).note == "its parent run was cancelled"
    finally:
        _release.set()


@flow(name="shipped-outer")
def shipped_outer() -> int:
    return wraps_regional()


def _shipped_run(backend: Any) -> tuple[Any, Recorder]:
    recorder = Recorder()
    with Runner(2, sinks=[recorder], backend=backend) as runner:
        result = runner.start(shipped_outer).final_result(timeout=60)
        runner.bus.flush()
    return result, recorder


def test_a_flow_called_in_a_process_attempt_runs_there_unrecorded() -> None:
    backend = ProcessBackend(1)
    try:
        result, recorder = _shipped_run(backend)
    finally:
        backend.close()
    assert result.value == 40
    assert [s.flow for s in starts(recorder.events)] == ["shipped-outer"]  # not recorded


# -- 3. an Executor given to the runner, which cannot lend a place ----------------------
@flow(name="given-outer")
def given_outer() -> int:
    return wraps_regional()


def test_a_task_s_subflow_on_a_one_thread_given_executor_fails_saying_so() -> None:
    recorder = Recorder()
    executor = ThreadPoolExecutor(1)
    try:
        with Runner(1, sinks=[recorder], executor=executor) as runner:
            run = runner.start(given_outer)
            assert run.final_state(timeout=10) is StateType.FAILED  # it hung for good
            runner.bus.flush()
    finally:
        executor.shutdown(wait=False)
    (failed,) = recorder.of("wraps_regional", StateType.FAILED)
    assert failed.error is not None and failed.error.type == "GivenExecutorFull"
    message = failed.error.message
    for named in ("'wraps_regional'", "'given-outer'", "'regional'", "1 thread", "executor="):
        assert named in message


def test_a_given_executor_with_a_free_thread_runs_the_subflow() -> None:
    recorder = Recorder()
    executor = ThreadPoolExecutor(2)
    try:
        with Runner(2, sinks=[recorder], executor=executor) as runner:
            assert runner.start(given_outer).final_result(timeout=10).value == 40
            runner.bus.flush()
    finally:
        executor.shutdown(wait=False)
    assert [s.flow for s in starts(recorder.events)] == ["given-outer", "regional"]


class _Delegating(Executor):
    """An executor flowtop cannot size: it may deadlock there, which a warning says."""

    def __init__(self) -> None:
        self.inner = ThreadPoolExecutor(2)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return self.inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def test_a_given_executor_of_unknown_size_warns_that_its_subflow_may_never_end() -> None:
    executor = _Delegating()
    try:
        with (
            pytest.warns(RuntimeWarning, match="cannot lend that thread") as warned,
            Runner(2, executor=executor) as runner,
        ):
            assert runner.start(given_outer).final_result(timeout=10).value == 40
        assert warned[0].filename == __file__  # the task's call of the flow, not contextlib
    finally:
        executor.shutdown(wait=False)
