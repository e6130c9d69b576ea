"""An ``async def`` task's attempt in a flow run, past its timeout, is cancelled as Prefect
3.9.1 cancels it (checked side by side: ``async_task_timeout_cancelled``): its coroutine
gets ``CancelledError`` at its ``await`` and never reaches its end. It used to be
abandoned: marked ``TimedOut`` on time while its code went on to the end."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from flowtop import Flow, StateType, TaskTimeout, flow, task
from flowtop.engine.async_call import AsyncCall
from flowtop.engine.timer import ManualClock


def test_the_attempt_s_coroutine_is_cancelled_at_its_timeout(make_runner: Any) -> None:
    awaiting, cancelled = threading.Event(), threading.Event()
    reached_end: list[bool] = []

    @task(timeout=0.05)
    async def hangs() -> None:
        awaiting.set()
        try:
            await asyncio.sleep(5)  # the line it was on
        except asyncio.CancelledError:
            cancelled.set()
            raise
        reached_end.append(True)

    graph = Flow("async-timeout-cancel")
    graph.add_task(hangs)
    clock = ManualClock()
    runner = make_runner(2, clock=clock)
    run = runner.start(graph)
    assert awaiting.wait(5)
    clock.advance(0.05)
    state = run.result(timeout=5)["hangs"]
    assert cancelled.wait(5), "the coroutine went on past its timeout"
    assert state.type is StateType.FAILED and isinstance(state.exception, TaskTimeout)
    assert "ran past its timeout of 0.05s (its coroutine was cancelled)" in str(state.exception)
    tb = state.exception.__traceback__
    lines = []
    while tb is not None:
        lines.append((tb.tb_frame.f_code.co_name, tb.tb_frame.f_code.co_filename))
        tb = tb.tb_next
    assert ("hangs", __file__) in lines  # where it was suspended
    assert reached_end == []


def test_each_timed_out_attempt_is_cancelled_and_the_retry_runs() -> None:
    seen: list[str] = []

    @task(timeout_seconds=0.1, retries=1)
    async def slow() -> int:
        attempt = seen.count("start") + 1
        seen.append("start")
        try:
            await asyncio.sleep(0.05 if attempt == 2 else 5)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        seen.append("end")
        return attempt

    @flow
    async def body() -> Any:
        return await slow()

    assert asyncio.run(body()) == 2
    assert seen == ["start", "cancelled", "start", "end"]


def test_a_flow_run_s_timeout_cancels_its_async_attempt_in_flight(make_runner: Any) -> None:
    awaiting, cancelled = threading.Event(), threading.Event()

    @task
    async def hangs() -> None:
        awaiting.set()
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    @flow(timeout_seconds=0.2)
    def body() -> None:
        hangs.submit().wait()

    runner = make_runner(2)  # kept up: its shutdown would cancel what runs on the loop
    result = runner.start(body).final_result(5)
    assert isinstance(result.error, TimeoutError) and awaiting.is_set()
    assert cancelled.wait(2), "the async attempt went on past its flow run's timeout"


def test_a_timeout_before_the_loop_starts_the_attempt_keeps_it_from_beginning() -> None:
    ran: list[str] = []

    async def never() -> None:
        ran.append("ran")

    async def scenario() -> None:
        call = AsyncCall(1)
        assert call.interrupt(TaskTimeout)  # before the loop started it
        assert not call.interrupt(TaskTimeout)  # once only
        coro = never()
        started = asyncio.get_running_loop().create_task(coro)
        call.begun(coro, started)
        await asyncio.gather(started, return_exceptions=True)
        assert started.cancelled()
        call.ended()
        assert not call.interrupt(TaskTimeout)  # ended: nothing to stop

    asyncio.run(scenario())
    assert ran == []


def test_a_sync_task_s_timeout_is_unchanged(make_runner: Any) -> None:
    """Sync attempts cannot be cancelled: ``TaskTimeout`` is raised in their code."""
    release = threading.Event()

    @task(timeout=0.05)
    def blocks() -> None:
        release.wait(5)

    graph = Flow("sync-timeout")
    graph.add_task(blocks)
    runner = make_runner(2)
    run = runner.start(graph)
    state = run.result(timeout=5)["blocks"]
    release.set()
    assert "CancelledError was raised in its code" in str(state.exception)
