"""Task states: the vocabulary shared by the engine, its events and every consumer."""

from __future__ import annotations

from enum import StrEnum, nonmember
from typing import Any, NamedTuple


def _as_prefect(member: StrEnum) -> str:
    """``StateType.COMPLETED``: what Prefect 3.9.1's ``str()``, ``f"{…}"`` and ``repr()``
    of a state type read on Python 3.11 (its ``StateType`` is a ``str, Enum``), for the
    types of both enums here. ``.value`` is ``COMPLETED`` in both, and a type is still
    its value where a ``str`` is read without ``str()``: ``==``, JSON, SQLite, ``+``."""
    return f"StateType.{member.name}"


class PrefectOnlyStateType(StrEnum):
    """Prefect 3's state types that a flowtop run never enters. Prefect code names them
    (``state.type in (StateType.FAILED, StateType.CRASHED)`` in a hook), so
    :class:`StateType` carries them as plain attributes, never as its members: they match
    no flowtop state, and every map over ``StateType`` (transitions, looks, JSON) stays
    exhaustive without them. Prefect-facing states (``prefect_api.State``) take two of
    them, ``CRASHED`` and ``CANCELLING``, as an ``on_crashed`` or ``on_cancellation``
    hook's state; the engine never sees those."""

    SCHEDULED = "SCHEDULED"
    CRASHED = "CRASHED"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"

    __str__ = __repr__ = _as_prefect

    def __format__(self, spec: str) -> str:
        return format(_as_prefect(self), spec)


class StateType(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    AWAITING_RETRY = "AWAITING_RETRY"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    UPSTREAM_FAILED = "UPSTREAM_FAILED"
    CANCELLED = "CANCELLED"
    # Prefect's other names, for Prefect code (``PrefectOnlyStateType``); not members
    SCHEDULED = nonmember(PrefectOnlyStateType.SCHEDULED)
    CRASHED = nonmember(PrefectOnlyStateType.CRASHED)
    PAUSED = nonmember(PrefectOnlyStateType.PAUSED)
    CANCELLING = nonmember(PrefectOnlyStateType.CANCELLING)

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES

    __str__ = __repr__ = _as_prefect

    def __format__(self, spec: str) -> str:
        return format(_as_prefect(self), spec)


#: The states by name, for the engine's per-attempt code (``run``, ``records``,
#: ``attempt``, ``task_runs``): on Python 3.11 reading a member from its enum class costs
#: 0.07 µs, ten times a module name's, and a task's attempt read about a dozen (6% of
#: a run of 5,000 trivial tasks).
PENDING, RUNNING, AWAITING_RETRY = StateType.PENDING, StateType.RUNNING, StateType.AWAITING_RETRY
COMPLETED, FAILED, CANCELLED = StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED
UPSTREAM_FAILED = StateType.UPSTREAM_FAILED

FINAL_STATES = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.UPSTREAM_FAILED, StateType.CANCELLED}
)

#: Which state may follow which. Property tests check every event stream against this.
TRANSITIONS: dict[StateType | None, frozenset[StateType]] = {
    # None: not announced yet. Static tasks are announced by run_started; @flow tasks by PENDING.
    None: frozenset(
        {
            StateType.PENDING,
            StateType.RUNNING,
            StateType.UPSTREAM_FAILED,
            StateType.CANCELLED,
            StateType.COMPLETED,
        }
    ),
    StateType.PENDING: frozenset(
        {StateType.RUNNING, StateType.UPSTREAM_FAILED, StateType.CANCELLED, StateType.COMPLETED}
    ),
    StateType.RUNNING: frozenset(
        {StateType.COMPLETED, StateType.FAILED, StateType.AWAITING_RETRY, StateType.CANCELLED}
    ),
    StateType.AWAITING_RETRY: frozenset({StateType.RUNNING, StateType.FAILED, StateType.CANCELLED}),
}


class State(NamedTuple):
    """The state of one task after one attempt (or before any).

    ``result`` is the return value when completed, the exception when failed — the shape
    Prefect users know, and what ``retry_predicate`` receives. A ``NamedTuple`` (immutable,
    like the events) because ``run.result()`` builds one per task: a frozen dataclass made
    that a visible part of a 5,000-task run.
    """

    type: StateType
    result: Any = None
    exception: BaseException | None = None
    attempt: int = 0
    message: str = ""
    task: str = ""
    timestamp: float = 0.0  # wall clock, set by whoever makes the state

    def is_completed(self) -> bool:
        return self.type is StateType.COMPLETED

    def is_failed(self) -> bool:
        return self.type in (StateType.FAILED, StateType.UPSTREAM_FAILED)

    def is_running(self) -> bool:
        return self.type is StateType.RUNNING

    def __repr__(self) -> str:
        return f"State({self.type.value}, task={self.task!r}, attempt={self.attempt})"
