"""Prefect 3 drop-in details (s58), each checked side by side with Prefect 3.9.1:

- a drop-in task called by a task of a flow run was named ``inner`` (``task_run.name``,
  ``prefect.runtime``, hooks) with ``dynamic_key`` ``"0"``, where Prefect names it as
  any task run of the flow run, ``inner-4a5``, its ``dynamic_key`` a UUID whose head the
  name ends with (``task_engine``: ``f"{task.name}-{dynamic_key[:3]}"``); a task run of
  the flow itself had ``dynamic_key`` ``"0"`` too, and one outside any flow too, where
  Prefect's is ``<task_key>-<uuid hex>``;
- ``my_task.with_options(retries=None)`` (and ``task_run_name``, ``retry_delay_seconds``,
  ``retry_jitter_factor``, ``persist_result``, ``log_prints``, ``refresh_cache``,
  ``cache_policy``) kept the task's value, where Prefect's ``with_options`` (its
  ``NotSet`` sentinel) gives the copy None: Prefect's default. ``cache_policy=None`` is
  no policy at all (read back None, nothing cached even with ``persist_result=True``),
  on a drop-in ``@task`` too. flowtop's own ``with_options`` keeps the old value.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flowtop import task as own_task
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.context import TaskRunContext
from flowtop.engine.caching import INPUTS
from flowtop.runtime import task_run as runtime_task_run

NAMED = re.compile(r"inner-([0-9a-f]{3})")


def _seen() -> tuple[str, str, str]:
    context = TaskRunContext.get()
    assert context is not None
    run = context.task_run
    return run.name, run.dynamic_key, str(runtime_task_run.name)


# -- a nested task run's name and dynamic_key ------------------------------------------------
def test_a_nested_drop_in_task_run_is_named_as_any_task_run_of_its_flow_run() -> None:
    hooked: list[str] = []

    @task(on_completion=[lambda task_, task_run, state: hooked.append(task_run.name)])
    def inner() -> tuple[str, str, str]:
        return _seen()

    @task(task_run_name="given-{n}")
    def given(n: int) -> tuple[str, str, str]:
        return _seen()

    @task
    def outer() -> list[tuple[str, str, str]]:
        return [inner(), inner(), given(1)]

    @flow
    def nesting() -> list[tuple[str, str, str]]:
        return [*outer(), inner()]

    first, second, named, direct = nesting()
    for name, key, runtime_name in (first, second, direct):
        found = NAMED.fullmatch(name)
        assert found is not None, name
        assert runtime_name == name and key.startswith(found.group(1))
        assert str(uuid.UUID(key)) == key
    assert first[1] != second[1]  # (their names may share 3 hex digits, as in Prefect)
    assert hooked == [first[0], second[0], direct[0]]
    assert named[0] == "given-1" and str(uuid.UUID(named[1])) == named[1]


def test_a_drop_in_task_outside_any_flow_keeps_its_name_and_prefect_s_key() -> None:
    @task
    def inner() -> tuple[str, str, str]:
        return _seen()

    name, key, _ = inner()
    assert name == "inner"
    assert re.fullmatch(rf"{re.escape(inner.task_key)}-[0-9a-f]{{32}}", key), key


def test_flowtop_s_own_nested_task_keeps_its_name_and_key() -> None:
    @own_task
    def inner() -> tuple[str, str, str]:
        return _seen()

    @own_task
    def outer() -> tuple[str, str, str]:
        return inner()

    @flow
    def nesting() -> tuple[str, str, str]:
        return outer()

    name, key, _ = nesting()
    assert (name, key) == ("inner", "0")


# -- with_options(X=None) ---------------------------------------------------------------------
def _options(made: Any) -> dict[str, Any]:
    return {
        "task_run_name": made.task_run_name,
        "retries": made.retries,
        "retry_delay_seconds": made.retry_delay_seconds,
        "retry_jitter_factor": made.retry_jitter_factor,
        "persist_result": made.persist_result,
        "log_prints": made.log_prints,
        "refresh_cache": made.refresh_cache,
        "cache_policy": made.cache_policy,
        "timeout_seconds": made.timeout_seconds,
        "tags": made.tags,
    }


def _fn(x: int) -> int:
    return x


OPTIONS: dict[str, Any] = {
    "task_run_name": "n-{x}",
    "retries": 3,
    "retry_delay_seconds": 5,
    "retry_jitter_factor": 0.5,
    "persist_result": True,
    "log_prints": True,
    "refresh_cache": True,
    "cache_policy": INPUTS,
    "timeout_seconds": 4,
    "tags": ["a"],
}
#: What Prefect 3.9.1's copy read back, given the option as None (the others unchanged).
CLEARED = {
    "task_run_name": None,
    "retries": 0,
    "retry_delay_seconds": 0,
    "retry_jitter_factor": None,
    "persist_result": True,  # derived again from its cache_policy, as Prefect's
    "log_prints": None,
    "refresh_cache": None,
    "cache_policy": None,
    "timeout_seconds": 4.0,  # Prefect's ``is not None``: kept
    "tags": {"a"},
}


def test_a_drop_in_task_s_with_options_none_clears_as_prefect_s() -> None:
    made = task(**OPTIONS)(_fn)
    original = _options(made)
    for option, expected in CLEARED.items():
        copy = _options(made.with_options(**{option: None}))
        assert copy[option] == expected, option
        assert {k: v for k, v in copy.items() if k != option} == {
            k: v for k, v in original.items() if k != option
        }, option


def test_flowtop_s_own_with_options_none_keeps_the_value() -> None:
    made = own_task(retries=3, retry_jitter_factor=0.5, task_run_name="n-{x}")(_fn)
    copy = made.with_options(retries=None, retry_jitter_factor=None, task_run_name=None)
    assert (copy.retries, copy.retry_jitter_factor, copy.task_run_name) == (3, 0.5, "n-{x}")


def test_a_cleared_copy_runs_with_prefect_s_defaults() -> None:
    calls: list[int] = []

    @task(retries=2, cache_policy=INPUTS, task_run_name="n-{x}")
    def counted(x: int) -> tuple[int, str]:
        calls.append(x)
        if len(calls) == 1:
            raise ValueError("first call fails")
        context = TaskRunContext.get()
        assert context is not None
        return x, context.task_run.name

    bare = counted.with_options(retries=None, cache_policy=None, task_run_name=None)
    kept = counted.with_options(cache_policy=None, persist_result=True)

    @flow
    def uses() -> list[Any]:
        failed = bare(1, return_state=True).is_failed()  # no retries: the first call fails
        return [failed, bare(1), bare(1), kept(2), kept(2)]

    failed, first, again, *_ = uses()
    assert failed and calls == [1, 1, 1, 2, 2]  # nothing cached, as in Prefect
    assert re.fullmatch(r"counted-[0-9a-f]{3}", first[1]) and first[1] != again[1]
    assert kept.cache_policy is None and kept.persist_result is True
    assert task(cache_policy=None)(_fn).cache_policy is None  # as Prefect's @task
