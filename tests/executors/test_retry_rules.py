"""SPEC §3 retry rules hold the same whichever executor runs the attempts."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop import Flow
from flowtop.engine.errors import TaskTimeout
from flowtop.engine.events import TaskStateChanged

from . import tasks
from .conftest import EXECUTORS

RETRY_THEN_DONE = ["RUNNING", "AWAITING_RETRY", "RUNNING", "AWAITING_RETRY", "RUNNING", "COMPLETED"]


def run_one(make_runner, recorder, kind: str, task, *args):
    with Flow("one") as flow:
        task(*args)
    runner = make_runner(kind, sinks=(recorder,))
    result = runner.run(flow)
    runner.bus.flush()
    (key,) = result.states
    return result, key


@pytest.mark.parametrize("kind", EXECUTORS)
def test_rule_1_retry_exception_retries_without_options(make_runner, recorder, kind, tmp_path):
    result, key = run_one(make_runner, recorder, kind, tasks.retry_twice, str(tmp_path / "n"))
    assert result[key].is_completed() and result[key].result == 3
    assert recorder.states(key) == RETRY_THEN_DONE


@pytest.mark.parametrize("kind", EXECUTORS)
def test_retry_on_matches_the_shipped_exception(make_runner, recorder, kind, tmp_path):
    result, key = run_one(make_runner, recorder, kind, tasks.flaky_connection, str(tmp_path / "n"))
    assert result[key].result == 3
    assert recorder.states(key) == RETRY_THEN_DONE
    retries = [
        e
        for e in recorder.events
        if getattr(e, "state", None) and e.state.value == "AWAITING_RETRY"
    ]
    assert {e.error.type for e in retries} == {"ConnectionError"}


@pytest.mark.parametrize("kind", EXECUTORS)
def test_retry_on_does_not_match_other_exceptions(make_runner, recorder, kind, tmp_path):
    result, key = run_one(make_runner, recorder, kind, tasks.wrong_error, str(tmp_path / "n"))
    assert result[key].is_failed()
    assert isinstance(result[key].exception, ValueError)
    assert recorder.states(key) == ["RUNNING", "FAILED"]


@pytest.mark.parametrize("kind", EXECUTORS)
def test_predicate_on_result_retries_completed_attempts(make_runner, recorder, kind, tmp_path):
    result, key = run_one(make_runner, recorder, kind, tasks.until_three, str(tmp_path / "n"))
    assert result[key].result == 3
    assert recorder.states(key) == RETRY_THEN_DONE


@pytest.mark.parametrize("kind", EXECUTORS)
def test_max_retries_budget_then_failed_with_the_remote_traceback(
    make_runner, recorder, kind, tmp_path
):
    result, key = run_one(make_runner, recorder, kind, tasks.always_fails, str(tmp_path / "n"))
    assert result[key].is_failed() and result[key].attempt == 3
    assert recorder.states(key) == [*RETRY_THEN_DONE[:-1], "FAILED"]
    failed = [
        e for e in recorder.events if isinstance(e, TaskStateChanged) and e.state.value == "FAILED"
    ]
    assert failed[0].error.message == "still broken (3)"
    # the task's own frame, wherever it ran
    assert 'raise RuntimeError(f"still broken ({n})")' in failed[0].error.traceback
    assert "run_pickled" not in failed[0].error.traceback  # flowtop's own frames left out
    # read as a thread attempt's: no RemoteTraceback wrapper around it, no chain line
    assert failed[0].error.traceback.startswith("Traceback (most recent call last):\n")
    assert failed[0].error.traceback.endswith("RuntimeError: still broken (3)\n")
    assert "RemoteTraceback" not in failed[0].error.traceback


@pytest.mark.parametrize("kind", EXECUTORS)
def test_timeout_fails_the_attempt_with_task_timeout_and_retries(
    make_runner, recorder, kind, tmp_path
):
    result, key = run_one(make_runner, recorder, kind, tasks.slow_first, str(tmp_path / "n"), 3.0)
    assert result[key].is_completed() and result[key].result == 2
    assert recorder.states(key) == ["RUNNING", "AWAITING_RETRY", "RUNNING", "COMPLETED"]
    waiting = [
        e
        for e in recorder.events
        if getattr(e, "state", None) and e.state.value == "AWAITING_RETRY"
    ]
    assert waiting[0].error.type == TaskTimeout.__name__


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_event_stream_has_the_shape_of_the_thread_executor(
    make_runner, recorder, backend_for, kind, tmp_path: Path
):
    """One flow touching every rule: same tasks, states, attempts and error types in order."""

    def shape(executor: str) -> list[tuple]:
        folder = tmp_path / executor
        folder.mkdir()
        with Flow("mixed") as flow:
            a = tasks.retry_twice(str(folder / "a"))
            tasks.noisy(a)
            tasks.always_fails(str(folder / "b"))
            tasks.until_three(str(folder / "c"))
        from .conftest import Recorder

        seen = Recorder()
        runner = make_runner(executor, sinks=(seen,))
        runner.run(flow)
        runner.bus.flush()
        return [
            (e.task, e.state.value, e.attempt, e.error.type if e.error else None, e.output)
            for e in seen.events
            if isinstance(e, TaskStateChanged)
        ]

    expected = shape("thread")
    got = shape(kind)

    def by_task(events: list[tuple]) -> dict[str, list[tuple]]:
        return {t: [e for e in events if e[0] == t] for t in {e[0] for e in events}}

    assert by_task(got) == by_task(expected)
    assert ("noisy", "COMPLETED", 1, None, "working on 3\n") in got
