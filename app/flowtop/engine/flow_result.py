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

A returned ``Failed(...)`` made by hand is recorded as returned, not raised
(:func:`returned_state_info`: ``flow returned Failed('2 rows bad')``), and so is a
returned task's state (``flow returned TimedOut('Task run exceeded timeout of 0.2
second(s)')``, with the task's traceback).

A return that makes Prefect's flow run ``Cancelled`` (:func:`cancelled_by_return`) ends
flowtop's run ``CANCELLED``, with a note saying so: no hook runs for it and no flow retry
follows, as in Prefect. So does a returned group of states one of which is cancelled
(:func:`cancelled_group`, ``1/2 states cancelled.``), whose call still returns the states
(``FlowFunction.outcome`` raises ``RunCancelled`` for other CANCELLED runs). A returned
``Crashed(...)`` is not retried either (:func:`retries_after`).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .context import context_run
from .events import ErrorInfo
from .final_states import RETURNED
from .prefect_api import (
    RETURNED_BY_FLOW,
    CrashedRun,
    FailedRun,
    State,
    handed_on,
    is_state_iterable,
    made_by_hand,
    raised_for,
    state_exception,
    states_failed,
)
from .records import error_info, returned_info, returned_traceback

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun


def returned_state_info(run: DynamicRun) -> ErrorInfo | None:
    """The error of ``run`` as its record keeps it when its body returned ``Failed(...)``
    or ``Crashed(...)`` made by hand, whose ``FailedRun`` it raised to its caller: type
    ``returned Failed``, message the state's, no traceback (nothing of the user's raised
    it, and flowtop's ``FailedRun`` path is no line of theirs). When it returned a task's
    state that did not complete (``return validate(rows)``, ``return t(return_state=True)``),
    whose exception it raised: type ``returned`` and that state's name, message the
    state's (``returned TimedOut``, ``Task run exceeded timeout of 0.2 second(s)``), the
    traceback the task's. None for any other."""
    error = run.error  # its message's own exception (``Failed(data=ValueError())``'s): raised
    if error is None:
        return None
    mark = getattr(error, RETURNED_BY_FLOW, None)
    if isinstance(mark, tuple) and isinstance(mark[0], State) and mark[1] == run.run_id:
        task_state: State[Any] = mark[0]
        told = returned_info(error) or error_info(error)  # (one the task returned: its line)
        return ErrorInfo(f"{RETURNED}{task_state.name}", task_state.message or "", told.traceback)
    handed = handed_on(error, run.run_id)  # ``return validate(rows)``: a task's Failed(...)
    if handed is not None:
        said = returned_traceback(handed, error)
        return ErrorInfo(f"{RETURNED}{handed.name}", handed.message or "", said)
    state = raised_for(error, run.run_id) if isinstance(error, FailedRun | CrashedRun) else None
    if state is None:
        return None
    return ErrorInfo(f"{RETURNED}{state.name}", state.message or "")


def traceback_says_more(error: BaseException) -> bool:
    """Whether the traceback of ``error``, why a run failed before its body (its
    ``flow_run_name`` could not be made, its flow's settings table is at fault), says more
    than its own line (``type: message``, which the run's end says already): not when no
    code raised it, no frame in it, none chained to it, no note (a template that could not
    be filled, a table's refusal). ``flowtop run`` printed that line twice, as the error
    and as its traceback (``history --run`` and the monitor too). A ``flow_run_name``
    callable that raised keeps its frames."""
    return (
        error.__traceback__ is not None
        or error.__cause__ is not None
        or (error.__context__ is not None and not error.__suppress_context__)
        or bool(getattr(error, "__notes__", None))
        or isinstance(error, BaseExceptionGroup | SyntaxError)  # (lines of their own)
    )


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
    states cancelled.`` is a ``Cancelled`` run, never retried). A dict of them is no group.
    One that did not all complete is ``Failed`` in Prefect 3.9.1 (checked side by side),
    also when none failed: ``1/2 states are not final.`` (a hand-made ``Pending()``, or a
    task that never ran, its upstream failed) is retried too."""
    if not is_state_iterable(value) or cancelled_group(value):
        return False
    return not all(s.is_completed() for s in value)


def cancelled_by_return(run: DynamicRun, returned: Any) -> str | None:
    """Why ``run`` ends CANCELLED though nobody cancelled it, when what its body returned
    (``returned``, before ``resolve_return``; ``run.value`` or ``run.error`` after) makes
    Prefect 3's flow run ``Cancelled`` (``return_value_to_state``); else None.

    Two returns do, whose call raises: a ``Cancelled(...)`` made by hand (``the flow
    returned Cancelled('stop')``, the call raising ``CancelledRun('stop')``); the state of
    a task that returned one, or its future (``the flow returned a task's state: 1/1
    states cancelled.``, the call raising the task's ``CancelledRun``). A cancelled run
    is what Prefect records; a FAILED one would run the ``on_failure`` hooks and the
    flow's retries, which Prefect's does not. (A group with a cancelled state: see the
    module doc.)"""
    if run.timed_out is not None:  # its time limit ended it first: FAILED, TimedOut
        return None
    if made_by_hand(returned):
        if not returned.is_cancelled():
            return None
        said = f"{returned.message!r}" if returned.message else ""
        return f"the flow returned Cancelled({said})"
    if run.error is None and cancelled_group(run.value):  # its call returns them all
        return f"the flow returned states: {states_failed(run.value)}"
    mark = getattr(run.error, RETURNED_BY_FLOW, None)
    if isinstance(mark, tuple) and isinstance(mark[0], State) and mark[1] == run.run_id:
        task_state: State[Any] = mark[0]
        if task_state.is_cancelled():
            return f"the flow returned a task's state: {states_failed([task_state])}"
    return None


def cancelled_group(value: Any) -> bool:
    """Whether ``value``, what a flow body returned, is a list, tuple or set of states one
    of which is cancelled: Prefect's flow run is then Cancelled, and its call returns
    them all the same; no hook runs (``flow_hooks.ending_kind``)."""
    return is_state_iterable(value) and any(s.is_cancelled() for s in value)


def retries_after(run: DynamicRun) -> bool:
    """Whether a flow-level retry follows the end of ``run``, as Prefect 3 retries a flow
    run that ends Failed with ``retries`` left: its body raised an ``Exception`` (or
    returned ``Failed(...)``, whose ``FailedRun`` it raised), or returned a group of
    states that fails it (``retried_group``). Never a run cancelled by the user or by its
    own return (``cancelled_by_return``), nor one whose body returned ``Crashed(...)``:
    Prefect's run is then Crashed, which it does not retry."""
    if run.cancelled or run.cancelled_by_return is not None:
        return False
    error = run.error
    handed = None if error is None else raised_for(error, run.run_id)
    failed = isinstance(error, Exception) and (handed is None or handed.is_failed())
    return (
        (failed or retried_group(run.value))
        and run.flow_attempt <= run.flow.retries
        and not run.runner.closed
    )


__all__ = [
    "cancelled_by_return",
    "cancelled_group",
    "retried_group",
    "retries_after",
    "returned_state_error",
    "returned_state_info",
    "traceback_says_more",
]
