"""Tasks a ``@flow`` body calls from threads of its own, as Prefect 3.9.1 links them
(observed side by side: each task run's ``flow_run_id``). A thread started with the body's
context copied (``contextvars.copy_context().run``, ``with_context(fn)`` in a pool,
``asyncio.to_thread`` in an ``async def`` body) is in the flow run: a task called there,
or ``.submit()``-ed, is a task of the run, retries included, in its events (the monitor,
the history, ``flowtop run``). Such calls ran as calls outside any flow, unrecorded.
A plain ``ThreadPoolExecutor``'s (or ``threading.Thread``'s) carries no run, as in
Prefect, where its calls are task runs of no flow run: here calls outside any flow, retries
included. So is a copied thread's call in a task attempt (a task called in a task), or
once the body ended."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cli_kit import flowtop
from flowtop import flow, task
from flowtop.context import with_context
from flowtop.engine import Runner, StateType
from flowtop.engine.events import TaskStateChanged


def _flaky_fetch() -> tuple[Any, dict[int, int]]:
    """A task failing its first attempt for each ``n``, and its attempts by ``n``."""
    attempts: dict[int, int] = {}
    lock = threading.Lock()

    @task(retries=1, retry_delay=0)
    def fetch(n: int) -> int:
        with lock:
            attempts[n] = attempts.get(n, 0) + 1
            first = attempts[n] == 1
        if first:
            raise ConnectionError(f"reset fetching {n}")
        return n * 10

    return fetch, attempts


def _run(body: Any) -> tuple[Any, dict[str, list[StateType]]]:
    """``body``'s run: its value, and each task's states by key, in order."""
    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.start(body).final_result(20)
        runner.bus.flush()
    assert result.error is None, result.error
    states: dict[str, list[StateType]] = {}
    for event in seen:
        if isinstance(event, TaskStateChanged):
            states.setdefault(event.task, []).append(event.state)
    return result.value, states


def _in_copied_thread(call: Callable[[], Any]) -> Any:
    box: list[Any] = []
    thread = threading.Thread(
        target=contextvars.copy_context().run, args=(lambda: box.append(call()),)
    )
    thread.start()
    thread.join()
    return box[0]


def _retried_then_completed(states: list[StateType]) -> bool:
    return states[-1] is StateType.COMPLETED and StateType.AWAITING_RETRY in states


def test_a_task_called_on_a_thread_with_the_body_context_is_a_task_of_the_run() -> None:
    fetch, attempts = _flaky_fetch()

    @flow(name="copied-body-thread")
    def body() -> int:
        return _in_copied_thread(lambda: fetch(3))  # type: ignore[no-any-return]

    value, states = _run(body)
    assert value == 30 and attempts == {3: 2}
    assert list(states) == ["fetch"]
    assert _retried_then_completed(states["fetch"]), states


def test_with_context_in_a_pool_makes_each_call_a_task_of_the_run() -> None:
    fetch, attempts = _flaky_fetch()

    @flow(name="with-context-pool")
    def body() -> list[int]:
        with ThreadPoolExecutor(3) as pool:
            return list(pool.map(with_context(fetch), [1, 2, 3]))

    value, states = _run(body)
    assert value == [10, 20, 30] and attempts == {1: 2, 2: 2, 3: 2}
    assert sorted(states) == ["fetch", "fetch-2", "fetch-3"]
    assert all(_retried_then_completed(each) for each in states.values()), states


def test_submit_on_a_copied_thread_gives_a_future_of_the_run() -> None:
    fetch, _ = _flaky_fetch()

    @flow(name="copied-submit")
    def body() -> int:
        return _in_copied_thread(lambda: fetch.submit(4).result())  # type: ignore[no-any-return]

    value, states = _run(body)
    assert value == 40 and list(states) == ["fetch"]
    assert _retried_then_completed(states["fetch"]), states


def test_asyncio_to_thread_in_an_async_body_calls_a_task_of_the_run() -> None:
    fetch, attempts = _flaky_fetch()

    @flow(name="async-body-to-thread")
    async def body() -> int:
        return await asyncio.to_thread(fetch, 5)

    value, states = _run(body)
    assert value == 50 and attempts == {5: 2} and list(states) == ["fetch"]


def test_a_plain_pool_of_the_body_calls_tasks_outside_the_run_as_prefect_does() -> None:
    fetch, attempts = _flaky_fetch()

    @flow(name="plain-pool")
    def body() -> list[int]:
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(fetch, [1, 2]))

    value, states = _run(body)
    assert value == [10, 20] and attempts == {1: 2, 2: 2}  # retried all the same
    assert states == {}


def test_a_copied_thread_of_a_task_attempt_calls_in_that_attempt() -> None:
    fetch, attempts = _flaky_fetch()

    @task
    def outer() -> int:
        return _in_copied_thread(lambda: fetch(6))  # type: ignore[no-any-return]

    @task
    async def async_outer() -> int:  # its attempt runs on the body's event loop
        return await asyncio.to_thread(fetch, 8)

    @flow(name="copied-attempt-thread")
    async def body() -> list[int]:
        return [outer(), await async_outer()]

    value, states = _run(body)
    assert value == [60, 80] and attempts == {6: 2, 8: 2}
    assert sorted(states) == ["async_outer", "outer"]


def test_a_copied_thread_that_outlives_the_body_calls_outside_the_run() -> None:
    fetch, attempts = _flaky_fetch()
    body_ended, late = threading.Event(), []

    def after_the_body() -> None:
        body_ended.wait(10)
        late.append(fetch(7))

    @flow(name="outlived-body")
    def body() -> int:
        thread = threading.Thread(target=contextvars.copy_context().run, args=(after_the_body,))
        thread.start()
        bodies.append(thread)
        return 1

    bodies: list[threading.Thread] = []
    value, states = _run(body)
    body_ended.set()
    bodies[0].join(10)
    assert value == 1 and states == {}
    assert late == [70] and attempts == {7: 2}


POOL_FLOW = """\
from concurrent.futures import ThreadPoolExecutor

from flowtop import flow, task
from flowtop.context import with_context


@task
def fetch(url: str) -> int:
    return len(url)


@flow(name="fanout")
def fanout() -> list[int]:
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(with_context(fetch), ["a.com", "bb.com"]))
"""


def test_flowtop_run_and_history_show_a_pools_calls_as_the_flows_tasks(tmp_path: Path) -> None:
    (tmp_path / "pool.py").write_text(POOL_FLOW)
    done = flowtop("run", "pool.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 completed" in done.stdout and "fanout/fetch-2 ✓ completed" in done.stdout
    shown = flowtop("history", "pool.py", "--run", "1", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "fetch-2" in shown.stdout, shown.stdout
