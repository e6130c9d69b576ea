"""An attempt that can never be sent to a worker fails at once, saying what and where.

A module-level lock, a generator or a binary file as argument: pickling them fails on
every attempt alike, so retrying (with its delays) only postponed the failure. They fail
with an ``UnshippableError`` (a ``ShippingError``, so ``except ShippingError`` still
catches it) that names the global or the argument; a worker that died is still a plain,
retryable ``ShippingError``. One flow file holds every case, run once on one
``ProcessBackend``; the same file on Dask when ``distributed`` is installed.
"""

from __future__ import annotations

import functools
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

import flowtop
from flowtop.engine import shipping
from flowtop.engine.executors import DaskBackend, ProcessBackend
from flowtop.workspace import Workspace

FLOW = """
    import io
    import os
    import threading
    from pathlib import Path

    from flowtop import Flow, ShippingError, task

    LOCK = threading.Lock()
    RUNS = Path(__file__).with_name("runs.txt")


    class Cache:
        lock = threading.RLock()


    def helper():
        with Cache.lock:
            return 1


    def numbers():
        yield 1


    @task(retry_on=[ShippingError], max_retries=2, retry_delay=0.01)
    def locked(x):
        with LOCK:
            return x + 1


    @task(max_retries=2, retry_delay=0.01)
    def via_helper():
        return helper()


    @task(max_retries=2, retry_delay=0.01)
    def consume(it):
        return sum(it)


    @task(max_retries=2, retry_delay=0.01)
    def read(f):
        return f.read()


    @task(max_retries=2, retry_delay=0.01)
    def configured(*, cfg):
        return len(cfg)


    @task(max_retries=1, retry_delay=0.01)
    def fine(x):
        return x * 2


    @task(retry_on=[ShippingError], max_retries=1, retry_delay=0.01)
    def crashes():
        with RUNS.open("a") as f:
            f.write("ran\\n")
        os._exit(1)


    with Flow("unshippable") as flow:
        locked(1)
        via_helper()
        consume(numbers())
        read(io.BufferedReader(io.BytesIO(b"data")))  # what open(path, "rb") gives
        configured(cfg={"a": [1, threading.Lock()]})
        fine(21)
        CRASH = crashes()
"""


def run_flow(folder: Path, backend: Any, *, crash: bool = True) -> Any:
    source = textwrap.dedent(FLOW)
    if not crash:  # its os._exit on an in-process cluster's thread would end the test run
        assert "    CRASH = crashes()\n" in source
        source = source.replace("    CRASH = crashes()\n", "")
    (folder / "unshippable.py").write_text(source)
    ws = Workspace(folder)
    ws.load()
    runner = ws.make_runner(backend=backend, workers=2)
    try:
        return runner.run(ws.flows["unshippable"])
    finally:
        runner.shutdown()
        backend.close()
        ws.close()


@pytest.fixture(scope="module")
def process_result(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run_flow(tmp_path_factory.mktemp("flows"), ProcessBackend(2))


def failed_once(result: Any, task: str) -> str:
    """The message of ``task``'s only attempt, after checking it failed with no retry."""
    attempts = result.attempts[task]
    assert len(attempts) == 1, [a.error.message for a in attempts]
    error = result[task].exception
    assert isinstance(error, shipping.UnshippableError)
    assert isinstance(error, flowtop.ShippingError)  # `except ShippingError` still catches it
    message = str(error)
    assert message.startswith(f"task {task!r} could not be sent to a worker process: ")
    assert message.endswith(" — never retried")
    return message


def test_a_module_level_lock_is_named_and_not_retried_even_on_retry_on(
    process_result: Any,
) -> None:
    message = failed_once(process_result, "locked")  # retry_on=[ShippingError] max_retries=2
    assert "the task's function refers to LOCK (a _thread.lock) in " in message
    assert "unshippable.py: module-level state cannot be sent to a worker process" in message
    assert "or use --executor thread" in message


def test_a_lock_reached_through_a_helper_names_the_path(process_result: Any) -> None:
    message = failed_once(process_result, "via_helper")
    assert "refers to helper, which refers to Cache.lock (a _thread.RLock) in " in message


def test_unpicklable_arguments_are_named_with_what_to_pass(process_result: Any) -> None:
    generator = failed_once(process_result, "consume")
    assert "its argument 'it' (a generator) cannot be pickled: pass a list instead" in generator
    binary = failed_once(process_result, "read")
    assert "its argument 'f' (a _io.BufferedReader) cannot be pickled" in binary
    assert "pass the file's path and open it in the task" in binary
    nested = failed_once(process_result, "configured")
    assert "its argument 'cfg'['a'][1] (a _thread.lock) cannot be pickled" in nested


def test_a_crashed_worker_is_still_a_retryable_shipping_error(process_result: Any) -> None:
    assert process_result["fine"].result == 42
    attempts = process_result.attempts["crashes"]
    assert len(attempts) == 2  # retry_on=[ShippingError] matched the first crash
    assert type(process_result["crashes"].exception) is flowtop.ShippingError


def test_a_closure_and_a_memory_error_are_told_apart() -> None:
    """Unit level: a lock the function closes over is named; a ``MemoryError`` while
    pickling may pass next time, so it stays a retryable ``ShippingError``."""
    lock = threading.Lock()

    def closes_over() -> None:
        with lock:
            pass

    error = shipping.unshippable(closes_over, [], {}, TypeError("x"), "a worker process")
    assert isinstance(error, shipping.UnshippableError)
    assert "refers to lock (a _thread.lock) in the function that made it, in " in str(error)

    bound = functools.partial(closes_over)
    assert "refers to lock (a _thread.lock)" in str(
        shipping.unshippable(bound, [], {}, TypeError("x"), "a worker process")
    )

    memory = shipping.unshippable(closes_over, [], {}, MemoryError(), "a worker process")
    assert type(memory) is shipping.ShippingError


@pytest.fixture
def dask_backend(request: pytest.FixtureRequest) -> DaskBackend:
    """On the module's shared cluster; ``run_flow`` closes it."""
    pytest.importorskip("distributed")
    return DaskBackend(workers=2, cluster=request.getfixturevalue("cluster"))


def test_on_dask_too_it_fails_at_once(dask_backend: DaskBackend, tmp_path: Path) -> None:
    result = run_flow(tmp_path, dask_backend, crash=False)
    for task in ("locked", "consume"):
        assert len(result.attempts[task]) == 1
        error = result[task].exception
        assert isinstance(error, shipping.UnshippableError)
        assert str(error).startswith(f"task {task!r} could not be sent to a Dask worker: ")
    assert "refers to LOCK (a _thread.lock)" in str(result["locked"].exception)
    assert result["fine"].result == 42
