"""Prefect 3.9.1 behaviour flowtop differed from, each checked side by side with Prefect:
``flow.parameters`` as Prefect's ``ParameterSchema``, the ``Crashed`` state an
``on_crashed`` hook gets (type ``CRASHED``), ``task_run.task_key`` (the task's, shared by
its calls), run ids handed to Prefect code as ``uuid.UUID`` (flowtop's own unchanged),
and a drop-in task without ``retries`` shown ``1/1`` (no ``Retry`` budget)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Literal

import pytest

from flowtop import flow, get_run_logger, task
from flowtop.compat import prefect_imports
from flowtop.context import FlowRunContext, TaskRunContext, get_run_context
from flowtop.engine import Runner
from flowtop.engine.dynamic import FlowFunction
from flowtop.engine.parameters import signature_parameters
from flowtop.engine.prefect_ids import prefect_uuid
from flowtop.engine.prefect_parameters import ParametersAttribute, parameter_schema
from flowtop.engine.states import StateType
from flowtop.exceptions import CrashedRun
from flowtop.formats import try_text
from flowtop.runtime import flow_run as runtime_flow_run
from flowtop.runtime import task_run as runtime_task_run
from flowtop.states import Crashed, State


# -- flow.parameters: Prefect's ParameterSchema ---------------------------------------------
class Size(Enum):
    SMALL = "s"
    LARGE = "l"


@dataclass
class Window:
    days: int


def report(
    region: str,
    day: date = date(2026, 1, 2),
    size: Size = Size.SMALL,
    regions: list[str] | None = None,
    mode: Literal["full", "delta"] = "full",
    window: Window | None = None,
    limit: int = 10,
    *extra: int,
    **named: Any,
) -> None:
    """A flow function with Prefect's common parameter kinds."""


#: ``prefect.utilities.callables.parameter_schema(report).model_dump()`` under Prefect 3.9.1
PREFECT_SCHEMA = {
    "title": "Parameters",
    "type": "object",
    "properties": {
        "region": {"position": 0, "title": "region", "type": "string"},
        "day": {
            "default": "2026-01-02",
            "format": "date",
            "position": 1,
            "title": "day",
            "type": "string",
        },
        "size": {"$ref": "#/definitions/Size", "default": "s", "position": 2, "title": "size"},
        "regions": {
            "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
            "default": None,
            "position": 3,
            "title": "regions",
        },
        "mode": {
            "default": "full",
            "enum": ["full", "delta"],
            "position": 4,
            "title": "mode",
            "type": "string",
        },
        "window": {
            "anyOf": [{"$ref": "#/definitions/Window"}, {"type": "null"}],
            "default": None,
            "position": 5,
            "title": "window",
        },
        "limit": {"default": 10, "position": 6, "title": "limit", "type": "integer"},
        "extra": {
            "default": [],
            "items": {"type": "integer"},
            "position": 7,
            "title": "extra",
            "type": "array",
        },
        "named": {
            "additionalProperties": True,
            "default": {},
            "position": 8,
            "title": "named",
            "type": "object",
        },
    },
    "required": ["region"],
    "definitions": {
        "Size": {"enum": ["s", "l"], "title": "Size", "type": "string"},
        "Window": {
            "properties": {"days": {"title": "Days", "type": "integer"}},
            "required": ["days"],
            "title": "Window",
            "type": "object",
        },
    },
}


def test_a_flow_function_s_parameter_schema_is_prefect_s() -> None:
    schema = parameter_schema(report)
    assert schema.model_dump() == PREFECT_SCHEMA
    assert schema.required == ["region"] and schema.properties["limit"]["default"] == 10
    assert "required" in schema.model_dump_for_openapi()
    assert "required" not in parameter_schema(lambda n=1: n).model_dump_for_openapi()


def test_flow_parameters_is_the_schema_and_called_flowtop_s_list() -> None:
    """``FlowFunction.parameters`` was a method: ``my_flow.parameters.properties`` raised
    AttributeError. The attribute (``ParametersAttribute``, which ``FlowFunction`` is to
    name as its ``parameters``) is the schema, and flowtop's ``flow.parameters()`` still
    gives its list of ``ParameterInfo``."""

    class PrefectFlow(FlowFunction):
        parameters = ParametersAttribute()

    made = PrefectFlow(report)
    assert made.parameters.properties == PREFECT_SCHEMA["properties"]
    assert made.parameters.required == ["region"]
    assert made.parameters() == signature_parameters(report)


# -- on_crashed: Prefect's CRASHED type ----------------------------------------------------
def test_an_on_crashed_hook_gets_a_state_of_type_crashed() -> None:
    """Its state was of type FAILED (named Crashed): Prefect's is ``StateType.CRASHED``."""
    states: list[Any] = []

    @flow(on_crashed=[lambda flow_, flow_run, state: states.append(state)])
    def pipeline() -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        pipeline()
    (state,) = states
    assert state.type is StateType.CRASHED and state.type == "CRASHED"
    assert state.is_crashed() and not state.is_failed() and state.is_final()
    assert state.name == "Crashed"


def test_crashed_states_made_by_hand_are_of_type_crashed() -> None:
    made = Crashed(message="worker lost")
    assert made.type is StateType.CRASHED and made.is_crashed() and not made.is_failed()
    with pytest.raises(CrashedRun, match="worker lost"):
        made.result()
    assert isinstance(made.result(raise_on_failure=False), CrashedRun)
    assert State(StateType.CRASHED).name == "Crashed"


# -- task_run.task_key: the task's -----------------------------------------------------------
def test_task_key_is_the_task_s_shared_by_every_call() -> None:
    """It was the call's key (``add``, ``add-2``): Prefect's names the task's function."""
    keys: list[str] = []

    @task
    def add(x: int) -> int:
        context = TaskRunContext.get()
        assert context is not None
        keys.append(context.task_run.task_key)
        found = get_run_context()
        assert isinstance(found, TaskRunContext)
        keys.append(found.task_run.task_key)
        return x + 1

    @flow
    def pipeline() -> int:
        return add(add(1))

    assert pipeline() == 3
    add(5)  # outside any flow too
    assert keys == [add.task_key] * 6 and keys[0].startswith("add-")


# -- run ids: Prefect's UUIDs ----------------------------------------------------------------
def test_prefect_code_gets_run_ids_as_uuids_and_flowtop_keeps_its_own() -> None:
    seen: dict[str, Any] = {}

    def done(flow_: Any, flow_run: Any, state: Any) -> None:
        seen["hook"] = flow_run.id

    def step_done(task_: Any, task_run: Any, state: Any) -> None:
        seen["task hook"] = (task_run.id, task_run.flow_run_id, state.state_details.task_run_id)

    @task(on_completion=[step_done])
    def step() -> None:
        context = TaskRunContext.get()
        assert context is not None
        seen["task"] = (context.task_run.id, context.task_run.flow_run_id)
        seen["task runtime"] = (runtime_task_run.id, runtime_flow_run.id)

    @flow(on_completion=[done])
    def pipeline() -> None:
        context = FlowRunContext.get()
        assert context is not None
        seen["flow"] = context.flow_run.id
        seen["flow runtime"] = runtime_flow_run.id
        step()

    with Runner() as runner:
        result = runner.run(pipeline)
    assert len(result.run_id) == 12  # flowtop's own id, as the store and monitor keep it
    flow_id = prefect_uuid(result.run_id)
    assert seen["flow"] == seen["hook"] == flow_id and isinstance(flow_id, uuid.UUID)
    assert seen["flow runtime"] == str(flow_id)
    task_id, task_flow_id = seen["task"]
    assert isinstance(task_id, uuid.UUID) and task_flow_id == flow_id
    assert seen["task hook"] == (task_id, flow_id, task_id)
    assert seen["task runtime"] == (str(task_id), str(flow_id))


def test_a_subflow_s_parent_and_root_ids_are_its_parent_s_uuids() -> None:
    seen: dict[str, Any] = {}

    @flow
    def child() -> None:
        seen["parent"] = runtime_flow_run.parent_flow_run_id
        seen["root"] = runtime_flow_run.root_flow_run_id

    @flow
    def parent() -> None:
        context = FlowRunContext.get()
        assert context is not None
        seen["id"] = str(context.flow_run.id)
        child()

    parent()
    assert seen["parent"] == seen["root"] == seen["id"]
    assert uuid.UUID(seen["id"])


def test_a_task_called_outside_any_flow_has_a_uuid_and_no_flow_run() -> None:
    seen: list[Any] = []

    @task
    def alone() -> None:
        context = TaskRunContext.get()
        assert context is not None
        seen.extend([context.task_run.id, context.task_run.flow_run_id, runtime_task_run.id])

    alone()
    task_id, flow_id, text = seen
    assert isinstance(task_id, uuid.UUID) and flow_id is None and text == str(task_id)


# -- drop-in tasks: no Retry budget --------------------------------------------------------
def test_a_drop_in_task_without_retries_has_no_retry_budget() -> None:
    """It showed ``1/1+3`` (``1/1 (+3 on Retry)`` in ``flowtop run``): a budget only
    flowtop's ``Retry`` spends, which Prefect code cannot raise."""
    with prefect_imports():
        from prefect import Task as PrefectTask
        from prefect import task as prefect_task
        from prefect.tasks import task as tasks_task

    plain = prefect_task(lambda: 1)
    assert plain.policy.max_attempts == 1
    assert try_text(1, plain.policy.max_attempts, plain.policy.retry_only, compact=True) == "1/1"
    assert tasks_task(lambda: 1).policy.max_attempts == 1
    assert PrefectTask(lambda: 1).policy.max_attempts == 1
    assert plain.with_options(name="copy").policy.max_attempts == 1
    copy_of_copy = plain.with_options(name="copy").with_options(name="again")
    assert copy_of_copy.policy.max_attempts == 1  # a copy is a drop-in task too
    assert isinstance(plain, PrefectTask)
    assert prefect_task(retries=2)(lambda: 1).policy.max_attempts == 3
    assert plain.with_options(retries=2).policy.max_attempts == 3
    own = task(lambda: 1)  # flowtop's own task keeps its Retry budget
    assert try_text(1, own.policy.max_attempts, own.policy.retry_only, compact=True) == "1/1+3"


def test_a_flow_function_s_parameters_is_the_schema_and_called_its_list() -> None:
    """``@flow``'s ``parameters`` was a method: ``.parameters.properties`` raised."""

    @flow
    def nightly(region: str, limit: int = 10) -> None:
        """A flow of two parameters."""

    assert nightly.parameters.required == ["region"]
    assert nightly.parameters.properties["limit"] == {
        "title": "limit",
        "position": 1,
        "type": "integer",
        "default": 10,
    }
    assert nightly.parameters() == signature_parameters(nightly.fn)


# -- task_key where hooks and cache_key_fn read it ----------------------------------------
def test_hooks_and_cache_key_fn_see_the_task_s_task_key() -> None:
    """They were given the call's key (``add``, ``add-2``), ``TaskRunContext`` the
    task's: Prefect gives all of them the task's."""
    keys: list[tuple[str, str]] = []

    def hook(kind: str) -> Any:
        return lambda task_, task_run, state: keys.append((kind, task_run.task_key))

    def no_key(context: Any, parameters: dict[str, Any]) -> None:
        keys.append(("cache_key_fn", context.task_run.task_key))

    @task(
        on_running=[hook("running")],
        on_completion=[hook("completion")],
        cache_key_fn=no_key,
    )
    def add(x: int) -> int:
        return x + 1

    @flow
    def pipeline() -> int:
        return add(add(1))

    assert pipeline() == 3
    add(5)  # outside any flow too
    assert {key for _, key in keys} == {add.task_key}
    assert [kind for kind, _ in keys].count("completion") == 3
    assert [kind for kind, _ in keys].count("cache_key_fn") == 3


# -- get_run_logger().extra: flow_run_id --------------------------------------------------
def test_run_loggers_name_the_flow_run_by_its_uuid_text() -> None:
    """Both said flowtop's id (``552ad965aa09``): Prefect's is ``str(flow_run.id)``."""
    extras: dict[str, Any] = {}

    @task
    def step() -> None:
        extras["task"] = dict(get_run_logger().extra or {})

    @flow
    def pipeline() -> str:
        extras["flow"] = dict(get_run_logger().extra or {})
        step()
        context = FlowRunContext.get()
        assert context is not None
        return str(context.flow_run.id)

    with Runner() as runner:
        result = runner.run(pipeline)
    flow_run_id = str(prefect_uuid(result.run_id))
    assert result.value == flow_run_id
    assert extras["flow"]["flow_run_id"] == extras["task"]["flow_run_id"] == flow_run_id


# -- PrefectFuture.task_run_id ------------------------------------------------------------
def test_a_future_s_task_run_id_is_its_task_run_s_uuid() -> None:
    """It was flowtop's ``<run id>:<task key>`` text."""

    @task
    def step() -> uuid.UUID:
        context = TaskRunContext.get()
        assert context is not None
        return context.task_run.id

    @flow
    def pipeline() -> tuple[Any, ...]:
        future = step.submit()
        inside = future.result()
        return future.task_run_id, inside, future.state.state_details.task_run_id

    future_id, inside, in_state = pipeline()
    assert isinstance(future_id, uuid.UUID) and future_id == inside == in_state


# -- RetryPolicy.summary() of no Retry budget ----------------------------------------------
def test_a_drop_in_task_without_retries_is_summarised_as_no_retries() -> None:
    """It read ``0× on Retry only 0s`` in the POLICY column and ``flowtop list``."""
    with prefect_imports():
        from prefect import task as prefect_task

    assert prefect_task(lambda: 1).policy.summary() == "no retries"
    assert prefect_task(timeout_seconds=5)(lambda: 1).policy.summary() == "no retries timeout 5s"
    assert prefect_task(retries=2)(lambda: 1).policy.summary() == "2× 0s"
    assert task(lambda: 1).policy.summary() == "3× on Retry only 0s"  # flowtop's own


def test_calling_parameters_builds_no_schema_and_an_odd_annotation_is_any_value() -> None:
    """flowtop's loader calls ``.parameters()`` for every flow: that must not build the
    schema (which may import pydantic), nor fail on an annotation that is no type."""
    from flowtop.engine.prefect_parameters import ParametersView

    def odd(x: [int] = 1, y: int = 2) -> None:  # type: ignore[valid-type]  # the odd annotation is the test
        return None

    view = ParametersView(odd)
    assert [p.name for p in view()] == ["x", "y"]
    assert view._made is None  # the list alone built no schema
    assert view.properties["x"] == {"title": "x", "position": 0, "default": 1}
    assert view.properties["y"]["type"] == "integer"


def test_a_submit_outside_any_flow_has_a_uuid_its_state_names() -> None:
    from flowtop import task

    @task
    def one() -> int:
        return 1

    future = one.submit()
    assert future.result() == 1
    assert isinstance(future.task_run_id, uuid.UUID)
    assert future.state.state_details.task_run_id == future.task_run_id
