"""What a user (or the clock) does to a live run: timeout, cancel, retry now, give up.

Tasks block on ``threading.Event``s instead of sleeping, so each test controls exactly
when an attempt ends and runs in milliseconds.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from flowtop import Flow, StateType, TaskTimeout, task
from flowtop.engine import Runner
from flowtop.engine.errors import RetriesExhausted
from flowtop.engine.events import RETRIED_NOW, RunFinished, TaskStateChanged
from flowtop.engine.states import TRANSITIONS
from flowtop.engine.timer import ManualClock

from .kit import Recorder, wait_until


def assert_nothing_after_run_finished(recorder: Recorder, run_id: str) -> None:
    events = [e for e in recorder.events if e.run_id == run_id]
    assert isinstance(events[-1], RunFinished), events[-1]
    assert sum(isinstance(e, RunFinished) for e in events) == 1


def assert_valid_transitions(recorder: Recorder, run_id: str) -> None:
    last: dict[str, StateType | None] = {}
    for event in recorder.task_events(run_id):
        previous = last.get(event.task)
        assert event.state in TRANSITIONS[previous], f"{event.task}: {previous} -> {event.state}"
        last[event.task] = event.state


def test_timeout_fails_the_attempt_retries_and_discards_the_late_result(recorder: Recorder) -> None:
    release = threading.Event()
    calls: list[int] = []

    @task(timeout=0.05, max_retries=1, retry_delay=0)
    def slow() -> str:
        calls.append(1)
        if len(calls) == 1:
            release.wait(5)
            return "late"
        return "in time"

    flow = Flow("timeouts")
    flow.add_task(slow)
    executor = ThreadPoolExecutor(2)
    clock = ManualClock()  # the timeout comes due when the test moves the clock, not before
    runner = Runner(2, sinks=(recorder,), executor=executor, clock=clock)
    try:
        run = runner.start(flow)
        wait_until(lambda: calls == [1])
        clock.advance(0.05)
        result = run.result(timeout=5)
        assert result["slow"].result == "in time" and result["slow"].attempt == 2
        release.set()
        executor.shutdown(wait=True)  # the first attempt's thread has now returned "late"
        runner.bus.flush()
        assert run.snapshot()["slow"].result == "in time"
        (wait,) = recorder.of("slow", StateType.AWAITING_RETRY, run.run_id)
        assert wait.error is not None and wait.error.type == "TaskTimeout"
        assert "timeout of 0.05s" in wait.error.message
        assert "CancelledError was raised in its code" in wait.error.message
        assert [e.result for e in recorder.of("slow", StateType.COMPLETED)] == ["'in time'"]
        assert_nothing_after_run_finished(recorder, run.run_id)
        assert_valid_transitions(recorder, run.run_id)
    finally:
        release.set()
        runner.shutdown()


def test_timeout_without_retry_options_fails(make_runner) -> None:
    release = threading.Event()
    started = threading.Event()

    @task(timeout=0.02)
    def hang() -> None:
        started.set()
        release.wait(5)

    flow = Flow("hang")
    flow.add_task(hang)
    clock = ManualClock()
    runner = make_runner(2, clock=clock)
    try:
        run = runner.start(flow)
        assert started.wait(5)
        clock.advance(0.02)
        state = run.result(timeout=5)["hang"]
    finally:
        release.set()
    assert state.type is StateType.FAILED and isinstance(state.exception, TaskTimeout)
    assert isinstance(state.exception, TimeoutError)


def test_cancel_marks_unfinished_tasks_and_drops_pending_retries(
    runner: Runner, recorder: Recorder
) -> None:
    release = threading.Event()

    @task
    def done() -> str:
        return "early"

    @task
    def blocked() -> str:
        release.wait(5)
        return "too late"

    @task(max_retries=3, retry_delay=10)
    def waiting() -> None:
        raise ConnectionError("down")

    @task
    def after(x: object) -> None: ...

    with Flow("cancel-me") as flow:
        done()
        after(blocked())
        waiting()

    run = runner.start(flow)
    try:
        # Read without the run's lock, the state may show AWAITING_RETRY a moment before
        # the same hold of the lock sets the retry's timer: wait for both.
        wait_until(
            lambda: (
                run.tasks["waiting"].state is StateType.AWAITING_RETRY and len(runner.timer) == 1
            )
        )
        wait_until(
            lambda: (
                run.tasks["blocked"].state is StateType.RUNNING and run.tasks["done"].state.is_final
            )
        )
        assert len(runner.timer) == 1
        assert run.cancel() is True
        assert run.wait(1)
        assert run.cancel() is False  # a finished run cannot be cancelled twice
        assert len(runner.timer) == 0  # the 10 s retry is gone, not merely ignored later
        result = run.result()
        assert result.state is StateType.CANCELLED
        assert {k: s.type for k, s in result.states.items()} == {
            "done": StateType.COMPLETED,
            "blocked": StateType.CANCELLED,
            "after": StateType.CANCELLED,
            "waiting": StateType.CANCELLED,
        }
    finally:
        release.set()
    runner.shutdown()  # waits for the worker that ran `blocked` to return
    assert run.snapshot()["blocked"].type is StateType.CANCELLED
    assert recorder.run_finished(run.run_id).counts == {"COMPLETED": 1, "CANCELLED": 3}
    assert recorder.run_finished(run.run_id).state is StateType.CANCELLED
    assert_nothing_after_run_finished(recorder, run.run_id)
    assert_valid_transitions(recorder, run.run_id)


def test_shutdown_cancels_active_runs(make_runner, recorder: Recorder) -> None:
    @task(max_retries=1, retry_delay=10)
    def waiting() -> None:
        raise ConnectionError("down")

    flow = Flow("left-behind")
    flow.add_task(waiting)
    runner = make_runner(1, sinks=(recorder,))
    run = runner.start(flow)
    wait_until(lambda: run.tasks["waiting"].state is StateType.AWAITING_RETRY)
    runner.shutdown()
    assert run.done and run.state is StateType.CANCELLED
    assert_nothing_after_run_finished(recorder, run.run_id)


def awaiting_flow(calls: list[int]) -> Flow:
    @task(max_retries=2, retry_delay=10)
    def fetch() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("first call fails")
        return "fetched"

    @task
    def use(data: str) -> str:
        return data.upper()

    with Flow("long-wait") as flow:
        use(fetch())
    return flow


def test_retry_now_starts_the_next_attempt_at_once(runner: Runner, recorder: Recorder) -> None:
    calls: list[int] = []
    run = runner.start(awaiting_flow(calls))
    wait_until(lambda: run.tasks["fetch"].state is StateType.AWAITING_RETRY)
    assert run.retry_now("use") is False  # not awaiting a retry
    assert run.retry_now("nope") is False
    assert run.retry_now("fetch") is True
    result = run.result(timeout=2)  # well before the 10 s delay
    assert result.state is StateType.COMPLETED
    assert result["fetch"].attempt == 2 and result["use"].result == "FETCHED"
    assert len(calls) == 2
    assert len(runner.timer) == 0
    assert run.retry_now("fetch") is False
    runner.bus.flush()
    assert_valid_transitions(recorder, run.run_id)
    starts = [
        e.message
        for e in recorder.events
        if isinstance(e, TaskStateChanged) and e.task == "fetch" and e.state is StateType.RUNNING
    ]
    assert starts == ["", RETRIED_NOW]  # what the history tells `n` by, not the clock


def test_give_up_fails_the_task_now_with_its_last_error(runner: Runner, recorder: Recorder) -> None:
    calls: list[int] = []
    run = runner.start(awaiting_flow(calls))
    wait_until(lambda: run.tasks["fetch"].state is StateType.AWAITING_RETRY)
    assert run.give_up("use") is False
    assert run.give_up("fetch") is True
    result = run.result(timeout=2)
    assert result.state is StateType.FAILED
    assert result["fetch"].type is StateType.FAILED
    assert str(result["fetch"].exception) == "first call fails"
    assert result["use"].type is StateType.UPSTREAM_FAILED
    assert len(calls) == 1 and len(runner.timer) == 0
    assert result.attempts["fetch"][-1].state is StateType.FAILED
    runner.bus.flush()
    (failed,) = recorder.of("fetch", StateType.FAILED, run.run_id)
    assert failed.message == "given up by the user"
    assert_valid_transitions(recorder, run.run_id)
    assert_nothing_after_run_finished(recorder, run.run_id)


def test_give_up_on_a_result_retry_says_retries_exhausted(runner: Runner) -> None:
    @task(retry_predicate=lambda s: s.result == "not yet", max_retries=5, retry_delay=10)
    def poll() -> str:
        return "not yet"

    flow = Flow("poll")
    flow.add_task(poll)
    run = runner.start(flow)
    wait_until(lambda: run.tasks["poll"].state is StateType.AWAITING_RETRY)
    assert run.give_up("poll")
    state = run.result(timeout=2)["poll"]
    assert isinstance(state.exception, RetriesExhausted)
    assert "gave up" in str(state.exception) and "'not yet'" in str(state.exception)


def test_cancel_stops_scheduling_queued_attempts(make_runner, recorder: Recorder) -> None:
    release = threading.Event()
    started: list[str] = []

    @task
    def work(name: str) -> str:
        started.append(name)
        if name == "first":
            release.wait(5)
        return name

    with Flow("queued") as flow:
        for name in ("first", "second", "third", "fourth"):
            work(name)

    runner = make_runner(1, sinks=(recorder,))  # one worker: the other three wait in the queue
    run = runner.start(flow)
    wait_until(lambda: started == ["first"])
    run.cancel()
    release.set()
    runner.shutdown()
    assert started == ["first"]
    assert {s.type for s in run.result().states.values()} == {StateType.CANCELLED}
    assert_nothing_after_run_finished(recorder, run.run_id)


def test_an_async_attempt_past_its_timeout_gives_up_no_pool_thread(make_runner) -> None:
    """An ``async def`` attempt runs on the event loop, not on the pool thread that
    started it: its timeout must not make the pool replace that (healthy) thread."""
    import asyncio

    from flowtop.engine.pool import WorkerPool

    awaited = threading.Event()

    @task(timeout=0.05)
    async def hangs() -> None:
        awaited.set()
        await asyncio.sleep(5)

    flow = Flow("async-timeout")
    flow.add_task(hangs)
    clock = ManualClock()
    runner = make_runner(2, clock=clock)
    run = runner.start(flow)
    # Running on the loop, not only RUNNING: a coroutine never started is a warning at exit.
    assert awaited.wait(5)
    clock.advance(0.05)
    state = run.result(timeout=5)["hangs"]
    assert state.type is StateType.FAILED and isinstance(state.exception, TaskTimeout)
    assert "its coroutine was cancelled" in str(state.exception)  # not its thread
    assert isinstance(runner.executor, WorkerPool) and runner.executor.abandoned == 0


class NeverEndingCluster:
    """A backend that submits (as Dask's does: no pool thread waits on the attempt) and
    never ends an attempt: only its timeout concludes it."""

    def __init__(self, submitted: threading.Event) -> None:
        self.submitted = submitted

    def submit(self, *args: object, **kwargs: object) -> None:
        self.submitted.set()

    def close(self) -> None:
        """Nothing to stop."""


@pytest.mark.parametrize("where", ["event loop", "cluster"])
def test_a_driver_slow_to_come_back_from_a_handed_over_attempt_is_not_replaced(
    make_runner, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Why the test above failed now and then under load: a driver that handed its attempt
    over (to the event loop, to a cluster) counted as inside it until it took the run's
    lock back, so a timeout that ended the run meanwhile had the pool replace that
    healthy thread. Here the driver comes back only once the run has ended."""
    import asyncio

    from flowtop.engine import run as run_module
    from flowtop.engine.pool import WorkerPool

    hand_over = run_module.start_elsewhere
    replaced_then: list[int] = []

    def handed_over_then_held_off(*args: Any) -> None:
        hand_over(*args)
        runner, attempt = args[0], args[3]
        ended = attempt[0].wait(5)  # held off the CPU until the timeout ended the run
        replaced_then.append(runner.executor.abandoned if ended else -1)

    monkeypatch.setattr(run_module, "start_elsewhere", handed_over_then_held_off)
    begun = threading.Event()
    if where == "event loop":

        @task(timeout=0.05)
        async def hangs() -> None:
            begun.set()
            await asyncio.sleep(5)

        backend = None
    else:

        @task(timeout=0.05)
        def hangs() -> None:
            """Never called: the cluster never runs it."""

        backend = NeverEndingCluster(begun)
    flow = Flow("handed-over")
    flow.add_task(hangs)
    clock = ManualClock()
    runner = make_runner(2, clock=clock, backend=backend)
    run = runner.start(flow)
    assert begun.wait(5)
    clock.advance(0.05)
    assert isinstance(run.result(timeout=5)["hangs"].exception, TaskTimeout)
    wait_until(lambda: replaced_then)
    assert isinstance(runner.executor, WorkerPool) and replaced_then == [0]
