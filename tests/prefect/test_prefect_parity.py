"""Prefect 3 behaviours drop-in code relies on, each checked side by side against Prefect
3.9.1 (``tests/compat/side_by_side.py``: ``run_logger_copied_context``,
``generator_task_submit_map``, ``exponential_backoff_readback``, ``flow_run_logger_in_hooks``,
``returned_completed_state``): a copied context keeps the run logger, a generator task's
``.submit()``/``.map()`` gives lists (an async one's fails), ``exponential_backoff`` reads
back as Prefect's list, ``flow_run_logger``/``task_run_logger``, and a task's returned
``Completed(...)`` is its state outside a flow too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from thread_kit import in_thread

from flowtop import flow, get_run_logger, task
from flowtop.context import FlowRunContext, TaskRunContext
from flowtop.engine import Runner
from flowtop.engine.delays import compute_delay
from flowtop.engine.events import RunFinished
from flowtop.engine.prefect_ids import prefect_uuid
from flowtop.exceptions import MissingContextError
from flowtop.states import Completed
from flowtop.tasks import exponential_backoff


# -- get_run_logger in a thread started with the run's context copied -------------------
def test_a_thread_the_flow_body_starts_with_its_context_has_the_run_logger() -> None:
    def from_thread() -> list[Any]:
        logger = get_run_logger()
        logger.info("from a helper thread")
        context = FlowRunContext.get()
        return [logger.logger.name, context is not None and context.flow_run.id]

    @flow(name="copied")
    def copied() -> list[Any]:
        return [in_thread(copied=True, fn=from_thread), in_thread(copied=False, fn=from_thread)]

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.start(copied).final_result(10)
        runner.bus.flush()
    (name, run_id), plain = result.value
    assert name == "flowtop.flow_runs" and run_id == prefect_uuid(result.run_id)
    assert isinstance(plain, MissingContextError)  # as in Prefect: a new thread has no context
    (finished,) = [e for e in seen if isinstance(e, RunFinished)]
    assert "INFO flowtop.flow_runs: from a helper thread\n" in finished.output


def test_a_thread_started_from_a_task_called_outside_a_flow_has_the_task_logger() -> None:
    @task
    def alone() -> list[Any]:
        def read() -> list[Any]:
            return [get_run_logger().logger.name, TaskRunContext.get() is not None]

        return [in_thread(copied=True, fn=read), in_thread(copied=False, fn=read)]

    copied, plain = alone()
    assert copied == ["flowtop.task_runs", True]
    assert isinstance(plain, MissingContextError)


def test_asyncio_to_thread_in_an_async_flow_keeps_the_run_logger() -> None:
    @flow
    async def body() -> str:
        logger = await asyncio.to_thread(get_run_logger)
        return logger.logger.name

    assert asyncio.run(body()) == "flowtop.flow_runs"


# -- generator tasks: .submit() and .map() -----------------------------------------------
def test_a_submitted_generator_task_s_result_is_its_values_as_a_list() -> None:
    attempts: list[int] = []

    @task(retries=1)
    def numbers(n: int) -> Iterator[int]:
        attempts.append(n)
        yield 1
        if n == 0 and attempts.count(0) == 1:
            raise ValueError("first attempt fails")
        yield n

    @task
    def broken() -> Iterator[int]:
        yield 1
        raise KeyError("nope")

    @flow
    def f() -> list[Any]:
        mapped = numbers.map([2, 3])
        with pytest.raises(KeyError):
            broken.submit().result()
        return [numbers.submit(0).result(), [x.result() for x in mapped], list(numbers(4))]

    assert f() == [[1, 0], [[1, 2], [1, 3]], [1, 4]]
    assert attempts.count(0) == 2  # the failed attempt is retried from the start
    assert numbers.submit(5).result() == [1, 5]  # outside a flow too (on a thread)


def test_a_submitted_async_generator_task_fails_in_an_async_flow_too() -> None:
    """Prefect 3.9 fails it (it awaits the async generator); flowtop collected it.
    (``test_prefect_gaps`` has the sync flow's ``.submit()`` and ``.map()``.)"""

    @task
    async def letters(n: int) -> Any:
        for i in range(n):
            yield "abc"[i]

    @flow
    async def f() -> list[str]:
        return letters.submit(2).result()  # type: ignore[no-any-return]

    with pytest.raises(TypeError, match="can't be used in 'await' expression"):
        asyncio.run(f())


# -- exponential_backoff reads back as Prefect's list -------------------------------------
def test_exponential_backoff_reads_back_as_the_list_prefect_makes() -> None:
    backoff = exponential_backoff(backoff_factor=2)
    three = task(retries=3, retry_delay_seconds=backoff)(lambda: None)
    assert three.retry_delay_seconds == [2, 4, 8]
    assert str(three.retry_delay_seconds) == "[2, 4, 8]"  # as Prefect prints it, not 2.0
    assert task(retry_delay_seconds=backoff)(lambda: None).retry_delay_seconds == []
    assert (
        len(task(retries=60, retry_delay_seconds=backoff)(lambda: None).retry_delay_seconds) == 50
    )
    more = three.with_options(retries=5)  # Prefect's copy keeps the list: its last repeats
    assert more.retry_delay_seconds == [2, 4, 8]
    assert [compute_delay(more.policy.retry_delay, n).seconds for n in (1, 3, 5)] == [2, 8, 8]
    none = task(retry_delay_seconds=backoff)(lambda: None).with_options(retries=2)
    assert none.retry_delay_seconds == []  # made for no retries: Prefect's copy waits none
    assert compute_delay(none.policy.retry_delay, 1).seconds == 0


# -- flow_run_logger and task_run_logger --------------------------------------------------
def test_flow_run_logger_and_task_run_logger_in_state_hooks() -> None:
    from flowtop.logging import flow_run_logger, task_run_logger

    seen: list[Any] = []

    def flow_done(flow_: Any, flow_run: Any, state: Any) -> None:
        logger = flow_run_logger(flow_run, flow_)
        logger.info("flow done")
        seen.append((logger.logger.name, dict(logger.extra or {})))

    def task_done(task_: Any, task_run: Any, state: Any) -> None:
        logger = task_run_logger(task_run, task_)
        seen.append((logger.logger.name, dict(logger.extra or {})))

    @task(on_completion=[task_done])
    def step() -> int:
        return 1

    @flow(name="nightly", on_completion=[flow_done])
    def nightly() -> int:
        return step()

    with Runner() as runner:
        result = runner.run(nightly)
    (task_logger, task_extra), (flow_logger, flow_extra) = seen
    assert flow_logger == "flowtop.flow_runs" and task_logger == "flowtop.task_runs"
    flow_run_id = str(prefect_uuid(result.run_id))  # the text of flow_run.id, as Prefect's
    assert flow_extra["flow_name"] == "nightly" and flow_extra["flow_run_id"] == flow_run_id
    assert task_extra["flow_run_id"] == flow_run_id
    assert flow_extra["deployment_name"] is None
    assert task_extra["task_name"] == "step" and task_extra["flow_name"] == "nightly"
    with pytest.raises(ValueError, match="Either 'flow_run' or 'flow_run_id' must be provided"):
        flow_run_logger()
    assert flow_run_logger(flow_run_id="abc", region="eu").extra == {
        "flow_run_name": "<unknown>",
        "flow_run_id": "abc",
        "flow_name": "<unknown>",
        "deployment_name": None,
        "region": "eu",
    }


def test_drop_in_imports_them_from_prefect_logging_loggers() -> None:
    from flowtop.compat import prefect_imports
    from flowtop.logging import flow_run_logger

    with prefect_imports():
        from prefect.logging.loggers import flow_run_logger as stand_in  # type: ignore[import-not-found]
    assert stand_in is flow_run_logger


# -- a task that returns Completed(...) ---------------------------------------------------
@pytest.mark.parametrize("where", ["outside a flow", "in a flow"])
def test_a_returned_completed_state_is_the_call_s_state(where: str) -> None:
    @task
    def made() -> Any:
        return Completed(data=5)

    @task
    def named() -> Any:
        return Completed(data=[1], message="hi", name="Skipped")

    def calls() -> list[Any]:
        state = made(return_state=True)
        own = named(return_state=True)
        return [state.result(), state.name, own.name, own.message, own.result(), made().data]

    @flow
    def f() -> list[Any]:
        return calls()

    assert (calls() if where == "outside a flow" else f()) == [
        5,
        "Completed",
        "Skipped",
        "hi",
        [1],
        5,
    ]
    assert made.submit().result() == 5  # outside a flow, on a thread: as a flow's submit
