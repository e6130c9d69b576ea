"""A ``@flow`` body that returned a task's state that did not complete, as in Prefect 3.

Prefect's ``return_value_to_state`` makes of such a state (one with a task run's id, not
made by hand) its aggregate: the flow run is Failed, ``1/1 states failed.``, and its data
that state, which ``flow(return_state=True).result(raise_on_failure=False)`` gives; the
call itself raises the task's exception. flowtop's run raises that exception from its
body (``task_future.resolve_return``): :func:`returned_state_error` marks it with the
state and the run, so the run's own state, and only that run's, is the aggregate
(``prefect_api.returned_by``, read by ``outcome_state`` and ``failure_message``).

A returned list, tuple or set of states that did not all complete fails the run too
(``prefect_api.states_failed``); :func:`retried_group` says whether Prefect retries it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .context import context_run
from .prefect_api import RETURNED_BY_FLOW, State, is_state_iterable, state_exception


def returned_state_error(state: State[Any]) -> BaseException:
    """The exception of ``state``, a task's that did not complete and that the body of the
    flow run of this context returned, marked with that state, that run and its parent."""
    error = state_exception(state)
    run = context_run()
    mark = (state, run.run_id if run else None, run.parent_run if run else None)
    with contextlib.suppress(AttributeError):  # an exception class with __slots__
        setattr(error, RETURNED_BY_FLOW, mark)
    return error


def retried_group(value: Any) -> bool:
    """Whether ``value``, what a flow body returned, is a group of states that Prefect 3's
    ``return_value_to_state`` makes a ``Failed`` flow run, which the flow's ``retries``
    retry as they retry one that raised: one failed or crashed, none cancelled (``1/2
    states cancelled.`` is a ``Cancelled`` run, never retried). A dict of them is no group."""
    if not is_state_iterable(value):
        return False
    states = list(value)
    if any(s.is_cancelled() for s in states):
        return False
    return any(s.is_failed() or s.is_crashed() for s in states)


__all__ = ["retried_group", "returned_state_error"]
