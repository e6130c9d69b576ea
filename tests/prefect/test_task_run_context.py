"""``TaskRunContext`` / ``FlowRunContext`` (``flowtop.context``, drop-in ``prefect.context``)
and ``task_run_name``: what a task sees of its own run, attempt by attempt."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest

from flowtop import Flow, flow, task
from flowtop.context import FlowRunContext, TaskRunContext, get_run_context
from flowtop.engine import Runner
from flowtop.engine.prefect_api import MissingContextError
from flowtop.engine.prefect_ids import prefect_uuid


def _seen(ctx: TaskRunContext | None) -> tuple[Any, ...]:
    assert ctx is not None
    run = ctx.task_run
    return run.id, run.name, run.run_count, run.state_name, ctx.parameters


def test_context_in_a_flow_task_attempt_by_attempt() -> None:
    seen: list[tuple[Any, ...]] = []

    @task(retries=2)
    def fetch(url: str, tries: int = 3) -> str:
        seen.append(_seen(TaskRunContext.get()))
        if len(seen) < 3:
            raise ConnectionError("reset")
        return url

    @flow
    def pipeline() -> str:
        assert TaskRunContext.get() is None  # the flow body is no task run
        return fetch("/a")

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.value == "/a"
    ids = {s[0] for s in seen}  # one task run, 3 attempts: Prefect's UUID of flowtop's id
    assert ids == {prefect_uuid(f"{result.run_id}:fetch")}
    assert [s[2] for s in seen] == [1, 2, 3]
    assert [s[3] for s in seen] == ["Running", "Retrying", "Retrying"]
    assert seen[0][1] == "fetch" and seen[0][4] == {"url": "/a", "tries": 3}
    assert TaskRunContext.get() is None  # nothing left behind on this thread


def test_context_in_a_static_flow_an_async_task_and_a_lone_call() -> None:
    @task
    def static(x: int) -> tuple[Any, ...]:
        return _seen(TaskRunContext.get())

    @task(retries=1)
    async def awaited(x: int) -> tuple[Any, ...]:
        await asyncio.sleep(0)
        info = _seen(TaskRunContext.get())
        if info[2] == 1:
            raise ValueError("again")
        return info

    with Flow("static") as f:
        static(1)
    with Runner() as runner:
        first = runner.run(f).states["static"].result
    assert first[2] == 1 and first[4] == {"x": 1}

    @flow
    async def pipeline() -> Any:
        return await asyncio.gather(awaited(1), awaited(2))

    with Runner() as runner:
        a, b = runner.run(pipeline).value
    assert (a[2], a[3], b[2]) == (2, "Retrying", 2) and a[0] != b[0]
    lone = static(5)  # a task called outside any flow has a task run of its own too
    assert lone[2] == 1 and lone[4] == {"x": 5}


def test_flow_run_context_and_get_run_context() -> None:
    @task
    def inner() -> uuid.UUID:
        ctx = FlowRunContext.get()
        assert ctx is not None
        return ctx.flow_run.id

    @flow
    def pipeline(n: int = 2) -> tuple[uuid.UUID, uuid.UUID, dict[str, Any]]:
        ctx = get_run_context()
        assert isinstance(ctx, FlowRunContext)
        return ctx.flow_run.id, inner(), ctx.parameters

    with Runner() as runner:
        result = runner.run(pipeline)
    body_id, task_id, parameters = result.value
    assert body_id == task_id == prefect_uuid(result.run_id) and parameters == {"n": 2}
    with pytest.raises(MissingContextError, match="No run context"):
        get_run_context()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("fetch-{url}", ["fetch-/a", "fetch-/b"]),
        (lambda: "fixed", ["fixed", "fixed"]),
        (lambda parameters: f"n{parameters['url']}", ["n/a", "n/b"]),
    ],
)
def test_task_run_name_template_or_callable(spec: Any, expected: list[str]) -> None:
    names: list[str] = []

    @task(task_run_name=spec, retries=1)
    def fetch(url: str) -> None:
        ctx = TaskRunContext.get()
        assert ctx is not None
        names.append(ctx.task_run.name)

    @flow
    def pipeline() -> None:
        fetch("/a")
        fetch.submit("/b").wait()

    with Runner() as runner:
        runner.run(pipeline)
    assert sorted(names) == expected
    fetch.with_options(task_run_name="lone-{url}")("/c")  # outside a flow too
    assert names[-1] == "lone-/c"


def test_a_task_run_name_callable_reads_the_run_s_context() -> None:
    """Prefect's test_task_run_name_is_set_with_function_using_runtime_context: the
    callable reads `prefect.runtime.task_run.parameters`; it ran outside the attempt's
    context, and the name read `anon-wuz-where?`."""
    from flowtop.runtime import task_run

    def name_fn() -> str:
        ctx = TaskRunContext.get()
        who = task_run.parameters.get("name", "anon") if ctx is not None else "anon"
        return f"{who}-wuz-here" if ctx is not None else "anon-wuz-where?"

    @task(task_run_name=name_fn)
    def hello(name: str) -> str:
        return str(task_run.name)

    @flow
    def pipeline() -> str:
        return hello("chris")

    assert pipeline() == "chris-wuz-here"


def test_task_run_name_is_resolved_once_per_run_and_checked() -> None:
    calls: list[int] = []

    def name() -> str:
        calls.append(1)
        return "n"

    attempts: list[int] = []

    @task(task_run_name=name, retries=3)
    def flaky() -> None:
        attempts.append(1)
        raise ValueError("no")

    @flow
    def pipeline() -> None:
        flaky()

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.is_failed() and len(attempts) == 4 and len(calls) == 1

    with pytest.raises(
        TypeError, match=r"task 'bad': Expected string or callable for 'task_run_name'"
    ):

        @task(name="bad", task_run_name=3)
        def bad() -> None: ...

    @task(task_run_name="{missing}")
    def unnamed(x: int) -> None: ...

    with pytest.raises(KeyError, match=r"task_run_name '\{missing\}' names 'missing'"):
        unnamed(1)


def test_a_run_name_template_that_cannot_be_made_blames_the_call_not_flowtop() -> None:
    """The attempt's line read `(task_runs.py:239 in resolve_run_name)` and the run's
    traceback ended in four frames of flowtop's: the mistake is the template's, named in
    the message, and the flow's line that called the task is the only frame shown."""
    from flowtop.engine.events import RunFinished, TaskStateChanged

    @task(task_run_name="load-{nope}")
    def load(x: int) -> int:
        return x

    @flow(name="named")
    def named() -> int:
        return load(1)

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        runner.run(named)
        runner.bus.flush()
    (failed,) = [e for e in seen if isinstance(e, TaskStateChanged) and e.state.value == "FAILED"]
    assert failed.error is not None and failed.error.type == "TaskRunNameError"
    assert failed.error.message.startswith("task 'load': task_run_name 'load-{nope}' names 'nope'")
    assert "File " not in failed.error.traceback, failed.error.traceback
    (finished,) = [e for e in seen if isinstance(e, RunFinished)]
    assert finished.error is not None
    frames = re.findall(r'File "([^"]+)"', finished.error.traceback)
    assert frames == [__file__], finished.error.traceback


def test_task_run_state_is_the_attempt_s_running_state() -> None:
    """It was None; Prefect gives the attempt's state, named Retrying on a retry."""
    seen: list[tuple[str, str]] = []

    @task(retries=1, retry_delay_seconds=0)
    def t() -> None:
        state = TaskRunContext.get().task_run.state
        seen.append((state.name, state.type.value))
        if len(seen) < 2:
            raise ValueError("x")

    @flow
    def pipeline() -> None:
        t()

    pipeline()
    assert seen == [("Running", "RUNNING"), ("Retrying", "RUNNING")]
