"""The timeouts of a drop-in flow's futures, as Prefect 3.9.1 words them (checked side by
side: a small flow file run under Prefect and under drop-in flowtop):
``future.result(timeout=)`` raises ``TimeoutError: Task run <id> did not complete within
0.05 seconds`` (flowtop said ``task 'held' still RUNNING after 0.05s``), and
``as_completed(..., timeout=)`` Prefect's ``_WaitTimeoutError`` (a ``TimeoutError``),
``2 (of 2) futures unfinished``, yielding a future given twice once; a negative
``timeout`` of ``wait`` or ``as_completed`` is Prefect's ``ValueError``.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from engine.kit import Recorder
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine import Runner
from flowtop.futures import _WaitTimeoutError, as_completed, wait


def recorded(target: Any) -> tuple[Recorder, Any]:
    """Run the flow ``target`` on a runner of its own: its events and its result."""
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(target)
        runner.bus.flush()
    return recorder, result


# -- the words of a wait's timeout --------------------------------------------------------
@pytest.fixture
def gate() -> Any:
    """An event a task waits on, set at the end of the test whatever happens."""
    event = threading.Event()
    yield event
    event.set()


def test_a_future_s_result_timeout_says_prefect_s_words(gate: threading.Event) -> None:
    @task
    def held() -> int:
        gate.wait(10)
        return 1

    @flow
    def waiter() -> Any:
        future = held.submit()
        with pytest.raises(TimeoutError) as raised:
            future.result(timeout=0.05)
        gate.set()
        return str(raised.value), type(raised.value), future.task_run_id

    message, kind, task_run_id = recorded(waiter)[1].value
    assert kind is TimeoutError
    assert message == f"Task run {task_run_id} did not complete within 0.05 seconds"


def test_as_completed_times_out_in_prefect_s_words_with_its_class(
    gate: threading.Event,
) -> None:
    """Prefect: ``_WaitTimeoutError: 2 (of 2) futures unfinished``, each future once
    (flowtop: ``TimeoutError: as_completed(): futures still running after 0.05s``, and a
    future given twice was yielded twice)."""

    @task
    def held(x: int) -> int:
        gate.wait(10)
        return x

    @flow
    def waiter() -> Any:
        futures = held.map([1, 2])
        twice = [futures[0], futures[0], futures[1]]
        with pytest.raises(_WaitTimeoutError) as raised:
            for _ in as_completed(twice, timeout=0.05):
                pass
        gate.set()
        return str(raised.value), len(list(as_completed(twice)))

    assert recorded(waiter)[1].value == ("2 (of 2) futures unfinished", 2)
    assert issubclass(_WaitTimeoutError, TimeoutError)


NEGATIVE = "^'timeout' must be a non-negative number, got -1$"


def test_a_negative_timeout_is_prefect_s_value_error() -> None:
    @task
    def one(x: int) -> int:
        return x

    @flow
    def waiter() -> Any:
        futures = one.map([1])
        with pytest.raises(ValueError, match=NEGATIVE):
            list(as_completed(futures, timeout=-1))
        with pytest.raises(ValueError, match=NEGATIVE):
            wait(futures, timeout=-1)
        return futures[0].result()

    assert recorded(waiter)[1].value == 1
