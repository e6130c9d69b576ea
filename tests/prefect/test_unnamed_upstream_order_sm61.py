"""Two upstream task runs that cannot be named: the error of the first in the order
Prefect's engine resolves them, as Prefect 3's.

Prefect's ``_resolve_parameters`` walks the call's parameters in the signature's order,
waiting on each future in turn, then ``_wait_for_dependencies`` the ``wait_for`` ones:
the first future that raises decides the call's error (``PrefectException`` naming its
parameter). flowtop reported the one it saw fail first (``'y'`` below, submitted first).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.prefect_api import allow_failure
from flowtop.engine.prefect_exceptions import PrefectException


@task(task_run_name="a-{missing}")
def bad_a(v: int) -> int:
    return v


@task(task_run_name="b-{missing}")
def bad_b(v: int) -> int:
    return v


@task
def ok(x: int = 0, y: int = 0) -> str:
    return "ok"


def _raised(fn: Any) -> tuple[str, str]:
    try:
        fn()
    except PrefectException as exc:
        return str(exc).split(".")[0], str(exc.__cause__).split(":")[0].strip("'\"")
    return "returned", ""


@pytest.mark.parametrize("when", ["before_the_call", "after_the_call"])
def test_the_first_parameter_s_error_is_raised(when: str) -> None:
    @flow
    def main() -> tuple[str, str]:
        fy = bad_b.submit(1)
        if when == "before_the_call":
            fx = bad_a.submit(1)
            for future in (fx, fy):
                with pytest.raises(KeyError):
                    future.wait()
            return _raised(lambda: ok(fx, fy))
        gate = threading.Event()

        @task
        def held() -> int:
            gate.wait()
            return 1

        slow = held.submit()
        fx = bad_a.submit(slow)  # not named until ``held`` is done: fails after ``fy``
        future = ok.submit(fx, fy)
        with pytest.raises(KeyError):
            fy.wait()
        gate.set()
        return _raised(future.result)

    assert main() == ("Failed to resolve inputs in parameter 'x'", "task 'bad_a")


def test_an_allowed_failure_first_leaves_the_error_to_the_next_and_its_downstream() -> None:
    """Prefect passes the failed ``allow_failure`` argument on and raises for the next
    one; the call held behind it is decided as it fails (it stayed pending for good),
    and a task downstream of that call raises the same error."""
    gate = threading.Event()

    @task
    def fails_later() -> int:
        gate.wait()
        raise ValueError("late")

    @flow
    def main() -> tuple[tuple[str, str], tuple[str, str]]:
        slow = fails_later.submit()
        fy = bad_b.submit(1)
        future = ok.submit(allow_failure(slow), fy)
        after = ok.submit(future)
        with pytest.raises(KeyError):
            fy.wait()
        gate.set()
        return _raised(future.result), _raised(after.result)

    said = ("Failed to resolve inputs in parameter 'y'", "task 'bad_b")
    assert main() == (said, said)
