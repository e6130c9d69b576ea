"""A timeout under 1 ms is refused in code, as ``flowtop.toml`` refuses it.

``timeout = 1e-300`` in ``flowtop.toml`` (``1e3`` mistyped) was refused, since it ends
every attempt as it starts; ``@task(timeout=1e-300)`` was taken, and the task then
failed at each try. Both refuse it now, in the same words, naming the option and the
value: ``@task``, ``Task(...)``, ``with_options`` and drop-in ``timeout_seconds``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from flowtop import Task, task
from flowtop.compat.prefect_tasks import task as drop_in_task
from flowtop.engine.option_checks import MIN_TIMEOUT


def work() -> int:
    return 1


MAKERS: dict[str, Callable[[Any], object]] = {
    "@task(timeout=)": lambda value: task(work, name="w", timeout=value),
    "@task(timeout_seconds=)": lambda value: task(work, name="w", timeout_seconds=value),
    "Task(timeout=)": lambda value: Task(work, name="w", timeout=value),
    "with_options(timeout=)": lambda value: task(work, name="w", timeout=5).with_options(
        timeout=value
    ),
    "drop-in timeout_seconds=": lambda value: drop_in_task(work, name="w", timeout_seconds=value),
}


@pytest.mark.parametrize("how", sorted(MAKERS))
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1e-300, "1e-300"),
        (0.0005, "0.0005"),
        (timedelta(microseconds=1), "datetime.timedelta(microseconds=1)"),
    ],
)
def test_a_timeout_under_1_ms_is_refused_in_code_as_in_settings(
    how: str, value: Any, shown: str
) -> None:
    written = "timeout_seconds" if "timeout_seconds" in how else "timeout"  # (as spelt)
    said = (
        f"{written} must be at least 0.001 seconds (a shorter one ends each try as it "
        f"starts), got {shown}"
    )
    with pytest.raises(ValueError, match=f"{written} must be at least") as refused:
        MAKERS[how](value)
    message = str(refused.value)  # (``line 31: `` between, a call written over lines)
    who = "task 'w'.with_options: " if how.startswith("with_options") else "task 'w': "
    assert message.startswith(who) and message.endswith(f": {said}")


@pytest.mark.parametrize("how", sorted(MAKERS))
def test_a_timeout_of_1_ms_is_taken(how: str) -> None:
    made = MAKERS[how](MIN_TIMEOUT)
    assert isinstance(made, Task) and made.policy.timeout == MIN_TIMEOUT


def test_a_timeout_of_0_keeps_its_own_words() -> None:
    with pytest.raises(ValueError, match=r"timeout must be greater than 0, got 0$"):
        task(work, name="w", timeout=0)
