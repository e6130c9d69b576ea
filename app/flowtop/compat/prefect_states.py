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
from typing import Any

from .. import states as flowtop_states
from ..engine.errors import UnfinishedRun
from ..engine.prefect_api import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    MissingResult,
    Pending,
    State,
    StateDetails,
    state_exception,
)
from ..engine.prefect_exceptions import PausedRun
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

    def __init__(
        self,
        state_type: PrefectOnlyStateType,
        *,
        name: str,
        message: str | None,
        data: Any,
        state_details: WaitDetails,
    ) -> None:
        super().__init__(
            StateType.PENDING, name=name, message=message, data=data, state_details=state_details
        )
        self.type = state_type

    def is_scheduled(self) -> bool:
        return self.type is PrefectOnlyStateType.SCHEDULED

    def is_paused(self) -> bool:
        return self.type is PrefectOnlyStateType.PAUSED

    def _result(self, raise_on_failure: bool) -> Any:
        if self.is_paused():  # as Prefect: whatever raise_on_failure says
            raise PausedRun("Run is paused, its result is not available.", state=self)
        return super()._result(raise_on_failure)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def Scheduled(
    *,
    scheduled_time: dt.datetime | None = None,
    message: str | None = None,
    data: Any = None,
    name: str = "Scheduled",
) -> State[Any]:
    """A ``SCHEDULED`` state, for ``scheduled_time`` (now when not given, as Prefect)."""
    details = WaitDetails(scheduled_time=scheduled_time or _now())
    return PrefectOnlyState(
        PrefectOnlyStateType.SCHEDULED, name=name, message=message, data=data, state_details=details
    )


def Late(
    *, scheduled_time: dt.datetime | None = None, message: str | None = None, data: Any = None
) -> State[Any]:
    return Scheduled(scheduled_time=scheduled_time, message=message, data=data, name="Late")


def AwaitingConcurrencySlot(
    *, scheduled_time: dt.datetime | None = None, message: str | None = None, data: Any = None
) -> State[Any]:
    return Scheduled(
        scheduled_time=scheduled_time, message=message, data=data, name="AwaitingConcurrencySlot"
    )


def AwaitingRetry(
    *, scheduled_time: dt.datetime | None = None, message: str | None = None, data: Any = None
) -> State[Any]:
    """Prefect's: a ``SCHEDULED`` state by that name, as Prefect code compares it
    (``flowtop.states.AwaitingRetry`` is of flowtop's ``AWAITING_RETRY``)."""
    return Scheduled(
        scheduled_time=scheduled_time, message=message, data=data, name="AwaitingRetry"
    )


def Paused(
    *,
    timeout_seconds: float | None = None,
    pause_expiration_time: dt.datetime | None = None,
    reschedule: bool = False,
    pause_key: str | None = None,
    message: str | None = None,
    data: Any = None,
    name: str = "Paused",
) -> State[Any]:
    """A ``PAUSED`` state; its ``pause_timeout`` is ``pause_expiration_time``, or
    ``timeout_seconds`` from now (Prefect refuses both)."""
    if pause_expiration_time is not None and timeout_seconds is not None:
        raise ValueError("Cannot supply both a pause_expiration_time and timeout_seconds")
    pause_timeout = pause_expiration_time
    if timeout_seconds is not None:
        pause_timeout = _now() + dt.timedelta(seconds=timeout_seconds)
    details = WaitDetails(
        pause_timeout=pause_timeout, pause_reschedule=reschedule, pause_key=pause_key
    )
    return PrefectOnlyState(
        PrefectOnlyStateType.PAUSED, name=name, message=message, data=data, state_details=details
    )


def Suspended(
    *,
    timeout_seconds: float | None = None,
    pause_expiration_time: dt.datetime | None = None,
    pause_key: str | None = None,
    message: str | None = None,
    data: Any = None,
) -> State[Any]:
    """A paused state whose run would be rescheduled (Prefect's ``reschedule=True``)."""
    return Paused(
        timeout_seconds=timeout_seconds,
        pause_expiration_time=pause_expiration_time,
        reschedule=True,
        pause_key=pause_key,
        message=message,
        data=data,
        name="Suspended",
    )


def Cancelling(*, message: str | None = None, data: Any = None) -> State[Any]:
    """The state a ``@flow``'s ``on_cancellation`` hooks get (``is_cancelling()``)."""
    return State(PrefectOnlyStateType.CANCELLING, name="Cancelling", message=message, data=data)


def Submitting(*, message: str | None = None) -> State[Any]:
    return Pending(message=message, name="Submitting")


def InfrastructurePending(*, message: str | None = None) -> State[Any]:
    return Pending(message=message, name="InfrastructurePending")


async def aget_state_exception(state: State[Any]) -> BaseException:
    """``get_state_exception`` for async code, always awaited (Prefect's)."""
    return state_exception(state)


#: What drop-in ``prefect.states`` has beyond ``flowtop.states`` (or, ``AwaitingRetry``,
#: in place of its own): the constructors above, and the exceptions its states'
#: ``result()`` raise, which Prefect's module gives too.
EXTRA: dict[str, Any] = {
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
