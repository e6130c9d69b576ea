"""``future.state`` of a task run whose ``task_run_name`` cannot be made, as Prefect 3's.

Prefect raises the naming error from the engine's ``start()`` (``_set_custom_task_run_name``,
a plain ``Exception``: re-raised to the user, no state set), so the task run never leaves
the ``Pending`` it was created in and its future's ``state`` reads ``Pending`` for good
(``PrefectTaskRunFuture.state``: the run's state, or ``Pending()`` when the server has no
such run; src/prefect/task_engine.py and futures.py, read at PrefectHQ/prefect ce79dd3).
So does a task given such a future: its ``_resolve_parameters`` raises
``PrefectException`` the same way. flowtop's futures read ``Failed`` (a downstream's
``NotReady``), final. The run's own record keeps its FAILED / UPSTREAM_FAILED.
"""

from __future__ import annotations

from typing import Any

import pytest

import flowtop
from flowtop.compat.prefect_flows import flow
from flowtop.compat.prefect_tasks import task
from flowtop.engine.errors import TaskRunNameError
from flowtop.engine.prefect_exceptions import PrefectException
from flowtop.futures import as_completed


@task(task_run_name="row-{missing}")
def bad(x: int) -> int:
    return x


@task
def ok(x: int = 0) -> str:
    return "ok"


def _read(future: Any) -> tuple[str, bool, str]:
    try:
        future.wait()
    except Exception as exc:  # noqa: BLE001 - the naming error, read by the test
        raised = type(exc).__name__
    else:
        raised = "nothing"
    return future.state.name, future.state.is_final(), raised


def test_an_unnamed_task_run_s_future_reads_pending_as_prefect_s() -> None:
    @flow
    def main() -> tuple[Any, ...]:
        future = bad.submit(1)
        return _read(future), future.state.is_pending(), future.state.type.value

    assert main() == (("Pending", False, "TaskRunNameError"), True, "PENDING")  # old: Failed


def test_a_task_given_such_a_future_reads_pending_too() -> None:
    @flow
    def main() -> tuple[str, bool, str]:
        return _read(ok.submit(bad.submit(1)))

    assert main() == ("Pending", False, "PrefectException")  # old: NotReady


def test_as_completed_still_yields_such_a_future() -> None:
    @flow
    def main() -> list[str]:
        futures = [bad.submit(1), ok.submit(2)]
        return sorted(f.state.name for f in as_completed(futures))

    assert main() == ["Completed", "Pending"]


def test_its_result_still_raises_the_naming_error() -> None:
    @flow
    def main() -> None:
        bad.submit(1).result(raise_on_failure=False)

    with pytest.raises(TaskRunNameError):
        main()

    @flow
    def downstream() -> None:
        ok.submit(bad.submit(1)).result()

    with pytest.raises(PrefectException):
        downstream()


def test_flowtop_s_own_task_submitted_outside_a_flow_reads_pending() -> None:
    @flowtop.task(task_run_name="row-{missing}")
    def named(x: int) -> int:
        return x

    assert _read(named.submit(1)) == ("Pending", False, "TaskRunNameError")  # old: Failed
