"""Review s50: what Prefect code reads of a drop-in flow's run, checked side by side with
Prefect 3.9.1.

- ``flow_run.parameters`` (a hook's, ``FlowRunContext.get().flow_run``'s) and
  ``runtime.deployment.parameters`` were the parameters after validation; Prefect's are the
  call as given, in JSON form (``{'n': '3'}`` for an ``int`` given as ``"3"``, a future's
  placeholder), while ``FlowRunContext.parameters`` and ``runtime.flow_run.parameters`` are
  the validated values (``{'n': 3}``), as before.
- A flow-level retry showed a new ``flow_run.id`` and ``flow_run.name``; Prefect retries
  the same flow run: one id (in the hooks, the run context, ``prefect.runtime``, a task's
  ``task_run.flow_run_id``, the final state's ``state_details``) and one name.
- The ``on_failure`` hook of a call its validation refused read ``flow_run.run_count`` 1
  and found a flow run context; Prefect's run never entered Running: 0, and none
  (``FlowRunContext.get()`` None, ``runtime.flow_run.parameters`` {},
  ``get_run_logger()`` raising ``MissingContextError``).
"""

from __future__ import annotations

import asyncio
import gc
import pickle
import uuid
import warnings
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.context import FlowRunContext, TaskRunContext
from flowtop.context import with_context as flowtop_with_context
from flowtop.engine import prefect_ids
from flowtop.exceptions import MissingContextError
from flowtop.logging import get_run_logger
from flowtop.runtime import deployment
from flowtop.runtime import flow_run as runtime_flow_run

with prefect_imports():
    from prefect import flow as prefect_flow
    from prefect import task as prefect_task

Seen = list[tuple[str, Any]]


def recorder(seen: Seen) -> Any:
    """A state hook noting the ``flow_run`` it is given: its state, id, name, parameters."""

    def hook(flow_: Any, flow_run: Any, state: Any) -> None:
        seen.append((f"hook {state.name}", (flow_run.id, flow_run.name, dict(flow_run.parameters))))

    return hook


def body_view(seen: Seen, label: str) -> None:
    """What a flow body reads of its run's parameters, four ways."""
    context = FlowRunContext.get()
    assert context is not None
    seen.append((f"{label} flow_run", context.flow_run.parameters))
    seen.append((f"{label} context", context.parameters))
    seen.append((f"{label} runtime", runtime_flow_run.parameters))
    seen.append((f"{label} deployment", deployment.parameters))


# -- 1. flow_run.parameters: the call as given ---------------------------------------------
def test_flow_run_parameters_are_the_call_as_given_before_validation() -> None:
    """Prefect 3.9.1: ``main("3", items=["2", 3])`` of ``main(n: int, items: list[int])``
    gave the hooks and ``flow_run`` ``{'n': '3', 'items': ['2', 3]}`` and the body
    ``{'n': 3, 'items': [2, 3]}``; flowtop gave the validated values everywhere."""
    seen: Seen = []
    hook = recorder(seen)

    @prefect_flow(on_running=[hook], on_completion=[hook])
    def main(n: int, items: list[int] = [1], m: int = 2) -> int:  # noqa: B006 - Prefect's idiom
        body_view(seen, "body")
        return n

    assert main("3", items=["2", 3]) == 3
    given, validated = {"n": "3", "items": ["2", 3], "m": 2}, {"n": 3, "items": [2, 3], "m": 2}
    params = {label: value for label, value in seen if not label.startswith("hook")}
    assert params == {
        "body flow_run": given,
        "body context": validated,
        "body runtime": validated,
        "body deployment": given,
    }
    assert [(label, value[2]) for label, value in seen if label.startswith("hook")] == [
        ("hook Running", given),
        ("hook Completed", given),
    ]


def test_a_subflow_s_flow_run_shows_a_future_as_prefect_s_placeholder() -> None:
    """Prefect 3.9.1: ``child(make.submit(), items=("4",))`` gave ``flow_run.parameters``
    ``{'n': '<PrefectConcurrentFuture>', 'items': ['4']}``, its body ``n`` the result 5;
    called from a task, ``child("7")`` gave ``{'n': '7', 'items': [1]}``."""
    seen: Seen = []

    @prefect_task
    def make() -> int:
        return 5

    @prefect_flow
    def child(n: int, items: list[int] = [1]) -> int:  # noqa: B006 - Prefect's idiom
        body_view(seen, f"child {n}")
        return n

    @prefect_task
    def calls_child() -> int:
        return int(child("7"))

    @prefect_flow
    def parent() -> list[int]:
        return [child(make.submit(), items=("4",)), calls_child()]

    assert parent() == [5, 7]
    views = dict(seen)
    assert views["child 5 flow_run"] == {"n": "<PrefectConcurrentFuture>", "items": ["4"]}
    assert views["child 5 runtime"] == {"n": 5, "items": [4]}
    assert views["child 7 flow_run"] == {"n": "7", "items": [1]}
    assert views["child 7 context"] == {"n": 7, "items": [1]}


def test_an_async_flow_s_flow_run_is_its_call_as_given() -> None:
    """Prefect 3.9.1: ``await af(m="2", n="6")`` gave ``{'n': '6', 'm': '2'}``, the body
    ``{'n': 6, 'm': 2.0}``; the run of an ``async def`` flow starts when awaited."""
    seen: Seen = []
    hook = recorder(seen)

    @prefect_flow(on_completion=[hook])
    async def af(n: int, m: float = 1) -> int:
        body_view(seen, "body")
        return n

    async def both() -> list[Any]:
        first = await af("5")
        return [first, (await af(m="2", n="6", return_state=True)).name]

    assert asyncio.run(both()) == [5, "Completed"]
    flow_runs = [value for label, value in seen if label == "body flow_run"]
    assert flow_runs == [{"n": "5", "m": 1}, {"n": "6", "m": "2"}]
    contexts = [value for label, value in seen if label == "body context"]
    assert contexts == [{"n": 5, "m": 1.0}, {"n": 6, "m": 2.0}]
    hooks = [value[2] for label, value in seen if label.startswith("hook")]
    assert hooks == flow_runs


def test_an_async_flow_call_never_awaited_is_said_once_by_its_name() -> None:
    """Its run is told its call while awaited (a coroutine around the engine's): one never
    awaited is one warning naming the flow's function (the engine's was ``awaited_call``)."""

    @prefect_flow
    async def never_awaited(n: int) -> int:
        return n

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        never_awaited("1")
        gc.collect()
    said = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert said == [
        "coroutine 'test_an_async_flow_call_never_awaited_is_said_once_by_its_name"
        ".<locals>.never_awaited' was never awaited"
    ]


def test_a_flow_that_does_not_validate_shows_what_it_was_given() -> None:
    """``validate_parameters=False``: the body gets ``"4"`` too, as in Prefect."""
    seen: Seen = []

    @prefect_flow(validate_parameters=False)
    def loose(n: int) -> Any:
        body_view(seen, "body")
        return n

    assert loose("4") == "4"
    assert {value["n"] for _, value in seen} == {"4"}


# -- 2. a flow retry is the same flow run ------------------------------------------------------
def retried_flow(make_flow: Any, make_task: Any, seen: Seen) -> Any:
    """A flow whose first run fails after its task ran, with hooks noting its ``flow_run``."""
    hook = recorder(seen)

    @make_task
    def t() -> int:
        context = TaskRunContext.get()
        assert context is not None
        seen.append(("task flow_run_id", context.task_run.flow_run_id))
        return 1

    @make_flow(retries=1, retry_delay_seconds=0, on_running=[hook], on_completion=[hook])
    def again(n: int) -> int:
        context = FlowRunContext.get()
        assert context is not None
        seen.append(("body", (context.flow_run.id, context.flow_run.name, runtime_flow_run.id)))
        seen.append(("body names", (runtime_flow_run.name, context.flow_run.run_count)))
        seen.append(("logger name", get_run_logger().extra["flow_run_name"]))
        seen.append(("body flow_run", context.flow_run.parameters))
        t()
        if context.flow_run.run_count == 1:
            raise ValueError("first run fails")
        return n

    return again


def test_a_drop_in_flow_retry_is_the_same_flow_run_as_in_prefect() -> None:
    """Prefect 3.9.1: each id (``flow_run.id`` in the hooks and the body,
    ``prefect.runtime.flow_run.id``, ``task_run.flow_run_id``, the ``return_state=True``
    state's ``state_details.flow_run_id``) was one UUID, and the name one, over both runs;
    flowtop gave the retry its own id and name (``again #2``)."""
    seen: Seen = []
    again = retried_flow(prefect_flow, prefect_task, seen)
    state = again("9", return_state=True)
    assert state.is_completed() and state.result() == 9
    flow_run_id = state.state_details.flow_run_id
    assert isinstance(flow_run_id, uuid.UUID)
    (name,) = {value[1] for label, value in seen if label in ("body", "hook Running")}
    assert [value for label, value in seen if label == "body names"] == [(name, 1), (name, 2)]
    assert [value for label, value in seen if label == "logger name"] == [name, name]
    ids = {value[0] for label, value in seen if label == "body" or label.startswith("hook")}
    ids |= {value for label, value in seen if label == "task flow_run_id"}
    ids |= {uuid.UUID(value[2]) for label, value in seen if label == "body"}
    assert ids == {flow_run_id}
    assert [value for label, value in seen if label == "body flow_run"] == [{"n": "9"}] * 2
    assert [value[2] for label, value in seen if label.startswith("hook")] == [{"n": "9"}] * 3


def test_flowtop_s_own_flow_retry_stays_a_run_of_its_own() -> None:
    """flowtop's documented ``@flow`` retry (a linked rerun) keeps its own id and name."""
    seen: Seen = []
    again = retried_flow(flow, task, seen)
    assert again(9) == 9
    assert len({value[0] for label, value in seen if label == "body"}) == 2


def test_a_process_that_restores_a_retry_s_context_sees_the_same_flow_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ``with_context`` wrapper pickled in a retry's body, called where none of this
    process's records are (as in a spawned child): its ``prefect.runtime`` and run
    context name the first attempt's flow run, and its parameters are the call as given."""
    shipped: list[bytes] = []

    @prefect_flow(retries=1, retry_delay_seconds=0)
    def again(n: int) -> Any:
        context = FlowRunContext.get()
        assert context is not None
        if context.flow_run.run_count == 1:
            raise ValueError("first run fails")
        shipped.append(pickle.dumps(flowtop_with_context(where)))
        return context.flow_run.id, context.flow_run.name

    flow_run_id, name = again("3")
    monkeypatch.setattr(prefect_ids, "_RETRIES", {}, raising=False)  # a child knows none
    restored = pickle.loads(shipped[0])
    assert restored() == (str(flow_run_id), name, flow_run_id, name, {"n": "3"})


def where() -> tuple[Any, ...]:
    """The flow run a restored context finds itself in (module level: it pickles)."""
    context = FlowRunContext.get()
    assert context is not None
    info = context.flow_run
    return runtime_flow_run.id, runtime_flow_run.name, info.id, info.name, info.parameters


# -- 3. a refused call's run never entered Running ---------------------------------------------
def test_a_refused_call_s_hook_sees_a_run_that_never_ran_as_in_prefect() -> None:
    """Prefect 3.9.1, ``g("x")`` of ``g(n: int)``: the hook read ``run_count`` 0 (flowtop:
    1), ``FlowRunContext.get()`` None, ``runtime.flow_run.parameters`` {} and
    ``get_run_logger()`` raised ``MissingContextError`` (flowtop: the run's)."""
    seen: Seen = []

    def hook(flow_: Any, flow_run: Any, state: Any) -> None:
        seen.append(("count", (flow_run.run_count, runtime_flow_run.run_count)))
        seen.append(("params", (flow_run.parameters, runtime_flow_run.parameters)))
        seen.append(("context", FlowRunContext.get()))
        try:
            get_run_logger()
        except MissingContextError:
            seen.append(("logger", "MissingContextError"))

    @prefect_flow(on_failure=[hook], retries=2)
    def g(n: int) -> int:
        return n

    assert g("x", return_state=True).name == "Failed"
    assert seen == [
        ("count", (0, 0)),
        ("params", ({"n": "x"}, {})),
        ("context", None),
        ("logger", "MissingContextError"),
    ]
