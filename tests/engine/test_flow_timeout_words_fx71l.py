"""``@flow(timeout_seconds=…)`` refuses a value in a task's words (fx71l §3).

``@flow(timeout_seconds=-1)`` said ``must be a number >= 0`` (and so did ``nan`` and
``inf``), where ``@task(timeout_seconds=-1)`` said ``must not be negative``: one option,
two wordings. The flow's check says what the task's says, after the flow's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flowtop import flow, task


def report() -> int:
    return 1


def refusal(decorator: Callable[..., Any], value: float) -> str:
    with pytest.raises(ValueError, match="timeout_seconds must ") as refused:
        decorator(timeout_seconds=value)(report)
    return str(refused.value)


@pytest.mark.parametrize("value", [-1, -0.5, float("nan"), float("inf"), 1e12])
def test_a_flow_s_timeout_is_refused_in_a_task_s_words(value: float) -> None:
    tasks = refusal(task, value)
    assert tasks.startswith("task 'report': timeout_seconds must "), tasks
    said = tasks.removeprefix("task 'report': ")
    # old for -1: "@flow 'report': timeout_seconds must be a number >= 0, got -1"
    assert refusal(flow, value) == f"@flow 'report': {said}"
