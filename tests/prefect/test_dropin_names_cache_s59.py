"""Prefect 3 drop-in differences an explorer found (rv399), each checked against Prefect
3.9.1 side by side:

- a ``task_run_name`` that cannot be resolved (a template naming a missing parameter, a
  naming function that raises) failed attempt 1 only: the task was retried and its retry
  ran the body under a made-up name (``bad_name-7fc``), completing; ``return_state=True``
  gave a Failed state. Prefect raises the error from the call (``.submit()``'s and
  ``.map()``'s ``result()`` too, ``return_state=True`` too): no retry, no hook, no body;
- a ``flow_run_name`` template naming a missing parameter was retried as failed runs
  (``retries + 1`` recorded) and called ``on_failure``; Prefect raises ``KeyError`` from
  the call: no run, no hook, no retry. A run that cannot be named, that flowtop records
  (one it starts itself, a naming callable that raised), is now not retried, nor hooked;
- ``(TASK_SOURCE + INPUTS).configure(key_storage=...)``, from Prefect's caching page,
  failed at import with ``AttributeError``;
- a task called on a failed upstream in a flow body: the run's traceback listed four of
  flowtop's frames under the user's line.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from drop_in_kit import drop_in_module

from flowtop.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE, CompoundCachePolicy
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.errors import FlowRunNameError, TaskRunNameError
from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.runner import Runner
from flowtop.engine.states import StateType


# -- task_run_name -------------------------------------------------------------------------
def _named_badly(seen: list[str], *, callable_name: bool = False) -> Any:
    def on_fail(task: Any, task_run: Any, state: Any) -> None:
        seen.append("hook")

    def namer() -> str:
        raise RuntimeError("name service down")

    @task(
        task_run_name=namer if callable_name else "row-{missing}",
        retries=2,
        retry_delay_seconds=0,
        on_failure=[on_fail],
    )
    def bad_name(x: int) -> int:
        seen.append("body")
        return x

    return bad_name


@pytest.mark.parametrize("how", ["call", "submit", "map", "return_state"])
@pytest.mark.parametrize("callable_name", [False, True], ids=["template", "callable"])
def test_a_task_run_name_that_cannot_be_resolved_fails_the_call_unretried(
    how: str, callable_name: bool
) -> None:
    seen: list[str] = []
    bad_name = _named_badly(seen, callable_name=callable_name)
    calls = {
        "call": lambda: bad_name(1),
        "submit": lambda: bad_name.submit(1).result(),
        "map": lambda: bad_name.map([1]).result(),
        "return_state": lambda: bad_name(1, return_state=True),
    }

    @flow
    def main() -> str:
        try:
            calls[how]()
        except Exception as exc:  # noqa: BLE001 - what the call raised, compared below
            return type(exc).__name__
        return "returned"

    events: list[Any] = []
    with Runner(sinks=[events.extend]) as runner:
        result = runner.run(main)
        runner.bus.flush()
    assert result.value == ("RuntimeError" if callable_name else "TaskRunNameError")
    assert seen == []  # no body, no on_failure hook
    steps = [(e.state, e.attempt) for e in events if isinstance(e, TaskStateChanged)]
    assert (StateType.AWAITING_RETRY, 1) not in steps
    assert steps[-1] == (StateType.FAILED, 1)


def test_a_task_run_name_error_is_a_key_error_naming_the_field() -> None:
    seen: list[str] = []
    bad_name = _named_badly(seen)

    @flow
    def main() -> str:
        try:
            bad_name(1, return_state=True)
        except KeyError as exc:
            return str(exc)
        return "returned"

    said = main()
    assert said.startswith("task 'bad_name': task_run_name 'row-{missing}' names 'missing'")
    assert seen == []
    assert issubclass(TaskRunNameError, KeyError)


def test_an_async_task_s_run_name_error_is_raised_when_awaited() -> None:
    seen: list[str] = []

    @task(task_run_name="a-{nope}", retries=2, retry_delay_seconds=0)
    async def named(x: int) -> int:
        seen.append("body")
        return x

    @flow
    async def main() -> list[str]:
        said = []
        for return_state in (False, True):
            try:
                await named(1, return_state=return_state)
            except KeyError as exc:
                said.append(type(exc).__name__)
        return said

    assert asyncio.run(main()) == ["TaskRunNameError", "TaskRunNameError"]
    assert seen == []


def test_a_good_task_run_name_still_names_each_attempt_of_a_retried_task() -> None:
    from flowtop.runtime import task_run

    names: list[str] = []

    @task(task_run_name="row-{x}", retries=1, retry_delay_seconds=0)
    def flaky(x: int) -> int:
        names.append(str(task_run.name))
        if len(names) == 1:
            raise ValueError("once")
        return x

    @flow
    def main() -> int:
        return flaky(3)

    assert main() == 3 and names == ["row-3", "row-3"]


# -- flow_run_name -------------------------------------------------------------------------
def _report(seen: list[str], spec: Any = "report-{region}") -> Any:
    def on_fail(flow: Any, flow_run: Any, state: Any) -> None:
        seen.append("hook")

    @flow(flow_run_name=spec, retries=2, retry_delay_seconds=0, on_failure=[on_fail])
    def report(x: int = 1) -> int:
        seen.append("body")
        return x

    return report


@pytest.mark.parametrize("return_state", [False, True])
def test_a_flow_run_name_template_that_cannot_be_filled_fails_the_call_before_any_run(
    return_state: bool,
) -> None:
    seen: list[str] = []
    report = _report(seen)

    @flow
    def main() -> str:
        try:
            report(1, return_state=True) if return_state else report(1)
        except KeyError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "returned"

    events: list[Any] = []
    with Runner(sinks=[events.extend]) as runner:
        result = runner.run(main)
        runner.bus.flush()
    assert result.value == (
        "FlowRunNameError: flow_run_name 'report-{region}' names 'region' that is not a "
        "parameter of 'report'"
    )
    assert seen == []  # no body, no hook
    assert [e.flow for e in events if isinstance(e, RunStarted)] == ["main"]  # no run of report


def test_a_script_s_call_of_a_badly_named_flow_raises_with_no_run() -> None:
    seen: list[str] = []
    report = _report(seen)
    with pytest.raises(FlowRunNameError, match="names 'region'"):
        report(2)
    with pytest.raises(KeyError):
        report(2, return_state=True)
    assert seen == []


def test_a_badly_named_run_flowtop_starts_itself_is_recorded_once_unretried_unhooked() -> None:
    seen: list[str] = []
    report = _report(seen)
    events: list[Any] = []
    with Runner(sinks=[events.extend]) as runner:
        result = runner.start(report).final_result(10)
        runner.bus.flush()
    assert result.state is StateType.FAILED and isinstance(result.error, FlowRunNameError)
    assert len([e for e in events if isinstance(e, RunStarted)]) == 1
    (finished,) = [e for e in events if isinstance(e, RunFinished)]
    assert finished.retry_in is None
    assert seen == []


def test_a_naming_callable_that_raises_fails_one_run_unretried_unhooked() -> None:
    seen: list[str] = []

    def namer() -> str:
        raise RuntimeError("name service down")

    report = _report(seen, namer)

    @flow
    def main() -> str:
        try:
            report(1)
        except RuntimeError as exc:
            return str(exc)
        return "returned"

    events: list[Any] = []
    with Runner(sinks=[events.extend]) as runner:
        result = runner.run(main)
        runner.bus.flush()
    assert result.value == "name service down"
    assert [e.flow for e in events if isinstance(e, RunStarted)] == ["main", "report"]
    assert seen == []


# -- CachePolicy.configure -----------------------------------------------------------------
def test_configure_with_prefect_s_defaults_is_the_same_policy() -> None:
    policy = (TASK_SOURCE + INPUTS).configure(key_storage=None)
    assert isinstance(policy, CompoundCachePolicy)
    assert policy.describe() == "TASK_SOURCE + INPUTS"
    assert INPUTS.configure().describe() == "INPUTS"
    assert (INPUTS - "debug").configure(lock_manager=None, isolation_level=None).describe() == (
        "INPUTS - debug"
    )
    assert NO_CACHE.configure() is NO_CACHE
    assert (policy.key_storage, policy.lock_manager, policy.isolation_level) == (None, None, None)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("key_storage", "/tmp/cache-keys"),
        ("lock_manager", object()),
        ("isolation_level", "SERIALIZABLE"),
    ],
)
def test_configure_refuses_what_flowtop_cannot_honour_in_one_line(option: str, value: Any) -> None:
    with pytest.raises(TypeError) as refused:
        (TASK_SOURCE + INPUTS).configure(**{option: value})
    said = str(refused.value)
    assert f"Prefect option {option!r} is not available in flowtop" in said
    assert "\n" not in said


def test_prefect_s_caching_page_example_caches_in_drop_in_mode(tmp_path: Path) -> None:
    module = drop_in_module(
        tmp_path,
        "cache_configure_s59",
        """
        from prefect import flow, task
        from prefect.cache_policies import INPUTS, TASK_SOURCE

        C = {"n": 0}

        @task(cache_policy=(TASK_SOURCE + INPUTS - "debug").configure())
        def fetch(city: str, debug: bool = False):
            C["n"] += 1
            return city

        @flow
        def main():
            fetch("a")
            fetch("a", debug=True)
            return C["n"]
        """,
    )
    assert module.main() == 1


# -- a failed upstream's traceback ---------------------------------------------------------
def test_a_call_on_a_failed_upstream_shows_the_flow_s_line_not_flowtop_s_frames() -> None:
    @task
    def transform(i: int) -> int:
        if i == 1:
            raise ValueError(f"bad row {i}")
        return i

    @task
    def load(rows: Any) -> int:
        return len(rows)

    @flow
    def etl() -> int:
        out = transform.map([0, 1])
        return load(out)

    events: list[Any] = []
    with Runner(sinks=[events.extend]) as runner:
        runner.run(etl)
        runner.bus.flush()
    (finished,) = [e for e in events if isinstance(e, RunFinished)]
    assert finished.error is not None and finished.error.type == "UpstreamFailed"
    trace = finished.error.traceback
    assert "return load(out)" in trace
    assert "flowtop/engine" not in trace and "flowtop/compat" not in trace
