"""Cancelling a run interrupts its running attempts, as a timeout does.

README: a timed-out *or cancelled* attempt gets ``CancelledError`` (flowtop's
``TaskInterrupted``) at its next Python line. Only timeouts did: a cancelled run gave its
sync attempt's thread up but raised nothing in it, so a task looping in Python spun on
until its process exited (for good in a program running several runs), and its ``except``
handler never ran; an async attempt's coroutine ran on until its runner shut down.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from flowtop import Flow, flow, task
from flowtop.engine.states import StateType
from flowtop.engine.task_interrupted import TaskInterrupted

from .kit import wait_until


class Spinner:
    """A sync task looping in Python (no call that returns to C for long) until ``stop``,
    which records what interrupted it."""

    def __init__(self, *, catches_everything: bool = False) -> None:
        self.started, self.cleaned, self.stop = (
            threading.Event(),
            threading.Event(),
            threading.Event(),
        )
        self.caught: list[BaseException] = []
        self.catches_everything = catches_everything

    def body(self) -> str:
        try:
            self.started.set()  # (in the try: an interrupt right after it is caught too)
            while not self.stop.is_set():
                pass
        except asyncio.CancelledError as interrupted:
            self.caught.append(interrupted)
            self.cleaned.set()
            if not self.catches_everything:
                raise
            while not self.stop.is_set():  # swallowed: it goes on, alone
                pass
        return "stopped by hand"


def test_cancelling_a_graph_run_interrupts_its_sync_task_looping_in_python(
    make_runner: Any,
) -> None:
    spinner = Spinner()
    graph = Flow("spins")
    graph.add_task(task(spinner.body, name="spin"))
    run = make_runner(2).start(graph)
    try:
        assert spinner.started.wait(5)
        assert run.cancel()
        assert spinner.cleaned.wait(5), "the cancelled attempt was never interrupted"
    finally:
        spinner.stop.set()
    (interrupted,) = spinner.caught
    assert isinstance(interrupted, TaskInterrupted)
    assert str(interrupted) == "task interrupted: the run was cancelled"
    result = run.result(timeout=5)
    assert result["spin"].type is StateType.CANCELLED
    assert result["spin"].message == "cancelled by the user"  # the task's own why, as before


def test_cancelling_a_flow_function_run_interrupts_its_sync_task(make_runner: Any) -> None:
    spinner = Spinner()
    spin = task(spinner.body, name="spin")

    def body() -> str:
        return spin()

    run = make_runner(2).start(flow(body, name="spins-in-a-flow"))
    try:
        assert spinner.started.wait(5)
        assert run.cancel("cancelled: SIGTERM (flowtop run was stopped)")
        assert spinner.cleaned.wait(5), "the cancelled attempt was never interrupted"
    finally:
        spinner.stop.set()
    assert [str(error) for error in spinner.caught] == ["task interrupted: the run was cancelled"]
    assert run.final_state(5) is StateType.CANCELLED


def test_a_task_that_catches_the_interrupt_goes_on_alone(make_runner: Any) -> None:
    spinner = Spinner(catches_everything=True)
    graph = Flow("spins-on")
    graph.add_task(task(spinner.body, name="spin"))
    run = make_runner(2).start(graph)
    try:
        assert spinner.started.wait(5)
        assert run.cancel()
        assert spinner.cleaned.wait(5)
        # the run ended without it, and took no late result of it: it is still looping
        assert run.result(timeout=5)["spin"].type is StateType.CANCELLED
        assert not spinner.stop.is_set()
    finally:
        spinner.stop.set()


def test_cancelling_a_run_cancels_its_async_attempt_while_its_runner_goes_on(
    make_runner: Any,
) -> None:
    started, cleaned, stop = threading.Event(), threading.Event(), threading.Event()

    @task
    async def poll() -> None:
        try:
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.005)
        except asyncio.CancelledError:
            cleaned.set()
            raise

    graph = Flow("polls")
    graph.add_task(poll)
    runner = make_runner(2)
    run = runner.start(graph)
    try:
        assert started.wait(5)
        assert run.cancel()
        assert run.final_state(5) is StateType.CANCELLED
        # before: cancelled only once the runner shut down (its loop released)
        wait_until(cleaned.is_set, timeout=5)
        assert not runner.closed
    finally:
        stop.set()
