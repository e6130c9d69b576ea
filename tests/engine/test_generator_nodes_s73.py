"""A generator task in a ``with Flow(...)`` block is a node that collects its values, its
attempts retried from the start, as its ``.submit()`` does (``generators.listed``).

The node's attempt called the function, got the generator unrun and completed with it: the
next task ran the generator's code, whose error failed that task ("not retried"), the
generator task's own retries never applied, and a rerun said its result could not be
pickled. An ``async def`` generator is refused where it is called, saying what to do.
"""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator, Iterator

import pytest

from flowtop import Flow, task
from flowtop.engine.states import StateType


def test_a_generator_node_collects_its_values_and_its_retries_apply() -> None:
    attempts: list[int] = []

    @task(max_retries=2, retry_delay=0)
    def numbers() -> Iterator[int]:
        attempts.append(1)
        yield 1
        if len(attempts) < 2:
            raise ValueError("broke halfway")
        yield 2

    @task
    def total(values: list[int]) -> int:
        return sum(values)

    with Flow("generator-node-s73") as made:
        total(numbers())
    result = made.run()
    assert result["numbers"].type is StateType.COMPLETED
    assert result["numbers"].attempt == 2
    assert result["numbers"].result == [1, 2]
    assert pickle.loads(pickle.dumps(result["numbers"].result)) == [1, 2]  # (a rerun keeps it)
    assert result["total"].result == 3
    assert len(attempts) == 2


def test_a_generator_node_that_always_fails_fails_itself_not_the_next_task() -> None:
    @task(max_retries=1, retry_delay=0)
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("always")

    @task
    def total(values: list[int]) -> int:
        return sum(values)

    with Flow("generator-node-fails-s73") as made:
        total(broken())
    result = made.run()
    assert result["broken"].type is StateType.FAILED
    assert result["broken"].attempt == 2
    assert result["total"].type is StateType.UPSTREAM_FAILED


def test_an_async_generator_task_in_a_flow_block_is_refused_saying_what_to_do() -> None:
    @task
    async def stream() -> AsyncIterator[int]:
        yield 1

    refused = r"task 'stream' is an async generator: .*async for"
    with pytest.raises(TypeError, match=refused), Flow("async-generator-node-s73"):
        stream()
