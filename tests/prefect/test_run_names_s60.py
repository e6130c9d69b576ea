"""Prefect 3 naming differences (s60), each checked against Prefect 3.9.1 side by side:

- a task run whose ``task_run_name`` cannot be made, submitted: Prefect's future raises
  the naming error from ``wait()``, ``result()`` (``raise_on_failure=False`` too),
  ``.submit(..., return_state=True)``, ``.map(...).wait()`` and ``prefect.futures.wait``;
  flowtop's ``wait()`` returned None, ``result(raise_on_failure=False)`` the error, and
  ``return_state=True`` a Failed state;
- flowtop's own ``@task`` with ``return_state=True`` gave a Failed state for a naming
  error (Prefect raises it); its ``.submit()`` outside a flow crashed its thread;
- ``flow_run_name="run-{}"`` (a positional field) recorded a failed run with
  ``return_state=True`` and its error read ``names Replacement index 0 out of range …``;
  Prefect raises ``IndexError`` from the call, no run begun.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import flowtop
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.errors import FlowRunNameError, TaskRunNameError
from flowtop.engine.events import RunStarted
from flowtop.engine.runner import Runner
from flowtop.futures import wait


def _bad(seen: list[str], decorator: Any = task) -> Any:
    @decorator(task_run_name="row-{missing}", retries=1, retry_delay_seconds=0)
    def bad(x: int) -> int:
        seen.append("body")
        return x

    return bad


def _raised(fn: Any) -> str:
    try:
        got = fn()
    except Exception as exc:  # noqa: BLE001 - what the call raised, compared by the test
        return type(exc).__name__
    return f"returned {type(got).__name__}"


# -- 1. a submitted task run that cannot be named -------------------------------------------
@pytest.mark.parametrize(
    "how",
    ["wait", "result", "result_no_raise", "submit_return_state", "map_wait", "futures_wait"],
)
def test_a_submitted_badly_named_task_run_raises_from_its_future(how: str) -> None:
    seen: list[str] = []
    bad = _bad(seen)
    reads = {
        "wait": lambda: bad.submit(1).wait(),
        "result": lambda: bad.submit(1).result(),
        "result_no_raise": lambda: bad.submit(1).result(raise_on_failure=False),
        "submit_return_state": lambda: bad.submit(1, return_state=True),
        "map_wait": lambda: bad.map([1, 2]).wait(),
        "futures_wait": lambda: wait([bad.submit(1)]),
    }

    @flow
    def main() -> str:
        return _raised(reads[how])

    assert main() == "TaskRunNameError"
    assert seen == []


def test_a_badly_named_task_run_s_future_reads_pending_as_prefect_s() -> None:
    """It read ``Failed``, final; Prefect's run never leaves ``Pending`` (sm61)."""
    bad = _bad([])

    @flow
    def main() -> tuple[str, bool]:
        future = bad.submit(1)
        with pytest.raises(KeyError):
            future.wait()
        return future.state.name, future.state.is_final()

    assert main() == ("Pending", False)


# -- 2. flowtop's own @task, return_state=True ----------------------------------------------
@pytest.mark.parametrize("how", ["call", "submit"])
def test_flowtop_s_own_task_raises_a_naming_error_with_return_state(how: str) -> None:
    seen: list[str] = []
    bad = _bad(seen, flowtop.task)

    @flowtop.flow
    def main() -> str:
        if how == "call":
            return _raised(lambda: bad(1, return_state=True))
        return _raised(lambda: bad.submit(1, return_state=True))

    assert main() == "TaskRunNameError"
    assert seen == []


def test_flowtop_s_own_async_task_raises_a_naming_error_with_return_state() -> None:
    @flowtop.task(task_run_name="a-{nope}")
    async def named(x: int) -> int:
        return x

    @flowtop.flow
    async def main() -> str:
        try:
            await named(1, return_state=True)
        except KeyError as exc:
            return type(exc).__name__
        return "returned"

    assert asyncio.run(main()) == "TaskRunNameError"


def test_flowtop_s_own_task_submitted_outside_a_flow_raises_its_naming_error() -> None:
    seen: list[str] = []
    bad = _bad(seen, flowtop.task)
    future = bad.submit(1)
    with pytest.raises(TaskRunNameError, match="names 'missing'"):
        future.wait()
    assert future.state.name == "Pending"  # as Prefect's (it read Failed)
    with pytest.raises(TaskRunNameError):
        future.result(raise_on_failure=False)
    with pytest.raises(TaskRunNameError):
        bad.submit(1, return_state=True)
    assert seen == []


# -- 3. a positional field in a run name ----------------------------------------------------
@pytest.mark.parametrize("spec", ["run-{}", "run-{0}"])
@pytest.mark.parametrize("return_state", [False, True])
def test_a_positional_flow_run_name_field_is_refused_before_any_run(
    spec: str, return_state: bool
) -> None:
    seen: list[str] = []

    def on_fail(flow: Any, flow_run: Any, state: Any) -> None:
        seen.append("hook")

    @flow(flow_run_name=spec, retries=1, retry_delay_seconds=0, on_failure=[on_fail])
    def report(x: int = 1) -> int:
        seen.append("body")
        return x

    @flow
    def main() -> str:
        try:
            report(1, return_state=True) if return_state else report(1)
        except IndexError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "returned"

    events: list[Any] = []
    with Runner(sinks=[events.extend]) as runner:
        result = runner.run(main)
        runner.bus.flush()
    assert result.value == (
        f"FlowRunNameIndexError: flow_run_name {spec!r} has a positional field ({{}} or "
        "{0}), where only a parameter's name of 'report' can be"
    )
    assert seen == []
    assert [e.flow for e in events if isinstance(e, RunStarted)] == ["main"]  # no run of report


def test_a_script_s_call_of_a_positionally_named_flow_raises_an_index_error() -> None:
    @flow(flow_run_name="run-{}")
    def report(x: int = 1) -> int:
        return x

    with pytest.raises(IndexError):
        report(return_state=True)
    with pytest.raises(FlowRunNameError):  # a KeyError and a ValueError too, as before
        report()


def test_a_positional_task_run_name_field_is_an_index_error_saying_so() -> None:
    @task(task_run_name="row-{}")
    def pos(x: int) -> int:
        return x

    @flow
    def main() -> str:
        try:
            pos(1)
        except IndexError as exc:
            return str(exc)
        return "returned"

    assert main() == (
        "task 'pos': task_run_name 'row-{}' has a positional field ({} or {0}), where only "
        "a parameter's name can be (the call's parameters are ['x'])"
    )
