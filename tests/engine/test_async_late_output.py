"""What an ``async def`` attempt prints once its run has taken its output is not lost.

At its timeout (or its flow run's), an async attempt is concluded with what it printed so
far, then its coroutine is cancelled; a cancelled run's attempt goes on until the runner
cancels what still runs on the loop. A ``print`` in its ``except CancelledError:`` handler
went into the attempt's capture, which nobody read any more: it reached neither the
attempt's output nor the terminal. It now goes to the real stream, as what a thread
outliving its attempt prints does.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from flowtop import Flow, StateType, flow, task
from flowtop.engine.timer import ManualClock


def cleans_up(awaiting: threading.Event, cleaned: threading.Event, **options: Any) -> Any:
    @task(**options)
    async def fetch() -> None:
        print("fetching")
        awaiting.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            print("cleaning up after the cancel")
            cleaned.set()
            raise

    return fetch


def test_a_print_in_the_cancel_handler_of_a_timed_out_attempt_reaches_the_terminal(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    awaiting, cleaned = threading.Event(), threading.Event()
    graph = Flow("late-print")
    graph.add_task(cleans_up(awaiting, cleaned, timeout=0.05))
    clock = ManualClock()
    run = make_runner(2, clock=clock).start(graph)
    assert awaiting.wait(5)
    clock.advance(0.05)
    result = run.result(timeout=5)
    assert cleaned.wait(5)
    assert result["fetch"].type is StateType.FAILED
    assert result.attempts["fetch"][0].output == "fetching\n"  # what it printed in time
    out = capfd.readouterr().out
    assert "cleaning up after the cancel\n" in out
    assert "fetching" not in out  # the attempt's own output stays its own


def test_a_print_in_the_cancel_handler_of_a_cancelled_run_s_attempt_reaches_the_terminal(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    awaiting, cleaned = threading.Event(), threading.Event()
    graph = Flow("late-print-cancel")
    graph.add_task(cleans_up(awaiting, cleaned))
    runner = make_runner(2)
    run = runner.start(graph)
    assert awaiting.wait(5)
    assert run.cancel()
    assert run.result(timeout=5)["fetch"].type is StateType.CANCELLED
    runner.shutdown()  # cancels what still runs on the loop
    assert cleaned.wait(5)
    assert "cleaning up after the cancel\n" in capfd.readouterr().out


def test_a_print_in_the_cancel_handler_at_a_flow_run_s_timeout_reaches_the_terminal(
    make_runner: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    awaiting, cleaned = threading.Event(), threading.Event()
    fetch = cleans_up(awaiting, cleaned)

    @flow(timeout_seconds=0.2)
    def body() -> None:
        fetch.submit().wait()

    runner = make_runner(2)  # kept up: its shutdown would cancel what runs on the loop
    result = runner.start(body).final_result(5)
    assert isinstance(result.error, TimeoutError)
    assert cleaned.wait(5)
    assert "cleaning up after the cancel\n" in capfd.readouterr().out


def test_a_cancel_the_attempt_handles_itself_prints_into_its_output(make_runner: Any) -> None:
    """Its output still open, a cancel handler's print is the attempt's, as any print."""

    @task
    async def bounded() -> str:
        async def slow() -> None:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                print("gave up waiting")
                raise

        try:
            await asyncio.wait_for(slow(), 0.01)
        except TimeoutError:
            return "fallback"
        return "slow"

    graph = Flow("own-cancel")
    graph.add_task(bounded)
    result = make_runner(2).start(graph).result(timeout=5)
    assert result["bounded"].type is StateType.COMPLETED
    assert result.attempts["bounded"][0].output == "gave up waiting\n"
