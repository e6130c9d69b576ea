"""An ``async def`` task's attempt is judged off the event loop.

Judging a failed attempt runs the user's code: its ``retry_predicate``, Prefect's
``retry_condition_fn``, a ``retry_delay`` callable, ``on_failure`` hooks. It ran on the
loop's thread, so one slow callback (a predicate that asks an API) held up every other
async attempt of the process meanwhile: their awaits, their ends, their retries. It runs
on one of the loop's judge threads now, as a sync attempt is judged on its own worker;
a judge stuck past its attempt's timeout is replaced, as a stuck worker is.

Every wait here is on an event or a condition the test controls.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine import Runner, aloop
from flowtop.engine.judging import JUDGED_TOO_LONG
from flowtop.engine.states import StateType
from flowtop.engine.timer import ManualClock

from .kit import Recorder, wait_until

S = StateType
BOUND = 10.0  # seconds a wait may take before the test calls it a hang


class Stuck:
    """A user callback that notes it was called, then waits for ``release``."""

    def __init__(self, release: threading.Event, answer: Any) -> None:
        self.release = release
        self.answer = answer
        self.asked = threading.Event()
        self.__qualname__ = "Stuck"

    def __call__(self, *args: Any) -> Any:
        self.asked.set()
        self.release.wait(BOUND * 3)
        return self.answer


#: Each callback judging a failed attempt may run, with the options that have it run.
ON_A_FAILED_ATTEMPT = {
    "retry_predicate": lambda stuck: {"max_retries": 1, "retry_predicate": stuck},
    "retry_delay": lambda stuck: {"max_retries": 1, "retry_delay": stuck},
    "retry_condition_fn": lambda stuck: {"retries": 1, "retry_condition_fn": stuck},
    "on_failure": lambda stuck: {"on_failure": [stuck]},
}


@pytest.mark.parametrize("option", sorted(ON_A_FAILED_ATTEMPT))
def test_a_slow_callback_judging_an_async_attempt_holds_up_no_other_async_task(
    option: str, make_runner: Callable[..., Runner], release: threading.Event
) -> None:
    stuck = Stuck(release, answer=0 if option == "retry_delay" else False)

    @task(**ON_A_FAILED_ATTEMPT[option](stuck))
    async def slow() -> None:
        raise ValueError("judged slowly")

    tries: list[int] = []

    @task(max_retries=3)
    async def other() -> str:
        # it begins once the callback holds its judging (awaiting a thread: the loop runs)
        await asyncio.to_thread(stuck.asked.wait, BOUND)
        tries.append(1)
        if len(tries) < 3:
            raise ConnectionError("again")
        return "done"

    with Flow("judged") as flow:
        slow()
        other()
    recorder = Recorder()
    run = make_runner(2, sinks=(recorder,)).start(flow)
    wait_until(lambda: recorder.of("other", S.COMPLETED), BOUND)  # three attempts, meanwhile
    assert stuck.asked.is_set() and not release.is_set()
    assert run.state is S.RUNNING and not recorder.of("slow", S.FAILED)  # still judged
    release.set()
    result = run.result(timeout=BOUND)
    assert result["slow"].type is S.FAILED
    assert result["other"].type is S.COMPLETED and result["other"].attempt == 3


def test_a_judge_stuck_past_its_attempts_timeout_is_replaced(
    make_runner: Callable[..., Runner],
    release: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One judge only: the predicate holds it past the attempt's timeout, and the async
    attempt that ends next is judged by the judge that took its place."""
    monkeypatch.setattr(aloop, "JUDGES", 1)
    stuck = Stuck(release, answer=False)
    gate = threading.Event()

    @task(timeout=1, max_retries=1, retry_predicate=stuck)
    async def slow() -> int:
        return 1

    @task
    async def later() -> int:
        await asyncio.to_thread(gate.wait, BOUND)  # ends once slow timed out
        return 2

    with Flow("replaced") as flow:
        slow()
        later()
    clock, recorder = ManualClock(), Recorder()
    run = make_runner(2, sinks=(recorder,), clock=clock).start(flow)
    assert stuck.asked.wait(BOUND)
    clock.advance(1)
    wait_until(lambda: recorder.of("slow", S.FAILED), BOUND)
    (failed,) = recorder.of("slow", S.FAILED)
    assert failed.message == JUDGED_TOO_LONG
    gate.set()
    result = run.result(timeout=BOUND)  # the predicate still waits
    assert not release.is_set()
    assert result["later"].type is S.COMPLETED and result["later"].result == 2
