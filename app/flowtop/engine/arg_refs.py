"""The futures in the arguments of a task called by a ``@flow`` body, found in one walk.

Each argument is walked once per call. The walk makes the node's arguments (this run's
futures become refs to their tasks, other futures their results, annotations are
unwrapped) and on the way notes what else the call needs: the tasks it waits for, those
whose failure it allows (``allow_failure``), and whether a ref sits inside an argument
(``Node.nested``: that argument is then resolved by a walk too). Three walks (making the
refs, finding them, then asking whether one was nested) cost a flow 1.7–2.9 s per
million items of a list before the task started.

Plain scalars (``graph.LEAVES``) are never looked into: a container of nothing else, or
of tuples of nothing else (rows), is copied after one type scan in C
(``graph.leaves_only``); in any other container each item is checked for one inline,
without a call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .calls import InlineFuture
from .graph import (
    LEAVES,
    SEARCHED_LEVELS,
    Ref,
    changed_fields,
    fields_of,
    leaves_only,
    with_fields,
)
from .prefect_api import _Annotation, allow_failure, opaque, quote
from .task_future import TaskFuture

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun


@dataclass(frozen=True, slots=True)
class CallInputs:
    """A call's arguments as its node keeps them, and what their walk found."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    #: The tasks of the run whose futures it was given, each once, in the order found.
    upstream: list[str]
    #: The arguments (position, or keyword) with a ref inside a list/tuple/set/dict/dataclass.
    nested: frozenset[int | str]


def call_inputs(
    run: DynamicRun, args: tuple[Any, ...], kwargs: dict[str, Any], tolerant: set[str]
) -> CallInputs:
    """The node's arguments for a call of a task in ``run`` with ``args`` and ``kwargs``.

    Futures of ``run`` (also inside lists/dicts, a few levels deep) become refs to their
    tasks; a future of another run (the caller's, given to a subflow, or one kept from a
    finished run) is a value, given as its result: no task of ``run`` could wait for it.
    Under ``allow_failure``, a future's key is added to ``tolerant``, also inside a list
    (``allow_failure(task.map(...))`` waited for all, and failed with one).
    """
    walk = _Walk(run, tolerant)
    node_args = tuple(walk.argument(i, value) for i, value in enumerate(args))
    node_kwargs = {name: walk.argument(name, value) for name, value in kwargs.items()}
    upstream = list(dict.fromkeys(walk.found))
    return CallInputs(node_args, node_kwargs, upstream, frozenset(walk.nested))


class _Walk:
    """One walk of one call's arguments, and what it found so far."""

    def __init__(self, run: DynamicRun, tolerant: set[str]) -> None:
        self.run = run
        self.tolerant = tolerant
        self.found: list[str] = []  # the keys of the refs made, as made
        self.nested: set[int | str] = set()  # the arguments with a ref inside

    def argument(self, where: int | str, value: Any) -> Any:
        """Argument ``where`` (its position, or its keyword) as the node keeps it."""
        before = len(self.found)
        node_value = self.value(value, 0, False)
        if len(self.found) > before and not isinstance(node_value, Ref):
            self.nested.add(where)
        return node_value

    def value(self, value: Any, depth: int, allowed: bool) -> Any:
        """``value`` as the node keeps it. ``allowed``: under ``allow_failure``."""
        if type(value) in LEAVES:
            return value
        if depth < SEARCHED_LEVELS and leaves_only(value):
            return value  # nothing in it to resolve: the task gets this very object
        if isinstance(value, TaskFuture):
            if value._run is not self.run:
                return value.result()
            if allowed:
                self.tolerant.add(value.key)
            self.found.append(value.key)
            return Ref(value.key)
        if isinstance(value, quote):  # as it is, not searched: a future in it stays a future
            return value.value
        if isinstance(value, opaque):  # its future resolved, the value not searched
            inner = value.value
            if isinstance(inner, TaskFuture | InlineFuture):
                return self.value(inner, depth, allowed)
            return inner
        if isinstance(value, _Annotation):  # ``unmapped``, ``allow_failure``: unwrapped
            allowed = allowed or isinstance(value, allow_failure)
            return self.value(value.unwrap(), depth, allowed)
        if isinstance(value, InlineFuture):
            return value.result()
        if depth >= SEARCHED_LEVELS:
            return value
        depth += 1
        # A container with a future inside is rebuilt around what replaces it, a subclass
        # as its base, but a tuple's (a namedtuple takes its fields positionally); one with
        # none is passed as it is, as Prefect passes it: a list the task appends to is the
        # flow's (it got a copy, every `is` check false, nested items too).
        if isinstance(value, dict):
            made = {
                k: v if type(v) in LEAVES else self.value(v, depth, allowed)
                for k, v in value.items()
            }
            return value if all(made[k] is v for k, v in value.items()) else made
        if isinstance(value, list | tuple | set | frozenset):
            items = [v if type(v) in LEAVES else self.value(v, depth, allowed) for v in value]
            if all(new is old for new, old in zip(items, value, strict=True)):
                return value
            if isinstance(value, list):
                return items
            return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
        fields = fields_of(value)
        if fields is None:
            return value
        return with_fields(value, changed_fields(fields, lambda v: self.value(v, depth, allowed)))
