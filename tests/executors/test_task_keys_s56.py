"""A backend's own errors name the task run (``make-2``), as a timeout's do, not its
function: in a fan-out every row said ``task 'make'``."""

from __future__ import annotations

import threading

import pytest

from flowtop import Flow, task
from flowtop.engine.states import StateType


@task
def make(i: int) -> object:
    return threading.Lock() if i else i  # a lock cannot be sent back


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_a_shipping_error_names_the_task_run(make_runner, kind: str) -> None:
    if kind == "dask":
        pytest.importorskip("distributed")
    with Flow("keys") as flow:
        make(0)
        make(1)
    run = make_runner(kind).start(flow)
    assert run.result().state is StateType.FAILED
    failed = run.tasks["make-2"]
    assert failed.state is StateType.FAILED
    message = str(failed.attempts[-1].error)
    assert "task 'make-2' could not be sent back" in message, message
