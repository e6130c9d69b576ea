"""What cannot cross to or from a worker fails that attempt, with a message naming the task."""

from __future__ import annotations

import threading

import pytest

from flowtop import Flow
from flowtop.engine import Runner

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


def test_an_exception_whose_init_takes_other_arguments_comes_back_as_itself(make_runner):
    """It was 'result of task … could not be received', with no traceback; then a
    ``ShippingError`` ("unpickling it failed"), so ``retry_on`` and ``except`` missed it.
    It is rebuilt without its ``__init__``, as the class it is."""
    state = run_alone(make_runner, "process", tasks.unrebuildable_error)
    assert type(state.exception).__name__ == "TwoPart"
    assert str(state.exception) == "left-right"
    assert 'raise TwoPart("left", "right")' in str(state.exception.__cause__)


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_unpicklable_argument_fails_before_reaching_a_worker(make_runner, kind):
    state = run_alone(make_runner, kind, tasks.noisy, threading.Lock())
    assert state.is_failed()
    assert "task 'noisy' could not be sent to" in str(state.exception)


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_a_task_on_a_worker_reads_its_run_s_workspace(
    backend_for, kind, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The worker's current directory is not the workspace; the run ships it its own."""
    folder = tmp_path_factory.mktemp("workspace")
    (folder / "flowtop.toml").write_text('[variables]\nregion = "eu"\n')
    with Flow("one") as flow:
        tasks.workspace_region()
    runner = Runner(4, backend=backend_for(kind), state_dir=folder / ".flowtop")
    try:
        (state,) = runner.run(flow).states.values()
    finally:
        runner.shutdown()
    assert state.result == "eu"
