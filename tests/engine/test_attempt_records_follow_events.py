"""An attempt's record (``run.tasks[key].attempts``) says what the step that ended it said.

The record used to be set beside the state change in five places and the event built in
another; the transition now fills both from the same fields. A guard: every way an
attempt ends — completed, failed and retried, failed for good, given up while waiting,
cut short by a cancel — must leave the record and its step in agreement.
"""

from __future__ import annotations

import threading
from itertools import pairwise

from flowtop import Flow, task
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.records import Attempt
from flowtop.engine.states import StateType

from .kit import Recorder, wait_until

ENDINGS = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.AWAITING_RETRY, StateType.CANCELLED}
)


def ending_steps(recorder: Recorder, key: str) -> list[TaskStateChanged]:
    """The steps that ended an attempt of ``key``: each follows a RUNNING step."""
    steps = [e for e in recorder.task_events() if e.task == key]
    return [b for a, b in pairwise(steps) if a.state is StateType.RUNNING]


def assert_records_match(recorder: Recorder, key: str, records: list[Attempt]) -> None:
    ended = ending_steps(recorder, key)
    assert len(ended) == len(records)
    for step, record in zip(ended, records, strict=True):
        assert step.state in ENDINGS
        assert record.duration == step.duration
        assert record.output == step.output
        assert record.error == step.error
        assert record.retry_in == step.retry_in
        assert record.delay_explained == step.delay_explained


def test_records_of_retried_and_final_attempts_match_their_steps(
    make_runner, recorder: Recorder
) -> None:
    calls = {"flaky": 0}

    @task(max_retries=2, retry_delay=0)
    def flaky() -> int:
        calls["flaky"] += 1
        print("try", calls["flaky"])
        if calls["flaky"] < 3:
            raise ConnectionError(f"down {calls['flaky']}")
        return 7

    @task(max_retries=1, retry_delay=0)
    def broken() -> None:
        raise ValueError("always")

    with Flow("records") as flow:
        flaky()
        broken()
    run = make_runner(2, sinks=(recorder,)).start(flow)
    assert run.final_state() is StateType.FAILED
    assert run.runner.bus.flush(10)

    flaky_records = run.tasks["flaky"].attempts
    assert [r.state for r in flaky_records] == [
        StateType.AWAITING_RETRY,
        StateType.AWAITING_RETRY,
        StateType.COMPLETED,
    ]
    assert flaky_records[0].output == "try 1\n" and flaky_records[0].error is not None
    assert_records_match(recorder, "flaky", flaky_records)
    broken_records = run.tasks["broken"].attempts
    assert [r.state for r in broken_records] == [StateType.AWAITING_RETRY, StateType.FAILED]
    assert_records_match(recorder, "broken", broken_records)


def test_a_given_up_wait_makes_its_last_attempt_final(make_runner, recorder: Recorder) -> None:
    @task(max_retries=3, retry_delay=60)
    def waits() -> None:
        raise ConnectionError("down")

    with Flow("give-up") as flow:
        waits()
    run = make_runner(1, sinks=(recorder,)).start(flow)
    wait_until(lambda: run.tasks["waits"].state is StateType.AWAITING_RETRY)
    assert run.give_up("waits")
    assert run.final_state() is StateType.FAILED
    assert run.runner.bus.flush(10)
    (record,) = run.tasks["waits"].attempts
    assert record.state is StateType.FAILED
    assert record.retry_in == 60  # what the wait was, as its AWAITING_RETRY step said
    assert_records_match(recorder, "waits", [record])


def test_a_cancel_cuts_the_running_attempts_record_as_its_step(
    make_runner, recorder: Recorder
) -> None:
    started, release = threading.Event(), threading.Event()

    @task
    def nap() -> None:
        print("dozing")
        started.set()
        release.wait(10)

    with Flow("cut") as flow:
        nap()
    run = make_runner(1, sinks=(recorder,)).start(flow)
    assert started.wait(10)
    assert run.cancel()
    release.set()
    assert run.final_state() is StateType.CANCELLED
    assert run.runner.bus.flush(10)
    (record,) = run.tasks["nap"].attempts
    assert record.state is StateType.CANCELLED and record.output == "dozing\n"
    assert_records_match(recorder, "nap", [record])
