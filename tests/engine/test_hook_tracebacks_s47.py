"""A hook that reads its state's result leaves the run's error as it was raised.

``state.result()`` raises the run's own exception again, which put the hook's frames in
front of its traceback: ``flowtop history --run`` showed `File "flow.py", line 6, in
hook` above the line that raised, for a flow's and a task's ``on_failure`` alike.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

import pytest

from flowtop import flow, task


def reads_result(obj: Any, run: Any, state: Any) -> None:
    with pytest.raises(ValueError, match="boom"):
        state.result()


async def reads_result_async(obj: Any, run: Any, state: Any) -> None:
    with pytest.raises(ValueError, match="boom"):
        await state.result()


def frames(error: BaseException) -> list[str]:
    return [frame.name for frame in traceback.extract_tb(error.__traceback__)]


@pytest.mark.parametrize("hook", [reads_result, reads_result_async], ids=["sync", "async"])
def test_a_flow_hook_reading_the_result_leaves_the_flows_traceback(hook: Any) -> None:
    @flow(on_failure=[hook])
    def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom") as raised:
        failing()
    assert "failing" in frames(raised.value)
    assert not {"reads_result", "reads_result_async", "_result"} & set(frames(raised.value))


def test_a_task_hook_reading_the_result_leaves_the_tasks_traceback() -> None:
    @task(on_failure=[reads_result])
    def bad() -> None:
        raise ValueError("boom")

    @flow
    def parent() -> None:
        bad()

    with pytest.raises(ValueError, match="boom") as raised:
        parent()
    assert "bad" in frames(raised.value)
    assert not {"reads_result", "_result"} & set(frames(raised.value))


def test_an_async_tasks_hook_too() -> None:
    @task(on_failure=[reads_result_async])
    async def bad() -> None:
        raise ValueError("boom")

    @flow
    async def parent() -> None:
        await bad()

    with pytest.raises(ValueError, match="boom") as raised:
        asyncio.run(parent())
    assert not {"reads_result_async", "_result", "aresult"} & set(frames(raised.value))
