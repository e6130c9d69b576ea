"""Prefect 3's vocabulary on top of the engine: State objects, annotations, the run logger.

The engine keeps its own ``State`` (a ``NamedTuple`` whose ``result`` is a field, which
``retry_predicate`` and ``RunResult`` use). Prefect code expects ``state.result()`` as a
method, ``Completed(...)``/``Failed(...)`` constructors and ``allow_failure``/``unmapped``
wrappers; they live here so ``flowtop.states``, ``flowtop.futures`` and the drop-in
``prefect`` modules can share one implementation. The ``State`` class and its constructors
are ``prefect_state``'s, re-exported; this module makes them of the engine's states and of
a flow's outcome. Semantics follow Prefect 3's source (``prefect/states.py``,
``prefect/utilities/annotations.py``, ``task_engine.can_retry``).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import uuid
from collections.abc import Callable
from typing import Any

from .aloop import run_sync
from .annotations import _Annotation as _Annotation  # re-exported, as before
from .annotations import allow_failure as allow_failure
from .annotations import opaque as opaque
from .annotations import quote as quote
from .annotations import unmapped as unmapped
from .context import context_run
from .delays import callable_name
from .errors import FlowRunTimeoutError, TaskTimeout, UpstreamFailed
from .errors import UnfinishedRun as UnfinishedRun  # re-exported, as before
from .final_states import Told, told
from .prefect_datetime import prefect_time
from .prefect_exceptions import RETURNED_STATE
from .prefect_exceptions import CancelledRun as CancelledRun  # re-exported, as before
from .prefect_exceptions import CrashedRun as CrashedRun
from .prefect_exceptions import FailedRun as FailedRun
from .prefect_exceptions import MissingResult as MissingResult
from .prefect_ids import flow_run_of
from .prefect_run_views import StateDetails as StateDetails  # re-exported, as before
from .prefect_run_views import TaskRun as TaskRun
from .prefect_run_views import asked_about
from .prefect_state import STATE_ERRORS as STATE_ERRORS  # re-exported: the State, split out
from .prefect_state import UNSUCCESSFUL
from .prefect_state import AwaitingRetry as AwaitingRetry
from .prefect_state import Cancelled as Cancelled
from .prefect_state import Completed as Completed
from .prefect_state import Crashed as Crashed
from .prefect_state import Failed as Failed
from .prefect_state import Pending as Pending
from .prefect_state import Retrying as Retrying
from .prefect_state import Running as Running
from .prefect_state import State as State
from .prefect_state import araise_state_exception as araise_state_exception
from .prefect_state import completed_by_hand as completed_by_hand
from .prefect_state import exception_of as exception_of
from .prefect_state import handed_on as handed_on
from .prefect_state import is_state_iterable as is_state_iterable
from .prefect_state import made_by_hand as made_by_hand
from .prefect_state import raise_state_exception as raise_state_exception
from .prefect_state import raised_for as raised_for
from .prefect_state import state_exception as state_exception
from .prefect_state import states_failed as states_failed
from .run_loggers import MissingContextError as MissingContextError  # re-exported, as before
from .run_loggers import get_run_logger as get_run_logger
from .run_names import named_not
from .states import State as EngineState
from .states import StateType


def from_engine(
    state: EngineState,
    *,
    task_run_id: str | None = None,
    flow_run_id: str | None = None,
    cached: bool = False,
    returned: State[Any] | None = None,
) -> State[Any]:
    """The Prefect form of one engine ``State`` (a task's state after its last attempt).
    ``cached``: its result came from the cache (or a rerun's source run), not a call:
    Prefect names that state ``Cached``. A ``Completed(data=…)`` the task returned by hand
    (``returned``, or the engine state's result) is its final state, as in Prefect 3.9:
    its data is the result, and it keeps its own name and message.

    Its ``state_details`` name the task run and, for a task of a flow run (``task_run_id``
    is the engine's ``<run id>:<task key>``, or ``flow_run_id`` is given), that flow run,
    as Prefect's; its ``timestamp`` is when the engine state was entered."""
    task_run_id = task_run_id or uuid.uuid4().hex
    details = StateDetails(
        task_run_id=task_run_id,
        flow_run_id=flow_run_id or flow_run_of(task_run_id),
        task_key=state.task,
        run_count=state.attempt,
    )
    made = _prefect_form(state, details, cached, returned)
    if state.timestamp:  # 0.0: the engine state's maker gave no time (``states.State``)
        made.timestamp = prefect_time(state.timestamp)
    return made


def _prefect_form(
    state: EngineState, details: StateDetails, cached: bool, returned: State[Any] | None
) -> State[Any]:
    """``from_engine``'s state, of the type and name Prefect gives it."""
    message = state.message or None
    if state.type is StateType.COMPLETED:
        if returned is None and completed_by_hand(state.result):
            returned = state.result  # a call outside any flow keeps what the task returned
        if returned is not None:
            return State(
                StateType.COMPLETED,
                data=returned.data,
                message=returned.message,
                state_details=details,
                name="Cached" if cached else returned.name,
            )
        return State(
            StateType.COMPLETED,
            data=state.result,
            message=message,
            state_details=details,
            name="Cached" if cached else None,
        )
    if state.type is StateType.FAILED or returned_cancelled(state.exception):
        error = state.exception
        handed = returned_failure(error)  # a Failed(name=…) the task returned keeps its name
        name = handed.name if handed else failed_name(error)
        failed: State[Any] = State(
            StateType.CANCELLED if handed and handed.is_cancelled() else StateType.FAILED,
            data=error,
            message=message if error is None else failure_message(error, "Task"),
            state_details=details,
            name=name,
        )
        if handed is not None:  # its result is that state's data, as Prefect records it
            failed._recorded = (handed.data,)
            failed._made_at = handed._made_at  # (its result's exception named as its maker's)
        return failed
    if state.type is StateType.UPSTREAM_FAILED:
        error = UpstreamFailed(f"task {state.task!r}: {state.message}")
        return State(state.type, data=error, message=message, state_details=details)
    if state.type is StateType.CANCELLED:
        return State(
            state.type,
            data=CancelledRun(f"task {state.task!r} was cancelled"),
            message=message,
            state_details=details,
        )
    return State(state.type, message=message, state_details=details)


def returned_state(value: Any) -> tuple[Any, BaseException | None]:
    """An attempt's ``(value, error)`` when a task returned ``value``, as in Prefect 3's
    ``return_value_to_state``: a failed state made by hand (``Failed(message=...)``) fails
    the attempt with its exception (retried under the task's retries, like a raise), which
    keeps the state (``returned_failure``). Any other value is the value as it is, a
    ``Completed(...)`` too: Prefect 3.9 hands the caller that state object itself."""
    if made_by_hand(value) and value.type in UNSUCCESSFUL:
        error = exception_of(value)  # Failed(data=42): Prefect's TypeError, as .result()
        with contextlib.suppress(AttributeError):  # an exception class with __slots__
            setattr(error, _RETURNED, value)
        # Prefect's engine records its data: ``result(raise_on_failure=False)`` then gives
        # that data (None for ``Failed(message=…)``), not the message as an exception
        value._recorded = (value.data,)
        return None, error
    return value, None


_RETURNED = RETURNED_STATE


def returned_failure(error: BaseException | None) -> State[Any] | None:
    """The failed state a task returned, when ``error`` stands for one rather than for a
    raise. Calling such a task in a flow gives that state back, as Prefect 3.9 does (its
    engine returns what the task returned): the flow goes on, and only ``.result()`` (or
    a ``.submit()``'s) raises."""
    state = getattr(error, _RETURNED, None)
    return state if isinstance(state, State) else None


def returned_cancelled(error: BaseException | None) -> bool:
    """Whether ``error`` is a ``Cancelled(...)`` the task returned: as in Prefect, no retry."""
    return (handed := returned_failure(error)) is not None and handed.is_cancelled()


def failed_name(error: BaseException | None) -> str | None:
    """The name of the Failed state an error gives a task or flow run in Prefect 3: any
    ``TimeoutError`` (a time limit's, a socket's, an ``asyncio`` wait's) is ``TimedOut``."""
    return "TimedOut" if isinstance(error, TimeoutError) else None


def failure_message(error: BaseException, run: str) -> str | None:
    """The message Prefect 3 gives a ``run`` ("Task" or "Flow") that failed with ``error``:
    a state the task returned keeps its own; a time limit says so; any other error is
    "Task run encountered an exception ValueError: meh" (a flow's, with a colon). flowtop's
    own monitor says why it was not retried instead; this is what Prefect code reads."""
    returned = returned_failure(error)
    if returned is not None:
        return returned.message
    if run == "Flow" and (task_state := returned_by(error)) is not None:  # it returned one
        return states_failed([task_state])  # task's state: Prefect's aggregate
    own_limit = TaskTimeout if run == "Task" else FlowRunTimeoutError  # not a task's in a flow
    if isinstance(error, own_limit) and error.timeout is not None:  # 2 s reads "2.0", as there
        return f"{run} run exceeded timeout of {float(error.timeout)} second(s)"
    if isinstance(error, TimeoutError):  # a socket's or an asyncio wait's: Prefect's TimedOut
        return f"{run} run failed due to timeout: {error!r}"
    colon = ":" if run == "Flow" else ""
    return f"{run} run encountered an exception{colon} {type(error).__name__}: {error}"


#: The attribute marking a task's state a flow's body returned (``flow_result``).
RETURNED_BY_FLOW = "_flowtop_returned_by_flow"


def returned_by(error: BaseException, *, caller: bool = False) -> State[Any] | None:
    """The task's state whose exception ``error`` is, when the body of the flow run this
    thread's context names (its final hooks) returned it; with ``caller``, the body of a
    run this context started (a ``flow(return_state=True)`` call). None otherwise: the same
    exception raised again by another run's body (a subflow's caller) is that run's own."""
    mark = getattr(error, RETURNED_BY_FLOW, None)
    if not isinstance(mark, tuple) or not isinstance(mark[0], State):
        return None
    here = getattr(context_run(), "run_id", None)
    return mark[0] if mark[2 if caller else 1] == here else None


def outcome_state(value: Any, error: BaseException | None, run_id: str | None) -> State[Any]:
    """Completed with ``value``, or Failed with ``error``; returned states (a collection, or
    one task's) are Prefect's aggregate: ``1/1 states failed.``, ``All states completed.``
    A ``Failed(...)`` made by hand that the body of run ``run_id`` returned is that state."""
    returned = returned_by(error, caller=True) if error is not None else None
    if returned is not None:  # a task's state or future: one cancelled makes it Cancelled
        kind = StateType.CANCELLED if returned.is_cancelled() else StateType.FAILED
        return State(kind, data=returned, message=states_failed([returned]))
    failure = states_failed(value) if error is None else None
    if failure is not None:  # as Prefect's aggregate: one cancelled makes it Cancelled
        cancelled = any(s.is_cancelled() for s in value)
        kind = StateType.CANCELLED if cancelled else StateType.FAILED
        return State(kind, data=value, message=failure)
    if error is None:
        aggregate = isinstance(value, State) or is_state_iterable(value)
        message = "All states completed." if aggregate else None
        return State(StateType.COMPLETED, data=value, message=message)
    returned = raised_for(error, run_id)
    if returned is not None:  # the flow returned ``Failed(...)``: that state, recorded
        state: State[Any] = State(
            returned.type, data=error, message=returned.message, name=returned.name
        )
        state._recorded = (returned.data,)
        return state
    return State(
        StateType.FAILED,
        data=error,
        message=failure_message(error, "Flow"),
        name=failed_name(error),
    )


def state_of_call(call: Callable[[], Any]) -> State[Any]:
    """What a flow call with ``return_state=True`` gives: ``call()``'s outcome as a state
    (``outcome_state``), the exception it raised (not a ``BaseException``) as Failed,
    except why the run's ``flow_run_name`` could not be made (``run_names``)."""
    told()  # (what an earlier call on this thread left unread)
    try:
        value = call()
    except Exception as exc:
        last = told()
        if named_not(exc, None if last is None else last.run_id):
            raise  # its flow_run_name could not be made: raised, as in Prefect 3.9.1
        return _named(outcome_state(None, exc, None if last is None else last.run_id), last)
    last = told()
    return _named(outcome_state(value, None, None if last is None else last.run_id), last)


def _named(state: State[Any], last: Told | None) -> State[Any]:
    """``state`` as the run the call made (``last``) ends in Prefect (``final_states``):
    its ``state_details.flow_run_id`` that run's, and named as Prefect names it
    (``Skipped``, ``TimedOut``)."""
    if last is None:  # no run: the call stopped before one started
        return state
    state.state_details = StateDetails(flow_run_id=last.run_id)
    if last.named is not None and last.named[0] is state.type:
        state.name, state.message = last.named[1], last.named[2]
    return state


# -- retry_condition_fn -----------------------------------------------------------------
class RetryCondition:
    """A ``retry_condition_fn(task, task_run, state)`` as the policy calls it, with the
    engine ``State`` of a failed attempt. It gets the ``task_run`` of that attempt (run in
    its context by ``task_runs.weighed``) and the state ``condition_state`` makes. An
    ``async def`` condition runs to its end on an event loop of its own."""

    __slots__ = ("fn", "task", "__qualname__")

    def __init__(self, fn: Callable[..., Any], task: Any) -> None:
        self.fn = fn
        self.task = task
        self.__qualname__ = callable_name(fn)  # an object's: its class's

    def __call__(self, outcome: EngineState) -> Any:
        """What the condition returned (awaited), as it returned it: the policy says a
        forgotten ``return`` as ``returned None (false)``, and tests its truth itself."""
        task_run = asked_about(outcome.task or self.task.name, outcome.attempt)
        answer = self.fn(self.task, task_run, condition_state(outcome.exception))
        if inspect.isawaitable(answer):
            answer = run_sync(answer)
        return answer

    def __repr__(self) -> str:
        return f"<retry_condition_fn {self.__qualname__}>"


def condition_state(error: BaseException | None) -> State[Any]:
    """The state Prefect's ``can_retry`` gives a condition: a ``Failed(...)`` the task
    returned as it returned it (its name, message and data; not yet recorded, so
    ``result(raise_on_failure=False)`` of one without data is its message as
    ``FailedRun``), else ``Failed`` with the error and Prefect's "unexpected exception"
    message. Data is kept recorded: ``result()`` raising the task's own error then marks
    no error as raised for this state (``_raised``), which would make it a flow's state."""
    handed = returned_failure(error)
    if handed is not None:
        state = copy.copy(handed)
        state._recorded = None if handed.data is None else (handed.data,)
        return state
    message = f"Task run encountered unexpected exception: {error!r}"
    state = State(StateType.FAILED, data=error, message=message)
    state._recorded = (error,)
    return state
