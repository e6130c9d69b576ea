"""Generator ``@flow``s run as their caller iterates them, as Prefect 3's
``run_generator_flow_sync`` / ``_async`` do (``engine/flow_generators.py``); a flow that
returns a generator has it consumed into a list, as Prefect's ``return_value_to_state``.

They were recorded COMPLETED at once, their result ``<generator object …>``, their body
never run; called in a flow, the child run closed before its body started and its tasks
went to the parent run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.engine import Runner, RunStarted, StateType
from flowtop.engine.context import current_run
from flowtop.engine.events import RunFinished

from .kit import Recorder, wait_until

log: list[str] = []
in_run: list[str | None] = []  # the run each body of ``numbers`` ran in


@task
def double(i: int) -> int:
    return i * 2


@flow(name="numbers")
def numbers(n: int = 3) -> Generator[int, None, str]:
    log.append("body started")
    in_run.append(None if (run := current_run()) is None else run.flow.name)
    try:
        for i in range(n):
            log.append(f"yields {i}")
            yield double(i)
    finally:
        log.append("body ended")
    return "all given"


@flow(name="consumer")
def consumer() -> list[int]:
    got = []
    for value in numbers():
        log.append(f"got {value}")
        got.append(value)
    return got


@flow(name="breaker")
def breaker() -> int:
    for value in numbers(10):
        if value == 2:
            return int(value)
    return -1


def _runs(recorder: Recorder) -> dict[str, RunStarted]:
    return {e.flow: e for e in recorder.events if isinstance(e, RunStarted)}


def test_a_generator_flow_s_body_runs_in_its_own_run_as_the_caller_iterates() -> None:
    log.clear()
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(consumer)
        runner.bus.flush()
    assert result.value == [0, 2, 4]
    # one value per ask, as Prefect: the body runs up to its next yield each time
    assert log == [
        "body started",
        *(line for i in range(3) for line in (f"yields {i}", f"got {i * 2}")),
        "body ended",
    ]
    runs = _runs(recorder)
    child = runs["numbers"]
    assert child.parent_run == runs["consumer"].run_id
    assert len(recorder.of("double", StateType.COMPLETED, child.run_id)) == 1
    assert recorder.states("double-3", child.run_id)[-1] is StateType.COMPLETED
    assert recorder.task_events(runs["consumer"].run_id) == []  # none is the parent's
    ended = recorder.run_finished(child.run_id)
    assert ended.state is StateType.COMPLETED
    assert ended.result == "'all given'"  # its ``return``: the run's result, as Prefect's


def test_a_caller_that_stops_early_completes_the_run_and_closes_the_body() -> None:
    log.clear()
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(breaker)
        runner.bus.flush()
    assert result.value == 2
    assert log[-1] == "body ended"  # the generator was closed in its run
    assert "yields 2" not in log  # and not run past the value asked for
    ended = recorder.run_finished(_runs(recorder)["numbers"].run_id)
    assert ended.state is StateType.COMPLETED


def test_called_in_a_script_it_gives_a_generator_that_starts_nothing_until_iterated() -> None:
    log.clear()
    values = numbers(2)
    assert log == []  # a generator, as Prefect's call gives: no run yet
    assert list(values) == [0, 2]
    assert log[0] == "body started"
    assert in_run[-1] == "numbers"  # in its own run, not as plain code of the caller's

    def take_all() -> Any:
        return (yield from numbers(1))

    gen = take_all()
    assert next(gen) == 0
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "all given"  # the body's return value, as Prefect's


_attempts: list[int] = []


@flow(name="flaky-numbers", retries=1)
def flaky_numbers() -> Iterator[int]:
    _attempts.append(1)
    yield 1
    if len(_attempts) == 1:
        raise ValueError("the first attempt fails")
    yield 2


@flow(name="broken-numbers")
def broken_numbers() -> Iterator[int]:
    yield 1
    raise ValueError("no more numbers")


def test_a_failing_body_fails_its_run_and_raises_to_the_caller_and_a_retry_yields_again() -> None:
    _attempts.clear()
    assert list(flaky_numbers()) == [1, 1, 2]  # as Prefect's retry loop: from the start
    got: list[int] = []
    with pytest.raises(ValueError, match="no more numbers"):
        got.extend(broken_numbers())
    assert got == [1]


def test_return_state_is_refused_as_in_prefect() -> None:
    with pytest.raises(ValueError, match="generator flow must be 'result'"):
        next(iter(numbers(return_state=True)))


def test_a_run_flowtop_starts_itself_runs_the_body_to_its_end_its_values_the_result() -> None:
    log.clear()
    with Runner() as runner:
        result = runner.run(numbers)
    assert result.state is StateType.COMPLETED
    assert result.value == [0, 2, 4]
    assert log[-1] == "body ended"


def _gen() -> Iterator[int]:
    yield from [1, 2, 3]
    print("Generator consumed!")


@flow(name="returns-gen")
def returns_gen() -> Iterator[int]:
    return _gen()


def test_a_returned_generator_is_consumed_into_a_list_in_its_run() -> None:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(returns_gen)
        runner.bus.flush()
    assert result.value == [1, 2, 3]
    ended = recorder.run_finished(result.run_id)
    assert "Generator consumed!" in ended.output
    assert ended.result == "[1, 2, 3]"
    assert returns_gen() == [1, 2, 3]


@task
async def adouble(i: int) -> int:
    return i * 2


@flow(name="anumbers")
async def anumbers(n: int = 3) -> AsyncIterator[int]:
    for i in range(n):
        yield await adouble(i)


@flow(name="aconsumer")
async def aconsumer() -> list[int]:
    return [value async for value in anumbers()]


def test_an_async_generator_flow_runs_as_it_is_iterated_with_async_for() -> None:
    async def main() -> list[int]:
        return [value async for value in anumbers(2)]

    assert asyncio.run(main()) == [0, 2]
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(aconsumer)
        runner.bus.flush()
    assert result.value == [0, 2, 4]
    child = _runs(recorder)["anumbers"]
    assert len(recorder.of("adouble-3", StateType.COMPLETED, child.run_id)) == 1
    with Runner() as runner:  # no caller iterating it: its values, as a list
        assert runner.run(anumbers).value == [0, 2, 4]


_first_taken = threading.Event()
_release = threading.Event()
_closed = threading.Event()


@flow(name="endless")
def endless() -> Iterator[int]:
    try:
        while True:
            yield 1
    finally:
        _closed.set()


@flow(name="holds-endless")
def holds_endless() -> None:
    for _ in endless():
        _first_taken.set()
        _release.wait(10)


def test_cancelling_the_caller_s_run_ends_the_generator_flow_s_run_and_its_body() -> None:
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        run = runner.start(holds_endless)
        assert _first_taken.wait(10)
        run.cancel()
        _release.set()
        wait_until(_closed.is_set)  # the body waiting for its next ask was closed
        runner.bus.flush()
        child = _runs(recorder)["endless"]
        wait_until(
            lambda: any(
                isinstance(e, RunFinished) and e.run_id == child.run_id for e in recorder.events
            )
        )
    assert recorder.run_finished(child.run_id).state is StateType.CANCELLED


@flow(name="athrows")
async def athrows() -> str:
    numbers = anumbers()
    await numbers.__anext__()
    try:
        await numbers.athrow(ValueError("caller gave up"))
    except ValueError as error:
        return str(error)
    return "not thrown"


def test_an_error_thrown_into_an_async_generator_flow_calls_its_run_off() -> None:
    """``athrow`` into an ``async for`` generator flow: its run is called off, as ``throw``
    into a sync one's is; it stayed running, the body waiting for a caller gone."""
    recorder = Recorder()
    with Runner(sinks=[recorder]) as runner:
        result = runner.run(athrows)
        runner.bus.flush()
        child = _runs(recorder)["anumbers"]
        wait_until(lambda: _ended(runner, recorder, child.run_id), timeout=10)
    assert result.value == "caller gave up"
    assert recorder.run_finished(child.run_id).state is StateType.CANCELLED


def _ended(runner: Runner, recorder: Recorder, run_id: str) -> bool:
    runner.bus.flush()
    return any(isinstance(e, RunFinished) and e.run_id == run_id for e in recorder.events)
