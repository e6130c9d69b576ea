"""A thread a task attempt of a flow run starts with its context copied
(``contextvars.copy_context().run``, ``asyncio.to_thread`` in an ``async def`` task) is in
that task run, as in Prefect 3.9.1, whose run contexts are context variables (checked
side by side: ``run_logger_copied_context_task``): ``get_run_logger()`` is the task run
logger, ``TaskRunContext.get()`` and ``FlowRunContext.get()`` are the attempt's, and what
the thread logs or prints while the attempt runs is the attempt's output. A thread
started plainly has no run context. It used to raise ``MissingContextError`` there."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

import pytest
from thread_kit import in_thread

from flowtop import flow, get_run_logger, task
from flowtop.context import FlowRunContext, TaskRunContext
from flowtop.engine import Runner, StateType
from flowtop.engine.events import TaskStateChanged
from flowtop.engine.prefect_ids import prefect_uuid
from flowtop.exceptions import MissingContextError


def _where(label: str) -> list[Any]:
    logger = get_run_logger()
    logger.info("logged from the %s", label)
    print(f"printed from the {label}")
    task_context, flow_context = TaskRunContext.get(), FlowRunContext.get()
    return [
        logger.logger.name,
        task_context and task_context.task.name,
        task_context and task_context.task_run.run_count,
        flow_context and flow_context.flow_run.id,
    ]


def _run(body: Any) -> tuple[Any, dict[str, str]]:
    """``body``'s run: its value, and each completed task's captured output by key."""
    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.start(body).final_result(10)
        runner.bus.flush()
    assert result.error is None, result.error
    outputs = {
        e.task: e.output
        for e in seen
        if isinstance(e, TaskStateChanged) and e.state is StateType.COMPLETED
    }
    return (result.run_id, result.value), outputs


def test_a_thread_a_task_attempt_starts_with_its_context_is_in_that_task_run() -> None:
    @task(retries=1)
    def step() -> list[Any]:
        copied = in_thread(lambda: _where("copied thread"), copied=True)
        plain = in_thread(lambda: _where("plain thread"), copied=False)
        if TaskRunContext.get().task_run.run_count == 1:  # type: ignore[union-attr]
            raise ConnectionError("the retry's thread is in the retry")
        return [copied, plain]

    @flow(name="copied-task-context")
    def body() -> Any:
        return step.submit().result()

    (run_id, (copied, plain)), outputs = _run(body)
    assert copied == ["flowtop.task_runs", "step", 2, prefect_uuid(run_id)]
    assert isinstance(plain, MissingContextError)  # as in Prefect: a new thread has no context
    assert "INFO flowtop.task_runs: logged from the copied thread\n" in outputs["step"]
    assert "printed from the copied thread\n" in outputs["step"]


def test_asyncio_to_thread_in_an_async_task_of_a_flow_is_in_its_task_run() -> None:
    @task
    async def fetch() -> list[Any]:
        return await asyncio.to_thread(_where, "to_thread")  # type: ignore[no-any-return]

    @flow(name="async-task-to-thread")
    async def body() -> Any:
        return await fetch()

    (run_id, value), outputs = _run(body)
    assert value == ["flowtop.task_runs", "fetch", 1, prefect_uuid(run_id)]
    assert "INFO flowtop.task_runs: logged from the to_thread\n" in outputs["fetch"]


def test_a_thread_that_outlives_its_attempt_writes_no_more_to_its_output(
    capfd: pytest.CaptureFixture[str],
) -> None:
    go_on, done = threading.Event(), threading.Event()
    late: list[Any] = []

    def outlives() -> None:
        go_on.wait(5)
        print("printed after the attempt ended")
        late.append(TaskRunContext.get())
        done.set()

    @task
    def step() -> int:
        threading.Thread(target=contextvars.copy_context().run, args=(outlives,)).start()
        return 1

    @flow(name="outlived")
    def body() -> int:
        return step()

    (_, value), outputs = _run(body)
    go_on.set()
    assert done.wait(5)
    assert value == 1 and outputs["step"] == "" and late == [None]
    # to the real stream, not into the ended attempt's buffer (read by no one)
    assert "printed after the attempt ended" in capfd.readouterr().out
