"""What a sync attempt prints once its run has taken its output is not lost.

At its timeout, a sync attempt is concluded with what it printed so far, then
``TaskInterrupted`` (an ``asyncio.CancelledError``) is raised in its code; so it is in a
cancelled run's attempt, once the run has ended it. A ``print`` in its ``except`` handler
went into the attempt's capture, which nobody read any more: it reached neither the
attempt's output nor the terminal. It now goes to the real stream, as an async attempt's does
(``test_async_late_output``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from flowtop import Flow, StateType, task
from flowtop.engine.timer import ManualClock


def cleans_up(
    awaiting: threading.Event, cleaned: threading.Event, stop: threading.Event, **options: Any
) -> Any:
    @task(**options)
    def fetch() -> None:
        print("fetching")
        try:
            awaiting.set()
            while not stop.is_set():  # Python lines: the timeout's interrupt lands in one
                time.sleep(0.005)
        except asyncio.CancelledError as interrupted:
            print(f"cleaning up ({interrupted})")
            cleaned.set()
            raise
        print("stopped by hand")
        cleaned.set()

    return fetch


def test_a_print_in_the_except_handler_of_a_timed_out_sync_attempt_reaches_the_terminal(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    awaiting, cleaned, stop = threading.Event(), threading.Event(), threading.Event()
    graph = Flow("late-print-sync")
    graph.add_task(cleans_up(awaiting, cleaned, stop, timeout=0.05))
    clock = ManualClock()
    run = make_runner(2, clock=clock).start(graph)
    try:
        assert awaiting.wait(5)
        clock.advance(0.05)
        result = run.result(timeout=5)
        assert cleaned.wait(5)
    finally:
        stop.set()
    assert result["fetch"].type is StateType.FAILED
    assert result.attempts["fetch"][0].output == "fetching\n"  # what it printed in time
    out = capfd.readouterr().out
    assert "cleaning up (task interrupted: timed out after 0.05 s)\n" in out
    assert "fetching" not in out  # the attempt's own output stays its own


def test_a_print_of_a_cancelled_run_s_sync_attempt_reaches_the_terminal(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    awaiting, cleaned, stop = threading.Event(), threading.Event(), threading.Event()
    graph = Flow("late-print-sync-cancel")
    graph.add_task(cleans_up(awaiting, cleaned, stop))
    run = make_runner(2).start(graph)
    try:
        assert awaiting.wait(5)
        assert run.cancel()
        assert run.result(timeout=5)["fetch"].type is StateType.CANCELLED
    finally:
        stop.set()
    assert cleaned.wait(5)
    assert "cleaning up (task interrupted: the run was cancelled)\n" in capfd.readouterr().out


def test_a_sync_attempt_that_ends_in_time_keeps_its_prints(make_runner: Any) -> None:
    @task(timeout=30)
    def quick() -> int:
        print("in time")
        return 1

    graph = Flow("in-time")
    graph.add_task(quick)
    result = make_runner(2).start(graph).result(timeout=5)
    assert result["quick"].type is StateType.COMPLETED
    assert result.attempts["quick"][0].output == "in time\n"
