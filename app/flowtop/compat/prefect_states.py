"""Drop-in ``prefect.states``: flowtop's states, and Prefect's constructors of the states
no flowtop run enters.

``Scheduled``, ``Late``, ``AwaitingConcurrencySlot`` and ``AwaitingRetry`` make a state
of type ``SCHEDULED`` (Prefect's ``AwaitingRetry`` is a scheduled state by that name;
``flowtop.states.AwaitingRetry`` stays of flowtop's type ``AWAITING_RETRY``); ``Paused``
and ``Suspended`` one of type ``PAUSED``; ``Cancelling`` one of type ``CANCELLING``;
``Submitting`` and ``InfrastructurePending`` a ``Pending`` state by another name. Prefect
code imports them beside the constructors flowtop's runs use (``from prefect.states
import Completed, Scheduled``), to compare a hook's state or build one in a test: without
them the whole file was refused at that import line.

flowtop schedules, pauses and suspends no run, so no run of its own is ever in such a
state. A state made with them is Prefect's in what code reads of it: its type and name,
``is_scheduled()``, ``is_paused()``, ``is_final()`` (False), ``result()`` (``PausedRun``
for a paused one, ``UnfinishedRun`` for the others, as ``Pending()``'s) and the details
it was given (``state_details.scheduled_time``, ``pause_timeout``, ``pause_reschedule``,
``pause_key``). Checked against Prefect 3.9.1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Unpack

from .. import states as flowtop_states
from ..engine.errors import UnfinishedRun
from ..engine.prefect_api import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    MissingResult,
    State,
    StateDetails,
    state_exception,
)
from ..engine.prefect_exceptions import PausedRun
from ..engine.prefect_state import made_here
from ..engine.state_fields import StateFields, checked_fields
from ..engine.states import PrefectOnlyStateType, StateType


@dataclass(slots=True, init=False)
class WaitDetails(StateDetails):
    """``state_details`` of a scheduled or paused state: Prefect's fields for them."""

    scheduled_time: dt.datetime | None
    pause_timeout: dt.datetime | None
    pause_reschedule: bool
    pause_key: str | None

    def __init__(
        self,
        *,
        scheduled_time: dt.datetime | None = None,
        pause_timeout: dt.datetime | None = None,
        pause_reschedule: bool = False,
        pause_key: str | None = None,
    ) -> None:
        StateDetails.__init__(self)  # a slots dataclass: no zero-argument super()
        self.scheduled_time = scheduled_time
        self.pause_timeout = pause_timeout
        self.pause_reschedule = pause_reschedule
        self.pause_key = pause_key


class PrefectOnlyState(State[Any]):
    """A state of a type no engine state has, ``SCHEDULED`` or ``PAUSED``, which
    ``State`` itself refuses: its type is set after it is made."""

    __slots__ = ()

    def __init__(self, state_type: PrefectOnlyStateType, **fields: Any) -> None:
        """``fields``: ``State``'s, checked (``checked_fields``), a ``WaitDetails`` too."""
        super().__init__(StateType.PENDING, **fields)
        self.type = state_type

    def is_scheduled(self) -> bool:
        return self.type is PrefectOnlyStateType.SCHEDULED

    def is_paused(self) -> bool:
        return self.type is PrefectOnlyStateType.PAUSED

    def _result(self, raise_on_failure: bool, returned: bool = False) -> Any:
        if self.is_paused():  # as Prefect: whatever raise_on_failure says
            raise PausedRun("Run is paused, its result is not available.", state=self)
        return super()._result(raise_on_failure, returned)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _waiting(state_type: PrefectOnlyStateType, fields: dict[str, Any], **wait: Any) -> State[Any]:
    """A state of ``state_type`` with the checked ``fields`` and Prefect's ``wait``
    details (``scheduled_time``, ``pause_*``) beside the run ids ``state_details`` gave."""
    details = WaitDetails(**wait)
    given = fields.pop("state_details", None)
    if given is not None:  # the run ids it names, as Prefect's model keeps them
        details.task_run_id, details.flow_run_id = given.task_run_id, given.flow_run_id
        details.task_key, details.run_count = given.task_key, given.run_count
    return PrefectOnlyState(state_type, state_details=details, **fields)


#: What ``Late`` and its like set themselves ("got multiple values for keyword argument
#: 'name'" in Prefect).
_NAMED = ("name",)


def Scheduled(
    *, scheduled_time: dt.datetime | None = None, **fields: Unpack[StateFields]
) -> State[Any]:
    """A ``SCHEDULED`` state, for ``scheduled_time`` (now when not given, as Prefect);
    ``fields``, a state's, as ``flowtop.states.Completed`` takes them."""
    checked = checked_fields("Scheduled", fields)
    checked["name"] = checked.get("name") or "Scheduled"
    when = scheduled_time or _now()
    return _waiting(PrefectOnlyStateType.SCHEDULED, checked, scheduled_time=when)


def _scheduled_as(name: str, scheduled_time: dt.datetime | None, fields: StateFields) -> State[Any]:
    """A ``SCHEDULED`` state by Prefect's ``name`` for it, which the caller cannot set."""
    checked = checked_fields(name, fields, fixed=_NAMED)
    when = scheduled_time or _now()
    return _waiting(PrefectOnlyStateType.SCHEDULED, {**checked, "name": name}, scheduled_time=when)


def Late(*, scheduled_time: dt.datetime | None = None, **fields: Unpack[StateFields]) -> State[Any]:
    return _scheduled_as("Late", scheduled_time, fields)


def AwaitingConcurrencySlot(
    *, scheduled_time: dt.datetime | None = None, **fields: Unpack[StateFields]
) -> State[Any]:
    return _scheduled_as("AwaitingConcurrencySlot", scheduled_time, fields)


def AwaitingRetry(
    *, scheduled_time: dt.datetime | None = None, **fields: Unpack[StateFields]
) -> State[Any]:
    """Prefect's: a ``SCHEDULED`` state by that name, as Prefect code compares it
    (``flowtop.states.AwaitingRetry`` is of flowtop's ``AWAITING_RETRY``)."""
    return _scheduled_as("AwaitingRetry", scheduled_time, fields)


def Paused(
    *,
    timeout_seconds: float | None = None,
    pause_expiration_time: dt.datetime | None = None,
    reschedule: bool = False,
    pause_key: str | None = None,
    **fields: Unpack[StateFields],
) -> State[Any]:
    """A ``PAUSED`` state; its ``pause_timeout`` is ``pause_expiration_time``, or
    ``timeout_seconds`` from now (Prefect refuses both)."""
    return _paused("Paused", fields, timeout_seconds, pause_expiration_time, reschedule, pause_key)


def _paused(
    constructor: str,
    fields: StateFields,
    timeout_seconds: float | None,
    pause_expiration_time: dt.datetime | None,
    reschedule: bool,
    pause_key: str | None,
) -> State[Any]:
    fixed = _NAMED if constructor == "Suspended" else ()
    checked = checked_fields(constructor, fields, fixed=fixed)
    checked["name"] = checked.get("name") or constructor
    if pause_expiration_time is not None and timeout_seconds is not None:
        raise ValueError("Cannot supply both a pause_expiration_time and timeout_seconds")
    pause_timeout = pause_expiration_time
    if timeout_seconds is not None:
        pause_timeout = _now() + dt.timedelta(seconds=timeout_seconds)
    return _waiting(
        PrefectOnlyStateType.PAUSED,
        checked,
        pause_timeout=pause_timeout,
        pause_reschedule=reschedule,
        pause_key=pause_key,
    )


def Suspended(
    *,
    timeout_seconds: float | None = None,
    pause_expiration_time: dt.datetime | None = None,
    pause_key: str | None = None,
    **fields: Unpack[StateFields],
) -> State[Any]:
    """A paused state whose run would be rescheduled (Prefect's ``reschedule=True``)."""
    return _paused("Suspended", fields, timeout_seconds, pause_expiration_time, True, pause_key)


def Cancelling(**fields: Unpack[StateFields]) -> State[Any]:
    """The state a ``@flow``'s ``on_cancellation`` hooks get (``is_cancelling()``)."""
    return State(PrefectOnlyStateType.CANCELLING, **checked_fields("Cancelling", fields))


def Submitting(**fields: Unpack[StateFields]) -> State[Any]:
    checked = checked_fields("Submitting", fields, fixed=_NAMED)
    return State(StateType.PENDING, name="Submitting", **checked)


def InfrastructurePending(**fields: Unpack[StateFields]) -> State[Any]:
    checked = checked_fields("InfrastructurePending", fields, fixed=_NAMED)
    return State(StateType.PENDING, name="InfrastructurePending", **checked)


def Failed(**fields: Unpack[StateFields]) -> State[Any]:
    """flowtop's ``Failed(...)``, made by Prefect code: the ``FailedRun`` its ``result()``
    raises, which a task that returned it fails with, reads as Prefect's in a traceback
    (``prefect.exceptions.FailedRun: …``; ``prefect_state.made_here``)."""
    return made_here(flowtop_states.Failed(**fields), prefect=True)


def Crashed(**fields: Unpack[StateFields]) -> State[Any]:
    return made_here(flowtop_states.Crashed(**fields), prefect=True)


def Cancelled(**fields: Unpack[StateFields]) -> State[Any]:
    return made_here(flowtop_states.Cancelled(**fields), prefect=True)


async def aget_state_exception(state: State[Any]) -> BaseException:
    """``get_state_exception`` for async code, always awaited (Prefect's)."""
    return state_exception(state)


#: What drop-in ``prefect.states`` has beyond ``flowtop.states`` (or, ``AwaitingRetry``
#: and the constructors of failed states, in place of its own): the constructors above,
#: and the exceptions its states' ``result()`` raise, which Prefect's module gives too.
EXTRA: dict[str, Any] = {
    "Failed": Failed,
    "Crashed": Crashed,
    "Cancelled": Cancelled,
    "AwaitingConcurrencySlot": AwaitingConcurrencySlot,
    "AwaitingRetry": AwaitingRetry,
    "Cancelling": Cancelling,
    "InfrastructurePending": InfrastructurePending,
    "Late": Late,
    "Paused": Paused,
    "Scheduled": Scheduled,
    "Submitting": Submitting,
    "Suspended": Suspended,
    "aget_state_exception": aget_state_exception,
    "CancelledRun": CancelledRun,
    "CrashedRun": CrashedRun,
    "FailedRun": FailedRun,
    "MissingResult": MissingResult,
    "PausedRun": PausedRun,
    "UnfinishedRun": UnfinishedRun,
}


def names() -> dict[str, Any]:
    """Drop-in ``prefect.states``' names."""
    return {name: getattr(flowtop_states, name) for name in flowtop_states.__all__} | EXTRA


__all__ = [*EXTRA, "PrefectOnlyState", "WaitDetails", "names"]
