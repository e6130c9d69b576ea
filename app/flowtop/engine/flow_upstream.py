"""``my_flow(x, wait_for=[future])``: a flow call that waits for futures before it starts.

As in Prefect 3 (``FlowRunEngine._wait_for_dependencies``, checked side by side with
3.9.1), the call is bound first, then every future ``wait_for`` names (also inside a list,
tuple, set or dict in it, and under ``allow_failure``) is waited for, in order, and the
run starts once they are final. One that did not complete, unless under
``allow_failure``, stops the call there (the futures after it are not waited for): the
flow never runs, its plain call raises ``UpstreamFailed`` (an ``UnfinishedRun``, as
Prefect raises ``UnfinishedRun``) and ``return_state=True`` gives a ``NotReady`` state
whose ``result()`` raises it. Prefect records a flow run left Pending there; flowtop
starts no run, so none is in the history. A value that is not a future (a result already
read) has nothing to wait for.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from .binding import unwrapped
from .calls import Future
from .errors import UpstreamFailed
from .prefect_api import State, _Annotation, allow_failure, quote, state_of_call
from .states import StateType

#: A flow function may not take these: Prefect's call takes them itself.
RESERVED_PARAMETERS = ("return_state", "wait_for")


class FlowNotReady(UpstreamFailed):
    """A flow call whose ``wait_for`` named a future that did not complete: not started."""


def refuse_reserved_parameters(fn: Callable[..., Any], flow_name: str) -> None:
    """Refuse a flow function with a parameter the call takes itself, at definition, as
    Prefect does (``ReservedArgumentError``): the call would never pass it on."""
    try:
        names = inspect.signature(unwrapped(fn)).parameters
    except (TypeError, ValueError):  # no signature to read: nothing to refuse
        return
    for name in RESERVED_PARAMETERS:
        if name in names:
            raise TypeError(
                f"flow {flow_name!r}: {name!r} is a reserved argument name and cannot be "
                f"used (a flow's call takes {name}= itself); rename that parameter"
            )


def _waited(wait_for: Any, allowed: bool = False) -> Iterator[tuple[Any, bool]]:
    """The futures and states in ``wait_for``, in order, each with whether its failure is
    allowed (``allow_failure``); a ``quote``d value is not looked into, as in Prefect."""
    if isinstance(wait_for, quote):
        return
    if isinstance(wait_for, _Annotation):
        yield from _waited(wait_for.unwrap(), allowed or isinstance(wait_for, allow_failure))
    elif isinstance(wait_for, Future | State):
        yield wait_for, allowed
    elif isinstance(wait_for, dict):
        for value in wait_for.values():
            yield from _waited(value, allowed)
    elif isinstance(wait_for, list | tuple | set | frozenset):
        for item in wait_for:
            yield from _waited(item, allowed)


def upstream_failure(flow_name: str, wait_for: Any) -> FlowNotReady | None:
    """Wait for the futures ``wait_for`` names; the error of the call when one did not
    complete (and its failure is not allowed), else None once all are final."""
    for item, allowed in _waited(wait_for):
        if isinstance(item, Future):
            item.wait()
            state, what = item.state, f"upstream task {item.key!r}"
        else:
            state, what = item, f"upstream state {item.name!r}"
        if not allowed and not state.is_completed():
            return FlowNotReady(
                f"flow {flow_name!r} did not start: {what} did not reach a 'COMPLETED' "
                f"state ({state.name})"
            )
    return None


def not_ready_state(failure: FlowNotReady) -> State[Any]:
    """What ``return_state=True`` gives for a call ``failure`` stopped: ``NotReady``,
    Prefect's name, whose ``result()`` raises ``failure`` whatever ``raise_on_failure``
    says (there is no result: the flow never ran)."""
    return State(StateType.UPSTREAM_FAILED, message=str(failure), data=failure)


def flow_call_state(call: Callable[[], Any]) -> State[Any]:
    """``state_of_call(call)``, except that a call its ``wait_for`` stopped gives its
    ``NotReady`` state rather than a ``Failed`` one."""
    state = state_of_call(call)
    if isinstance(state.data, FlowNotReady):
        return not_ready_state(state.data)
    return state
