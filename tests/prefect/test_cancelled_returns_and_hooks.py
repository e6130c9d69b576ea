"""A returned ``Cancelled(...)``, ``Failed(...)`` or ``Crashed(...)`` and a cache hit, as
Prefect 3.9.1 ends the run and calls its hooks (checked side by side with it):

- a flow returning ``Cancelled(message="stop")`` (or a task's cancelled state) ends
  Cancelled: no hook runs, no flow retry follows; flowtop records it CANCELLED, its note
  saying what it returned; a returned group of states one of which is cancelled runs no
  hook either (its call returns the states);
- a task returning ``Cancelled(...)`` ends Cancelled: no task hook runs;
- a flow returning ``Failed(message=…)`` gives its ``on_failure`` hooks that state (its
  message, its name); one returning ``Crashed(...)`` calls ``on_crashed``, not retried;
- a call served from the cache calls ``on_running``, then ``on_completion`` with a state
  named ``Cached``, in a flow and outside one.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from engine.kit import Recorder
from flowtop import flow, task
from flowtop.engine import RunFinished, Runner, StateType
from flowtop.engine.caching import INPUTS, MemoryCache
from flowtop.exceptions import CancelledRun
from flowtop.states import Cancelled, Completed, Crashed, Failed


class Hooks:
    """Every hook kind of a flow or task, each recording ``kind state-name message``."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, kind: str) -> Any:
        def hook(_: Any, __: Any, state: Any) -> None:
            self.seen.append(f"{kind} {state.name} {state.message}")

        hook.__name__ = kind
        return hook

    def flow_kinds(self) -> dict[str, Any]:
        kinds = ("on_running", "on_completion", "on_failure", "on_crashed", "on_cancellation")
        return {kind: [self(kind)] for kind in kinds}

    def task_kinds(self) -> dict[str, Any]:
        return {kind: [self(kind)] for kind in ("on_completion", "on_failure")}


def ended(runner_target: Any) -> tuple[RunFinished, Any]:
    """Run ``runner_target`` (a flow) on a runner of its own: its last ``RunFinished``
    and its result."""
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(runner_target)
        runner.bus.flush()
    finished = [e for e in recorder.events if isinstance(e, RunFinished)]
    return finished[-1], result


# -- a flow that returns Cancelled --------------------------------------------------------
def test_a_flow_returning_cancelled_ends_cancelled_with_no_hook_and_no_retry() -> None:
    hooks, bodies = Hooks(), []

    @flow(retries=2, **hooks.flow_kinds())
    def stopper() -> Any:
        bodies.append(1)
        return Cancelled(message="stop")

    last, result = ended(stopper)
    assert (last.state, last.retry_in, last.error) == (StateType.CANCELLED, None, None)
    assert last.note == "the flow returned Cancelled('stop')"
    assert result.state is StateType.CANCELLED and isinstance(result.error, CancelledRun)
    assert (len(bodies), hooks.seen) == (1, ["on_running Running None"])  # not retried
    with pytest.raises(CancelledRun, match=r"^stop$"):  # a call raises it, as in Prefect
        stopper()


def test_a_flow_returning_a_task_s_cancelled_state_ends_cancelled_too() -> None:
    hooks, bodies = Hooks(), []

    @task
    def declines() -> Any:
        return Cancelled(message="nah")

    @flow(retries=1, **hooks.flow_kinds())
    def relays() -> Any:
        bodies.append(1)
        return declines.submit()

    last, _ = ended(relays)
    assert (last.state, last.retry_in) == (StateType.CANCELLED, None)
    assert last.note == "the flow returned a task's state: 1/1 states cancelled."
    assert (len(bodies), hooks.seen) == (1, ["on_running Running None"])
    with pytest.raises(CancelledRun, match=r"^nah$"):
        relays()


def test_a_returned_group_with_a_cancelled_state_runs_no_hook() -> None:
    hooks = Hooks()

    @flow(retries=1, **hooks.flow_kinds())
    def group() -> Any:
        return [Completed(data=1), Cancelled(message="c")]

    states = group()  # the call returns the states, as Prefect's
    assert [s.name for s in states] == ["Completed", "Cancelled"]
    assert hooks.seen == ["on_running Running None"]  # no on_failure: Prefect's is Cancelled
    last, _ = ended(group)  # recorded as Prefect records it, saying why
    assert (last.state, last.note) == (
        StateType.CANCELLED,
        "the flow returned states: 1/2 states cancelled.",
    )


def test_return_state_gives_the_cancelled_state_a_flow_returned() -> None:
    """Prefect's ``return_state=True`` of a flow that returned ``Cancelled(...)``, by hand
    or a task's: that Cancelled state with its message (it read FAILED)."""

    @task
    def declines() -> Any:
        return Cancelled(message="nah")

    @flow
    def by_hand() -> Any:
        return Cancelled(message="stop")

    @flow
    def relays() -> Any:
        return declines.submit()

    state = by_hand(return_state=True)
    assert (state.type, state.name, state.message) == (StateType.CANCELLED, "Cancelled", "stop")
    state = relays(return_state=True)
    assert (state.type, state.message) == (StateType.CANCELLED, "1/1 states cancelled.")


# -- a flow that returns Failed or Crashed --------------------------------------------------
def test_a_flow_returning_failed_gives_its_hooks_that_state() -> None:
    hooks = Hooks()

    @flow(**hooks.flow_kinds())
    def declines(name: str) -> Any:
        return Failed(message="flow says no", name=name)

    assert declines("Failed", return_state=True).message == "flow says no"
    declines("Declined", return_state=True)
    assert hooks.seen[1::2] == [
        "on_failure Failed flow says no",  # not "Flow run encountered an exception: …"
        "on_failure Declined flow says no",
    ]


def test_a_flow_returning_crashed_calls_on_crashed_and_is_not_retried() -> None:
    hooks, bodies = Hooks(), []

    @flow(retries=1, **hooks.flow_kinds())
    def breaks() -> Any:
        bodies.append(1)
        return Crashed(message="boom")

    last, _ = ended(breaks)
    assert (last.state, last.retry_in, len(bodies)) == (StateType.FAILED, None, 1)
    assert hooks.seen == ["on_running Running None", "on_crashed Crashed boom"]


# -- a task that returns Cancelled ---------------------------------------------------------
def test_a_task_returning_cancelled_runs_no_task_hook_in_a_flow_or_outside() -> None:
    hooks = Hooks()

    @task(**hooks.task_kinds())
    def answers(kind: str) -> Any:
        if kind == "cancel":
            return Cancelled(message="nah")
        return Failed(message="ff") if kind == "fail" else 3

    @flow
    def asks() -> list[str]:
        return [answers(kind, return_state=True).name for kind in ("cancel", "fail", "ok")]

    assert asks() == ["Cancelled", "Failed", "Completed"]
    assert hooks.seen == ["on_failure Failed ff", "on_completion Completed None"]
    hooks.seen.clear()
    assert answers("cancel", return_state=True).type is StateType.CANCELLED  # outside a flow
    assert hooks.seen == []


# -- a cache hit -----------------------------------------------------------------------------
def test_a_cache_hit_calls_on_running_then_on_completion_named_cached() -> None:
    seen: list[str] = []
    key = uuid.uuid4().hex  # its own cache entry, whatever ran before in this process

    def hook(kind: str) -> Any:
        def called(_: Any, __: Any, state: Any) -> None:
            seen.append(f"{kind} {state.name}")
            print(f"hook {kind}")

        return [called]

    @task(cache_policy=INPUTS, on_running=hook("running"), on_completion=hook("completion"))
    def fetch(x: str) -> str:
        seen.append("body")
        return x

    @flow
    def twice() -> tuple[str, str]:
        return fetch(key), fetch(key)

    recorder = Recorder()
    with Runner(sinks=[recorder], cache=MemoryCache()) as runner:
        assert runner.run(twice).value == (key, key)
        runner.bus.flush()
    called = ["running Running", "body", "completion Completed"]
    assert seen == [*called, "running Running", "completion Cached"]
    (hit,) = recorder.of("fetch-2", StateType.COMPLETED)
    assert hit.reused and hit.output == "hook running\nhook completion\n"

    seen.clear()
    other = uuid.uuid4().hex
    assert (fetch(other), fetch(other)) == (other, other)  # outside a flow: the same hooks
    assert seen == [*called, "running Running", "completion Cached"]
