"""A ``@flow`` called inside a ``@task`` of a running flow is a subflow of that run, as in
Prefect 3 (``parent_flow_run_id`` set): its own recorded run, linked to the task's run,
whose body's, tasks' and hooks' output is its own (it went straight to the terminal, and
was lost in the monitor). Each attempt of the task calls it again: a run per call. A
worker waiting for it lends its place, so its tasks run with one worker too; a cancel
of the parent run, or the task's timeout, ends it."""

from __future__ import annotations

import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import fork_cli
from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.engine import Runner, RunStarted, StateType
from flowtop.engine.events import Event

from .kit import Recorder, wait_until


def done(flow_: Any, flow_run: Any, state: Any) -> None:
    print("hook of", flow_.name, state.name)


@task
def load(region: str) -> int:
    print("load printing", region)
    return len(region)


@flow(name="regional", on_completion=[done])
def regional(region: str) -> int:
    print("nested flow body printing", region)
    return load(region) * 10


_attempts: list[int] = []


@task(retries=1)
def wrap(region: str) -> int:
    _attempts.append(1)
    value = regional(region)
    if len(_attempts) == 1:
        raise ValueError("the first attempt fails after its subflow")
    return value


@flow(name="outer")
def outer() -> int:
    return wrap("apac")


def starts(events: list[Event]) -> list[RunStarted]:
    return [e for e in events if isinstance(e, RunStarted)]


def test_each_attempt_s_flow_call_is_a_recorded_subflow_of_the_task_s_run() -> None:
    _attempts.clear()
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(outer)
        runner.bus.flush()
    assert result.value == 40
    top, first, second = starts(recorder.events)
    assert (top.flow, first.flow, second.flow) == ("outer", "regional", "regional")
    assert first.parent_run == second.parent_run == top.run_id  # a run per call, both linked
    assert first.run_id != second.run_id
    for child in (first, second):
        finished = recorder.run_finished(child.run_id)
        assert finished.state is StateType.COMPLETED
        assert "nested flow body printing apac\n" in finished.output  # the body's own output
        assert "hook of regional Completed\n" in finished.output  # its hooks' too
        (loaded,) = recorder.of("load", StateType.COMPLETED, child.run_id)  # its task is its own
        assert loaded.output == "load printing apac\n"
    wraps = recorder.task_events(top.run_id)
    assert not any("printing" in e.output for e in wraps)  # not the enclosing attempt's


@flow(name="inner")
def inner(n: int) -> int:
    return load("x" * n)


@task
def calls_inner(n: int) -> int:
    return inner(n)


@flow(name="fan")
def fan() -> list[int]:
    return [future.result() for future in calls_inner.map([1, 2, 3])]


def test_tasks_waiting_for_their_subflows_leave_workers_for_the_subflows_tasks() -> None:
    for workers in (1, 2):  # every worker of the pool waits for a subflow
        recorder = Recorder()
        with Runner(workers=workers, sinks=[recorder]) as runner:
            result = runner.start(fan).final_result(timeout=10)
        assert result.value == [1, 2, 3]
        assert [s.flow for s in starts(recorder.events)].count("inner") == 3


_release = threading.Event()
_began = threading.Event()


@task
def blocks() -> None:
    _began.set()
    _release.wait(10)


@flow(name="held")
def held() -> None:
    blocks()


@task(timeout_seconds=0.3)
def waits_for_held() -> None:
    held()


@task
def calls_held() -> None:
    held()


@flow(name="holder")
def holder(timed: bool) -> None:
    if timed:
        waits_for_held()
    else:
        calls_held()


def _held_run(recorder: Recorder) -> str:
    wait_until(lambda: any(s.flow == "held" for s in starts(recorder.events)))
    (child,) = [s for s in starts(recorder.events) if s.flow == "held"]
    return child.run_id


def test_cancelling_the_parent_run_cancels_the_subflow_a_task_called() -> None:
    _release.clear()
    _began.clear()
    recorder = Recorder()
    try:
        with Runner(sinks=[recorder]) as runner:
            run = runner.start(holder, args=(False,))
            assert _began.wait(10)
            child = runner.find(_held_run(recorder))
            assert child is not None
            run.cancel()
            assert child.final_state(timeout=5) is StateType.CANCELLED
    finally:
        _release.set()


def test_the_task_s_timeout_calls_off_the_subflow_it_waits_for() -> None:
    _release.clear()
    _began.clear()
    recorder = Recorder()
    try:
        with Runner(sinks=[recorder]) as runner:
            run = runner.start(holder, args=(True,))
            assert _began.wait(10)
            child = runner.find(_held_run(recorder))
            assert child is not None
            began = time.monotonic()
            assert child.final_state(timeout=5) is StateType.CANCELLED
            assert time.monotonic() - began < 4  # not when its blocked task gives up
            assert run.final_state(timeout=5) is StateType.FAILED
    finally:
        _release.set()


def test_a_drop_in_flow_in_a_drop_in_task_knows_its_parent_run() -> None:
    with prefect_imports():
        from prefect import flow as prefect_flow
        from prefect import runtime
        from prefect import task as prefect_task

    seen: dict[str, Any] = {}

    @prefect_flow
    def nested() -> int:
        seen["parent"] = runtime.flow_run.parent_flow_run_id
        seen["task in body"] = runtime.task_run.name  # the caller's, as in Prefect
        print("nested body")
        return 1

    @prefect_task
    def wraps() -> int:
        seen["task"] = runtime.task_run.name
        return nested()

    @prefect_flow
    def top() -> int:
        seen["top"] = runtime.flow_run.id
        return wraps()

    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        assert runner.run(top).value == 1
        runner.bus.flush()
    assert seen["parent"] is not None and str(seen["parent"]) == str(seen["top"])
    assert seen["task in body"] == seen["task"] and seen["task"].startswith("wraps-")
    top_start, child = starts(recorder.events)
    assert child.parent_run == top_start.run_id
    assert recorder.run_finished(child.run_id).output == "nested body\n"


def test_flowtop_run_prefect_compat_shows_the_subflow_a_task_called(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(
        textwrap.dedent(
            """
            from prefect import flow, task

            @flow(flow_run_name="child-{region}")
            def regional(region: str) -> int:
                print("nested flow body printing", region)
                return 1

            @task
            def wrap() -> int:
                return regional("apac")

            @flow
            def parent() -> int:
                return wrap()

            if __name__ == "__main__":
                parent()
            """
        )
    )
    done_ = fork_cli.run(
        ["run", "--prefect-compat", "flows.py"],
        cwd=tmp_path,
        timeout=60,
    )
    assert done_.returncode == 0, done_.stderr
    assert "regional #1 (child-child-apac)" not in done_.stdout
    assert "regional #1 (child-apac) started" in done_.stdout
    assert "(child of parent #1)" in done_.stdout


@flow(name="awaited")
async def awaited(n: int) -> int:
    print("awaited body")
    return await aload(n)


@task
async def aload(n: int) -> int:
    return n + 1


@task
async def awaits_flow() -> int:
    return await awaited(1)


@flow(name="async-holder")
async def async_holder() -> int:
    return await awaits_flow()


def test_an_async_flow_awaited_in_an_async_task_is_a_subflow_too() -> None:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        assert runner.start(async_holder).final_result(timeout=10).value == 2
        runner.bus.flush()
    top, child = starts(recorder.events)
    assert (child.flow, child.parent_run) == ("awaited", top.run_id)
    assert recorder.run_finished(child.run_id).output == "awaited body\n"
