"""``temporary_settings`` with a task's default retries and delay, and generator tasks
(their values yielded again on each retry, as in Prefect 3)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from flowtop import flow, task
from flowtop.context import TaskRunContext
from flowtop.engine import Runner
from flowtop.settings import (
    PREFECT_TASK_DEFAULT_RETRIES,
    PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS,
    temporary_settings,
)


def test_default_retries_apply_to_tasks_defined_inside_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PREFECT_TASK_DEFAULT_RETRIES", raising=False)
    with temporary_settings(updates={PREFECT_TASK_DEFAULT_RETRIES: "2"}):
        assert PREFECT_TASK_DEFAULT_RETRIES.value() == 2

        @task
        def inside() -> None: ...

        @task(retries=0)
        def explicit() -> None: ...

        with temporary_settings(restore_defaults=[PREFECT_TASK_DEFAULT_RETRIES]):
            assert PREFECT_TASK_DEFAULT_RETRIES.value() is None

    @task
    def outside() -> None: ...

    assert (inside.retries, explicit.retries, outside.retries) == (2, 0, 0)
    assert inside.policy.max_retries == 2 and outside.policy.max_retries is None
    monkeypatch.setenv("PREFECT_TASKS_DEFAULT_RETRIES", "1")  # the newer spelling, from the env
    assert task(lambda: None).retries == 1


def test_default_delay_and_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS", raising=False)
    with temporary_settings(updates={"PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS": "1,2"}):
        assert task(retries=2)(lambda: None).retry_delay_seconds == [1.0, 2.0]
    with temporary_settings(set_defaults={PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS: 3}):
        assert task(lambda: None).retry_delay_seconds == 3.0
    unknown = temporary_settings(updates={"PREFECT_API_URL": "x"})
    with pytest.raises(KeyError, match="setting 'PREFECT_API_URL' is not available in flowtop"):
        unknown.__enter__()
    negative = temporary_settings(updates={PREFECT_TASK_DEFAULT_RETRIES: "-1"})
    with pytest.raises(ValueError, match="PREFECT_TASK_DEFAULT_RETRIES: expected an int >= 0"):
        negative.__enter__()
    monkeypatch.setenv("PREFECT_TASK_DEFAULT_RETRIES", "many")
    with pytest.raises(ValueError, match="environment variable PREFECT_TASK_DEFAULT_RETRIES"):
        task(lambda: None)


#: Values Prefect 3.9.1's settings take (pydantic's lax mode) and what they become.
TAKEN_AS_PREFECT_TAKES = [
    (PREFECT_TASK_DEFAULT_RETRIES, True, 1),
    (PREFECT_TASK_DEFAULT_RETRIES, False, 0),
    (PREFECT_TASK_DEFAULT_RETRIES, 3.0, 3),
    (PREFECT_TASK_DEFAULT_RETRIES, "3.0", 3),
    (PREFECT_TASK_DEFAULT_RETRIES, "-0", 0),
    (PREFECT_TASK_DEFAULT_RETRIES, "1_000", 1000),
    (PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS, True, 1.0),
    (PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS, [True, 2], [1.0, 2.0]),
    (PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS, None, None),
    (PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS, "", None),
]


@pytest.mark.parametrize(("setting", "given", "value"), TAKEN_AS_PREFECT_TAKES)
def test_a_value_prefect_takes_is_taken_as_prefect_takes_it(
    setting: Any, given: Any, value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``retries=True`` and ``3.0`` were refused (``expected an int >= 0, got bool True``)."""
    monkeypatch.setenv(setting.name, "7")  # an override hides the environment, None too
    with temporary_settings(updates={setting: given}):
        assert setting.value() == value
        assert type(setting.value()) is type(value)


@pytest.mark.parametrize("given", ["3.", "\u0663", "1__0", "-3"])
def test_a_count_prefect_refuses_is_refused_as_given(given: str) -> None:
    """``"3."`` and ``"٣"`` (an Arabic-Indic three) were taken as 3, which Prefect 3.9.1
    refuses; ``"-3"`` is refused saying the text given."""
    with (
        pytest.raises(ValueError, match=f"expected an int >= 0, got {given!r}"),
        temporary_settings(updates={PREFECT_TASK_DEFAULT_RETRIES: given}),
    ):
        pass


def test_default_retries_given_as_true_retry_a_task_once() -> None:
    calls: list[int] = []
    with temporary_settings(updates={PREFECT_TASK_DEFAULT_RETRIES: True}):

        @task
        def flaky() -> int:
            calls.append(1)
            if len(calls) < 2:
                raise ValueError("once")
            return len(calls)

    assert flaky.retries == 1
    assert flaky() == 2


def test_a_generator_task_yields_again_on_each_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    runs: list[int] = []

    @task(retries=2, retry_delay_seconds=[1, 2])
    def numbers(n: int) -> Any:
        ctx = TaskRunContext.get()
        assert ctx is not None
        runs.append(ctx.task_run.run_count)
        yield from range(n)
        if len(runs) < 3:
            raise ValueError("again")

    @flow
    def pipeline() -> list[int]:
        return list(numbers(2))  # in a flow body: iterated there, retries included

    with Runner() as runner:
        result = runner.run(pipeline)
    assert result.value == [0, 1, 0, 1, 0, 1] and runs == [1, 2, 3] and sleeps == [1.0, 2.0]
    with pytest.raises(ValueError, match="return_type for a generator task must be 'result'"):
        numbers(2, return_state=True)


def test_a_generator_that_keeps_failing_raises_and_one_stopped_early_completes() -> None:
    failures: list[str] = []
    completions: list[str] = []

    @task(
        retries=1,
        on_failure=[lambda t, r, s: failures.append(s.name)],
        on_completion=[lambda t, r, s: completions.append(s.name)],
    )
    def letters() -> Any:
        yield "a"
        raise KeyError("b")

    got: list[str] = []

    def consume() -> None:
        got.extend(letters())

    with pytest.raises(KeyError, match="b"):
        consume()
    assert got == ["a", "a"] and failures == ["Failed"]
    gen = letters()
    assert next(gen) == "a"
    gen.close()  # the consumer stopped: the task completed
    assert completions == ["Completed"]
    with pytest.raises(TypeError, match="a generator task cannot have a timeout"):
        task(timeout_seconds=1)(letters.fn)


def test_an_async_generator_task_retries() -> None:
    @task(retries=1)
    async def ticks() -> Any:
        yield 1
        await asyncio.sleep(0)
        yield 2
        raise ValueError("once more")

    seen: list[int] = []

    async def collect() -> None:
        async for tick in ticks():
            seen.append(tick)  # noqa: PERF401 - each value must be kept before the raise

    with pytest.raises(ValueError, match="once more"):
        asyncio.run(collect())
    assert seen == [1, 2, 1, 2]
