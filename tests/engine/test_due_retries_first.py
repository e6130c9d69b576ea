"""A retry whose delay is over starts at the next free worker, ahead of first attempts.

Queued behind every first attempt not yet started, a 0.2 s retry of a 10,000-task fan-out
waited seconds (the whole fan-out, on a long one): the delay the user set meant nothing.
The runs below use a ``ManualClock`` and one worker, so the order attempts start in is
decided by the queue alone, never by timing.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.drivers import QUICK, Drivers
from flowtop.engine.records import TaskRun
from flowtop.engine.states import StateType
from flowtop.engine.timer import ManualClock

from .kit import Recorder, wait_until

QUICK_TASKS = 20


class FakeRecord:
    """Stands in for a ``TaskRun``: ``Drivers`` only queues and hands them back."""

    def __init__(self, name: str) -> None:
        self.name = name


def begun_names(drivers: Drivers, refused: frozenset[str] = frozenset()) -> list[str]:
    """The names of the queued attempts in the order drivers begin them; those named in
    ``refused`` are stale (``start`` refuses them)."""

    def start(tr: TaskRun, token: int) -> bool:
        return tr.name not in refused  # type: ignore[attr-defined]

    names = []
    while (begun := drivers.next(start)) is not None:
        names.append(begun[0].name)  # type: ignore[attr-defined]
    return names


def queue(drivers: Drivers, name: str, *, retry: bool = False) -> None:
    record: Any = FakeRecord(name)
    drivers.due(record, 1, retry=retry)


def test_due_retries_begin_before_first_attempts_in_the_order_they_came_due() -> None:
    drivers = Drivers(most=1)
    for name in ("first-a", "first-b"):
        queue(drivers, name)
    queue(drivers, "retry-1", retry=True)
    queue(drivers, "first-c")
    queue(drivers, "retry-2", retry=True)
    assert begun_names(drivers) == ["retry-1", "retry-2", "first-a", "first-b", "first-c"]


def test_a_stale_retry_is_skipped_for_the_next_attempt() -> None:
    drivers = Drivers(most=1)
    queue(drivers, "first-a")
    queue(drivers, "retry-cancelled", retry=True)
    assert begun_names(drivers, refused=frozenset({"retry-cancelled"})) == ["first-a"]


def test_due_retries_count_as_waiting_attempts_for_the_watchdog() -> None:
    """Quick attempts leave one driver; it is inside an attempt while only a retry
    waits: the watchdog is set and, with no driver back, adds one for it."""
    drivers = Drivers(most=2)
    queue(drivers, "first-a")
    assert begin_one(drivers) == "first-a"
    drivers.back(QUICK / 2)  # quick: one driver is enough
    queue(drivers, "first-b")
    assert begin_one(drivers) == "first-b"
    queue(drivers, "retry-1", retry=True)
    assert drivers.watch()
    assert drivers.stalled() == 1


def begin_one(drivers: Drivers) -> str:
    """Begin the next queued attempt; its name."""
    begun = drivers.next(lambda tr, token: True)
    assert begun is not None
    return str(begun[0].name)  # type: ignore[attr-defined]


def fan_out_with_one_retry(started: list[str], release: threading.Event) -> tuple[Flow, str, str]:
    """``flaky`` fails its first attempt (a 0.2 s retry), ``blocker`` then holds the one
    worker until ``release``, and ``QUICK_TASKS`` first attempts wait behind it. Each
    attempt appends its task's name to ``started`` as it begins."""
    lock = threading.Lock()

    @task(max_retries=1, retry_delay=0.2)
    def flaky() -> str:
        with lock:
            again = "flaky" in started
            started.append("flaky")
        if not again:
            raise ConnectionError("first attempt")
        return "ok"

    @task(max_retries=0)
    def blocker() -> None:
        started.append("blocker")
        if not release.wait(20):
            raise TimeoutError("the test never released the worker")

    @task(max_retries=0)
    def quick(i: int) -> int:
        started.append("quick")
        return i

    flow = Flow("fan-out")
    flaky_key = flow.add_call(flaky, (), {}).key
    blocker_key = flow.add_call(blocker, (), {}).key
    for i in range(QUICK_TASKS):
        flow.add_call(quick, (i,), {})
    return flow, flaky_key, blocker_key


@pytest.mark.parametrize("how", ["delay over", "retried now (n)"])
def test_a_due_retry_starts_before_first_attempts_queued_ahead_of_it(
    make_runner: Any, recorder: Recorder, how: str
) -> None:
    started: list[str] = []
    release = threading.Event()
    flow, flaky, blocker = fan_out_with_one_retry(started, release)
    clock = ManualClock()
    runner: Runner = make_runner(1, sinks=(recorder,), clock=clock)
    run = runner.start(flow)
    try:
        wait_until(lambda: StateType.AWAITING_RETRY in recorder.states(flaky, run.run_id))
        wait_until(lambda: StateType.RUNNING in recorder.states(blocker, run.run_id))
        if how == "delay over":
            clock.advance(0.2)  # the retry comes due on the timer's thread...
            # ...and is queued under the run's lock, in the hold that drops its timer
            wait_until(lambda: run.tasks[flaky].timer is None)
        else:
            assert run.retry_now(flaky)
    finally:
        release.set()
    result = run.result(timeout=10)
    assert result.state is StateType.COMPLETED, result.counts
    assert started[:3] == ["flaky", "blocker", "flaky"], started
    assert started[3:] == ["quick"] * QUICK_TASKS
