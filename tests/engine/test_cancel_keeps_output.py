"""A cancel keeps what the running attempt printed until then, as a timeout does: the
CANCELLED state change carries it, so the monitor's detail pane and the history show
what the task was doing when it was stopped (they showed an attempt with no output)."""

from __future__ import annotations

import threading

from flowtop import Flow, task
from flowtop.engine import Runner
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.states import StateType

from .kit import Recorder


def test_a_cancelled_attempt_keeps_what_it_printed_until_then() -> None:
    printed = threading.Event()
    release = threading.Event()

    @task
    def load() -> None:
        print("loaded 40 of 100 partitions")
        printed.set()
        release.wait(10)

    flow = Flow("cancelled-mid-attempt")
    flow.add_task(load)
    recorder = Recorder()
    with Runner(workers=2, sinks=[recorder]) as runner:
        run = runner.start(flow)
        assert printed.wait(10)
        assert run.cancel()
        release.set()
        assert run.final_state() is StateType.CANCELLED
    ends = [
        e
        for e in recorder.events
        if isinstance(e, TaskStateChanged) and e.state is StateType.CANCELLED
    ]
    assert [e.output for e in ends] == ["loaded 40 of 100 partitions\n"]
