"""A cancelled ``@flow`` run with an ``on_cancellation`` hook is recorded as one without:
its note says who cancelled it, and the ``RunCancelled`` its body got from its cancelled
task is no "flow raised" of its own. The hook ran before the run showed CANCELLED, so an
error the body raised meanwhile was recorded, with a traceback through flowtop's files."""

from __future__ import annotations

import threading
from typing import Any

from flowtop import flow, task
from flowtop.engine import Runner, StateType
from flowtop.engine.events import RunFinished

from .kit import Recorder, wait_until

_release = threading.Event()
_body_left = threading.Event()


def on_cancel(flow_: Any, flow_run: Any, state: Any) -> None:
    _body_left.wait(10)  # the body got its task's cancel first
    print("hook", state.name)


@task
def long_step() -> None:
    _release.wait(10)


@flow(name="hooked", on_cancellation=[on_cancel])
def hooked() -> None:
    try:
        long_step()
    finally:
        _body_left.set()


@flow(name="plain")
def plain() -> None:
    long_step()


def _cancelled(flow_: Any) -> RunFinished:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        run = runner.start(flow_)
        wait_until(lambda: recorder.states("long_step")[-1:] == [StateType.RUNNING])
        run.cancel()
        run.final_result(timeout=10)
        runner.bus.flush()
    (ended,) = [e for e in recorder.events if isinstance(e, RunFinished)]
    return ended


def test_a_cancelled_run_with_a_cancellation_hook_reads_as_one_without() -> None:
    try:
        with_hook, without = _cancelled(hooked), _cancelled(plain)
    finally:
        _release.set()
    assert without.state is with_hook.state is StateType.CANCELLED
    assert without.error is None
    assert with_hook.error is None  # was: flow raised RunCancelled, flowtop's frames
    assert with_hook.note == without.note == "cancelled by the user"
    assert with_hook.output == "hook Cancelling\n"  # the hook still ran
