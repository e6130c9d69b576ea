"""``sys.exit()`` in a drop-in task crashes its task run, as in Prefect 3.9.1 (checked
side by side, ``task_engine.handle_crash``): the run is Crashed ("Execution was aborted by
Python system exit call."), never retried, no ``on_failure`` hook is called, and the
``SystemExit`` is raised again by the call (``return_state=True`` too), by its future's
``wait()`` and ``result()``; a flow body that lets it through crashes (``on_crashed``).

flowtop recorded a plain failure, called ``on_failure`` with a ``Failed`` state, its
future's ``wait()`` returned and its ``state`` read ``Failed``, ``return_state=True`` gave
that state, and the flow went on to COMPLETED. flowtop's own tasks are unchanged.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

import flowtop
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine import Runner
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.states import StateType

CRASH = "Execution was aborted by Python system exit call."

#: What the hooks saw: ``(hook, state type, state name)``.
hooked: list[tuple[str, Any, str]] = []


def task_hook(tsk: Any, task_run: Any, state: Any) -> None:
    hooked.append(("task", state.type, state.name))


def flow_hook(fl: Any, flow_run: Any, state: Any) -> None:
    hooked.append(("flow", state.type, state.name))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    hooked.clear()


@task(retries=2, retry_delay_seconds=0, on_failure=[task_hook])
def quitter() -> None:
    sys.exit(3)


def _run(fl: Any) -> tuple[Any, list[TaskStateChanged]]:
    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.run(fl)
    return result, [e for e in seen if isinstance(e, TaskStateChanged)]


def test_a_direct_call_raises_the_exit_once_with_no_failure_hook() -> None:
    caught: list[BaseException] = []

    @flow(on_failure=[flow_hook], on_crashed=[flow_hook])
    def exits() -> str:
        try:
            quitter()
        except BaseException as exc:  # noqa: BLE001 - what reaches the body is checked
            caught.append(exc)
        return "after"

    result, events = _run(exits)
    assert [type(e) for e in caught] == [SystemExit]
    assert result.state is StateType.COMPLETED and result.value == "after"
    assert hooked == []  # no on_failure: Prefect calls no hook for a crash
    assert result["quitter"].type is StateType.FAILED  # recorded FAILED, as documented
    assert len(result.attempts["quitter"]) == 1  # never retried
    (end,) = [e for e in events if e.state is StateType.FAILED]
    assert end.message == f"Crashed: {CRASH}"


def test_return_state_raises_the_exit_and_the_flow_crashes() -> None:
    @flow(on_failure=[flow_hook], on_crashed=[flow_hook])
    def exits() -> Any:
        return quitter(return_state=True)

    result = _run(exits)[0]
    assert result.state is StateType.FAILED and isinstance(result.error, SystemExit)
    assert hooked == [("flow", StateType.CRASHED, "Crashed")]


def test_a_submitted_task_s_wait_raises_the_exit_and_its_state_is_named_crashed() -> None:
    seen: list[Any] = []

    @flow
    def exits() -> str:
        future = quitter.submit()
        try:
            future.wait()
        except BaseException as exc:  # noqa: BLE001 - what reaches the body is checked
            seen.append(type(exc))
        state = future.state
        seen.append((state.type, state.name, state.message))
        try:
            future.result()
        except BaseException as exc:  # noqa: BLE001 - what reaches the body is checked
            seen.append(type(exc))
        return "after"

    result = _run(exits)[0]
    assert seen == [SystemExit, (StateType.FAILED, "Crashed", CRASH), SystemExit]
    assert result.state is StateType.COMPLETED and hooked == []


def test_a_waited_crash_let_through_crashes_the_flow() -> None:
    @flow(on_failure=[flow_hook], on_crashed=[flow_hook])
    def exits() -> str:
        quitter.submit().wait()
        return "not reached"

    result = _run(exits)[0]
    assert result.state is StateType.FAILED and isinstance(result.error, SystemExit)
    assert hooked == [("flow", StateType.CRASHED, "Crashed")]


def test_a_mapped_crash_is_raised_by_waiting_on_the_list() -> None:
    @task
    def maybe_quits(n: int) -> int:
        if n == 2:
            sys.exit(n)
        return n

    @flow
    def exits() -> Any:
        futures = maybe_quits.map([1, 2])
        try:
            futures.wait()
        except SystemExit as exc:
            return f"raised {exc.code}"
        return "waited"

    assert _run(exits)[0].value == "raised 2"


def test_a_crash_never_waited_on_leaves_the_flow_completed() -> None:
    @task
    def fine() -> int:
        return 1

    @flow(on_crashed=[flow_hook])
    def exits() -> int:
        quitter.submit()
        return fine()

    result = _run(exits)[0]
    assert result.state is StateType.COMPLETED and result.value == 1 and hooked == []


def test_a_call_outside_any_flow_raises_the_exit_with_no_failure_hook() -> None:
    with pytest.raises(SystemExit):
        quitter()
    with pytest.raises(SystemExit):
        quitter(return_state=True)
    with pytest.raises(SystemExit):
        asyncio.run(_awaited_outside())
    assert hooked == []


async def _awaited_outside() -> None:
    @task(on_failure=[task_hook])
    async def aquits() -> None:
        sys.exit(5)

    await aquits()


def test_flowtop_s_own_task_still_fails_with_its_hook_and_a_wait_that_returns() -> None:
    @flowtop.task(on_failure=[task_hook])
    def own_quitter() -> None:
        sys.exit(3)

    seen: list[Any] = []

    @flowtop.flow
    def own() -> str:
        future = own_quitter.submit()
        future.wait()  # returns, as before
        seen.append(future.state.name)
        return "after"

    result = _run(own)[0]
    assert result.state is StateType.COMPLETED and seen == ["Failed"]
    assert hooked == [("task", StateType.FAILED, "Failed")]
