"""A subflow a task waits for is called off the moment the task's run gives the task up.

Its wait armed a watchdog entry that looked every 0.2 s whether the attempt that called
it still waited (a cancel of a graph's run, an async attempt's timeout, neither of which
reaches the waiting code): a wake-up every 0.2 s for as long as the subflow ran, and the
call off only at the next one. The run now tells the wait when it gives the attempt up
(``subflow_waits``): the watchdog wakes for none of it, and the subflow still ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from flowtop import Flow, flow, task
from flowtop.engine import Runner, RunStarted, StateType
from flowtop.engine.flow_in_task import CALLER_STOPPED
from flowtop.engine.timer import TimerHandle

from .kit import Recorder


def watchdog_entries(runner: Runner) -> list[str]:
    """What ``runner``'s watchdog is asked to wake for from now on, by name: nothing, in
    these runs, whose tasks print nothing and never wait for a driver."""
    armed: list[str] = []
    call_at = runner.watchdog.call_at

    def counted(when: float, callback: Callable[[], None]) -> TimerHandle:
        armed.append(getattr(callback, "__qualname__", repr(callback)))
        return call_at(when, callback)

    runner.watchdog.call_at = counted  # type: ignore[method-assign]
    return armed


def subflow_id(recorder: Recorder, runner: Runner, name: str) -> str:
    runner.bus.flush()
    (started,) = [e for e in recorder.events if isinstance(e, RunStarted) and e.flow == name]
    return started.run_id


_release = threading.Event()
_began = threading.Event()


@task
def holds() -> None:
    _began.set()
    _release.wait(10)


@flow(name="held-inner")
def held_inner() -> None:
    holds()


@task
def calls_held_inner() -> None:
    held_inner()


def test_a_graph_run_s_cancel_calls_its_task_s_subflow_off_with_no_watchdog_wake_up() -> None:
    _release.clear()
    _began.clear()
    graph = Flow("graph-of-held")
    graph.add_task(calls_held_inner)
    recorder = Recorder()
    try:
        with Runner(2, sinks=[recorder]) as runner:
            armed = watchdog_entries(runner)
            run = runner.start(graph)
            assert _began.wait(10)
            child = runner.find(subflow_id(recorder, runner, "held-inner"))
            assert child is not None
            run.cancel()
            assert child.final_state(timeout=10) is StateType.CANCELLED
            runner.bus.flush()
            assert recorder.run_finished(child.run_id).note == "its parent run was cancelled"
            assert armed == []  # no look at the caller while the subflow ran
    finally:
        _release.set()


@task
async def sleeps_long() -> None:
    await asyncio.sleep(30)


@flow(name="sleepy-inner")
def sleepy_inner() -> None:
    sleeps_long()


@task(timeout_seconds=0.3)
async def times_out_waiting() -> None:
    sleepy_inner()


@flow(name="times-out-outer")
def times_out_outer() -> None:
    times_out_waiting()


def test_an_async_task_s_timeout_calls_its_subflow_off_with_no_watchdog_wake_up() -> None:
    """Its loop is blocked in the call, so its timeout's cancel never reaches it: the run
    calls the subflow off as the timeout gives the attempt up."""
    recorder = Recorder()
    with Runner(2, sinks=[recorder]) as runner:
        armed = watchdog_entries(runner)
        assert runner.start(times_out_outer).final_state(timeout=10) is StateType.FAILED
        child = runner.find(subflow_id(recorder, runner, "sleepy-inner"))
        assert child is not None
        assert child.final_state(timeout=10) is StateType.CANCELLED
        runner.bus.flush()
        assert recorder.run_finished(child.run_id).note == CALLER_STOPPED
        assert armed == []
