"""The one timer thread every retry wait and timeout shares: if it dies, every run hangs."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from flowtop import Flow, StateType, task
from flowtop.engine import Runner
from flowtop.engine.timer import ManualClock, Timer

from .kit import wait_until


@pytest.fixture
def timer() -> Iterator[Timer]:
    t = Timer()
    yield t
    t.stop()


def test_callbacks_fire_in_deadline_order() -> None:
    """Registered out of order, fired in order. On the manual clock: with real time, a
    loaded host once paused this test between two registrations for longer than the
    deadlines apart, and the third fired before the second was registered."""
    clock = ManualClock()
    timer = Timer(clock)
    fired: list[int] = []
    done = threading.Event()
    try:
        timer.call_later(0.03, lambda: (fired.append(3), done.set()))
        timer.call_later(0.01, lambda: fired.append(1))
        timer.call_later(0.02, lambda: fired.append(2))
        clock.advance(0.05)  # all three due at once: the heap gives them in order
        assert done.wait(2)
        assert fired == [1, 2, 3]
    finally:
        timer.stop()


def test_cancelled_handles_never_fire() -> None:
    """On the manual clock: with real time, a pause of the test between scheduling and
    cancelling longer than the delay would let the callback fire first."""
    clock = ManualClock()
    timer = Timer(clock)
    fired: list[str] = []
    done = threading.Event()
    try:
        handle = timer.call_later(0.01, lambda: fired.append("cancelled"))
        handle.cancel()
        timer.call_later(0.02, done.set)
        clock.advance(0.05)
        assert done.wait(2)
        assert fired == [] and len(timer) == 0
    finally:
        timer.stop()


def test_a_raising_callback_does_not_stop_the_timer(timer: Timer) -> None:
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("callback bug")

    timer.call_later(0, boom)
    timer.call_later(0.01, done.set)
    assert done.wait(2)


def test_an_infinite_delay_does_not_kill_the_timer(timer: Timer) -> None:
    done = threading.Event()
    timer.call_later(float("inf"), lambda: None)
    wait_until(lambda: timer._thread is not None)
    timer.call_later(0.01, done.set)
    assert done.wait(2)
    assert timer._thread is not None and timer._thread.is_alive()


def test_stop_refuses_new_timers() -> None:
    t = Timer()
    t.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        t.call_later(1, lambda: None)


def test_a_very_long_retry_delay_waits_for_the_user_and_blocks_no_other_run(runner: Runner) -> None:
    """A delay of a year (infinite ones are refused) must not stall other runs' retries."""
    calls: list[int] = []

    @task(max_retries=1, retry_delay=365 * 24 * 3600)
    def manual() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("down")

    @task(max_retries=1, retry_delay=0.01)
    def quick() -> str:
        calls.append(2)
        if calls.count(2) == 1:
            raise ConnectionError("blip")
        return "ok"

    waiting, other = Flow("manual"), Flow("quick")
    waiting.add_task(manual)
    other.add_task(quick)
    run = runner.start(waiting)
    wait_until(lambda: run.tasks["manual"].state is StateType.AWAITING_RETRY)
    assert runner.start(other).result(timeout=2)["quick"].result == "ok"
    assert run.retry_now("manual")
    assert run.result(timeout=2).is_completed()


def test_a_manual_clock_fires_callbacks_when_advanced_and_only_then() -> None:
    clock = ManualClock()
    timer = Timer(clock)
    fired: list[str] = []
    try:
        timer.call_later(3600, lambda: fired.append("an hour"))
        timer.call_later(1, lambda: fired.append("a second"))
        clock.advance(0.5)
        assert not fired_within(fired, 0.05)
        clock.advance(0.5)
        wait_until(lambda: fired == ["a second"])
        clock.advance(3600)
        wait_until(lambda: fired == ["a second", "an hour"])
        with pytest.raises(ValueError, match="only moves forward"):
            clock.advance(-1)
    finally:
        timer.stop()


def fired_within(fired: list[str], seconds: float) -> bool:
    """Whether anything fired within ``seconds`` (a short look, for 'not yet')."""
    done = threading.Event()
    done.wait(seconds)
    return bool(fired)
