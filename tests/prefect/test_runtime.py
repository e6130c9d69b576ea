"""Prefect 3's ``prefect.runtime`` (``flowtop.runtime``): attributes read in the run they
are asked in. What Prefect itself gives is checked side by side (``runtime_module``);
these hold flowtop's own side: start times, hooks, mocking, drop-in imports, bad names."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.runtime import deployment, flow_run, task_run


def test_outside_any_run_the_values_are_empty() -> None:
    before = datetime.now(UTC)
    assert (flow_run.id, flow_run.name, flow_run.run_count, flow_run.parameters) == (
        None,
        None,
        0,
        {},
    )
    assert flow_run.scheduled_start_time >= before  # now, as in Prefect
    assert (task_run.id, task_run.name, task_run.run_count, task_run.tags) == (None, None, 0, [])
    assert (deployment.id, deployment.flow_run_id, deployment.parameters) == (None, None, {})


def test_in_a_run_its_start_its_retries_and_its_hooks_read_it() -> None:
    seen: dict[str, Any] = {}

    def done(flow_: Any, run: Any, state: Any) -> None:
        seen["hook"] = (flow_run.name, flow_run.id == str(run.id))  # text, as Prefect's

    @task(retries=1, retry_delay_seconds=0)
    def step(x: int) -> int:
        seen.setdefault("counts", []).append(task_run.run_count)
        if task_run.run_count == 1:
            raise ConnectionError("once")
        return x

    @flow(flow_run_name="nightly-{day}", on_completion=[done], retries=1)
    def nightly(day: str) -> str:
        seen["start"] = flow_run.scheduled_start_time
        seen["count"] = flow_run.run_count
        step(1)
        if flow_run.run_count == 1:
            raise RuntimeError("the flow's first run fails")
        return flow_run.name

    before = time.time()
    assert nightly("mon") == "nightly-mon"
    assert seen["counts"] == [1, 2] and seen["count"] == 2  # the retry reuses step's result
    assert before - 1 <= seen["start"].timestamp() <= time.time()
    assert seen["start"].tzinfo is UTC
    assert seen["hook"] == ("nightly-mon", True)


def test_a_task_called_outside_any_flow_has_a_task_run_but_no_flow_run() -> None:
    @task
    def alone(x: int) -> Any:
        return task_run.task_name, task_run.parameters, flow_run.id

    assert alone(3) == ("alone", {"x": 3}, None)


def test_an_environment_variable_stands_in_for_a_value_made_its_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PREFECT__RUNTIME__FLOW_RUN__RUN_COUNT", "5")
    monkeypatch.setenv("PREFECT__RUNTIME__FLOW_RUN__NAME", "mocked")
    monkeypatch.setenv("PREFECT__RUNTIME__TASK_RUN__SOMETHING_ELSE", "as text")
    monkeypatch.setenv("PREFECT__RUNTIME__FLOW_RUN__SCHEDULED_START_TIME", "2026-01-02T03:04:05")
    assert flow_run.run_count == 5 and flow_run.name == "mocked"
    assert task_run.something_else == "as text"
    assert flow_run.scheduled_start_time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setenv("PREFECT__RUNTIME__FLOW_RUN__PARAMETERS", "{}")
    with pytest.raises(ValueError, match="cannot be mocked using an environment variable"):
        _ = flow_run.parameters


def test_an_unknown_attribute_is_an_attribute_error_and_dir_lists_the_known() -> None:
    with pytest.raises(AttributeError, match=r"flowtop\.runtime\.flow_run has no attribute 'nme'"):
        _ = flow_run.nme
    assert "root_flow_run_id" in dir(flow_run) and "task_name" in dir(task_run)


def test_each_module_lists_prefect_s_names_in_all() -> None:
    """PrefectHQ/examples' access_run_context.py loops over `flow_run.__all__`: it raised
    AttributeError. The names and their order are Prefect 3.9's."""
    assert flow_run.__all__[:5] == ["id", "tags", "scheduled_start_time", "name", "flow_name"]
    assert task_run.__all__ == [
        "id", "tags", "name", "parameters", "run_count", "task_name", "api_url", "ui_url"
    ]  # fmt: skip
    assert all(hasattr(deployment, name) for name in deployment.__all__)
    with prefect_imports():
        from prefect.runtime import flow_run as prefect_flow_run  # type: ignore[import-not-found]

        assert prefect_flow_run.__all__ == flow_run.__all__


def test_drop_in_imports_read_the_run_when_asked() -> None:
    with prefect_imports():
        import prefect.runtime.flow_run  # type: ignore[import-not-found]
        from prefect.runtime import task_run as prefect_task_run  # type: ignore[import-not-found]

        @flow
        def report() -> Any:
            return prefect.runtime.flow_run.flow_name, prefect_task_run.id

        assert report() == ("report", None)
        assert prefect.runtime.flow_run.name is None


def test_tags_reach_a_flow_s_tasks_subflows_hooks_and_calls_outside_a_flow() -> None:
    from flowtop import tags

    seen: dict[str, Any] = {}

    def done(task_: Any, run: Any, state: Any) -> None:
        seen["hook"] = run.tags

    @task(tags=["db"], on_completion=[done])
    def load() -> list[str]:
        return sorted(task_run.tags)

    @flow
    def child() -> list[str]:
        return sorted(flow_run.tags)

    @flow
    def parent() -> Any:
        with tags("inner"):
            return load(), child(), sorted(flow_run.tags)

    with tags("nightly") as current:
        assert current == {"nightly"}
        assert parent() == (["db", "inner", "nightly"], ["inner", "nightly"], ["nightly"])
        assert load() == ["db", "nightly"]  # outside any flow: the tags in effect here
    assert seen["hook"] == ["db", "nightly"]
    assert load() == ["db"] and task_run.tags == []


def test_a_flow_s_retry_keeps_the_tags_it_was_called_with() -> None:
    """Its retry was started on a timer's thread, where no `with tags(...)` is in effect:
    the second run had none, and escaped the limits of its tags."""
    from flowtop import tags

    runs: list[list[str]] = []

    @task(tags=["db"])
    def load() -> list[str]:
        return sorted(task_run.tags)

    @flow(retries=1)
    def child() -> list[str]:
        runs.append(sorted(flow_run.tags))
        if len(runs) == 1:
            raise ValueError("first run fails")
        return load()

    @flow
    def parent() -> list[str]:
        with tags("nightly"):
            return child()

    assert parent() == ["db", "nightly"]
    assert runs == [["nightly"], ["nightly"]]
