"""The runner's one timer thread runs no user code and waits on no I/O.

Every retry delay and every timeout of a runner is an entry on its timer's heap, fired on
its one thread: a callback that runs the user's code (a ``flow_run_name``) or waits (a
store write, the tag limits' database) holds up every other retry and timeout of the
runner meanwhile. So each callback only hands its work on: a ``@flow``'s own retry
(``retries=N``) starts on a thread of its own, and so do a ``@flow``'s time limit and the
call-off of a subflow whose calling attempt timed out, both of which cancel tasks.

Each test holds such work (``Stuck``) and checks that another run's task retry still
comes due when the ``ManualClock`` is advanced, whatever the machine's speed; before,
that retry waited for the held work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, Retry, flow, task
from flowtop.engine import Runner, tag_limits
from flowtop.engine.dynamic_run import DynamicRun
from flowtop.engine.run import FlowRun
from flowtop.engine.states import StateType
from flowtop.engine.timer import ManualClock

from .kit import Recorder, wait_until

S = StateType
BOUND = 10.0  # seconds a wait may take before the test calls it a hang


class Stuck:
    """Work that notes it was reached (``reached``), then waits for ``release``."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.reached = threading.Event()

    def hold(self) -> None:
        self.reached.set()
        self.release.wait(BOUND * 3)


def a_retry_due_at_2(runner: Runner, recorder: Recorder) -> FlowRun:
    """A run whose task ``later`` waits for a retry due at t=2 (the timer's)."""
    tries: list[int] = []

    @task
    def later() -> str:
        tries.append(1)
        if len(tries) == 1:
            raise Retry("once more", delay=2)
        return "done"

    graph = Flow("other")
    graph.add_task(later)
    run = runner.start(graph)
    wait_until(lambda: recorder.of("later", S.AWAITING_RETRY), BOUND)
    return run


def comes_due_while_held(clock: ManualClock, recorder: Recorder, other: FlowRun) -> None:
    """The other run's retry comes due, and completes, while the work stays held."""
    clock.advance(2)
    wait_until(lambda: recorder.of("later", S.COMPLETED), BOUND)
    assert other.result(timeout=BOUND)["later"].type is S.COMPLETED


# -- a @flow's own retry ------------------------------------------------------------------------
#: What starting a ``@flow``'s retry runs that may take long: the user's ``flow_run_name``,
#: the run store numbering the run (``next_number``) and applying its queued commands
#: (``before_begin``): store writes.
HELD_IN_A_RETRY_START = ["flow_run_name", "next_number", "before_begin"]


@pytest.mark.parametrize("held", HELD_IN_A_RETRY_START)
def test_a_flow_retry_held_as_it_starts_holds_up_no_other_retry(
    held: str, make_runner: Callable[..., Runner], release: threading.Event
) -> None:
    stuck = Stuck(release)
    named: list[str] = []
    numbered: list[str] = []

    def name() -> str:
        named.append("flaky-run")
        if held == "flow_run_name" and len(named) == 2:  # the retry's name
            stuck.hold()
        return "flaky-run"

    def next_number(flow_name: str, run_id: str) -> int:
        numbered.append(flow_name)
        if held == "next_number" and numbered.count("flaky") == 2:  # the retry's number
            stuck.hold()
        return len(numbered)

    def before_begin(run: FlowRun) -> None:
        if held == "before_begin" and getattr(run, "flow_attempt", 1) == 2:
            stuck.hold()

    @flow(retries=1, retry_delay_seconds=0, flow_run_name=name)
    def flaky() -> None:
        raise ValueError("again")

    clock, recorder = ManualClock(), Recorder()
    runner = make_runner(4, sinks=(recorder,), clock=clock, next_number=next_number)
    runner.before_begin = before_begin
    other = a_retry_due_at_2(runner, recorder)
    first = runner.start(flaky)
    assert isinstance(first, DynamicRun)
    assert stuck.reached.wait(BOUND)  # its body failed; its retry is being started
    comes_due_while_held(clock, recorder, other)
    assert first.next_run is None  # still starting
    release.set()
    last = first.final_run(BOUND)
    assert last is not first and last.flow_attempt == 2 and last.rerun_of == first.run_id
    assert last.final_result(BOUND).state is S.FAILED


# -- what cancels tasks: a @flow's time limit, a subflow called off -------------------------------
class HeldSlots:
    """The tag limits' counter (``tag_limits.Slots``), whose ``give_back`` (a write to
    ``.flowtop/limits.db``) is held: what cancelling a running tagged task waits for."""

    def __init__(self, stuck: Stuck) -> None:
        self.stuck = stuck

    def tag_limits(self, folder: Path | None) -> dict[str, object]:
        return {"tag:db": 5}

    def try_take(self, folder: Path | None, limits: dict[str, object]) -> object | None:
        return "slot"

    def give_back(self, taken: object) -> None:
        self.stuck.hold()


@pytest.fixture
def held_slots(monkeypatch: pytest.MonkeyPatch, release: threading.Event) -> HeldSlots:
    slots = HeldSlots(Stuck(release))
    monkeypatch.setattr(tag_limits, "slots", slots)
    return slots


def test_a_flow_time_limit_waiting_to_cancel_its_tasks_holds_up_no_other_retry(
    make_runner: Callable[..., Runner], release: threading.Event, held_slots: HeldSlots
) -> None:
    @task(tags=["db"])
    def query() -> None:
        release.wait(BOUND * 3)

    @flow(timeout_seconds=1)
    def limited() -> None:
        query()

    clock, recorder = ManualClock(), Recorder()
    runner = make_runner(4, sinks=(recorder,), clock=clock)
    other = a_retry_due_at_2(runner, recorder)
    run = runner.start(limited)
    wait_until(lambda: recorder.of("query", S.RUNNING, run.run_id), BOUND)
    clock.advance(1)  # its time limit: ``query`` is cancelled, its slot given back (held)
    assert held_slots.stuck.reached.wait(BOUND)
    comes_due_while_held(clock, recorder, other)
    release.set()
    result = run.final_result(BOUND)
    assert result.state is S.FAILED and result["query"].type is S.CANCELLED


def test_a_subflow_called_off_waiting_to_cancel_its_tasks_holds_up_no_other_retry(
    make_runner: Callable[..., Runner], release: threading.Event, held_slots: HeldSlots
) -> None:
    @task(tags=["db"])
    def query() -> None:
        release.wait(BOUND * 3)

    @flow
    def sub() -> None:
        query()

    @task(timeout=1)
    def calls_sub() -> None:
        sub()

    clock, recorder = ManualClock(), Recorder()
    runner = make_runner(4, sinks=(recorder,), clock=clock)
    other = a_retry_due_at_2(runner, recorder)
    graph = Flow("caller")
    graph.add_task(calls_sub)
    run = runner.start(graph)
    wait_until(lambda: recorder.of("query", S.RUNNING), BOUND)
    clock.advance(1)  # calls_sub timed out: its subflow is called off, query's slot held
    assert held_slots.stuck.reached.wait(BOUND)
    comes_due_while_held(clock, recorder, other)
    release.set()
    assert run.result(timeout=BOUND)["calls_sub"].type is S.FAILED


# -- names in messages --------------------------------------------------------------------------
class Refuses:
    """A ``retry_condition_fn`` that is an object, not a function: it has no ``__qualname__``."""

    def __call__(self, task: Any, task_run: Any, state: Any) -> bool:
        raise ValueError("cannot say")


def test_a_retry_condition_object_is_named_by_its_class(runner: Runner) -> None:
    @task(retries=1, retry_condition_fn=Refuses())
    def a() -> None:
        raise KeyError("k")

    state = runner.start(one_task(a)).result(timeout=BOUND)["a"]
    assert state.type is S.FAILED and state.attempt == 1
    assert state.message == "retry_condition_fn Refuses raised ValueError: cannot say"


def one_task(t: Any) -> Flow:
    graph = Flow(f"flow-{t.name}")
    graph.add_task(t)
    return graph
