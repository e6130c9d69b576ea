"""Prefect 3's ``State`` as Prefect code reads it, its constructors (``Completed(...)``,
``Failed(...)``) and the exception a state stands for (``get_state_exception``).

Split from ``prefect_api``, which re-exports every name here and keeps what turns the
engine's states and a flow's outcome into these. Every state has an ``id`` and the moment
it was entered (``timestamp``, a UTC :class:`DateTime`, pendulum's methods and all), as
Prefect's; a task run's names its
run ids (``state_details``), and one made by hand (``Completed(data=1)``) none, which is
how ``prefect_api`` tells a state a task returned from its own (``made_by_hand``).
Semantics follow Prefect 3's source (``prefect/states.py``, ``client/schemas/objects.py``).
"""

from __future__ import annotations

import contextlib
import sys
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeGuard, TypeVar, Unpack

from .async_dispatch import dispatch, in_async_context
from .context import context_run
from .errors import UnfinishedRun
from .final_states import keep_returned
from .prefect_datetime import DateTime
from .prefect_exceptions import NAMED_AS, CancelledRun, CrashedRun, FailedRun, MadeAt
from .prefect_ids import state_uuid
from .prefect_run_views import StateDetails
from .state_fields import StateFields, checked_fields
from .states import PrefectOnlyStateType, StateType

T = TypeVar("T")

#: The attribute naming the hand-made ``Failed(...)`` a flow body returned that an
#: exception was raised for, and that run's id: ``(state, run_id)`` (``raised_for``).
RAISED_FOR = "_flowtop_raised_for_state"
#: The attribute naming the ``Failed(...)`` a task returned, handed back by its call, that
#: a flow body returned in turn, and that run's id: ``(state, run_id)`` (``handed_on``).
#: Only what the record says: the run raised what its ``result()`` raises, as before.
HANDED_ON = "_flowtop_handed_on"


class State(Generic[T]):
    """A Prefect 3 style state: ``type``, ``name``, ``message``, ``data``, ``result()``,
    ``id``, ``timestamp`` and ``state_details``.

    ``type`` is flowtop's :class:`StateType`; a task whose upstream failed is
    ``UPSTREAM_FAILED`` (name ``NotReady``) and counts as failed. A crashed run's state
    (``Crashed(...)``, what a flow's ``on_crashed`` hooks get) is of Prefect's type
    ``StateType.CRASHED``, as in Prefect: a type no engine state has, so it never
    reaches the engine's own state logic; a cancelled run's (what ``on_cancellation``
    hooks get) is of type ``CANCELLING``, so.
    """

    __slots__ = (
        "type",
        "name",
        "message",
        "data",
        "state_details",
        "timestamp",
        "_recorded",
        "_id",
        "_made_at",
    )

    def __init__(
        self,
        type: StateType | PrefectOnlyStateType,  # noqa: A002 - Prefect's keyword
        *,
        name: str | None = None,
        message: str | None = None,
        data: Any = None,
        state_details: StateDetails | None = None,
        timestamp: datetime | None = None,
        id: uuid.UUID | None = None,  # noqa: A002 - Prefect's field name
    ) -> None:
        self.type = _state_type(type)
        self.name = name or _NAMES.get(self.type, self.type.value.title())
        self.message = message
        self.data = data
        self.state_details = state_details or StateDetails()
        #: When the run entered it, in UTC, as Prefect's (``.isoformat()``, comparisons): a
        #: :class:`DateTime`, as Prefect's is a pendulum one (``.to_iso8601_string()``).
        #: One given is kept as it is, as Prefect keeps it.
        self.timestamp = DateTime.now(UTC) if timestamp is None else timestamp
        #: A failed state's result as Prefect's engine recorded it (``result(False)``), in
        #: a 1-tuple: the data of a ``Failed(...)`` a task or flow returned. None: none
        #: was recorded (a tuple, not a sentinel object, so a pickled state keeps it).
        self._recorded: tuple[Any] | None = None
        self._id = id
        #: Where the user's code made it, for one made by hand with ``Failed(...)``,
        #: ``Crashed(...)`` or ``Cancelled(...)`` (``made_here``); else None.
        self._made_at: MadeAt | None = None

    @property
    def id(self) -> uuid.UUID:
        """Prefect's state id. Made when first read, not with the state: a ``uuid4``
        costs as much as the rest of a state, and the engine makes states (a task's
        hooks', a future's at each ``.state``) whose id nobody reads. A task run's state
        gets the same id each time it is made (``prefect_ids.state_uuid``, also the run's
        ``task_run.state_id``); any other a random one, as in Prefect."""
        if self._id is None:
            details = self.state_details
            if details.task_run_id is not None and details.run_count is not None:
                self._id = state_uuid(details.task_run_id, details.run_count, self.name)
            else:
                self._id = uuid.uuid4()
        return self._id

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
            if frame.f_code.co_name == "resolve_return":  # a @flow body returned it
                if completed_by_hand(self):
                    keep_returned(self.name, self.message)
                return self._result(raise_on_failure, returned=True)
        if not _sync:
            return self.aresult(raise_on_failure)
        return self._result(raise_on_failure)

    async def aresult(self, raise_on_failure: bool = True, **_: Any) -> Any:
        """``result()`` for async code, always awaited."""
        return self._result(raise_on_failure)

    def _result(self, raise_on_failure: bool, returned: bool = False) -> Any:
        if self.type in UNSUCCESSFUL:
            if raise_on_failure or self.type is StateType.UPSTREAM_FAILED:
                # a task that never ran has no result, whatever the flag (UnfinishedRun)
                raise self._raised(returned)
            # as Prefect 3: the recorded result (a returned ``Failed(...)``'s data, None
            # without), else the data (an exception, a flow's states, a value), and only a
            # state made by hand without data gives its message as an exception
            if self._recorded is not None:
                return self._recorded[0]
            return exception_of(self) if self.data is None else self.data
        if not self.is_final() and raise_on_failure:
            raise UnfinishedRun(f"run is in {self.type.value} state, its result is not final")
        return self.data

    def _raised(self, returned: bool = False) -> BaseException:
        """The exception ``result()`` raises. A recorded state's is made from its recorded
        result, as Prefect makes it: a ``Failed(message=…)`` a task returned raises a new
        ``FailedRun`` each time, which does not stand for that task's own return when it
        fails another task. A ``Failed(...)`` made by hand, that no engine recorded, and
        that a flow body ``returned``, marks it with that run (``raised_for``): it is that
        run's outcome state, as in Prefect (``outcome_state``). Only that run's: raised on
        into the body of the flow that called it as a subflow, or raised by the body's own
        ``Failed(...).result()``, it is an exception that body raised, as in Prefect
        (``Flow run encountered an exception: FailedRun: …``, retried, ``on_failure``)."""
        if self._recorded is not None:
            data = self._recorded[0]
            recorded: State[Any] = State(self.type, name=self.name, message=self.message, data=data)
            recorded._made_at = _made_at(self)  # (its exception named as its maker's)
            made = exception_of(recorded)
            if returned and made_by_hand(self):  # a flow body returned a task's Failed(...)
                run = context_run()
                with contextlib.suppress(AttributeError):  # an exception class with __slots__
                    setattr(made, HANDED_ON, (self, None if run is None else run.run_id))
            return made
        exc = exception_of(self)
        run_outcomes = (StateType.FAILED, StateType.CANCELLED, PrefectOnlyStateType.CRASHED)
        if returned and self.type in run_outcomes and made_by_hand(self):
            run = context_run()
            with contextlib.suppress(AttributeError):  # an exception class with __slots__
                setattr(exc, RAISED_FOR, (self, None if run is None else run.run_id))
        return exc

    def __repr__(self) -> str:
        """Prefect's: ``Completed(message=None, type=COMPLETED, result=1)``."""
        shown = self.data if not isinstance(self.data, State) else "State"
        return f"{self.name}(message={self.message!r}, type={self.type.value}, result={shown!r})"

    def __str__(self) -> str:
        """Prefect's, for a log line: ``Completed()``, ``Failed('boom')``, its type when its
        name does not say it (``AwaitingRetry(type=SCHEDULED)``)."""
        shown = [repr(self.message)] if self.message else []
        if str(self.type.value).lower() != str(self.name).lower():
            shown.append(f"type={self.type.value}")
        return f"{self.name}({', '.join(shown)})"


def _state_type(value: str) -> StateType | PrefectOnlyStateType:
    """``value`` as a state's type: flowtop's, or one of the two Prefect types a state of
    this module takes that the engine has not (``CRASHED``: an ``on_crashed`` hook's;
    ``CANCELLING``: an ``on_cancellation`` hook's, as Prefect's ``flow_engine.call_hooks``
    gives them); any other is refused."""
    if value in (PrefectOnlyStateType.CRASHED, PrefectOnlyStateType.CANCELLING):
        return PrefectOnlyStateType(value)
    return StateType(value)


#: The types of a state whose ``result()`` raises: it has no value.
UNSUCCESSFUL = (
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


def failed_as_in_prefect(state: State[Any]) -> bool:
    """Whether Prefect's ``StateGroup`` counts ``state`` failed: ``FAILED`` or ``CRASHED``.
    A task whose upstream failed (``NotReady``, failed to Prefect code here) is Prefect's
    ``Pending``: a state that is not final, as :func:`states_failed` counts it."""
    return state.type is StateType.FAILED or state.is_crashed()


def states_failed(value: Any) -> str | None:
    """Why a returned collection of states fails its run (Prefect 3's ``StateGroup``
    messages: ``"1/2 states failed."``), or None when it does not (all completed, or not
    a collection of states). ``[a.state, b.state, c.state]`` of a chain whose ``b``
    failed is ``1/3 states failed.``, as in Prefect (``c`` never ran: not final)."""
    if not is_state_iterable(value):
        return None
    states = list(value)
    total = len(states)
    cancelled = sum(s.is_cancelled() for s in states)
    failed = sum(map(failed_as_in_prefect, states))
    unfinished = sum(not s.is_final() or s.type is StateType.UPSTREAM_FAILED for s in states)
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
        return _named(wrapper(state.message or default), state), True
    if isinstance(data, BaseException):
        return data, True
    if isinstance(data, str):
        return _named(wrapper(data), state), True
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


def _named(error: BaseException, state: State[Any]) -> BaseException:
    """``error``, made for ``state``, named in a traceback as Prefect names it
    (``prefect.exceptions.FailedRun``) when Prefect code made ``state``."""
    made = _made_at(state)
    if made is not None and made.prefect:
        with contextlib.suppress(AttributeError):  # (a class of the user's with __slots__)
            setattr(error, NAMED_AS, "prefect.exceptions")
    return error


def _made_at(state: State[Any]) -> MadeAt | None:
    """``state._made_at``; None for a state pickled before states had it."""
    made: MadeAt | None = getattr(state, "_made_at", None)
    return made


def made_here(state: State[Any], *, depth: int = 1, prefect: bool = False) -> State[Any]:
    """``state``, made by hand, noting where: the line ``depth`` frames above the caller
    (a state constructor's caller, most often a task's ``return Failed(...)``). Costs a
    frame read, only for a state made by hand."""
    frame = sys._getframe(depth + 1)
    code = frame.f_code
    state._made_at = MadeAt(code.co_filename, frame.f_lineno, code.co_name, prefect)
    return state


def Completed(**fields: Unpack[StateFields]) -> State[Any]:
    """Prefect's ``Completed(...)``; its keywords are a state's fields (``StateFields``:
    ``data``, ``message``, ``name``, ``timestamp``, ``state_details``, ``id``), as each
    constructor's here."""
    return State(StateType.COMPLETED, **checked_fields("Completed", fields))


def Failed(**fields: Unpack[StateFields]) -> State[Any]:
    return made_here(State(StateType.FAILED, **checked_fields("Failed", fields)))


def Crashed(**fields: Unpack[StateFields]) -> State[Any]:
    return made_here(State(PrefectOnlyStateType.CRASHED, **checked_fields("Crashed", fields)))


def Cancelled(**fields: Unpack[StateFields]) -> State[Any]:
    return made_here(State(StateType.CANCELLED, **checked_fields("Cancelled", fields)))


def Pending(**fields: Unpack[StateFields]) -> State[Any]:
    return State(StateType.PENDING, **checked_fields("Pending", fields))


def Running(**fields: Unpack[StateFields]) -> State[Any]:
    return State(StateType.RUNNING, **checked_fields("Running", fields))


def AwaitingRetry(**fields: Unpack[StateFields]) -> State[Any]:
    """flowtop's ``AWAITING_RETRY`` state, named so: ``name`` is refused, as Prefect's."""
    return State(StateType.AWAITING_RETRY, **checked_fields("AwaitingRetry", fields, fixed=_NAMED))


def Retrying(**fields: Unpack[StateFields]) -> State[Any]:
    """A ``RUNNING`` state named ``Retrying``: ``name`` is refused, as Prefect's."""
    checked = checked_fields("Retrying", fields, fixed=_NAMED)
    return State(StateType.RUNNING, name="Retrying", **checked)


#: What ``AwaitingRetry`` and ``Retrying`` set themselves ("got multiple values for
#: keyword argument 'name'" in Prefect).
_NAMED = ("name",)


def made_by_hand(value: Any) -> TypeGuard[State[Any]]:
    """A state the user's code made (``Completed(data=1)``, ``Failed(...)``, ``Paused()``),
    not a task's or flow's own: it names no run (``state_details``), Prefect 3's test for
    "manual creation" (``return_value_to_state``). The one place this is decided: a task's
    return, a flow's return and ``result()`` must not disagree on which states are whose."""
    if not isinstance(value, State):
        return False
    details = value.state_details
    return details.task_run_id is None and details.flow_run_id is None


def completed_by_hand(value: Any) -> TypeGuard[State[Any]]:
    """``Completed(...)`` made by the task's code, not a task's or flow's own state."""
    return made_by_hand(value) and value.type is StateType.COMPLETED


def handed_on(error: BaseException, run_id: str | None) -> State[Any] | None:
    """The ``Failed(...)`` a task returned, that its call handed back and the body of run
    ``run_id`` returned, whose ``result()`` raised ``error`` (``_raised``); else None."""
    mark = getattr(error, HANDED_ON, None)
    if not isinstance(mark, tuple) or len(mark) != 2 or mark[1] != run_id:
        return None
    return mark[0] if isinstance(mark[0], State) else None


def raised_for(error: BaseException, run_id: str | None) -> State[Any] | None:
    """The ``Failed(...)`` made by hand (or ``Crashed(...)``, ``Cancelled(...)``) that the
    body of run ``run_id`` returned, whose ``result()`` raised ``error`` (``_raised``);
    None for any other error, one a subflow's return raised into that body included."""
    mark = getattr(error, RAISED_FOR, None)
    if not isinstance(mark, tuple) or len(mark) != 2 or mark[1] != run_id:
        return None
    return mark[0] if isinstance(mark[0], State) else None
