"""A subflow call's parameters, as its rerun matches them, are their recorded JSON text:
built at the call, decoded only when a source call's text differs (``Recorded``).

Every subflow call built its parameters' JSON, decoded it and walked the decoded value
(``recorded_parameters``), besides the JSON its run records: 311 ms against 79 ms for
a call given a 1M-item list, at every call, rerun or not.
"""

from __future__ import annotations

from collections import Counter

import pytest

from counted_json import CountedJson
from flowtop import StateType, flow, task
from flowtop.engine import Runner, parameters
from flowtop.engine.rerun_cache import SourceCalls
from flowtop.engine.subflow_reruns import Recorded, SubflowSource, SubflowSources


def test_subflow_calls_and_their_rerun_decode_no_parameters(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()
    failing = {2002}

    @task(max_retries=0)
    def total(items: list[int]) -> int:
        calls[len(items)] += 1
        if len(items) in failing:
            raise RuntimeError("down")
        return sum(items)

    @flow
    def batch(items: list[int], label: str = "") -> int:
        return total(items)

    @flow
    def parent() -> list[int]:
        found, items = [], []
        for n in range(1, 4):
            items.append(n)
            state = batch(list(range(1000 * n)) + items, label=f"b{n}", return_state=True)
            found.append(state)
        return [state.result() for state in found]

    counting = CountedJson()
    monkeypatch.setattr(parameters, "json", counting)
    first = runner.run(parent)
    assert first.state is StateType.FAILED
    failing.clear()
    second = runner.rerun_failed(first).final_result()
    assert second.state is StateType.COMPLETED
    assert calls == {1001: 1, 2002: 2, 3003: 1}  # each call matched its source: reused
    assert counting.decoded == 0  # was one per call: 6


def test_a_batch_cleared_after_its_call_keeps_the_parameters_it_was_called_with(
    runner: Runner,
) -> None:
    """The parameters are made at the call, not when a rerun asks: a list the body clears
    for the next batch still matches what each call was given."""
    calls: Counter[str] = Counter()
    failing = {"c"}

    @task(max_retries=0)
    def load(rows: list[str]) -> int:
        for row in rows:
            calls[row] += 1
        if failing & set(rows):
            raise RuntimeError("down")
        return len(rows)

    @flow
    def push(rows: list[str]) -> int:
        return load(rows)

    @flow
    def parent() -> None:
        rows: list[str] = []
        for row in "abcd":
            rows.append(row)
            if len(rows) == 2:
                push(rows, return_state=True)
                rows.clear()

    first = runner.run(parent)
    failing.clear()
    assert runner.rerun_failed(first).final_result().state is StateType.COMPLETED
    assert calls == {"a": 1, "b": 1, "c": 2, "d": 2}  # the first batch's task reused


def _source(key: str, text: str) -> SubflowSource:
    return SubflowSource("child", key, Recorded(text), key, SourceCalls)


def test_parameters_that_differ_as_text_only_still_match() -> None:
    """A dict's keys in another order (a dict built from a set, in another process) are
    the same parameters: compared decoded once their texts differ."""
    sources = SubflowSources([_source("child", '{"m":{"a":1,"b":2}}'), _source("child-2", "")])
    taken = sources.take("child", "child", Recorded('{"m":{"b":2,"a":1}}'))
    assert taken is not None and taken.key == "child"
    taken = sources.take("child", "child-3", Recorded(""))  # no parameters, another place
    assert taken is not None and taken.key == "child-2"
    assert sources.take("child", "child-4", Recorded('{"m":{}}')) is None


def test_a_parents_result_names_its_subflow_runs_by_id(runner: Runner) -> None:
    """``RunResult.subflows`` shows and compares each call by its run's id, not by the
    run object (whose repr named a memory address)."""

    @flow
    def child(n: int) -> int:
        return n

    @flow
    def parent() -> int:
        return child(1) + child(2)

    result = runner.run(parent)
    ids = [call.run_id for call in result.subflows]
    assert ids == [call.run.run_id for call in result.subflows]
    assert "object at 0x" not in repr(result.subflows), repr(result.subflows)
    assert f"run_id={ids[0]!r}" in repr(result.subflows)
