"""A cancelled run's end says who cancelled it, so ``history``'s NOTE is not empty.

Only its tasks said why (``cancelled: SIGHUP (flowtop run's terminal closed)``): a run
cancelled by the user and one whose terminal closed read the same in the runs table.
"""

from __future__ import annotations

import threading

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.events import Event, RunFinished
from flowtop.engine.states import StateType

from .kit import wait_until

release = threading.Event()


@task
def slow() -> int:
    release.wait(10)
    return 1


def _ended(why: str | None) -> RunFinished:
    seen: list[Event] = []
    flow = Flow("held")
    flow.add_call(slow, (), {})
    release.clear()
    with Runner(sinks=[seen.extend]) as runner:
        run = runner.start(flow)
        wait_until(lambda: run.tasks["slow"].state is StateType.RUNNING)
        if why is None:
            run.cancel()
        else:
            run.cancel(why)
        release.set()
        run.wait(10)
    return next(e for e in seen if isinstance(e, RunFinished))


def test_a_cancelled_run_ends_saying_who_cancelled_it() -> None:
    ended = _ended("cancelled: SIGHUP (flowtop run's terminal closed)")
    assert ended.state is StateType.CANCELLED
    assert ended.note == "cancelled: SIGHUP (flowtop run's terminal closed)"
    assert _ended(None).note == "cancelled by the user"
