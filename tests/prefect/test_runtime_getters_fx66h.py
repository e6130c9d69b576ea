"""Prefect 3's ``get_*`` functions of ``prefect.runtime`` (``task_run.get_run_count()``,
``flow_run.get_name()``, ``deployment.get_id()``): public functions of Prefect's modules,
whose attributes are computed by calling them. flowtop had only the attributes, so
``task_run.get_run_count()`` raised ``AttributeError: flowtop.runtime.task_run has no
attribute 'get_run_count'``. Each function gives what its attribute gives, in a run and
outside one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from drop_in_kit import drop_in_module

from flowtop.runtime import deployment, flow_run, task_run

#: Each ``get_*`` function Prefect 3's module defines, and the attribute it computes
#: (``prefect/runtime/*.py``, their ``FIELDS``).
PREFECTS: dict[ModuleType, dict[str, str]] = {
    task_run: {
        "get_id": "id",
        "get_tags": "tags",
        "get_run_count": "run_count",
        "get_name": "name",
        "get_task_name": "task_name",
        "get_parameters": "parameters",
        "get_task_run_api_url": "api_url",
        "get_task_run_ui_url": "ui_url",
    },
    flow_run: {
        "get_id": "id",
        "get_tags": "tags",
        "get_run_count": "run_count",
        "get_name": "name",
        "get_flow_name": "flow_name",
        "get_flow_version": "flow_version",
        "get_scheduled_start_time": "scheduled_start_time",
        "get_parameters": "parameters",
        "get_parent_flow_run_id": "parent_flow_run_id",
        "get_parent_deployment_id": "parent_deployment_id",
        "get_root_flow_run_id": "root_flow_run_id",
        "get_flow_run_api_url": "api_url",
        "get_flow_run_ui_url": "ui_url",
        "get_job_variables": "job_variables",
    },
    deployment: {
        "get_id": "id",
        "get_flow_run_id": "flow_run_id",
        "get_parameters": "parameters",
        "get_name": "name",
        "get_version": "version",
    },
}


def _pairs(modules: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Each function's value and its attribute's, read here: ``modules`` by Prefect's
    module name (``task_run``), as the code under test imported them."""
    seen = {}
    for module, getters in PREFECTS.items():
        here = modules[module.__name__.rpartition(".")[2]]
        for getter, attribute in getters.items():
            function: Callable[[], Any] = getattr(here, getter)
            seen[f"{module.__name__}.{getter}"] = (function(), getattr(here, attribute))
    return seen


def test_every_function_prefect_defines_is_there_and_reads_its_attribute() -> None:
    for module, getters in PREFECTS.items():
        assert sorted(getters.values()) == sorted(module.FIELDS)  # one for each attribute
        for getter in getters:
            assert callable(getattr(module, getter)), f"{module.__name__}.{getter}"
    assert "get_run_count" not in dir(task_run)  # as Prefect's: dir() lists the attributes


def test_outside_any_run_each_function_gives_what_its_attribute_gives() -> None:
    before = datetime.now().astimezone()
    modules = {"task_run": task_run, "flow_run": flow_run, "deployment": deployment}
    seen = _pairs(modules)
    start, again = seen.pop("flowtop.runtime.flow_run.get_scheduled_start_time")
    assert before <= start <= again  # now, each time it is read, as in Prefect
    for name, (got, attribute) in seen.items():
        assert got == attribute, name
    assert task_run.get_run_count() == 0 and flow_run.get_tags() == []
    assert (task_run.get_id(), flow_run.get_name(), deployment.get_id()) == (None, None, None)
    assert (flow_run.get_parameters(), deployment.get_parameters()) == ({}, {})


DROP_IN = """
    from prefect import flow, task
    from prefect.runtime import deployment, flow_run, task_run
    from prefect.runtime.task_run import get_run_count

    seen = {}
    counts = []


    @task(retries=3, retry_delay_seconds=0)
    def flaky(x: int) -> int:
        counts.append((task_run.get_run_count(), get_run_count(), task_run.run_count))
        if task_run.get_run_count() < 3:  # Prefect's demo: fail until the third run
            raise ConnectionError(f"run {task_run.get_run_count()}")
        seen["task"] = read()
        return x * task_run.get_run_count()


    def read():
        return {"task_run": task_run, "flow_run": flow_run, "deployment": deployment}


    @flow(flow_run_name="nightly-{day}")
    def nightly(day: str) -> int:
        seen["flow"] = read()
        return flaky(7)
"""


def test_in_a_drop_in_run_a_retry_decided_by_get_run_count_is_as_in_prefect(
    tmp_path: Path,
) -> None:
    module = drop_in_module(tmp_path, "getters_fx66h", DROP_IN)
    assert module.nightly("mon") == 21  # the third run completed, as in Prefect
    assert module.counts == [(1, 1, 1), (2, 2, 2), (3, 3, 3)]
    for where in ("flow", "task"):
        # the modules as Prefect code imported them: read there, now the run is over
        modules = module.seen[where]
        assert modules["task_run"].get_run_count() == 0


@pytest.mark.parametrize("where", ["flow", "task"])
def test_in_a_run_each_function_gives_what_its_attribute_gives(tmp_path: Path, where: str) -> None:
    source = DROP_IN.replace('seen["task"] = read()', 'seen["task"] = _pairs(read())')
    source = source.replace('seen["flow"] = read()', 'seen["flow"] = _pairs(read())')
    module = drop_in_module(tmp_path, f"getters_{where}_fx66h", source)
    module._pairs = _pairs
    assert module.nightly("mon") == 21
    seen = module.seen[where]
    for name, (got, attribute) in seen.items():
        assert got == attribute, name
    assert seen["flowtop.runtime.flow_run.get_name"][0] == "nightly-mon"
    assert seen["flowtop.runtime.flow_run.get_id"][0] is not None
    assert seen["flowtop.runtime.deployment.get_parameters"][0] == {"day": "mon"}
    if where == "task":
        assert seen["flowtop.runtime.task_run.get_run_count"][0] == 3
        assert seen["flowtop.runtime.task_run.get_parameters"][0] == {"x": 7}
        assert seen["flowtop.runtime.task_run.get_task_name"][0] == "flaky"


def test_an_environment_variable_stands_in_for_the_attribute_not_the_function(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PREFECT__RUNTIME__TASK_RUN__RUN_COUNT", "5")
    assert (task_run.run_count, task_run.get_run_count()) == (5, 0)  # as Prefect's
