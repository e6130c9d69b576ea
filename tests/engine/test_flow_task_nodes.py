"""What a ``@flow`` lists before it runs (``flowtop list``, the monitor's rows): the tasks
it names, not every task of its module (each flow of a file listed them all)."""

from __future__ import annotations

import types
from typing import Any

from flowtop import task


def module_with_flows() -> dict[str, Any]:
    """A flow module's globals: two flows over different tasks, a helper function between
    one flow and its tasks, a task module reached by attribute."""
    tasks = types.ModuleType("tasks_lib")
    source = """
from flowtop import flow, task

@task
def extract():
    return 1

@task
def load(x):
    return x

@task
def report():
    return 2

def helper():
    return load(extract())

@flow
def etl():
    return helper()

@flow
def reporting():
    return [report() for _ in range(2)] + [tasks_lib.fetch()]
"""
    tasks.fetch = task(lambda: 5, name="fetch")  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {"tasks_lib": tasks, "__name__": "flows_module"}
    exec(compile(source, "flows_module.py", "exec"), namespace)
    return namespace


def test_each_flow_lists_the_tasks_it_reaches() -> None:
    module = module_with_flows()
    assert list(module["etl"].task_nodes()) == ["extract", "load"]  # through helper()
    assert list(module["reporting"].task_nodes()) == ["report", "fetch"]


def test_a_flow_that_names_no_task_of_its_module_lists_none() -> None:
    """Its tasks are its own (defined in its body): they appear as it runs."""
    module = module_with_flows()
    exec(
        compile(
            "@flow\ndef local_only():\n    @task\n    def inner():\n        return 3\n"
            "    return inner()\n",
            "flows_module.py",
            "exec",
        ),
        module,
    )
    assert module["local_only"].task_nodes() == {}
