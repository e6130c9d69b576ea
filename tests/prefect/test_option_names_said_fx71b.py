"""A Prefect file's option out of range is refused in Prefect's names for it (fx71b).

A tester's drop-in ``@task(retries=-1)`` said ``max_retries must be an int >= 0``,
``retry_delay_seconds=-1`` said ``retry_delay``, and ``timeout_seconds=-1`` said
``timeout``: flowtop's names, which the Prefect file never wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from drop_in_kit import drop_in_module

from flowtop.compat.prefect_tasks import task as prefect_task


def _refusal(tmp_path: Path, options: str) -> str:
    with pytest.raises(ValueError, match=" must ") as refused:  # (each says what it must be)
        drop_in_module(
            tmp_path,
            "ranges",
            f"""
            from prefect import task

            @task({options})
            def load():
                return 1
            """,
        )
    return str(refused.value)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("retries=-1", "retries must be an int >= 0, got -1"),
        ("retry_delay_seconds=-1", "retry_delay_seconds must not be negative, got -1"),
        (
            "retry_delay_seconds=float('nan')",
            "retry_delay_seconds must be a finite number of seconds, got nan",
        ),
        ("timeout_seconds=-1", "timeout_seconds must not be negative, got -1"),
        (
            "timeout_seconds=1e-9",
            "timeout_seconds must be at least 0.001 seconds (a shorter one ends each try as "
            "it starts), got 1e-09",
        ),
    ],
)
def test_a_prefect_file_s_task_names_its_options(tmp_path: Path, options: str, said: str) -> None:
    assert _refusal(tmp_path, options) == f"task 'load': {said}"


def test_a_prefect_file_s_callable_delays_name_retry_delay_seconds(tmp_path: Path) -> None:
    said = _refusal(tmp_path, "retries=2, retry_delay_seconds=lambda n: [1, -1]")
    assert said == (
        "task 'load': <lambda>(2) returned [1, -1]: retry_delay_seconds[1] must not be "
        "negative, got -1"
    )


def test_a_drop_in_copy_names_them_too_and_a_timeout_of_0_still_drops_it() -> None:
    made = prefect_task(name="load", retries=1, timeout_seconds=5)(lambda: 1)
    for options, said in [
        ({"retries": -1}, "retries must be an int >= 0, got -1"),
        ({"retry_delay_seconds": -1}, "retry_delay_seconds must not be negative, got -1"),
        ({"timeout_seconds": -1}, "timeout_seconds must not be negative, got -1"),
    ]:
        with pytest.raises(ValueError, match=" must ") as refused:
            made.with_options(**options)
        assert str(refused.value) == f"task 'load'.with_options: {said}"
    assert made.with_options(timeout_seconds=0).policy.timeout is None  # Prefect's: none
    assert made.with_options(timeout_seconds=0, retries=None).policy.timeout is None
    assert made.with_options(retries=None).policy.timeout == 5
