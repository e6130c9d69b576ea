"""A task given a ref inside one argument and a big value in another: only the argument
holding the ref is rebuilt per attempt. Every argument was walked and copied again for
each attempt, 26 ms a retry beside a list of a million numbers."""

from __future__ import annotations

from typing import Any

from flowtop import Flow, allow_failure, flow, task


def test_a_static_flows_retry_rebuilds_only_the_argument_holding_a_ref() -> None:
    big = list(range(1000))
    seen: list[tuple[int, int, list[int]]] = []

    @task
    def one() -> int:
        return 1

    @task(max_retries=2, retry_delay=0.001)
    def use(data: list[int], pair: list[int], *, label: list[str]) -> int:
        seen.append((id(data), id(label), pair))
        if len(seen) < 3:
            raise ValueError("again")
        return len(data) + pair[0]

    with Flow("nested") as built:
        use(big, [one()], label=["x"])
    result = built.run(workers=2)
    assert result.is_completed()
    assert [pair for _, _, pair in seen] == [[1], [1], [1]]
    assert len({data for data, _, _ in seen}) == 1  # one list for every attempt
    assert len({label for _, label, _ in seen}) == 1
    assert built.nodes["use"].nested == {1}


def test_a_tolerant_calls_retry_rebuilds_only_the_argument_holding_a_ref() -> None:
    seen: list[tuple[int, Any]] = []

    @task
    def broken() -> int:
        raise RuntimeError("down")

    @task(retries=1, retry_delay_seconds=0.001)
    def use(data: list[int], given: list[Any]) -> str:
        seen.append((id(data), given))
        if len(seen) < 2:
            raise ValueError("again")
        return type(given[0]).__name__

    @flow
    def body() -> str:
        return use(list(range(1000)), allow_failure([broken.submit()]))

    assert body() == "RuntimeError"
    assert len({data for data, _ in seen}) == 1
