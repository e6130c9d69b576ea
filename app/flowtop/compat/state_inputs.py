"""A ``State`` given to a drop-in task as an argument or in ``wait_for``, resolved as
Prefect 3 resolves it (``resolve_to_final_result``): a completed state is its data, and
one that did not complete means the task cannot run.

Prefect code passes states on (``s = load(rows, return_state=True)``, then
``report(s)``): Prefect's engine gives the task the state's result, checked with Prefect
3.9.1 in a flow, in a task and outside any flow. A state of a task of the flow run whose
body calls (``future.state``, ``return_state=True``) stands for that task's future, so
the run keeps the dependency and its failure ends the call ``UPSTREAM_FAILED``, as a
failed future does. Any other state that did not complete (one made by hand, a state
from a call outside any flow, or inside a task) stops the call: it raises
``UpstreamFailed`` (an ``UnfinishedRun``), as flowtop's call of a task whose upstream
future failed does, where Prefect's call returns None (``return_state=True``: a
``NotReady`` state, of type ``UPSTREAM_FAILED`` where Prefect's is ``PENDING``). Under
``allow_failure`` a failed state is its exception; under ``quote`` a state is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..engine.context import current_run
from ..engine.errors import UpstreamFailed
from ..engine.graph import LEAVES, SEARCHED_LEVELS
from ..engine.prefect_api import State, _Annotation, allow_failure, quote
from ..engine.prefect_ids import prefect_uuid
from ..engine.states import StateType
from ..engine.task_future import TaskFuture


def _all_leaves(values: Iterable[Any]) -> bool:
    return all(type(value) in LEAVES for value in values)


class _Resolver:
    """One call's walk: states replaced by their data (or their run's future)."""

    def __init__(self, task_name: str) -> None:
        self.task_name = task_name
        self.run = current_run()

    def future_of(self, state: State[Any]) -> TaskFuture | None:
        """The future of the task of the calling flow body's run whose state this is."""
        run, details = self.run, state.state_details
        if run is None or details is None or details.task_run_id is None:
            return None
        key = details.task_key
        tr = run.tasks.get(key) if key is not None else None
        if tr is None or prefect_uuid(f"{run.run_id}:{key}") != details.task_run_id:
            return None
        return TaskFuture(run, tr)

    def state(self, state: State[Any], allowed: bool) -> Any:
        future = self.future_of(state)
        if future is not None:
            return allow_failure(future) if allowed else future
        if state.is_completed():
            return state.data
        if allowed and state.type is StateType.FAILED:
            return state.result(raise_on_failure=False, _sync=True)
        if allowed and state.type is StateType.UPSTREAM_FAILED:
            return None  # as a future's that never ran: Prefect's NotReady data
        upstream = state.state_details.task_key if state.state_details is not None else None
        which = f"task {upstream!r}" if upstream else f"state {state.name!r}"
        raise UpstreamFailed(
            f"task {self.task_name!r}: upstream {which} did not reach a 'COMPLETED' state"
            f" ({state.name})"
        )

    def value(self, value: Any, depth: int = 0, allowed: bool = False) -> Any:
        if type(value) in LEAVES or isinstance(value, quote):
            return value
        if isinstance(value, State):
            return self.state(value, allowed)
        if isinstance(value, allow_failure):
            inner = self.value(value.unwrap(), depth, allowed=True)
            return value if inner is value.unwrap() else allow_failure(inner)
        if isinstance(value, _Annotation) or depth >= SEARCHED_LEVELS:
            return value
        if isinstance(value, dict):
            made = {k: self.value(v, depth + 1, allowed) for k, v in value.items()}
            return value if all(made[k] is v for k, v in value.items()) else made
        if isinstance(value, list | tuple | set | frozenset):
            items = [self.value(v, depth + 1, allowed) for v in value]
            if all(a is b for a, b in zip(items, value, strict=True)):
                return value
            if isinstance(value, list):
                return items
            return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
        return value


def resolve_states(
    task_name: str, args: tuple[Any, ...], kwargs: dict[str, Any], wait_for: Any
) -> tuple[tuple[Any, ...], dict[str, Any], Any]:
    """``args``, ``kwargs`` and ``wait_for`` with the states in them resolved (see the
    module doc); raises ``UpstreamFailed`` for one that did not complete. A call of plain
    values is given back as it is, after one type check of each."""
    if _all_leaves(args) and _all_leaves(kwargs.values()) and type(wait_for) in LEAVES:
        return args, kwargs, wait_for
    resolver = _Resolver(task_name)
    args = tuple(resolver.value(arg) for arg in args)
    kwargs = {key: resolver.value(value) for key, value in kwargs.items()}
    if wait_for is not None:
        wait_for = resolver.value(wait_for)
    return args, kwargs, wait_for


def not_ready(error: UpstreamFailed) -> State[Any]:
    """The state of a call that did not run, for ``return_state=True``: ``NotReady``,
    whose ``result()`` raises ``error``."""
    return State(StateType.UPSTREAM_FAILED, message=str(error), data=error)


__all__ = ["not_ready", "resolve_states"]
