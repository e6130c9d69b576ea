"""Prefect 3's vocabulary on top of the engine: State objects, annotations, the run logger.

The engine keeps its own ``State`` (a ``NamedTuple`` whose ``result`` is a field, which
``retry_predicate`` and ``RunResult`` use). Prefect code expects ``state.result()`` as a
method, ``Completed(...)``/``Failed(...)`` constructors and ``allow_failure``/``unmapped``
wrappers; they live here so ``flowtop.states``, ``flowtop.futures`` and the drop-in
``prefect`` modules can share one implementation. Semantics follow Prefect 3's source
(``prefect/states.py``, ``prefect/utilities/annotations.py``, ``task_engine.can_retry``).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeGuard, TypeVar

from .aloop import run_sync
from .annotations import _Annotation as _Annotation  # re-exported, as before
from .annotations import allow_failure as allow_failure
from .annotations import opaque as opaque
from .annotations import quote as quote
from .annotations import unmapped as unmapped
from .async_dispatch import dispatch, in_async_context
from .context import context_run
from .errors import FlowRunTimeoutError, TaskTimeout, UnfinishedRun, UpstreamFailed
from .final_states import keep_returned, told
from .prefect_exceptions import CancelledRun as CancelledRun  # re-exported, as before
from .prefect_exceptions import CrashedRun as CrashedRun
from .prefect_exceptions import FailedRun as FailedRun
from .prefect_exceptions import MissingResult as MissingResult
from .prefect_run_views import StateDetails as StateDetails  # re-exported, as before
from .prefect_run_views import TaskRun as TaskRun
from .prefect_run_views import asked_about
from .run_loggers import MissingContextError as MissingContextError  # re-exported, as before
from .run_loggers import get_run_logger as get_run_logger
from .states import PrefectOnlyStateType, StateType
from .states import State as EngineState

T = TypeVar("T")

#: The attribute naming the hand-made ``Failed(...)`` an exception was raised for.
_RAISED_FOR = "_flowtop_raised_for_state"


# -- states -------------------------------------------------------------------------------
class State(Generic[T]):
    """A Prefect 3 style state: ``type``, ``name``, ``message``, ``data``, ``result()``.

    ``type`` is flowtop's :class:`StateType`; a task whose upstream failed is
    ``UPSTREAM_FAILED`` (name ``NotReady``) and counts as failed. A crashed run's state
    (``Crashed(...)``, what a flow's ``on_crashed`` hooks get) is of Prefect's type
    ``StateType.CRASHED``, as in Prefect: a type no engine state has, so it never
    reaches the engine's own state logic; a cancelled run's (what ``on_cancellation``
    hooks get) is of type ``CANCELLING``, so.
    """

    __slots__ = ("type", "name", "message", "data", "state_details", "timestamp", "_recorded")

    def __init__(
        self,
        type: StateType | PrefectOnlyStateType,  # noqa: A002 - Prefect's keyword
        *,
        name: str | None = None,
        message: str | None = None,
        data: Any = None,
        state_details: StateDetails | None = None,
    ) -> None:
        self.type = _state_type(type)
        self.name = name or _NAMES.get(self.type, self.type.value.title())
        self.message = message
        self.data = data
        self.state_details = state_details or StateDetails()
        self.timestamp = time.time()
        #: A failed state's result as Prefect's engine recorded it (``result(False)``), in
        #: a 1-tuple: the data of a ``Failed(...)`` a task or flow returned. None: none
        #: was recorded (a tuple, not a sentinel object, so a pickled state keeps it).
        self._recorded: tuple[Any] | None = None

    def is_completed(self) -> bool:
        return self.type is StateType.COMPLETED

    def is_failed(self) -> bool:
        return self.type in (StateType.FAILED, StateType.UPSTREAM_FAILED)

    def is_crashed(self) -> bool:
        return self.type is PrefectOnlyStateType.CRASHED

    def is_cancelled(self) -> bool:
        return self.type is StateType.CANCELLED

    def is_cancelling(self) -> bool:
        """A ``@flow``'s ``on_cancellation`` hooks get this state (``flow_hooks``)."""
        return self.type is PrefectOnlyStateType.CANCELLING

    def is_pending(self) -> bool:
        return self.type is StateType.PENDING

    def is_running(self) -> bool:
        return self.type is StateType.RUNNING

    def is_scheduled(self) -> bool:
        return self.type is StateType.AWAITING_RETRY

    def is_paused(self) -> bool:
        return False

    def is_final(self) -> bool:
        return self.type is PrefectOnlyStateType.CRASHED or (
            isinstance(self.type, StateType) and self.type.is_final
        )

    def result(
        self, raise_on_failure: bool = True, fetch: bool = True, _sync: bool | None = None, **_: Any
    ) -> Any:
        """The data of a completed state; the exception of a failed one, raised unless
        ``raise_on_failure=False`` (then returned).

        As in Prefect 3 (``async_dispatch``): called from async code (a running event
        loop, outside a sync task's attempt) it returns an awaitable of the same; ``_sync``
        forces either way. flowtop's own callers (``future.result()``, which Prefect keeps
        sync everywhere, a flow's return value) always get the value."""
        if _sync is None:
            frame = sys._getframe(1)
            caller = frame.f_globals.get("__name__", "")
            _sync = caller.startswith("flowtop.") or not in_async_context()
            if frame.f_code.co_name == "resolve_return" and completed_by_hand(self):
                keep_returned(self.name, self.message)  # a @flow body returned it
        if not _sync:
            return self.aresult(raise_on_failure)
        return self._result(raise_on_failure)

    async def aresult(self, raise_on_failure: bool = True, **_: Any) -> Any:
        """``result()`` for async code, always awaited."""
        return self._result(raise_on_failure)

    def _result(self, raise_on_failure: bool) -> Any:
        if self.type in _UNSUCCESSFUL:
            if raise_on_failure or self.type is StateType.UPSTREAM_FAILED:
                # a task that never ran has no result, whatever the flag (UnfinishedRun)
                raise self._raised()
            # as Prefect 3: the recorded result (a returned ``Failed(...)``'s data, None
            # without), else the data (an exception, a flow's states, a value), and only a
            # state made by hand without data gives its message as an exception
            if self._recorded is not None:
                return self._recorded[0]
            return exception_of(self) if self.data is None else self.data
        if not self.is_final() and raise_on_failure:
            raise UnfinishedRun(f"run is in {self.type.value} state, its result is not final")
        return self.data

    def _raised(self) -> BaseException:
        """The exception ``result()`` raises. A recorded state's is made from its recorded
        result, as Prefect makes it: a ``Failed(message=…)`` a task returned raises a new
        ``FailedRun`` each time, which does not stand for that task's own return when it
        fails another task. A ``Failed(...)`` made by hand, that no engine recorded, marks
        it (``raised_for``): raised by a flow's return, it is the flow's outcome state, as
        in Prefect (``outcome_state``)."""
        if self._recorded is not None:
            data = self._recorded[0]
            return exception_of(State(self.type, name=self.name, message=self.message, data=data))
        exc = exception_of(self)
        if (
            self.type in (StateType.FAILED, PrefectOnlyStateType.CRASHED)
            and self.state_details.task_run_id is None
            and self.state_details.flow_run_id is None
        ):
            with contextlib.suppress(AttributeError):  # an exception class with __slots__
                setattr(exc, _RAISED_FOR, self)
        return exc

    def __repr__(self) -> str:
        shown = self.data if not isinstance(self.data, State) else "State"
        message = f"{self.message!r}, " if self.message else ""
        return f"{self.name}({message}type={self.type.value}, result={shown!r})"


def _state_type(value: str) -> StateType | PrefectOnlyStateType:
    """``value`` as a state's type: flowtop's, or one of the two Prefect types a state of
    this module takes that the engine has not (``CRASHED``: an ``on_crashed`` hook's;
    ``CANCELLING``: an ``on_cancellation`` hook's, as Prefect's ``flow_engine.call_hooks``
    gives them); any other is refused."""
    if value in (PrefectOnlyStateType.CRASHED, PrefectOnlyStateType.CANCELLING):
        return PrefectOnlyStateType(value)
    return StateType(value)


#: The types of a state whose ``result()`` raises: it has no value.
_UNSUCCESSFUL = (
    StateType.FAILED,
    StateType.UPSTREAM_FAILED,
    StateType.CANCELLED,
    PrefectOnlyStateType.CRASHED,
)

_NAMES: dict[StateType | PrefectOnlyStateType, str] = {
    StateType.PENDING: "Pending",
    StateType.RUNNING: "Running",
    StateType.AWAITING_RETRY: "AwaitingRetry",
    StateType.COMPLETED: "Completed",
    StateType.FAILED: "Failed",
    StateType.UPSTREAM_FAILED: "NotReady",
    StateType.CANCELLED: "Cancelled",
    PrefectOnlyStateType.CRASHED: "Crashed",
    PrefectOnlyStateType.CANCELLING: "Cancelling",
}


def is_state_iterable(value: Any) -> bool:
    """A list, tuple or set of states only (Prefect's rule for aggregating a return value)."""
    return (
        isinstance(value, list | tuple | set | frozenset)
        and bool(value)
        and all(isinstance(v, State) for v in value)
    )


def states_failed(value: Any) -> str | None:
    """Why a returned collection of states fails its run (Prefect 3's ``StateGroup``
    messages: ``"1/2 states failed."``), or None when it does not (all completed, or not
    a collection of states)."""
    if not is_state_iterable(value):
        return None
    states = list(value)
    total = len(states)
    cancelled = sum(s.is_cancelled() for s in states)
    failed = sum(s.is_failed() or s.is_crashed() for s in states)
    unfinished = sum(not s.is_final() for s in states)
    if cancelled:
        return f"{cancelled}/{total} states cancelled."
    if failed:
        return f"{failed}/{total} states failed."
    if unfinished:
        return f"{unfinished}/{total} states are not final."
    return None


#: What a state with no exception of its own raises (``state_exception``): its message.
STATE_ERRORS = (FailedRun, CrashedRun, CancelledRun)


def state_exception(state: State[Any]) -> BaseException:
    """The exception a failed, crashed or cancelled state stands for, as Prefect 3's
    ``prefect.states.get_state_exception`` gives it, and raising where that raises: a
    ``TypeError`` for data that is no exception (``Failed(data=42)``), a ``ValueError``
    for a state that is none of the three."""
    exc, resolved = _exception(state)
    if not resolved:
        raise exc
    return exc


def raise_state_exception(state: State[Any], _sync: bool | None = None) -> Any:
    """Prefect 3's ``prefect.states.raise_state_exception``: a failed, crashed or cancelled
    state's exception (``state_exception``) raised; any other state, None. Called from
    async code it returns an awaitable of the same, as Prefect's ``async_dispatch`` does."""
    return dispatch(_sync, lambda: _raise_for(state))


async def araise_state_exception(state: State[Any]) -> None:
    """``raise_state_exception`` for async code, always awaited (Prefect's)."""
    _raise_for(state)


def _raise_for(state: State[Any]) -> None:
    if state.is_failed() or state.is_crashed() or state.is_cancelled():
        raise state_exception(state)


def exception_of(state: State[Any]) -> BaseException:
    """``state_exception``'s exception, that ``TypeError`` or ``ValueError`` returned
    rather than raised: what ``state.result()`` raises, and what a task's attempt that
    returned such a state fails with."""
    return _exception(state)[0]


def _exception(state: State[Any]) -> tuple[BaseException, bool]:
    """The exception and True, or the error Prefect raises instead and False."""
    wrapper: type[RuntimeError]
    if state.is_crashed():
        wrapper, default = CrashedRun, "Run crashed."
    elif state.type in (StateType.FAILED, StateType.UPSTREAM_FAILED):
        wrapper, default = FailedRun, "Run failed."
    elif state.type is StateType.CANCELLED:
        wrapper, default = CancelledRun, "Run cancelled."
    else:
        return ValueError(f"Expected failed or crashed state got {state!r}."), False
    data = state.data
    if data is None:
        return wrapper(state.message or default), True
    if isinstance(data, BaseException):
        return data, True
    if isinstance(data, str):
        return wrapper(data), True
    if isinstance(data, State):
        return _exception(data)
    if is_state_iterable(data):
        for inner in data:
            if inner.is_failed() or inner.is_crashed() or inner.type is StateType.CANCELLED:
                return _exception(inner)
        why = "Failed state result was an iterable of states but none were failed."
        return ValueError(why), False
    return TypeError(
        f"Unexpected result for failed state: {data!r} \u2014\u2014 "
        f"{type(data).__name__} cannot be resolved into an exception"
    ), False


def Completed(
    *, data: Any = None, message: str | None = None, name: str = "Completed"
) -> State[Any]:
    return State(StateType.COMPLETED, data=data, message=message, name=name)


def Failed(*, data: Any = None, message: str | None = None, name: str = "Failed") -> State[Any]:
    return State(StateType.FAILED, data=data, message=message, name=name)


def Crashed(*, data: Any = None, message: str | None = None) -> State[Any]:
    return State(PrefectOnlyStateType.CRASHED, data=data, message=message, name="Crashed")


def Cancelled(*, data: Any = None, message: str | None = None) -> State[Any]:
    return State(StateType.CANCELLED, data=data, message=message, name="Cancelled")


def Pending(*, message: str | None = None, name: str = "Pending") -> State[Any]:
    return State(StateType.PENDING, message=message, name=name)


def Running(*, message: str | None = None, name: str = "Running") -> State[Any]:
    return State(StateType.RUNNING, message=message, name=name)


def AwaitingRetry(*, message: str | None = None) -> State[Any]:
    return State(StateType.AWAITING_RETRY, message=message, name="AwaitingRetry")


def Retrying(*, message: str | None = None) -> State[Any]:
    return State(StateType.RUNNING, message=message, name="Retrying")


def from_engine(
    state: EngineState,
    *,
    task_run_id: str | None = None,
    cached: bool = False,
    returned: State[Any] | None = None,
) -> State[Any]:
    """The Prefect form of one engine ``State`` (a task's state after its last attempt).
    ``cached``: its result came from the cache (or a rerun's source run), not a call:
    Prefect names that state ``Cached``. A ``Completed(data=…)`` the task returned by hand
    (``returned``, or the engine state's result) is its final state, as in Prefect 3.9:
    its data is the result, and it keeps its own name and message."""
    details = StateDetails(
        task_run_id=task_run_id or uuid.uuid4().hex, task_key=state.task, run_count=state.attempt
    )
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
    if state.type is StateType.FAILED:
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
    if (
        type(value) is State
        and value.state_details.task_run_id is None
        and value.state_details.flow_run_id is None
        and value.type in _UNSUCCESSFUL
    ):
        error = exception_of(value)  # Failed(data=42): Prefect's TypeError, as .result()
        with contextlib.suppress(AttributeError):  # an exception class with __slots__
            setattr(error, _RETURNED, value)
        # Prefect's engine records its data: ``result(raise_on_failure=False)`` then gives
        # that data (None for ``Failed(message=…)``), not the message as an exception
        value._recorded = (value.data,)
        return None, error
    return value, None


def completed_by_hand(value: Any) -> TypeGuard[State[Any]]:
    """``Completed(...)`` made by the task's code, not a task's or flow's own state."""
    return (
        type(value) is State
        and value.type is StateType.COMPLETED
        and value.state_details.task_run_id is None
        and value.state_details.flow_run_id is None
    )


_RETURNED = "_flowtop_returned_state"


def returned_failure(error: BaseException | None) -> State[Any] | None:
    """The failed state a task returned, when ``error`` stands for one rather than for a
    raise. Calling such a task in a flow gives that state back, as Prefect 3.9 does (its
    engine returns what the task returned): the flow goes on, and only ``.result()`` (or
    a ``.submit()``'s) raises."""
    state = getattr(error, _RETURNED, None)
    return state if isinstance(state, State) else None


RETURNED_CANCELLED = "the task returned Cancelled(...): not retried"


def returned_cancelled(error: BaseException | None) -> bool:
    """Whether ``error`` is a ``Cancelled(...)`` the task returned: as in Prefect, no retry."""
    return (handed := returned_failure(error)) is not None and handed.is_cancelled()


def raised_for(error: BaseException) -> State[Any] | None:
    """The ``Failed(...)`` made by hand whose ``result()`` raised ``error`` (``_raised``)."""
    state = getattr(error, _RAISED_FOR, None)
    return state if isinstance(state, State) else None


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


def outcome_state(value: Any, error: BaseException | None) -> State[Any]:
    """Completed with ``value``, or Failed with ``error``; returned states (a collection, or
    one task's) are Prefect's aggregate: ``1/1 states failed.``, ``All states completed.``"""
    returned = returned_by(error, caller=True) if error is not None else None
    if returned is not None:
        return State(StateType.FAILED, data=returned, message=states_failed([returned]))
    failure = states_failed(value) if error is None else None
    if failure is not None:  # as Prefect's aggregate: one cancelled makes it Cancelled
        cancelled = any(s.is_cancelled() for s in value)
        kind = StateType.CANCELLED if cancelled else StateType.FAILED
        return State(kind, data=value, message=failure)
    if error is None:
        aggregate = isinstance(value, State) or is_state_iterable(value)
        message = "All states completed." if aggregate else None
        return State(StateType.COMPLETED, data=value, message=message)
    returned = raised_for(error)
    if returned is not None:  # the flow returned ``Failed(...)``: that state, recorded
        state: State[Any] = State(
            returned.type, data=error, message=returned.message, name=returned.name
        )
        state._recorded = (returned.data,)
        return state
    if isinstance(error, STATE_ERRORS):  # made from a state's message: that message, as Prefect
        return State(StateType.FAILED, data=error, message=str(error))
    return State(
        StateType.FAILED,
        data=error,
        message=failure_message(error, "Flow"),
        name=failed_name(error),
    )


def state_of_call(call: Callable[[], Any]) -> State[Any]:
    """What a flow call with ``return_state=True`` gives: ``call()``'s outcome as a state
    (``outcome_state``), the exception it raised (not a ``BaseException``) as Failed."""
    told()  # (what an earlier call on this thread left unread)
    try:
        value = call()
    except Exception as exc:  # noqa: BLE001 - the outcome, as a Failed state
        return _named(outcome_state(None, exc))
    return _named(outcome_state(value, None))


def _named(state: State[Any]) -> State[Any]:
    """``state`` named as Prefect names the run's (``final_states``): ``Skipped``,
    ``TimedOut``."""
    named = told()
    if named is not None and named[0] is state.type:
        state.name, state.message = named[1], named[2]
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
        self.__qualname__ = getattr(fn, "__qualname__", repr(fn))

    def __call__(self, outcome: EngineState) -> bool:
        task_run = asked_about(outcome.task or self.task.name, outcome.attempt)
        answer = self.fn(self.task, task_run, condition_state(outcome.exception))
        if inspect.isawaitable(answer):
            answer = run_sync(answer)
        return bool(answer)

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
