"""``await my_flow()`` from async code (a web app, a notebook): cancelling the caller
cancels the run, and concurrent calls leave the loop's default executor alone.

The call ran the whole sync run on ``asyncio.to_thread``: a cancelled caller left its
run going (retries and all), ``asyncio.run`` returned only once that run ended, and
concurrent calls each held a thread of the loop's default executor, so they and its
other users (``getaddrinfo``) queued behind each other. Prefect runs an async flow on
the caller's loop, where cancelling the caller ends it.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.engine.dynamic import FlowFunction

from .kit import wait_until

#: Seconds each test waits at most for what it expects (a generous bound).
WAIT = 10.0


class Observed:
    """What one flow's runs did: the attempts of its task, and its cancellation."""

    def __init__(self) -> None:
        self.attempts = 0
        self.first_attempt = threading.Event()
        self.cancelled = threading.Event()

    def attempted(self) -> None:
        self.attempts += 1
        self.first_attempt.set()

    def on_cancellation(self, flow: Any, flow_run: Any, state: Any) -> None:
        self.cancelled.set()


def failing_flow(seen: Observed) -> Any:
    """An async flow awaiting a task that fails and retries after 3 s, twice."""

    @task(retries=2, retry_delay_seconds=3)
    async def call_api() -> None:
        seen.attempted()
        raise ConnectionError("429 Too Many Requests")

    @flow(on_cancellation=[seen.on_cancellation])
    async def handle() -> None:
        await call_api()

    return handle


def test_cancelling_the_caller_cancels_the_run_and_its_retries() -> None:
    seen = Observed()
    handle = failing_flow(seen)

    async def main() -> None:
        caller = asyncio.ensure_future(handle())
        while not seen.first_attempt.is_set():
            await asyncio.sleep(0.01)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller

    asyncio.run(main())
    assert seen.cancelled.wait(WAIT), "the run went on after its caller was cancelled"
    assert seen.attempts == 1  # its task's retries never came


def test_ctrl_c_on_asyncio_run_cancels_the_run() -> None:
    seen = Observed()
    handle = failing_flow(seen)

    async def main() -> None:
        while not seen.first_attempt.is_set():
            await asyncio.sleep(0.01)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)  # Ctrl+C

    async def script() -> None:
        await asyncio.gather(handle(), main())

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(script())
    assert seen.cancelled.wait(WAIT), "the run went on after Ctrl+C"
    assert seen.attempts == 1


def test_a_flow_level_retry_of_a_cancelled_caller_never_starts() -> None:
    runs = 0
    first = threading.Event()

    @flow(retries=1, retry_delay_seconds=10)
    async def handle() -> None:
        nonlocal runs
        runs += 1
        first.set()
        raise ConnectionError("down")

    def body_running() -> bool:
        return any(t.name == "flowtop-flow-handle" for t in threading.enumerate())

    async def main() -> None:
        caller = asyncio.ensure_future(handle())
        while not first.is_set() or body_running():  # its first run ended: a retry is due
            await asyncio.sleep(0.01)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller

    asyncio.run(main())
    # Once the call's thread is gone, its runner is shut down: no retry can start.
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == "flowtop-await-handle"])
    assert runs == 1


def test_concurrent_calls_leave_the_loop_s_default_executor_free() -> None:
    """Three calls and one ``run_in_executor`` meet at a barrier: all four must be
    running at once, on a loop whose default executor has one thread."""
    calls = 3
    meet = threading.Barrier(calls + 1, timeout=WAIT)

    @flow
    async def handle(i: int) -> int:
        meet.wait()
        return i

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
        probe = loop.run_in_executor(None, meet.wait)
        return await asyncio.gather(*(handle(i) for i in range(calls)), probe)

    assert asyncio.run(main())[:calls] == list(range(calls))


def slow_start_call(
    monkeypatch: pytest.MonkeyPatch, go_on: threading.Event, waits: list[bool]
) -> threading.Event:
    """Starting a run waits for ``go_on`` (a run store busy for seconds), noting in
    ``waits`` whether it came (not a timeout); the event returned is set once a start began."""
    began = threading.Event()
    start_call = FlowFunction.start_call

    def slow(self: FlowFunction, *args: Any) -> Any:
        began.set()
        waits.append(go_on.wait(WAIT))
        return start_call(self, *args)

    monkeypatch.setattr(FlowFunction, "start_call", slow)
    return began


def test_a_slow_start_of_the_run_leaves_the_caller_s_loop_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run started on the caller's loop: the run store's busy wait froze it (here
    ``other`` could not end that wait: it ran out)."""
    go_on = threading.Event()
    waits: list[bool] = []
    began = slow_start_call(monkeypatch, go_on, waits)

    @flow
    async def handle() -> int:
        return 1

    async def other() -> None:
        while not began.is_set():
            await asyncio.sleep(0.01)
        go_on.set()  # on the caller's loop, while the run's start waits

    async def main() -> list[Any]:
        return await asyncio.gather(handle(), other())

    assert asyncio.run(main()) == [1, None]
    assert waits == [True]


def test_cancelling_the_caller_before_its_run_exists_cancels_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    go_on = threading.Event()
    waits: list[bool] = []
    began = slow_start_call(monkeypatch, go_on, waits)
    seen = Observed()
    handle = failing_flow(seen)

    async def main() -> None:
        caller = asyncio.ensure_future(handle())
        while not began.is_set():
            await asyncio.sleep(0.01)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        go_on.set()  # the run starts now, its caller gone

    asyncio.run(main())
    assert seen.cancelled.wait(WAIT), "the run went on after its caller was cancelled"
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == "flowtop-await-handle"])
    assert waits == [True]
    assert seen.attempts <= 1  # its task's retries never came


def test_return_state_of_an_awaited_call_is_its_outcome_as_a_state() -> None:
    @flow
    async def fine() -> int:
        return 3

    @flow
    async def broken() -> None:
        raise ValueError("bad row")

    async def main() -> tuple[Any, Any]:
        return await fine(return_state=True), await broken(return_state=True)

    done, failed = asyncio.run(main())
    assert done.is_completed() and done.result() == 3
    assert failed.is_failed() and "bad row" in (failed.message or "")
    with pytest.raises(ValueError, match="bad row"):
        failed.result()
