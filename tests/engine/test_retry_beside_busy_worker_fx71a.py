"""A retry whose delay is over starts at once, though a long task holds a worker.

Quick attempts leave a run one driver (``drivers``). While a long task held it, a retry
coming due on the timer was queued for it and waited for the stall watchdog to add a
driver: every retry started ``STALL`` (50 ms) after its delay ended, with seven of eight
workers free. It now gets a driver as it comes due. The run below has a ``ManualClock``
(its delay ends when the test says so) and a watchdog that never fires, so only the
delay's end (or `n`) can start the retry while the long task runs.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.drivers import QUICK, Drivers
from flowtop.engine.states import StateType
from flowtop.engine.timer import ManualClock, Timer

from .kit import Recorder, wait_until

DELAY = 5.0  # seconds of the ManualClock: real time never ends it


def long_beside_flaky(attempts: list[int], release: threading.Event) -> tuple[Flow, str, str]:
    """``long`` holds its worker until ``release``; ``flaky`` fails its first attempt
    (a ``DELAY`` retry) and appends to ``attempts`` as each attempt begins."""

    @task(max_retries=0)
    def long() -> None:
        if not release.wait(20):
            raise TimeoutError("the test never released the worker")

    @task(max_retries=1, retry_delay=DELAY)
    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("first attempt")
        return "ok"

    flow = Flow("busy-beside")
    long_key = flow.add_call(long, (), {}).key
    flaky_key = flow.add_call(flaky, (), {}).key
    return flow, long_key, flaky_key


@pytest.mark.parametrize("how", ["delay over", "retried now (n)"])
def test_a_due_retry_starts_while_a_long_task_holds_the_run_s_driver(
    make_runner: Any, recorder: Recorder, how: str
) -> None:
    attempts: list[int] = []
    release = threading.Event()
    flow, long_key, flaky_key = long_beside_flaky(attempts, release)
    clock = ManualClock()
    runner: Runner = make_runner(8, sinks=(recorder,), clock=clock)
    # The watchdog's clock never moves: a driver it would add cannot start the retry.
    runner.watchdog = Timer(ManualClock(), name="flowtop-watchdog-frozen")
    run = runner.start(flow)
    try:
        wait_until(lambda: StateType.AWAITING_RETRY in recorder.states(flaky_key, run.run_id))
        wait_until(lambda: StateType.RUNNING in recorder.states(long_key, run.run_id))
        if how == "delay over":
            clock.advance(DELAY)
        else:
            assert run.retry_now(flaky_key)
        wait_until(lambda: len(attempts) == 2)  # while long still holds its worker
    finally:
        release.set()
    result = run.result(timeout=10)
    assert result.state is StateType.COMPLETED, result.counts


def begin(drivers: Drivers) -> None:
    assert drivers.next(lambda tr, token: True) is not None


def due_on_another_thread(drivers: Drivers, *, retry: bool) -> int:
    """How many drivers an attempt coming due on a thread that is no driver asks for
    (the timer's, as a retry's delay ends)."""
    asked: list[int] = []
    record: Any = object()
    timer = threading.Thread(target=lambda: asked.append(drivers.due(record, 1, retry=retry)))
    timer.start()
    timer.join(5)
    return asked[0]


def one_driver_inside_an_attempt() -> Drivers:
    """Quick attempts left one driver (of two), and it is inside an attempt now."""
    drivers = Drivers(most=2)
    record: Any = object()
    drivers.due(record, 1)
    begin(drivers)
    drivers.back(QUICK / 2)  # quick: one driver is enough
    drivers.due(record, 2)
    begin(drivers)
    return drivers


def test_a_retry_due_while_every_driver_is_inside_an_attempt_gets_a_driver() -> None:
    assert due_on_another_thread(one_driver_inside_an_attempt(), retry=True) == 1


def test_a_first_attempt_due_so_still_waits_for_the_driver() -> None:
    """First attempts come due as a driver applies an outcome (it takes them next) or
    from a cache lookup: one driver each would undo what quick runs gain from one."""
    assert due_on_another_thread(one_driver_inside_an_attempt(), retry=False) == 0


def test_a_retry_a_driver_queues_itself_needs_no_other_driver() -> None:
    """Queued by the driver's own thread (a tag's slot it gave back as its attempt
    ended): that driver takes it next."""
    drivers = one_driver_inside_an_attempt()
    record: Any = object()
    assert drivers.due(record, 3, retry=True) == 0
