"""Prefect 3 differences left after s46, each checked against Prefect 3.9.1's source.

- A flow's ``on_cancellation`` hooks got a state of type ``CANCELLED`` named
  ``Cancelling``; Prefect's get ``Cancelling(...)``, of type ``CANCELLING``
  (``flow_engine.call_hooks`` and the runner's hook runner both ask
  ``state.is_cancelling()``, which is ``type == CANCELLING``), not final, and its
  ``result()`` raises ``UnfinishedRun``.
- A drop-in ``@task(retries=0)`` read ``0× 0s`` in the POLICY column, where one without
  ``retries`` reads ``no retries``.
- ``flowtop list`` and the detail pane read ``unset (budget 0, Retry only)`` as a drop-in
  task's ``max_retries``: a Prefect user never set a budget, and reads ``0 (no retries)``.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.compat import prefect_imports
from flowtop.engine import Runner
from flowtop.engine.prefect_api import State
from flowtop.engine.states import PrefectOnlyStateType, StateType
from flowtop.exceptions import UnfinishedRun


# -- on_cancellation's state ----------------------------------------------------------------
def test_an_on_cancellation_hook_gets_a_state_of_prefect_s_type_cancelling() -> None:
    started, release = threading.Event(), threading.Event()
    seen: list[Any] = []

    @task
    def wait_here() -> None:
        started.set()
        release.wait(5)

    def cancelling(flow_: Any, flow_run: Any, state: Any) -> None:
        seen.append(state)

    @flow(on_cancellation=[cancelling])
    def pipeline() -> None:
        wait_here()

    with Runner() as runner:
        run = runner.start(pipeline)
        assert started.wait(5)
        assert run.cancel()
        result = run.final_result(5)
        release.set()
    assert result.state is StateType.CANCELLED  # flowtop's own record is unchanged
    [state] = seen
    assert state.type is StateType.CANCELLING is PrefectOnlyStateType.CANCELLING
    assert state.type != StateType.CANCELLED and state.name == "Cancelling"
    assert state.is_cancelling() and not state.is_cancelled() and not state.is_final()
    with pytest.raises(UnfinishedRun, match="CANCELLING"):
        state.result()


def test_a_cancelling_state_made_in_prefect_code_is_no_cancelled_one() -> None:
    with prefect_imports():
        from prefect.states import Cancelled

    cancelling = State(StateType.CANCELLING)
    assert cancelling.name == "Cancelling" and cancelling.is_cancelling()
    assert not cancelling.is_cancelled()
    assert Cancelled().is_cancelled() and not Cancelled().is_cancelling()


# -- a drop-in task's retries, in words ---------------------------------------------------
def test_a_drop_in_task_with_retries_0_is_summarised_as_no_retries() -> None:
    """It read ``0× 0s``; flowtop's own ``max_retries=0`` keeps ``0×``
    (``tests/workspace/test_flow_shapes.py`` pins it)."""
    with prefect_imports():
        from prefect import task as prefect_task

    assert prefect_task(retries=0)(lambda: 1).policy.summary() == "no retries"
    made = prefect_task(retries=0, timeout_seconds=5)(lambda: 1)
    assert made.policy.summary() == "no retries timeout 5s"
    assert prefect_task(retries=1)(lambda: 1).with_options(retries=0).policy.summary() == (
        "no retries"
    )
    assert task(max_retries=0)(lambda: 1).policy.summary() == "0× 0s"  # flowtop's own


def test_a_drop_in_task_s_max_retries_reads_as_a_prefect_user_reads_it() -> None:
    with prefect_imports():
        from prefect import task as prefect_task

    unset, _ = prefect_task(lambda: 1).policy.describe()["max_retries"]
    zero, _ = prefect_task(retries=0)(lambda: 1).policy.describe()["max_retries"]
    two, _ = prefect_task(retries=2)(lambda: 1).policy.describe()["max_retries"]
    # (s47: one without retries reads Prefect's default, test_dropin_s47.py)
    assert (unset, zero, two) == ("no retries (Prefect's default)", "0 (no retries)", "2")
    # flowtop's own tasks keep their words
    assert task(lambda: 1).policy.describe()["max_retries"][0] == "unset (budget 3, Retry only)"
    assert task(max_retries=0)(lambda: 1).policy.describe()["max_retries"][0] == "0"
