"""A task on the ``process`` executor may start processes of its own (a ``Pool``, a
``ProcessPoolExecutor``), as on threads: its worker was a daemon, which may not."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from flowtop import Flow, task
from flowtop.engine.states import StateType


def square(x: int) -> int:
    return x * x


@task
def squares() -> list[int]:
    with ProcessPoolExecutor(2) as pool:
        return list(pool.map(square, range(4)))


def test_a_process_task_starts_a_process_pool(make_runner) -> None:
    with Flow("pool") as flow:
        squares()
    run = make_runner("process").start(flow)
    result = run.result()
    assert result.state is StateType.COMPLETED, run.tasks["squares"].attempts[-1].error
    assert run.tasks["squares"].result == [0, 1, 4, 9]
