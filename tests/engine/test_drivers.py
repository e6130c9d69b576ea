"""How many drivers a run keeps: one for quick attempts, one per waiting attempt otherwise.

The bookkeeping (``Drivers``) is tested on its own; the runs below check that what it
decides keeps every attempt moving: attempts that wait for each other still all run at
once after a run's drivers shrank to one.
"""

from __future__ import annotations

import threading
from typing import Any

from flowtop import Flow, task
from flowtop.engine.drivers import QUICK, SLOW_IN_A_ROW, Drivers
from flowtop.engine.records import TaskRun

SLOW = QUICK * 10


class FakeRecord:
    """Stands in for a ``TaskRun``: ``Drivers`` only queues and hands them back."""


def queued(drivers: Drivers, count: int) -> list[int]:
    """Queue ``count`` attempts; how many drivers each asked for."""
    record: Any = FakeRecord()
    return [drivers.due(record, token) for token in range(count)]


def begin(drivers: Drivers) -> Any:
    def start(tr: TaskRun, token: int) -> bool:
        return True

    return drivers.next(start)


def test_attempts_of_unknown_length_get_a_driver_each_up_to_the_most() -> None:
    drivers = Drivers(most=3)
    assert queued(drivers, 5) == [1, 1, 1, 0, 0]


def test_after_a_quick_attempt_a_driver_ends_when_another_is_free() -> None:
    drivers = Drivers(most=3)
    queued(drivers, 6)  # three drivers
    for _ in range(3):
        assert begin(drivers) is not None
    assert drivers.back(QUICK / 2) == (False, 0)  # the others are still inside attempts
    assert begin(drivers) is not None
    first_free = drivers.back(QUICK / 2)
    second_free = drivers.back(QUICK / 2)
    assert (first_free, second_free) == ((False, 0), (True, 0))  # one free driver is enough


def test_quick_attempts_come_due_without_asking_for_more_drivers() -> None:
    drivers = Drivers(most=8)
    queued(drivers, 1)
    begin(drivers)
    drivers.back(QUICK / 2)
    assert queued(drivers, 4) == [0, 0, 0, 0]  # the one driver takes them in turn


def test_slow_attempts_ask_for_a_driver_per_waiting_attempt() -> None:
    drivers = Drivers(most=8)
    queued(drivers, 1)
    begin(drivers)
    assert queued(drivers, 3) == [1, 1, 1]  # nothing is known to be quick yet
    assert drivers.back(SLOW) == (False, 0)  # three drivers are free for three attempts
    assert queued(drivers, 2) == [1, 1]


def test_one_slow_attempt_among_quick_ones_is_a_pause_not_slow_attempts() -> None:
    drivers = Drivers(most=8)
    queued(drivers, 1)
    begin(drivers)
    drivers.back(QUICK / 2)  # quick: one driver from now on
    queued(drivers, 6)
    backs = []
    for _ in range(SLOW_IN_A_ROW):
        begin(drivers)
        backs.append(drivers.back(SLOW))  # the first one: the collector ran during it, say
    # Slow in a row: one more driver each time one comes back while attempts wait.
    assert backs == [(False, 0)] * (SLOW_IN_A_ROW - 1) + [(False, 1)]
    assert queued(drivers, 1) == [1]  # and one per attempt coming due


def test_the_watchdog_adds_drivers_only_when_no_driver_came_back() -> None:
    drivers = Drivers(most=8)
    queued(drivers, 1)
    begin(drivers)
    drivers.back(QUICK / 2)  # quick so far: one driver
    queued(drivers, 4)
    begin(drivers)
    assert drivers.watch()  # attempts wait while the one driver is inside one
    assert not drivers.watch()  # set once
    assert drivers.stalled() == 3  # nobody came back: the attempt is slow


def test_the_watchdog_adds_no_driver_while_drivers_come_back() -> None:
    drivers = Drivers(most=8)
    queued(drivers, 1)
    begin(drivers)
    drivers.back(QUICK / 2)
    queued(drivers, 4)
    begin(drivers)
    assert drivers.watch()
    drivers.back(QUICK / 2)  # the attempt was quick after all
    begin(drivers)
    assert drivers.stalled() == 0
    assert drivers.watch()  # inside an attempt again, with three waiting: watched again


def test_a_thread_given_up_on_is_replaced_while_attempts_wait() -> None:
    drivers = Drivers(most=2)
    queued(drivers, 3)
    begin(drivers)
    me = threading.current_thread()
    assert drivers.given_up(me) == 1
    assert drivers.ends_here()


def left_inside_seen_by_another_thread(drivers: Drivers) -> list[threading.Thread]:
    """``left_inside`` as the thread that ends the run (a timer's, here another) reads it."""
    seen: list[list[threading.Thread]] = []
    ender = threading.Thread(target=lambda: seen.append(drivers.left_inside()))
    ender.start()
    ender.join(5)
    return seen[0]


def test_a_driver_that_handed_its_attempt_over_is_not_left_inside_it() -> None:
    """An attempt handed to the event loop or a cluster holds no thread: a run that ends
    before its driver comes back for the lock must not give that thread up."""
    drivers = Drivers(most=2)
    queued(drivers, 1)
    begin(drivers)
    assert left_inside_seen_by_another_thread(drivers) == [threading.current_thread()]
    drivers.handed_over()
    assert left_inside_seen_by_another_thread(drivers) == []


def test_attempts_that_need_each_other_run_at_once_after_quick_ones() -> None:
    """Five hundred quick tasks shrink the run to one driver; then eight tasks that each
    wait for all eight to be running must still get a driver each."""
    barrier = threading.Barrier(8, timeout=20)

    @task
    def quick(i: int) -> int:
        return i

    @task(max_retries=0)
    def together(_: int) -> int:
        return barrier.wait()

    flow = Flow("drivers")
    last = [flow.add_call(quick, (i,), {}) for i in range(500)][-1]
    for _ in range(8):
        flow.add_call(together, (last,), {})
    result = flow.run(workers=8)
    assert result.is_completed(), result.counts


def test_an_attempt_coming_due_while_the_one_driver_waits_gets_a_driver() -> None:
    """Quick tasks leave one driver; it then waits in a task for another task's retry,
    which comes due on the timer: the retry must not wait for that driver."""
    retried = threading.Event()
    attempts: list[int] = []

    @task
    def quick(i: int) -> int:
        return i

    @task(max_retries=0)
    def waits(_: int) -> bool:
        if not retried.wait(20):
            raise TimeoutError("the retry never ran")
        return True

    @task(max_retries=1, retry_delay=0.2)
    def flaky(_: int) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("first attempt")
        retried.set()
        return 1

    flow = Flow("due-later")
    last = [flow.add_call(quick, (i,), {}) for i in range(300)][-1]
    flow.add_call(waits, (last,), {})
    flow.add_call(flaky, (last,), {})
    result = flow.run(workers=8)
    assert result.is_completed(), result.counts
