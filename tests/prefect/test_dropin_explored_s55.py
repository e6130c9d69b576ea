"""Prefect 3 flow files written as users write them, run under Prefect 3.9.1 and under
drop-in flowtop side by side: what read differently under flowtop.

- a drop-in task called with arguments its function cannot take (its call, ``.submit()``
  or ``.map()``) raised a plain ``TypeError`` in flowtop's words (``task 'needs': missing
  a required argument: 'a'``) where Prefect raises ``ParameterBindError``, naming the
  signature and what was given (a flow's call already did);
- ``.submit()`` and ``.map()`` of a drop-in task with no flow run around them (a script,
  a task called outside any flow) ran the task on a thread, where Prefect refuses them
  with a ``RuntimeError``: a file that fails under Prefect ran here;
- ``.map(..., deferred=False)``, Prefect's default written out, failed: ``deferred`` was
  taken for an argument of the task;
- a task called by a task of a flow run (``def outer(): inner()``) was in no flow run:
  ``FlowRunContext.get()`` None, ``prefect.runtime.flow_run.name`` None, its
  ``task_run.flow_run_id`` None, its logger's ``flow_name`` ``<unknown>``, and its
  ``.submit()`` could not be in the run, where Prefect's nested task run is in the flow
  run of the task that called it.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from drop_in_kit import drop_in_module

from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.context import FlowRunContext, TaskRunContext
from flowtop.engine import shipping
from flowtop.engine.errors import NotInFlowtop
from flowtop.exceptions import ParameterBindError
from flowtop.logging import get_run_logger
from flowtop.runtime import flow_run as runtime_flow_run
from flowtop.states import Crashed, Failed


@task
def needs(a: int, b: int = 1) -> int:
    return a + b


#: A Prefect file's tasks, with no ``from __future__ import annotations`` (this file's
#: would make Prefect's message show each annotation quoted, ``'int'``).
BINDING = """
    from prefect import flow, task


    @task
    def needs(a: int, b: int = 1) -> int:
        return a + b


    @task
    def keyword_only(a: int, *, key: str) -> int:
        return a


    class Loader:
        @task
        def load(self, rows: list[int]) -> int:
            return len(rows)


    @flow
    def bad_calls(calls):
        return [call() for call in calls]
"""

NEEDS = "Function 'needs' has signature 'a: int, b: int = 1) -> int'"


@pytest.fixture
def binding(tmp_path: Path) -> ModuleType:
    return drop_in_module(tmp_path, "binding", BINDING)


def raised_by(call: Callable[[], Any]) -> str:
    """What ``call`` raised: a ``ParameterBindError``, which is a ``TypeError``."""
    with pytest.raises(ParameterBindError) as raised:
        call()
    assert isinstance(raised.value, TypeError)
    return str(raised.value)


# -- arguments a task cannot take: Prefect's ParameterBindError ------------------------------
def test_a_call_a_task_cannot_take_raises_prefect_s_parameter_bind_error(
    binding: ModuleType,
) -> None:
    """As Prefect 3.9.1 printed each (its ``strip("()")`` of the signature eats the ``(``
    only, as here); with ``return_state=True`` too, raised, not given as a state."""
    assert raised_by(lambda: binding.needs()) == (
        "Error binding parameters for function 'needs': missing a required argument: 'a'.\n"
        f"{NEEDS} but received args: () and kwargs: []."
    )
    assert raised_by(lambda: binding.needs(return_state=True)) == raised_by(binding.needs)
    assert raised_by(lambda: binding.keyword_only(1)) == (
        "Error binding parameters for function 'keyword_only': missing a required argument:"
        " 'key'.\nFunction 'keyword_only' has signature 'a: int, *, key: str) -> int' but "
        "received args: (1,) and kwargs: []."
    )


def test_submit_and_map_with_arguments_a_task_cannot_take_raise_it_in_a_flow(
    binding: ModuleType,
) -> None:
    """``.map()`` binds the whole call before it splits it: Prefect's message shows the
    list given (``([1],)``), not one item of it."""
    needs = binding.needs
    calls = [
        lambda: raised_by(lambda: needs.submit(1, 2, 3)),
        lambda: raised_by(lambda: needs.map([1], c=[2])),
        lambda: raised_by(lambda: needs.map(b=[1])),
    ]
    assert binding.bad_calls(calls) == [
        "Error binding parameters for function 'needs': too many positional arguments.\n"
        f"{NEEDS} but received args: (1, 2, 3) and kwargs: [].",
        "Error binding parameters for function 'needs': got an unexpected keyword argument"
        f" 'c'.\n{NEEDS} but received args: ([1],) and kwargs: ['c'].",
        "Error binding parameters for function 'needs': missing a required argument: 'a'.\n"
        f"{NEEDS} but received args: () and kwargs: ['b'].",
    ]


def test_a_method_task_is_bound_with_its_instance_as_prefect_binds_it(
    binding: ModuleType,
) -> None:
    loader = binding.Loader()
    assert loader.load([1, 2]) == 2
    assert raised_by(loader.load) == (
        "Error binding parameters for function 'load': missing a required argument: 'rows'.\n"
        "Function 'load' has signature 'self, rows: list[int]) -> int' but received args: "
        f"({loader!r},) and kwargs: []."
    )


# -- .submit() and .map() need a flow run, as in Prefect ------------------------------------
SUBMIT_REFUSED = (
    "Unable to determine task runner to use for submission. If you are submitting a task"
    " outside of a flow, please use `.delay` to submit the task run for deferred execution."
)
MAP_REFUSED = (
    "Unable to determine task runner to use for mapped task runs. If you are mapping a "
    "task outside of a flow, please provide `deferred=True` to submit the mapped task runs "
    "for deferred execution."
)


def test_submit_and_map_outside_any_flow_raise_prefect_s_runtime_error() -> None:
    with pytest.raises(RuntimeError) as raised:
        needs.submit(1)
    assert str(raised.value) == SUBMIT_REFUSED
    assert raised.value.__notes__ == [
        "flowtop: task 'needs' has no flow run to run in here; call it to run it in place, "
        "or submit it from a @flow (flowtop has no task workers for deferred runs)"
    ]
    with pytest.raises(RuntimeError) as raised:
        needs.map([1, 2])
    assert str(raised.value) == MAP_REFUSED
    assert needs(1) == 2  # a call runs in place, as Prefect's


def test_submit_inside_a_task_called_outside_any_flow_is_refused_too() -> None:
    """Prefect's ``FlowRunContext`` is None there too."""

    @task
    def fans_out() -> Any:
        return needs.submit(1)

    with pytest.raises(RuntimeError) as raised:
        fans_out()
    assert str(raised.value) == SUBMIT_REFUSED


def test_submit_and_map_in_a_flow_s_threads_follow_its_context() -> None:
    """A thread started with the body's context copied is in the run (Prefect's
    ``FlowRunContext`` is a context variable); a thread started plainly is not."""
    results: dict[str, Any] = {}

    def submit_here(key: str) -> None:
        try:
            results[key] = needs.submit(1).result()
        except RuntimeError as exc:
            results[key] = type(exc).__name__

    @flow
    def threads() -> None:
        copied = contextvars.copy_context()
        for key, target in (("copied", copied.run), ("plain", None)):
            args = (submit_here, key) if target is not None else (key,)
            thread = threading.Thread(target=target or submit_here, args=args)
            thread.start()
            thread.join()

    threads()
    assert results == {"copied": 2, "plain": "RuntimeError"}


def fans_out() -> list[int]:
    """A task function whose attempt submits and maps a drop-in task."""
    return [needs.submit(1).result(), *needs.map([1, 2]).result()]


def test_submit_and_map_in_an_attempt_shipped_to_a_worker_still_run() -> None:
    """On a process or Dask worker the attempt's run stays in the coordinating process
    (no run is found there), yet the attempt is in it, as Prefect's hydrated context
    is: its ``.submit()`` and ``.map()`` run. Shipped here as a worker runs it."""
    payload = shipping.pack(fans_out, [], {})
    value, error, _ = shipping.unpack(shipping.run_pickled(payload, "test"), "fans_out", "test")
    assert error is None
    assert value == [2, 2, 3]


def test_map_takes_deferred_false_and_refuses_deferred_true() -> None:
    @flow
    def mapped() -> list[int]:
        with pytest.raises(NotInFlowtop, match=r"^needs\.map\(\.\.\., deferred=True\)"):
            needs.map([1], deferred=True)
        return needs.map([1, 2], deferred=False).result()

    assert mapped() == [2, 3]


# -- a task called by a task of a flow run is in that flow run ------------------------------
def test_a_task_called_by_a_task_of_a_flow_run_is_in_its_flow_run() -> None:
    """As Prefect 3.9.1 gave it: the run's context, runtime, ids and logger names, and
    its ``.submit()`` and ``.map()`` in the run."""

    @task
    def inner() -> dict[str, Any]:
        flow_context = FlowRunContext.get()
        task_context = TaskRunContext.get()
        assert flow_context is not None and task_context is not None
        extra = get_run_logger().extra
        return {
            "flow": flow_context.flow.name,
            "same run id": task_context.task_run.flow_run_id == flow_context.flow_run.id,
            "runtime name": runtime_flow_run.name == flow_context.flow_run.name,
            "logger flow": extra["flow_name"],
            "logger run": extra["flow_run_name"] == flow_context.flow_run.name,
            "submitted": needs.submit(1).result() + sum(needs.map([1, 2]).result()),
        }

    @task
    def outer() -> dict[str, Any]:
        return inner()

    @flow
    def nesting() -> dict[str, Any]:
        return outer()

    assert nesting() == {
        "flow": "nesting",
        "same run id": True,
        "runtime name": True,
        "logger flow": "nesting",
        "logger run": True,
        "submitted": 7,
    }


def test_a_nested_task_s_hooks_and_state_name_the_flow_run() -> None:
    seen: list[tuple[Any, ...]] = []

    def done(task_: Any, task_run: Any, state: Any) -> None:
        context = FlowRunContext.get()
        seen.append(
            (
                task_.name,
                context is not None and task_run.flow_run_id == context.flow_run.id,
                state.state_details.flow_run_id == task_run.flow_run_id,
            )
        )

    @task(on_completion=[done])
    def inner() -> int:
        return 1

    @task
    def outer() -> int:
        return inner()

    @flow
    def nesting() -> int:
        return outer()

    assert nesting() == 1
    inner()  # outside any flow: no flow run, as in Prefect
    assert seen == [("inner", True, True), ("inner", False, True)]


# -- a Failed(...) a subflow returned fails its caller as an exception it raised ------------
def test_a_subflow_s_returned_failed_state_is_an_exception_in_its_caller() -> None:
    """The parent's state read as if the parent had returned the child's ``Failed(...)``
    (``child says no``); Prefect 3.9.1: the parent's body raised ``FailedRun``."""

    @flow
    def child() -> Any:
        return Failed(message="child says no")

    @flow
    def parent() -> Any:
        return child()

    state = parent(return_state=True)
    assert state.name == "Failed"
    assert state.message == "Flow run encountered an exception: FailedRun: child says no"
    assert child(return_state=True).message == "child says no"  # its own return: that state


def test_a_subflow_s_returned_crashed_state_fails_its_caller_which_retries() -> None:
    """The parent read as Crashed: its ``on_crashed`` hooks, no retry. Prefect 3.9.1: its
    body raised ``CrashedRun``, an ``Exception``: Failed, retried, ``on_failure``."""
    seen: list[tuple[str, str, str | None]] = []
    calls: list[int] = []

    def hook(kind: str) -> Callable[[Any, Any, Any], None]:
        def called(flow_: Any, flow_run: Any, state: Any) -> None:
            seen.append((kind, state.name, state.message))

        return called

    @flow
    def child() -> Any:
        return Crashed(message="child crashed")

    @flow(retries=1, on_failure=[hook("failure")], on_crashed=[hook("crashed")])
    def parent() -> Any:
        calls.append(1)
        return child()

    state = parent(return_state=True)
    assert (state.name, state.type.value) == ("Failed", "FAILED")
    assert len(calls) == 2
    message = "Flow run encountered an exception: CrashedRun: child crashed"
    assert state.message == message
    assert seen == [("failure", "Failed", message)]


def test_a_failed_state_s_result_raised_in_a_flow_body_is_an_exception_it_raised() -> None:
    @flow
    def raises_it() -> None:
        Failed(message="raised in body").result()

    state = raises_it(return_state=True)
    assert state.message == "Flow run encountered an exception: FailedRun: raised in body"


def test_an_async_subflow_s_returned_failed_state_is_an_exception_in_its_caller() -> None:
    @flow
    async def child() -> Any:
        return Failed(message="async no")

    @flow
    async def parent() -> Any:
        return await child()

    state = asyncio.run(parent(return_state=True))
    assert state.message == "Flow run encountered an exception: FailedRun: async no"
    assert asyncio.run(child(return_state=True)).message == "async no"
