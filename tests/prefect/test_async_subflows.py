"""``async def`` tasks and flows on an event loop (no thread held while awaiting), and
subflows as child runs with their own retries."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from engine.kit import Recorder
from flowtop import flow, task
from flowtop.engine import Runner, RunStarted, StateType
from flowtop.engine.dynamic import TaskFuture


def test_async_task_in_async_flow_retries_and_captures_output() -> None:
    calls: list[int] = []

    @task(retries=2, retry_delay_seconds=0)
    async def fetch(x: int) -> int:
        calls.append(x)
        print(f"attempt {len(calls)}")
        await asyncio.sleep(0)
        if len(calls) < 2:
            raise ConnectionError("down")
        return x * 2

    @flow
    async def pipeline() -> int:
        return await fetch(21)

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.value == 42 and calls == [21, 21]
    assert [a.output for a in result.attempts["fetch"]] == ["attempt 1\n", "attempt 2\n"]


def test_awaiting_tasks_holds_no_worker_thread() -> None:
    """40 async tasks all wait for each other on one worker thread: only possible when
    an awaiting task holds no thread."""
    n = 40
    started = 0
    all_started = asyncio.Event()
    loops: set[Any] = set()

    @task
    async def rendezvous(i: int) -> int:
        nonlocal started
        loops.add(asyncio.get_running_loop())
        started += 1
        if started == n:
            all_started.set()
        await all_started.wait()
        return i

    @flow
    async def pipeline() -> list[int]:
        return list(await asyncio.gather(*(rendezvous(i) for i in range(n))))

    with Runner(workers=1) as runner:
        result = runner.run(pipeline)
    assert result.value == list(range(n)) and len(loops) == 1


def test_submit_from_async_code_and_await_the_future() -> None:
    @task
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    @task
    def plain(x: int) -> int:
        return x + 1

    @flow
    async def pipeline() -> list[int]:
        futures = [double.submit(i) for i in range(3)]
        assert all(isinstance(f, TaskFuture) for f in futures)
        other = plain.submit(5)
        return [*(await asyncio.gather(*futures)), await other]

    with Runner() as runner:
        assert runner.run(pipeline).value == [0, 2, 4, 6]


def test_async_tasks_fed_by_async_tasks() -> None:
    """A downstream async task is started from the loop thread while the run's lock is held."""

    @task
    async def step(x: int) -> int:
        await asyncio.sleep(0)
        return x + 1

    @flow
    async def chain() -> int:
        future = step.submit(0)
        for _ in range(5):
            future = step.submit(future)
        return await future

    with Runner() as runner:
        assert runner.start(chain).final_result(timeout=10).value == 6


def test_async_task_failure_reaches_the_awaiting_flow() -> None:
    @task
    async def boom() -> None:
        raise ValueError("async boom")

    @flow
    async def pipeline() -> str:
        try:
            await boom()
        except ValueError as exc:
            return f"handled {exc}"
        return "not raised"

    with Runner() as runner:
        assert runner.run(pipeline).value == "handled async boom"


def test_async_task_and_flow_called_as_coroutines_outside_a_runner() -> None:
    calls: list[int] = []

    @task(retries=1)
    async def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("once")
        return "ok"

    @flow
    async def pipeline() -> str:
        return await flaky()

    assert asyncio.run(flaky()) == "ok" and len(calls) == 2
    calls.clear()
    assert asyncio.run(pipeline()) == "ok" and len(calls) == 2
    calls.clear()
    state = asyncio.run(pipeline(return_state=True))
    assert state.is_completed() and state.result() == "ok"


def test_async_task_called_from_a_sync_flow_returns_its_result() -> None:
    @task
    async def value() -> int:
        return 7

    @flow
    def pipeline() -> int:
        return value()

    with Runner() as runner:
        assert runner.run(pipeline).value == 7


def test_subflow_is_a_child_run_with_its_own_retries() -> None:
    attempts: list[int] = []

    @task
    def step(x: int) -> int:
        return x + 1

    @flow(retries=1)
    def child(x: int) -> int:
        attempts.append(x)
        value = step(x)
        if len(attempts) == 1:
            raise RuntimeError("child fails once")
        return value

    @flow
    def parent() -> int:
        return child(1) * 10

    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(parent)
    assert result.state is StateType.COMPLETED and result.value == 20
    assert list(result.states) == []  # the child's tasks belong to the child's runs
    runs = [e for e in recorder.events if isinstance(e, RunStarted)]
    assert [r.flow for r in runs] == ["parent", "child", "child"]
    assert runs[2].rerun_of == runs[1].run_id  # the child's flow-level retry


def test_subflow_failure_raises_in_the_parent() -> None:
    @flow
    def child() -> None:
        raise KeyError("nope")

    @flow
    def parent() -> str:
        try:
            child()
        except KeyError:
            return "caught"
        return "no"

    with Runner() as runner:
        assert runner.run(parent).value == "caught"


def test_the_event_loop_thread_ends_with_its_last_runner() -> None:
    @task
    async def one() -> int:
        return 1

    @flow
    async def pipeline() -> int:
        return await one()

    def loop_threads() -> int:
        return sum(1 for t in threading.enumerate() if t.name == "flowtop-async-loop")

    with Runner() as first, Runner() as second:
        assert first.run(pipeline).value == 1 and second.run(pipeline).value == 1
        assert loop_threads() == 1  # one loop, shared
        first.shutdown()
        assert loop_threads() == 1  # still used by the second runner
    assert loop_threads() == 0
