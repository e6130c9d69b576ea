"""What cannot cross to or from a worker fails that attempt, with a message naming the task."""

from __future__ import annotations

import threading

import pytest

from flowtop import Flow

from . import tasks


def run_alone(make_runner, kind: str, task, *args):
    with Flow("one") as flow:
        task(*args)
    result = make_runner(kind).run(flow)
    (state,) = result.states.values()
    return state


@pytest.mark.parametrize(("kind", "where"), [("process", "process"), ("dask", "Dask worker")])
def test_unpicklable_result_fails_the_attempt_clearly(make_runner, kind, where):
    state = run_alone(make_runner, kind, tasks.unpicklable_result)
    assert state.is_failed()
    message = str(state.exception)
    assert message.startswith(
        f"result of task 'unpicklable_result' could not be sent back from the {where}: "
    )
    assert "lock" in message


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_unpicklable_exception_fails_with_its_text_and_traceback(make_runner, kind):
    state = run_alone(make_runner, kind, tasks.unpicklable_error)
    assert state.is_failed()
    message = str(state.exception)
    assert "exception of task 'unpicklable_error' could not be sent back" in message
    assert "Unpicklable: boom" in message and "refuses to be pickled" in message
    assert 'raise Unpicklable("boom")' in str(state.exception.__cause__)


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_unpicklable_argument_fails_before_reaching_a_worker(make_runner, kind):
    state = run_alone(make_runner, kind, tasks.noisy, threading.Lock())
    assert state.is_failed()
    assert "task 'noisy' could not be sent to" in str(state.exception)
