"""Review s50: a state's ``timestamp`` is Prefect's pendulum-like ``DateTime``.

Prefect 3.9.1 (checked side by side): ``type(state.timestamp)`` is its
``prefect.types._datetime.DateTime``, a pendulum ``DateTime``, for a task's state, a flow's
``return_state=True`` state and a hand-made ``Completed()``, so Prefect code calls
``state.timestamp.to_iso8601_string()`` or ``.in_timezone("Europe/Paris")`` on it. flowtop
gave a plain ``datetime``: those calls raised ``AttributeError``. Its run times were
flowtop's :class:`DateTime` already (``prefect.runtime``, ``flow_run.start_time``).
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

from flowtop.compat import prefect_imports
from flowtop.engine.prefect_datetime import DateTime

with prefect_imports():
    from prefect import flow, task
    from prefect.states import Completed


@task
def ok() -> int:
    return 3


@flow
def returns_a_task_state() -> object:
    return ok(return_state=True)


def test_a_task_s_and_a_flow_s_state_have_pendulum_s_methods_on_their_timestamp() -> None:
    before = datetime.now(UTC)
    task_state = returns_a_task_state()
    flow_state = returns_a_task_state(return_state=True)
    for state in (task_state, flow_state, Completed()):
        stamp = state.timestamp
        assert isinstance(stamp, DateTime)
        assert before - timedelta(seconds=1) <= stamp <= datetime.now(UTC)
        assert stamp.to_iso8601_string().endswith("Z")
        assert stamp.to_date_string() == stamp.strftime("%Y-%m-%d")
        assert stamp.in_timezone("Europe/Paris") == stamp


def test_a_state_s_timestamp_pickles_as_a_date_time() -> None:
    """A state goes to and from a process worker pickled: its time stays a ``DateTime``."""
    again = pickle.loads(pickle.dumps(Completed())).timestamp
    assert isinstance(again, DateTime) and again.to_iso8601_string().endswith("Z")


@task
def started_at() -> object:
    from prefect.context import TaskRunContext

    context = TaskRunContext.get()
    assert context is not None
    return context.task_run.start_time


@task
def double(x: int) -> int:
    return 2 * x


@flow
def maps() -> tuple[str, object]:
    futures = double.map([1, 2])
    futures.wait()
    return type(futures).__name__, started_at()


def test_a_task_run_s_start_time_is_a_date_time_and_map_gives_a_prefect_future_list() -> None:
    """Prefect 3.9.1: ``task_run.start_time`` is its ``DateTime`` too (flowtop: a plain
    ``datetime``), and ``type(task.map(...)).__name__`` is ``PrefectFutureList``
    (flowtop: ``FutureList``)."""
    name, start = maps()
    assert name == "PrefectFutureList"
    assert isinstance(start, DateTime) and start.to_iso8601_string().endswith("Z")
