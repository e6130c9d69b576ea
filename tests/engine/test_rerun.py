"""Rerun-failed and rerun-task (SPEC §4): completed work is carried over, never executed again.

Call counters prove "not executed again"; a reused flag alone could lie.
"""

from __future__ import annotations

from collections import Counter

import pytest

from flowtop import Flow, StateType, task
from flowtop.engine import Runner

from .kit import Recorder


def build(calls: Counter, broken: set[str]) -> Flow:
    """extract -> transform -> load, plus an independent report. Tasks in ``broken`` raise."""

    def body(name: str, value: object) -> object:
        calls[name] += 1
        if name in broken:
            raise RuntimeError(f"{name} is broken")
        return value

    @task
    def extract() -> list[int]:
        return body("extract", [1, 2])

    @task
    def transform(rows: list[int]) -> list[int]:
        return body("transform", [r * 10 for r in rows])

    @task
    def load(rows: list[int]) -> int:
        return body("load", sum(rows))

    @task
    def report() -> str:
        return body("report", "report")

    with Flow("etl") as flow:
        load(transform(extract()))
        report()
    return flow


def test_rerun_failed_reuses_completed_results_and_links_the_runs(
    runner: Runner, recorder: Recorder
) -> None:
    calls: Counter = Counter()
    broken = {"transform"}
    flow = build(calls, broken)
    first = runner.start(flow).result(timeout=5)
    assert first["transform"].is_failed() and first["load"].type is StateType.UPSTREAM_FAILED

    broken.clear()  # the transient cause went away
    second_run = runner.rerun_failed(first)
    second = second_run.result(timeout=5)
    assert second.state is StateType.COMPLETED
    assert second["load"].result == 30
    assert calls == {"extract": 1, "report": 1, "transform": 2, "load": 1}
    assert second.rerun_of == first.run_id and second.number == first.number + 1
    runner.bus.flush()
    assert recorder.run_started(second.run_id).rerun_of == first.run_id
    assert recorder.run_started(second.run_id).as_json()["rerun_of"] == first.run_id
    reused = {e.task for e in recorder.task_events(second.run_id) if e.reused}
    assert reused == {"extract", "report"}
    assert recorder.states("extract", second.run_id) == [StateType.COMPLETED]
    assert second["extract"].result == [1, 2]


def test_rerun_failed_accepts_a_live_flow_run(runner: Runner) -> None:
    calls: Counter = Counter()
    broken = {"report"}
    run = runner.start(build(calls, broken))
    run.wait(5)
    broken.clear()
    second = runner.rerun_failed(run).result(timeout=5)
    assert second.is_completed()
    assert calls == {"extract": 1, "transform": 1, "load": 1, "report": 2}


def test_rerun_failed_uses_the_new_flow_definition(runner: Runner) -> None:
    old_calls: Counter = Counter()
    first = runner.start(build(old_calls, {"load"})).result(timeout=5)
    assert first["load"].is_failed()

    new_calls: Counter = Counter()
    reloaded = build(new_calls, set())  # what a hot reload produces: new functions, same keys
    second = runner.rerun_failed(first, flow=reloaded).result(timeout=5)
    assert second.is_completed() and second.flow is reloaded
    assert new_calls == {"load": 1}
    assert old_calls == {"extract": 1, "transform": 1, "load": 1, "report": 1}
    assert second["load"].result == 30  # fed by the reused transform result


def test_rerun_of_a_completed_run_executes_nothing(runner: Runner) -> None:
    calls: Counter = Counter()
    first = runner.start(build(calls, set())).result(timeout=5)
    second = runner.rerun_failed(first).result(timeout=5)
    assert second.is_completed()
    assert sum(calls.values()) == 4


def test_rerun_task_reruns_the_key_and_its_downstream_only(
    runner: Runner, recorder: Recorder
) -> None:
    calls: Counter = Counter()
    first = runner.start(build(calls, set())).result(timeout=5)
    second = runner.rerun_task(first, "transform").result(timeout=5)
    assert second.is_completed() and second.rerun_of == first.run_id
    assert calls == {"extract": 1, "report": 1, "transform": 2, "load": 2}
    runner.bus.flush()
    assert {e.task for e in recorder.task_events(second.run_id) if e.reused} == {
        "extract",
        "report",
    }


def test_rerun_task_unknown_key(runner: Runner) -> None:
    first = runner.start(build(Counter(), set())).result(timeout=5)
    with pytest.raises(KeyError, match="no task 'nope'"):
        runner.rerun_task(first, "nope")


def test_rerun_after_a_task_was_removed_from_the_flow(runner: Runner) -> None:
    """A reload can drop a task; its old result must simply be ignored."""
    first = runner.start(build(Counter(), {"load"})).result(timeout=5)

    @task
    def extract() -> int:
        return 0

    smaller = Flow("etl")
    smaller.add_task(extract)
    second = runner.rerun_failed(first, flow=smaller).result(timeout=5)
    assert list(second.states) == ["extract"] and second.is_completed()
