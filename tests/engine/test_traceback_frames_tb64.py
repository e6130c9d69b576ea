"""A ``@flow``'s traceback reads as the code was written, whatever ended it.

Two ways it did not: a parent whose subflow was cancelled under it recorded the
``RunCancelled`` with flowtop's call and future frames (``task.py``, ``task_future.py``)
after the subflow's line, as if flowtop had failed; and an ``async def`` flow's traceback
began with the event loop's frames (``asyncio/runners.py``, ``base_events.py``) that
flowtop's own loop ran its body through, before the flow's first line.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import Iterator

import pytest

from flowtop import Flow, flow, task
from flowtop.engine import Runner, StateType
from flowtop.engine.events import ErrorInfo

from .kit import Recorder, wait_until

_began = threading.Event()
_release = threading.Event()


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    _began.clear()
    _release.clear()
    try:
        yield
    finally:
        _release.set()  # no thread of the test left waiting


@task
def held_tb64() -> None:
    _began.set()
    _release.wait(10)


@flow(name="kid-tb64")
def kid() -> None:
    held_tb64()


@flow(name="parent-tb64")
def parent() -> None:
    kid()


@task
async def fails_async_tb64() -> None:
    await asyncio.sleep(0)
    raise ValueError("boom")


@task
async def exits_async_tb64() -> None:
    await asyncio.sleep(0)
    sys.exit(4)


@flow(name="async-fails-tb64")
async def async_fails() -> None:
    await fails_async_tb64()


@flow(name="async-exits-tb64")
async def async_exits() -> None:
    await exits_async_tb64()


def files_of(error: ErrorInfo | None) -> list[str]:
    """The file of each frame of ``error``'s traceback, outermost first."""
    assert error is not None
    return re.findall(r'^  File "([^"]+)", line \d+', error.traceback, re.MULTILINE)


def test_a_subflow_cancelled_under_its_parent_leaves_no_frame_of_flowtop_s() -> None:
    recorder = Recorder()
    with Runner(2, sinks=[recorder]) as runner:
        run = runner.start(parent)
        assert _began.wait(10)
        wait_until(lambda: any(r.flow.name == "kid-tb64" for r in runner.active_runs))
        (kid_run,) = [r for r in runner.active_runs if r.flow.name == "kid-tb64"]
        assert kid_run.cancel()
        run.final_result(timeout=10)
        runner.bus.flush()
    ended = recorder.run_finished(run.run_id)
    assert ended.error is not None
    assert ended.error.type == "RunCancelled"
    # the parent's line (then the kid's, when the kid's body raised it before its run ended)
    frames = files_of(ended.error)
    assert frames and set(frames) == {__file__}, ended.error.traceback
    first = ended.error.traceback.splitlines()[1:3]
    assert first[0].endswith(", in parent") and first[1].strip() == "kid()"


@pytest.mark.parametrize(
    ("flow_", "said"),
    [(async_fails, "ValueError: boom"), (async_exits, "SystemExit: 4")],
)
def test_an_async_flow_s_traceback_starts_at_its_own_line(flow_: Flow, said: str) -> None:
    recorder = Recorder()
    with Runner(2, sinks=[recorder]) as runner:
        run = runner.start(flow_)
        assert run.final_result(timeout=10).state is StateType.FAILED
        runner.bus.flush()
    error = recorder.run_finished(run.run_id).error
    assert files_of(error) == [__file__, __file__]  # the flow's await, the task's raise
    assert error is not None and error.traceback.endswith(f"{said}\n")
