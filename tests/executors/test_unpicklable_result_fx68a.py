"""A result that cannot be pickled to come back from its worker fails at once.

It was a plain ``ShippingError``, which the default retry options retried: the task's
function ran again (its side effects repeated, ``retry_delay`` waited each time) and
failed the same way every time. It is an ``UnshippableError`` now, as an attempt whose
function or arguments cannot be pickled is, naming the task and what in the result could
not be pickled. Each task appends its name to ``runs.txt`` on every run.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

import flowtop
from flowtop.engine import shipping
from flowtop.engine.executors import DaskBackend, ProcessBackend
from flowtop.workspace import Workspace

FLOW = """
    import threading
    from pathlib import Path

    from flowtop import Flow, ShippingError, task

    RUNS = Path(__file__).with_name("runs.txt")


    def ran(name):
        with RUNS.open("a") as f:
            f.write(name + "\\n")


    def numbers():
        yield 1


    class Holder:
        def __init__(self):
            self.lock = threading.Lock()


    @task(max_retries=3, retry_delay=0.01)
    def lock_back():
        ran("lock_back")
        return threading.Lock()


    @task(retry_on=[ShippingError], max_retries=3, retry_delay=0.01)
    def generator_back():
        ran("generator_back")
        return numbers()


    @task(max_retries=3, retry_delay=0.01, retry_predicate=lambda state: True)
    def nested_back():
        ran("nested_back")
        return {"rows": [1, threading.Lock()]}


    @task(max_retries=3, retry_delay=0.01)
    def holder_back():
        ran("holder_back")
        return Holder()


    @task(max_retries=3, retry_delay=0.01)
    def fine():
        ran("fine")
        return {"rows": [1, 2]}


    with Flow("results") as flow:
        lock_back()
        generator_back()
        nested_back()
        holder_back()
        fine()
"""


def run_flow(folder: Path, backend: Any) -> tuple[Any, list[str]]:
    """The flow's result and the names of the tasks each run made, in order."""
    (folder / "results.py").write_text(textwrap.dedent(FLOW))
    ws = Workspace(folder)
    ws.load()
    runner = ws.make_runner(backend=backend, workers=2)
    try:
        result = runner.run(ws.flows["results"])
    finally:
        runner.shutdown()
        backend.close()
        ws.close()
    return result, (folder / "runs.txt").read_text().split()


@pytest.fixture(scope="module")
def on_process(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[str]]:
    return run_flow(tmp_path_factory.mktemp("flows"), ProcessBackend(2))


def failed_once(outcome: tuple[Any, list[str]], task: str, where: str) -> str:
    """The message of ``task``'s only attempt, after checking it ran once and failed
    with an ``UnshippableError`` naming the task."""
    result, runs = outcome
    assert runs.count(task) == 1, runs
    assert len(result.attempts[task]) == 1, [a.error.message for a in result.attempts[task]]
    error = result[task].exception
    assert isinstance(error, shipping.UnshippableError), repr(error)
    assert isinstance(error, flowtop.ShippingError)  # `except ShippingError` still catches it
    message = str(error)
    start = f"result of task {task!r} could not be sent back from the {where}: "
    assert message.startswith(start), message
    assert message.endswith(" — never retried"), message
    return message


def test_a_lock_returned_runs_once_and_is_named(on_process: tuple[Any, list[str]]) -> None:
    message = failed_once(on_process, "lock_back", "process")
    assert "its result (a _thread.lock) cannot be pickled" in message
    result, runs = on_process  # a picklable result beside it is unaffected
    assert result["fine"].result == {"rows": [1, 2]}
    assert runs.count("fine") == 1
    assert len(result.attempts["fine"]) == 1


def test_a_generator_returned_is_not_retried_even_on_retry_on(
    on_process: tuple[Any, list[str]],
) -> None:
    message = failed_once(on_process, "generator_back", "process")  # retry_on=[ShippingError]
    assert "its result (a generator) cannot be pickled: return a list instead" in message


def test_the_part_of_a_container_is_named_despite_a_predicate(
    on_process: tuple[Any, list[str]],
) -> None:
    message = failed_once(on_process, "nested_back", "process")  # retry_predicate → True
    assert "its result['rows'][1] (a _thread.lock) cannot be pickled" in message


def test_the_attribute_of_a_flow_class_object_is_named(
    on_process: tuple[Any, list[str]],
) -> None:
    """The worker cannot import the flow's module: its class came by value."""
    message = failed_once(on_process, "holder_back", "process")
    assert "its result.lock (a _thread.lock) cannot be pickled" in message


def test_a_memory_error_while_pickling_stays_retryable() -> None:
    """It may pass next time, as for an argument: a plain ``ShippingError``."""
    error = shipping.unsendable_result(object(), MemoryError(), "big", "process")
    assert type(error) is shipping.ShippingError
    assert str(error).startswith("result of task 'big' could not be sent back from the process: ")


def test_on_dask_worker_processes_too(process_cluster: Any, tmp_path: Path) -> None:
    """Workers of their own, which know nothing of the flow's modules."""
    outcome = run_flow(tmp_path, DaskBackend(workers=2, cluster=process_cluster))
    assert "(a _thread.lock)" in failed_once(outcome, "lock_back", "Dask worker")
    assert "(a generator)" in failed_once(outcome, "generator_back", "Dask worker")
    assert "['rows'][1] (a _thread.lock)" in failed_once(outcome, "nested_back", "Dask worker")
    assert "result.lock (a _thread.lock)" in failed_once(outcome, "holder_back", "Dask worker")
    assert outcome[0]["fine"].result == {"rows": [1, 2]}
