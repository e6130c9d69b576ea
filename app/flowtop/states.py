"""Prefect 3 style states: ``Completed(...)``, ``Failed(...)``, ``state.result()``.

What ``task(..., return_state=True)``, ``future.state`` and ``my_flow(return_state=True)``
return, and what a ``@flow`` function may return to set its own outcome. (``flowtop.State``
is the engine's per-attempt state that ``retry_predicate`` receives; this is another type.)
"""

from .engine.prefect_api import (
    AwaitingRetry,
    Cancelled,
    Completed,
    Crashed,
    Failed,
    Pending,
    Retrying,
    Running,
    State,
    StateDetails,
    araise_state_exception,
    is_state_iterable,
    raise_state_exception,
    state_exception,
)
from .engine.states import StateType

get_state_exception = state_exception

__all__ = [
    "AwaitingRetry",
    "Cancelled",
    "Completed",
    "Crashed",
    "Failed",
    "Pending",
    "Retrying",
    "Running",
    "State",
    "StateDetails",
    "StateType",
    "araise_state_exception",
    "get_state_exception",
    "is_state_iterable",
    "raise_state_exception",
]
