"""Prefect 3's task state hooks (``on_running``, ``on_completion``, ``on_failure``) and the
engine's Prefect-style failure log lines (``flowtop.task_engine``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

import pytest

from flowtop import Flow, flow, task
from flowtop.context import TaskRunContext
from flowtop.engine import Runner


class Hooks:
    """Records each hook call as ``(kind, state name, run_count, task_run name)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, str]] = []
        self.lock = threading.Lock()

    def __call__(self, kind: str) -> Any:
        def hook(task: Any, task_run: Any, state: Any) -> None:
            assert task.name and state.state_details.task_run_id == task_run.id
            with self.lock:
                self.calls.append((kind, state.name, task_run.run_count, task_run.name))

        hook.__name__ = kind
        return hook

    def kinds(self) -> list[tuple[str, str]]:
        return [(k, s) for k, s, _, _ in self.calls]


def test_hooks_in_a_flow_running_every_attempt_failure_once() -> None:
    hooks = Hooks()
    attempts: list[int] = []

    @task(
        retries=2,
        on_running=[hooks("running")],
        on_failure=[hooks("failure")],
        on_completion=[hooks("completion")],
    )
    def flaky() -> None:
        attempts.append(1)
        raise ValueError("no")

    @flow
    def pipeline() -> Any:
        future = flaky.submit()
        future.wait()
        return list(hooks.calls)  # the failure hook ran before the task's state showed

    with Runner() as runner:
        seen_by_flow = runner.run(pipeline).value
    assert hooks.kinds() == [
        ("running", "Running"),
        ("running", "Retrying"),
        ("running", "Retrying"),
        ("failure", "Failed"),
    ]
    assert seen_by_flow == hooks.calls and [c[2] for c in hooks.calls] == [1, 2, 3, 3]


def test_completion_hook_with_with_options_decorators_and_a_static_flow() -> None:
    hooks = Hooks()

    @task
    def ok(x: int) -> int:
        return x

    @ok.on_completion
    def done(task: Any, task_run: Any, state: Any) -> None:
        hooks("decorated")(task, task_run, state)
        ctx = TaskRunContext.get()
        assert state.result() == 1 and ctx is not None and ctx.parameters == {"x": 1}

    copy = ok.with_options(on_running=[hooks("running")], task_run_name="ok-{x}")
    assert copy.on_completion_hooks == [done] and ok.on_running_hooks == []
    assert ok.with_options(on_completion=[]).on_completion_hooks == [done]  # Prefect's `or`
    with Flow("static") as f:
        copy(1)
    with Runner() as runner:
        assert runner.run(f).is_completed()
    assert hooks.calls == [
        ("running", "Running", 1, "ok-1"),
        ("decorated", "Completed", 1, "ok-1"),
    ]


def test_hooks_outside_a_flow_async_hooks_and_a_hook_that_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    async def async_hook(task: Any, task_run: Any, state: Any) -> None:
        await asyncio.sleep(0)
        calls.append(f"async {state.name}")

    def broken(task: Any, task_run: Any, state: Any) -> None:
        raise RuntimeError("hook bug")

    @task(retries=1, on_failure=[broken, async_hook], on_running=[async_hook])
    def lone() -> None:
        raise KeyError("k")

    with caplog.at_level(logging.ERROR), pytest.raises(KeyError):
        lone()  # a task called outside any flow: its hooks too
    assert calls == ["async Running", "async Retrying", "async Failed"]
    assert "An error was encountered while running hook 'broken'" in caplog.text

    @task(on_completion=[async_hook])
    async def awaited() -> int:
        return 1

    @flow
    async def pipeline() -> int:
        return await awaited()

    calls.clear()
    with Runner() as runner:
        assert runner.run(pipeline).value == 1
    assert calls == ["async Completed"]


def test_hooks_are_checked_at_definition() -> None:
    with pytest.raises(TypeError, match=r"task 'x': Expected iterable for 'on_failure'; got int"):
        task(name="x", on_failure=3)(lambda: None)
    with pytest.raises(TypeError, match=r"Expected callables in 'on_running'; got str"):
        task(on_running=["not a hook"])(lambda: None)


def test_failure_lines_go_to_the_task_engine_logger(caplog: pytest.LogCaptureFixture) -> None:
    @task(retries=1)
    def retried() -> None:
        raise ValueError("boom")

    @task
    def once() -> None:
        raise ValueError("bang")

    @flow
    def pipeline() -> None:
        for t in (retried, once):
            with contextlib.suppress(ValueError):
                t()

    logger = logging.getLogger("flowtop.task_engine")
    with caplog.at_level(logging.INFO, logger="flowtop.task_engine"), Runner() as runner:
        result = runner.run(pipeline)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == logger.name]
    assert lines == [
        (
            "INFO",
            "Task run failed with exception: ValueError('boom') - Retry 1/1 will start immediately",
        ),
        ("ERROR", "Task run failed with exception: ValueError('boom') - Retries are exhausted"),
        ("ERROR", "Task run failed with exception: ValueError('bang')"),
    ]
    # flowtop's own record of the attempts does not repeat them
    assert all("Task run failed" not in a.output for a in result.attempts["retried"])
    assert logger.level == logging.WARNING  # retries log nothing unless asked


def test_no_failure_record_is_made_under_a_flowtop_command_without_a_logging_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flowtop command reports failures its own way: with no handler of the program's
    to hear them, the engine's failure lines are not even made. (A plain script makes
    them, for stderr: ``test_plain_script_logging.py``.)"""
    from flowtop.engine import capture, task_runs

    handled: list[logging.LogRecord] = []
    monkeypatch.setattr(task_runs.ENGINE_LOG, "handle", handled.append)
    monkeypatch.setattr(logging.getLogger(), "handlers", [capture._handler])  # flowtop's only
    monkeypatch.setattr(capture, "_pinned", True)  # as `flowtop run` and the monitor are

    @task
    def once() -> None:
        raise ValueError("unheard")

    with pytest.raises(ValueError, match="unheard"):
        once()
    assert handled == []  # no record: nothing of the program's would have heard it
    monkeypatch.setattr(logging.getLogger(), "handlers", [capture._handler, logging.NullHandler()])
    with pytest.raises(ValueError, match="unheard"):
        once()
    assert [r.getMessage() for r in handled] == [
        "Task run failed with exception: ValueError('unheard')"
    ]


def test_a_late_result_of_an_abandoned_attempt_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from types import SimpleNamespace

    from flowtop.engine import task_runs
    from flowtop.engine.policy import Decision
    from flowtop.engine.states import StateType

    @task
    def timed() -> None: ...

    tr = SimpleNamespace(token=3, attempt=1, policy=timed.policy, node=SimpleNamespace(task=timed))
    failed = Decision(False, StateType.FAILED, reason="no retries")
    with caplog.at_level(logging.ERROR, logger="flowtop.task_engine"):
        assert task_runs.concluding(None, tr, 2, None, ValueError("late"), failed)[0] == 2  # type: ignore[arg-type]
        assert caplog.records == []  # token 2 was abandoned (the run is at 3): no line
        task_runs.concluding(None, tr, 3, None, ValueError("now"), failed)  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records] == [
        "Task run failed with exception: ValueError('now')"
    ]
