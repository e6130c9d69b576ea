"""A cancel records how long the attempt it cut short had run.

The CANCELLED step of a running task had no ``duration``: ``flowtop history --run``
showed ``-`` for an attempt that ran for seconds, and the monitor's TIME cell was blank,
its attempt reading as if still running. It now carries the attempt's time so far, on
the run's clock, from that attempt's own start (not the task's first attempt's).
"""

from __future__ import annotations

import threading

from flowtop import Flow, flow, task
from flowtop.engine.states import StateType
from flowtop.engine.timer import ManualClock

from .kit import Recorder, wait_until


def test_a_cancelled_running_attempt_has_its_duration_so_far(
    make_runner, recorder: Recorder
) -> None:
    started, release = threading.Event(), threading.Event()

    @task
    def nap() -> None:
        started.set()
        release.wait(10)

    @task
    def after(_: None) -> None: ...

    with Flow("napping") as flow:
        after(nap())
    clock = ManualClock(100.0)
    run = make_runner(2, sinks=(recorder,), clock=clock).start(flow)
    assert started.wait(10)
    clock.advance(2.5)
    assert run.cancel()
    release.set()
    assert run.final_state() is StateType.CANCELLED
    assert run.runner.bus.flush(10)

    (cut,) = recorder.of("nap", StateType.CANCELLED)
    assert cut.duration == 2.5
    record = run.tasks["nap"].attempts[-1]
    assert (record.state, record.duration) == (StateType.CANCELLED, 2.5)
    (never,) = recorder.of("after", StateType.CANCELLED)  # no attempt: no duration
    assert never.duration is None and run.tasks["after"].attempts == ()


def test_a_flow_functions_cancelled_call_has_its_duration_so_far(
    make_runner, recorder: Recorder
) -> None:
    """A ``@flow`` run ends its calls through its own ``_end_unrun``: the same time."""
    started, release = threading.Event(), threading.Event()

    @task
    def wait_here() -> None:
        started.set()
        release.wait(10)

    @flow
    def pipeline() -> None:
        wait_here()

    clock = ManualClock(100.0)
    run = make_runner(2, sinks=(recorder,), clock=clock).start(pipeline)
    assert started.wait(10)
    clock.advance(0.75)
    assert run.cancel()
    release.set()
    assert run.final_state() is StateType.CANCELLED
    assert run.runner.bus.flush(10)

    (cut,) = recorder.of("wait_here", StateType.CANCELLED)
    assert cut.duration == 0.75


def test_a_retry_cancelled_counts_from_its_own_start(make_runner, recorder: Recorder) -> None:
    failed_once, second_started = threading.Event(), threading.Event()
    release = threading.Event()

    @task(max_retries=1, retry_delay=0)
    def flaky() -> None:
        if not failed_once.is_set():
            failed_once.set()
            raise ConnectionError("first attempt")
        second_started.set()
        release.wait(10)

    flow = Flow("retried")
    flow.add_task(flaky, key="flaky")
    clock = ManualClock(100.0)
    run = make_runner(2, sinks=(recorder,), clock=clock).start(flow)
    assert second_started.wait(10)
    clock.advance(1.5)
    assert run.cancel()
    release.set()
    assert run.final_state() is StateType.CANCELLED
    assert run.runner.bus.flush(10)

    (cut,) = recorder.of("flaky", StateType.CANCELLED)
    assert cut.attempt == 2 and cut.duration == 1.5
    assert [a.duration for a in run.tasks["flaky"].attempts] == [0.0, 1.5]


def test_a_task_awaiting_retry_when_cancelled_adds_no_duration(
    make_runner, recorder: Recorder
) -> None:
    @task(max_retries=1, retry_delay=30)
    def failing() -> None:
        raise ConnectionError("down")

    flow = Flow("waiting")
    flow.add_task(failing, key="failing")
    clock = ManualClock(100.0)
    run = make_runner(2, sinks=(recorder,), clock=clock).start(flow)
    wait_until(lambda: recorder.of("failing", StateType.AWAITING_RETRY))
    clock.advance(4.0)  # a wait, not work
    assert run.cancel()
    assert run.final_state() is StateType.CANCELLED
    assert run.runner.bus.flush(10)

    (cut,) = recorder.of("failing", StateType.CANCELLED)
    assert cut.duration is None
    assert [a.duration for a in run.tasks["failing"].attempts] == [0.0]


def test_the_stored_task_counts_its_cancelled_attempt_s_time() -> None:
    """``flowtop history --run``'s task line read ``-`` though its attempt line had the
    time: the store's fold added only finished attempts' durations."""
    from flowtop.engine.events import RunStarted, TaskStateChanged
    from flowtop.workspace.log_fold import fold

    events = [
        RunStarted("r1", "f", 1, ("nap",), (2,), ("",), None, 1.0),
        TaskStateChanged("r1", "f", "nap", StateType.RUNNING, 1, 2, 1.0),
        TaskStateChanged("r1", "f", "nap", StateType.AWAITING_RETRY, 1, 2, 2.0, duration=1.0),
        TaskStateChanged("r1", "f", "nap", StateType.RUNNING, 2, 2, 3.0),
        TaskStateChanged("r1", "f", "nap", StateType.CANCELLED, 2, 2, 5.5, duration=2.5),
    ]
    (stored,) = fold([], events)  # type: ignore[arg-type]
    assert stored.duration == 3.5
    assert [a.duration for a in stored.attempt_records] == [1.0, 2.5]
