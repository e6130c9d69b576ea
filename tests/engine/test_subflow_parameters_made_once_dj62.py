"""A subflow call's parameters are serialised once: the JSON text its call makes to match
a rerun's source (``subflow_reruns.start_subflow``) is what its run records.

The run made that text again as it began (``DynamicRun._begin``): a subflow given a
1M-item list serialised it twice a call (120-155 ms of CPU a call, now 60-70).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowtop import StateType, flow
from flowtop.engine import Runner, parameters
from flowtop.engine.events import RunStarted


class _Counted:
    """``parameters._as_json``, the calls given an ``items`` argument counted."""

    def __init__(self) -> None:
        self.made = 0
        self._as_json = parameters._as_json

    def __call__(self, given: Any) -> str:
        if "items" in given:
            self.made += 1
        return self._as_json(given)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> _Counted:
    counting = _Counted()
    monkeypatch.setattr(parameters, "_as_json", counting)
    return counting


def test_a_subflow_call_serialises_its_parameters_once(counted: _Counted) -> None:
    @flow
    def child(items: list[int], label: str = "") -> int:
        return len(items)

    @flow
    def parent() -> int:
        return child([1, 2, 3], label="a") + child(items=[4], label="b")

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        result = runner.run(parent)
    assert result.state is StateType.COMPLETED and result.value == 4
    assert counted.made == 2  # was 4: each call's again as its run began
    started = [e for e in seen if isinstance(e, RunStarted) and e.flow == "child"]
    recorded = [json.loads(e.parameters or "") for e in started]
    assert recorded == [{"items": [1, 2, 3], "label": "a"}, {"items": [4], "label": "b"}]


def test_a_subflow_s_retry_and_rerun_record_the_same_parameters(counted: _Counted) -> None:
    """A flow-level retry (started by the run, not the call) and a rerun's subflow call
    record what the first call did."""
    failing = [True, True]

    @flow(retries=1)
    def child(items: list[int]) -> int:
        if failing.pop(0):
            raise RuntimeError("down")
        return len(items)

    @flow
    def parent() -> int:
        return child([7, 8])

    seen: list[Any] = []
    with Runner(sinks=[seen.extend]) as runner:
        first = runner.run(parent)
        assert first.state is StateType.FAILED
        failing[:] = [False]
        assert runner.rerun_failed(first).final_result().state is StateType.COMPLETED
    started = [e for e in seen if isinstance(e, RunStarted) and e.flow == "child"]
    assert [e.parameters for e in started] == ['{"items":[7,8]}'] * 3  # call, retry, rerun
    assert counted.made == 3  # each call once, its retry once: was 5
