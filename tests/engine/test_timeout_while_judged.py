"""An attempt's timeout, and the user's code that decides what follows the attempt.

Deciding what follows an attempt may run the user's code: its ``retry_predicate``, a
``retry_delay`` callable, Prefect's ``retry_condition_fn``, ``on_failure`` hooks. Two
ways that went wrong with a timeout:

- A timed-out attempt was decided on the runner's one timer thread: while a callback of
  it ran, no retry of any task came due and no other timeout fired (a stuck one: the run
  never ended, another task's timeout was never enforced). It is decided on a thread of
  its own now.
- The attempt's timeout was dropped only once its outcome was judged, so a slow callback
  on an attempt whose call had returned timed the attempt out as if its code ran past
  the timeout: ``CancelledError was raised in its code`` (nothing was), the callback
  called again for a made-up failure, the attempt's real error replaced. The timeout still
  bounds the judging (a callback that never returns must not hold the run), but says what
  ran past it, keeps the attempt's own error, and calls no callback again.

Every run here reads a ``ManualClock``: a timeout comes due when the test advances it, once
the callback is known to be running, whatever the machine's speed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from flowtop import Flow, Retry, task
from flowtop.engine import Runner
from flowtop.engine.async_call import AsyncCall
from flowtop.engine.attempt import JUST_RETURNED, give_up_thread
from flowtop.engine.errors import TaskTimeout
from flowtop.engine.executors import ProcessBackend
from flowtop.engine.judging import JUDGED_TOO_LONG
from flowtop.engine.pool import WorkerPool
from flowtop.engine.states import StateType
from flowtop.engine.timer import ManualClock
from flowtop.engine.user_call import UserCall

from .kit import Recorder, wait_until

S = StateType
BOUND = 10.0  # seconds a wait may take before the test calls it a hang


class Stuck:
    """A user callback (predicate, delay callable, condition, hook) that notes each call,
    then waits for ``release`` before it answers ``answer``."""

    def __init__(self, release: threading.Event, answer: Any = False) -> None:
        self.release = release
        self.answer = answer
        self.calls: list[tuple[Any, ...]] = []
        self.asked = threading.Event()
        self.__qualname__ = "Stuck"  # its name in messages, as a function's

    def __call__(self, *args: Any) -> Any:
        self.calls.append(args)
        self.asked.set()
        self.release.wait(BOUND * 3)
        return self.answer


def one(t: Any) -> Flow:
    flow = Flow(f"flow-{t.name}")
    flow.add_task(t)
    return flow


# -- the timer thread runs no user code ---------------------------------------------------------
#: Each callback a timed-out attempt may run, with the options that have it run.
ON_A_TIMED_OUT_ATTEMPT = {
    "retry_predicate": lambda stuck: {"max_retries": 1, "retry_predicate": stuck},
    "retry_delay": lambda stuck: {"max_retries": 1, "retry_delay": stuck},
    "retry_condition_fn": lambda stuck: {"retries": 1, "retry_condition_fn": stuck},
    "on_failure": lambda stuck: {"on_failure": [stuck]},
}


@pytest.mark.parametrize("option", sorted(ON_A_TIMED_OUT_ATTEMPT))
def test_a_callback_stuck_on_a_timed_out_attempt_holds_up_no_other_retry_or_timeout(
    option: str, make_runner: Callable[..., Runner], release: threading.Event
) -> None:
    stuck = Stuck(release, answer=0 if option == "retry_delay" else False)

    @task(timeout=1, **ON_A_TIMED_OUT_ATTEMPT[option](stuck))
    def hangs() -> None:
        release.wait(BOUND * 3)

    tries: list[int] = []

    @task
    def later() -> str:
        tries.append(1)
        if len(tries) == 1:
            raise Retry("once more", delay=2)
        return "done"

    @task(timeout=2)
    def overruns() -> None:
        release.wait(BOUND * 3)

    with Flow("held") as flow:
        hangs()
        later()
        overruns()
    clock, recorder = ManualClock(), Recorder()
    run = make_runner(4, sinks=(recorder,), clock=clock).start(flow)
    wait_until(  # every deadline set: hangs's timeout at 1, later's retry and a timeout at 2
        lambda: (
            recorder.of("hangs", S.RUNNING)
            and recorder.of("overruns", S.RUNNING)
            and recorder.of("later", S.AWAITING_RETRY)
        )
    )
    clock.advance(1)
    assert stuck.asked.wait(BOUND)  # hangs timed out; its callback runs, and stays
    clock.advance(1)
    wait_until(lambda: recorder.of("later", S.COMPLETED), BOUND)  # the retry came due
    wait_until(lambda: recorder.of("overruns", S.FAILED), BOUND)  # the timeout was enforced
    assert run.state is S.RUNNING and not recorder.of("hangs", S.FAILED)  # still deciding
    (failed,) = recorder.of("overruns", S.FAILED)
    assert failed.error is not None and failed.error.type == "TaskTimeout"
    release.set()
    assert run.result(timeout=BOUND)["later"].type is S.COMPLETED


# -- a timeout that comes while an attempt that returned is judged --------------------------------
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_predicate_past_the_timeout_of_an_attempt_that_returned_fails_it_saying_so(
    kind: str, make_runner: Callable[..., Runner], release: threading.Event
) -> None:
    stuck = Stuck(release)
    options: dict[str, Any] = {"timeout": 1, "max_retries": 2, "retry_predicate": stuck}
    if kind == "sync":

        @task(**options)
        def a() -> int:
            return 1

    else:

        @task(**options)
        async def a() -> int:
            return 1

    clock, recorder = ManualClock(), Recorder()
    runner = make_runner(2, sinks=(recorder,), clock=clock)
    run = runner.start(one(a))
    assert stuck.asked.wait(BOUND)
    clock.advance(1)
    result = run.result(timeout=BOUND)  # the predicate still runs: the timeout bounds it
    state = result["a"]
    assert state.type is S.FAILED and state.attempt == 1  # not retried: no answer came
    assert isinstance(state.exception, TaskTimeout)
    said = "attempt 1 of 'a' returned, but its retry_predicate Stuck ran past the timeout of 1s"
    assert str(state.exception) == said  # nothing was raised or cancelled in its code
    assert state.exception.__cause__ is None and state.message == JUDGED_TOO_LONG
    assert [args[0].type for args in stuck.calls] == [S.COMPLETED]  # one decision
    runner.bus.flush()
    (failed,) = recorder.of("a", S.FAILED)
    assert failed.error is not None and failed.error.message == said
    if kind == "sync":  # its worker, stuck in the predicate, was replaced
        pool = runner.executor
        assert isinstance(pool, WorkerPool) and pool.abandoned == 1
        release.set()  # the predicate answers: the attempt's late outcome is dropped
        wait_until(lambda: pool.abandoned == 0, BOUND)
        assert len(stuck.calls) == 1 and run.result(timeout=BOUND)["a"] == state


#: Each callback judging a failed attempt may run, with the options that have it run.
ON_A_FAILED_ATTEMPT = {
    "retry_predicate": (lambda stuck: {"max_retries": 1, "retry_predicate": stuck}, "Stuck"),
    "retry_delay": (lambda stuck: {"max_retries": 1, "retry_delay": stuck}, "callable Stuck"),
    "retry_condition_fn": (lambda stuck: {"retries": 1, "retry_condition_fn": stuck}, "Stuck"),
}


@pytest.mark.parametrize("option", sorted(ON_A_FAILED_ATTEMPT))
def test_a_callback_past_the_timeout_of_an_attempt_that_raised_keeps_its_own_error(
    option: str, make_runner: Callable[..., Runner], release: threading.Event
) -> None:
    stuck = Stuck(release, answer=0 if option == "retry_delay" else True)
    options, named = ON_A_FAILED_ATTEMPT[option]
    hooked: list[Any] = []

    @task(timeout=1, on_failure=[lambda *args: hooked.append(args)], **options(stuck))
    def a() -> None:
        raise ValueError("fast failure")

    clock, recorder = ManualClock(), Recorder()
    runner = make_runner(2, sinks=(recorder,), clock=clock)
    run = runner.start(one(a))
    assert stuck.asked.wait(BOUND)
    clock.advance(1)
    result = run.result(timeout=BOUND)
    state = result["a"]
    assert state.type is S.FAILED and state.attempt == 1
    why = f"its {option} {named} ran past the timeout of 1s"
    assert isinstance(state.exception, TaskTimeout) and state.message == why
    assert str(state.exception) == f"attempt 1 of 'a' raised ValueError, but {why}"
    assert isinstance(state.exception.__cause__, ValueError)
    (attempt,) = result.attempts["a"]  # the attempt's error is its own
    assert attempt.error is not None and attempt.error.type == "ValueError"
    assert attempt.error.message == "fast failure"
    assert len(stuck.calls) == 1 and len(hooked) == 1  # one decision, its hooks once
    runner.bus.flush()
    (failed,) = recorder.of("a", S.FAILED)
    assert failed.error == attempt.error and failed.message == why


def returns_one() -> int:
    return 1


def test_a_process_attempt_judged_past_its_timeout_fails_the_same_way(
    make_runner: Callable[..., Runner], release: threading.Event
) -> None:
    """With ``--executor process`` the attempt runs in another process and is judged here."""
    stuck = Stuck(release)
    judged = task(returns_one, timeout=5, max_retries=1, retry_predicate=stuck, name="a")
    clock = ManualClock()
    backend = ProcessBackend(1)
    try:
        run = make_runner(1, clock=clock, backend=backend).start(one(judged))
        assert stuck.asked.wait(BOUND * 3)  # (a process started first)
        clock.advance(5)
        state = run.result(timeout=BOUND)["a"]
    finally:
        release.set()
        backend.close()
    assert state.type is S.FAILED and state.message == JUDGED_TOO_LONG
    assert str(state.exception) == (
        "attempt 1 of 'a' returned, but its retry_predicate Stuck ran past the timeout of 5s"
    )
    assert len(stuck.calls) == 1


# -- what comes back after a timeout is not judged ----------------------------------------------
def test_the_late_result_of_a_timed_out_attempt_is_not_judged(
    make_runner: Callable[..., Runner], release: threading.Event
) -> None:
    asked: list[StateType] = []
    inside = threading.Event()

    def predicate(state: Any) -> bool:
        asked.append(state.type)
        return False

    @task(timeout=1, max_retries=1, retry_predicate=predicate)
    def a() -> str:
        inside.set()
        try:
            release.wait(BOUND * 3)
        except BaseException:  # noqa: BLE001 - the interrupt, caught: the call returns late
            return "late"
        return "released"

    clock = ManualClock()
    runner = make_runner(2, clock=clock)
    run = runner.start(one(a))
    assert inside.wait(BOUND)
    clock.advance(1)
    state = run.result(timeout=BOUND)["a"]
    assert state.type is S.FAILED and isinstance(state.exception, TaskTimeout)
    release.set()  # its call comes back with a value, which nobody asks about
    pool = runner.executor
    assert isinstance(pool, WorkerPool)
    wait_until(lambda: pool.abandoned == 0, BOUND)
    assert asked == [S.FAILED]


def test_a_call_that_returned_as_its_timeout_came_is_not_said_to_be_interrupted() -> None:
    """Its timeout found it returned, but not yet judged: nothing is raised in it, and its
    thread is not given up."""
    runner = Runner(1)
    try:
        call = UserCall(1)
        assert call.run(lambda: 1, [], {}) == 1
        assert give_up_thread(runner, call) == (JUST_RETURNED, False, False)
        ended = AsyncCall(2)
        ended.ended()
        assert give_up_thread(runner, ended) == (JUST_RETURNED, False, False)
    finally:
        runner.shutdown()
