"""A value out of range is refused naming the option as the code wrote it (fx71b).

A tester's ``@task(retries=-1)`` said ``max_retries must be an int >= 0``;
``retry_delay_seconds=-1`` said ``retry_delay must not be negative``, and
``timeout_seconds=-1`` ``timeout must not be negative``: flowtop's names for options
the code never wrote, where a value of the wrong type (``retries='3'``) already named
``retries``. ``@flow(timeout_seconds=-1)`` left out the flow's name that its other
options' refusals give.
"""

from __future__ import annotations

import math
import runpy
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flowtop import Task, flow, task
from flowtop.engine.task import ALIASES


def _work() -> int:
    return 1


def report() -> int:
    return 1


def _refusal(make: Callable[[], object]) -> str:
    with pytest.raises(ValueError, match=" must ") as refused:  # (each says what it must be)
        make()
    return str(refused.value)


#: Each Prefect spelling, a value out of range, and what the refusal says after the task;
#: flowtop's own spelling of the option (``ALIASES``) is named by its refusal the same way.
OUT_OF_RANGE = [
    ("retries", -1, "retries must be an int >= 0, got -1"),
    ("retries", 10**9, "retries must be at most 1,000,000, got 1,000,000,000"),
    ("retry_delay_seconds", -1, "retry_delay_seconds must not be negative, got -1"),
    (
        "retry_delay_seconds",
        math.nan,
        "retry_delay_seconds must be a finite number of seconds, got nan",
    ),
    ("retry_delay_seconds", [1, -1], "retry_delay_seconds[1] must not be negative, got -1"),
    (
        "retry_delay_seconds",
        timedelta(seconds=-1),
        "retry_delay_seconds must not be negative, got timedelta(seconds=-1)",
    ),
    (
        "retry_delay_seconds",
        1e12,
        "retry_delay_seconds must be at most 365 days (31,536,000 seconds), got 1000000000000.0",
    ),
    ("timeout_seconds", -1, "timeout_seconds must not be negative, got -1"),
    ("timeout_seconds", 0, "timeout_seconds must be greater than 0, got 0"),
    (
        "timeout_seconds",
        math.inf,
        "timeout_seconds must be a finite number of seconds, got inf",
    ),
    (
        "timeout_seconds",
        1e-9,
        "timeout_seconds must be at least 0.001 seconds (a shorter one ends each try as it "
        "starts), got 1e-09",
    ),
]


@pytest.mark.parametrize(("option", "value", "said"), OUT_OF_RANGE)
def test_task_names_the_option_as_written(option: str, value: Any, said: str) -> None:
    assert _refusal(lambda: task(name="t", **{option: value})(_work)) == f"task 't': {said}"
    assert _refusal(lambda: task(_work, name="t", **{option: value})) == f"task 't': {said}"
    assert _refusal(lambda: Task(_work, name="t", **{option: value})) == f"task 't': {said}"
    own = ALIASES[option]
    flowtop_s = said.replace(option, own)
    assert _refusal(lambda: task(name="t", **{own: value})(_work)) == f"task 't': {flowtop_s}"


@pytest.mark.parametrize(("option", "value", "said"), OUT_OF_RANGE)
def test_a_copy_names_the_option_as_its_type_errors_do(option: str, value: Any, said: str) -> None:
    made = task(_work, name="t", max_retries=1, timeout=5)
    for spelled in (option, ALIASES[option]):
        with pytest.raises(ValueError, match=" must ") as refused:
            made.with_options(**{spelled: value})
        assert str(refused.value) == f"task 't'.with_options: {said.replace(option, spelled)}"
    with pytest.raises(TypeError) as wrong_type:  # as a value of the wrong type is named
        made.with_options(**{option: "x"})
    assert str(wrong_type.value).startswith("task 't'.with_options: ")


def test_the_line_named_stays_the_option_s(tmp_path: Path) -> None:
    source = tmp_path / "ranges.py"
    source.write_text(
        "from flowtop import task\n"
        "\n"
        "@task(\n"
        "    name='t',\n"
        "    retries=-1,\n"
        ")\n"
        "def t():\n"
        "    return 1\n"
    )
    with pytest.raises(ValueError, match=r"^task 't': line 5: ") as refused:
        runpy.run_path(str(source))
    assert str(refused.value) == "task 't': line 5: retries must be an int >= 0, got -1"
    user_lines = [e.lineno + 1 for e in refused.traceback if e.path == source]
    assert user_lines == [3]  # the ``@task(`` line, as before


def test_a_prefect_callable_s_delays_are_named_as_written() -> None:
    def backoff(retries: int) -> list[float]:
        return [1.0, -1.0]

    said = _refusal(lambda: task(_work, name="t", retries=2, retry_delay_seconds=backoff))
    assert said.startswith("task 't': ") and "retry_delay_seconds[1] must not be negative" in said
    assert "backoff(2) returned [1.0, -1.0]" in said


# -- @flow(timeout_seconds=…) names its flow, as its other options' refusals do ----------------
@pytest.mark.parametrize(
    ("value", "said"),
    [
        (-1, "timeout_seconds must not be negative, got -1"),  # (a task's words)
        (
            1e12,
            "timeout_seconds must be at most 365 days (31,536,000 seconds), got 1000000000000.0",
        ),
        (
            1e-9,
            "timeout_seconds must be at least 0.001 seconds (a shorter one ends each try as it "
            "starts), got 1e-09",
        ),
    ],
)
def test_a_flow_s_timeout_refusal_names_the_flow(value: float, said: str) -> None:
    assert _refusal(lambda: flow(timeout_seconds=value)(report)) == f"@flow 'report': {said}"
    assert _refusal(lambda: flow(report, timeout_seconds=value)) == f"@flow 'report': {said}"
    named = _refusal(lambda: flow(name="etl", timeout_seconds=value)(report))
    assert named == f"@flow 'etl': {said}"
    # as its retries' refusal names it
    assert _refusal(lambda: flow(retries=-1)(report)).startswith("@flow 'report': retries ")


def test_a_flow_s_timeout_of_the_wrong_type_names_the_flow_too() -> None:
    with pytest.raises(TypeError) as refused:
        flow(timeout_seconds="5")(report)
    assert str(refused.value) == (
        "@flow 'report': timeout_seconds must be a number of seconds, got str '5'"
    )


def test_a_flow_s_timeout_refusal_points_at_its_decorator(tmp_path: Path) -> None:
    source = tmp_path / "flow_timeout.py"
    source.write_text(
        "from flowtop import flow\n"
        "\n"
        "\n"
        "@flow(\n"
        "    retries=1,\n"
        "    timeout_seconds=-1,\n"
        ")\n"
        "def nightly():\n"
        "    return 1\n"
    )
    with pytest.raises(ValueError, match=r"^@flow 'nightly': timeout_seconds ") as refused:
        runpy.run_path(str(source))
    user_lines = [e.lineno + 1 for e in refused.traceback if e.path == source]
    assert user_lines == [4]
