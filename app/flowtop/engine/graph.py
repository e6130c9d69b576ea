"""The pieces of a flow's graph: nodes, the refs between them, and finding/resolving refs."""

from __future__ import annotations

import copy
import dataclasses
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .flow import Flow
    from .task import Task


@dataclass(frozen=True, slots=True)
class Ref:
    """A node's result used as another node's argument."""

    key: str
    flow: Flow | None = field(default=None, compare=False, repr=False)  # the flow that made it

    # Its hash stays the dataclass's (of ``key``): refs are kept in sets (``t({a(), b()})``).
    def __eq__(self, other: object) -> bool:
        """Two refs are equal when their keys are (flowtop compares nodes' arguments); a
        ref against any other value is a flow author's ``r == 1``, which was always False."""
        if isinstance(other, Ref):
            return self.key == other.key
        raise TypeError(_refusal(self, "compare {it} (==, !=, or `in` a list)"))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __bool__(self) -> bool:
        """``if r:`` said "cannot take len() of the result", from the fallback to ``len``."""
        raise TypeError(
            _refusal(
                self,
                "use {it} as true or false (if, while, and, or, not, x if … else y)",
                _DECIDE_IN_A_TASK,
            )
        )

    if not TYPE_CHECKING:  # mypy would take any attribute of a ref as there

        def __getattr__(self, name: str) -> Any:
            """``r.get("a")`` said "'Ref' object has no attribute 'get'". Only public names
            are explained: Python, ``copy``, ``pickle`` and rich look up dunder and private
            names with ``getattr(x, name, default)``, and an unset slot is looked up here."""
            if name.startswith("_") or name in ("key", "flow"):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            raise AttributeError(_refusal(self, f"use .{name} on {{it}}"))


#: What a flow author may try on a task's result inside a ``with Flow`` block, by method:
#: Python's own words ("unsupported operand type(s) for +: 'Ref' and 'int'") name a class
#: the author never wrote, and ``str``, ``==`` and ``bool`` did not fail at all: an
#: f-string built the text "Ref(key='one')", ``r == 1`` was False, and nothing ran later.
_NOT_YET = {
    **dict.fromkeys(
        ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__"),
        "do arithmetic with {it}",
    ),
    **dict.fromkeys(
        ("__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__"), "do arithmetic with {it}"
    ),
    **dict.fromkeys(
        ("__mod__", "__rmod__", "__pow__", "__rpow__", "__neg__"), "do arithmetic with {it}"
    ),
    **dict.fromkeys(
        ("__pos__", "__abs__", "__round__", "__divmod__", "__rdivmod__"), "do arithmetic with {it}"
    ),
    **dict.fromkeys(("__matmul__", "__rmatmul__"), "do arithmetic with {it}"),
    **dict.fromkeys(
        ("__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__invert__"),
        "use a bitwise operator (&, |, ^, ~) on {it}",
    ),
    **dict.fromkeys(
        ("__lshift__", "__rlshift__", "__rshift__", "__rrshift__"),
        "use a bitwise operator (<<, >>) on {it}",
    ),
    **dict.fromkeys(("__lt__", "__le__", "__gt__", "__ge__"), "compare {it}"),
    "__getitem__": "index {it}",
    "__setitem__": "assign an item of {it}",
    "__delitem__": "delete an item of {it}",
    "__iter__": "iterate over or unpack {it}",
    "__reversed__": "iterate over or unpack {it}",
    "__contains__": "look into {it} with `in`",
    "__len__": "take len() of {it}",
    **dict.fromkeys(("__str__", "__format__"), "turn {it} into text (str(), an f-string, %)"),
    **dict.fromkeys(
        ("__int__", "__float__", "__complex__", "__index__"),
        "use {it} as a number (int(), float(), a list index, range())",
    ),
    "__call__": "call {it}",
}

_PASS_IT_ON = "pass it to a task that does this"
#: A condition cannot be passed on: what it chooses between is the graph itself.
_DECIDE_IN_A_TASK = (
    "to choose what runs from a result, decide inside a task, or write a @flow"
    " function, where task results are values"
)


def _refusal(ref: Ref, what: str, instead: str = _PASS_IT_ON) -> str:
    """``what`` names the result ``{it}``: ``compare {it}``."""
    it = f"the result of task {ref.key!r}"
    return (
        f"cannot {what.replace('{it}', it)} inside a `with Flow` block:"
        f" it exists only when the flow runs; {instead}"
    )


def _refuse(what: str, instead: str = _PASS_IT_ON) -> Any:
    def refused(self: Ref, *_: Any) -> Any:
        raise TypeError(_refusal(self, what, instead))

    return refused


for _method, _what in _NOT_YET.items():
    setattr(Ref, _method, _refuse(_what))


@dataclass(slots=True)
class Node:
    key: str
    task: Task
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    upstream: list[str] = field(default_factory=list)  # every node this one waits for
    #: The arguments (a position, or a keyword's name) with a ref inside a list, tuple,
    #: dict or dataclass, not as the argument itself: only these are walked per attempt.
    nested: frozenset[int | str] = frozenset()

    def __repr__(self) -> str:
        return f"<Node {self.key}>"


def _dedupe(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


_CONTAINERS = (list, tuple, set, frozenset, dict)
_PLAIN = frozenset(_CONTAINERS)  # these exact types, no subclass


#: Values never looked into: most arguments, and most items of a big list or dict (each
#: walk checks a container's items for one inline: a call per item cost 1–3 µs).
LEAVES = frozenset({str, bytes, int, float, bool, complex, type(None)})

#: How many levels of containers, dataclasses and models are looked into for refs.
SEARCHED_LEVELS = 4


def leaves_only(value: Any) -> bool:
    """Whether ``value`` is a list, tuple, set, frozenset or dict (not a subclass) whose
    items (a dict's values) are all ``LEAVES``, or all tuples of them (rows): nothing in
    it to look into, and ``type(value)(value)`` is what rebuilding it item by item makes.
    Checked in C, without a Python call per item: walking a list of a million 2-tuples
    item by item took 1.3 s, this check under 0.2 s (a list of a million numbers 0.03 s)."""
    if type(value) not in _PLAIN:
        return False
    items = value.values() if type(value) is dict else value
    kinds = set(map(type, items))
    if kinds == {tuple}:
        kinds = set(map(type, chain.from_iterable(items)))
    return kinds <= LEAVES


def fields_of(value: Any) -> dict[str, Any] | None:
    """The fields of a dataclass instance or a pydantic (2) model, by name, to look for
    futures in (Prefect's ``visit_collection`` looks there too: ``show(P(rate=f))`` gave
    the task the future); None for any other value. A field not set (``init=False``,
    never assigned) is left out."""
    if type(value) in LEAVES:
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: getattr(value, f.name)
            for f in dataclasses.fields(value)
            if hasattr(value, f.name)
        }
    pydantic = sys.modules.get("pydantic")  # only a model's own module brings it in
    model = getattr(pydantic, "BaseModel", None)
    names = getattr(type(value), "model_fields", None)  # None for a pydantic 1 model
    if model is not None and isinstance(value, model) and names is not None:
        return {name: getattr(value, name) for name in names}
    return None


def with_fields(value: Any, changed: Mapping[str, Any]) -> Any:
    """A shallow copy of ``value`` (see ``fields_of``) with ``changed`` fields, made
    without calling its ``__init__``: its checks saw the future, and will not see a ref."""
    if not changed:
        return value
    if dataclasses.is_dataclass(value):
        copied = copy.copy(value)
        for name, item in changed.items():
            object.__setattr__(copied, name, item)  # a frozen dataclass too
        return copied
    return value.model_copy(update=dict(changed))


def find_refs(value: Any, depth: int = 0) -> Iterable[Ref]:
    """Refs inside list/tuple/set/dict arguments (``t([a(), b()])``), and inside dataclasses
    and pydantic models, a few levels deep."""
    if isinstance(value, Ref):
        yield value
    elif depth < SEARCHED_LEVELS and isinstance(value, _CONTAINERS):
        if leaves_only(value):
            return
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            if type(item) not in LEAVES:
                yield from find_refs(item, depth + 1)
    elif depth < SEARCHED_LEVELS and (fields := fields_of(value)) is not None:
        for item in fields.values():
            yield from find_refs(item, depth + 1)


def resolve_refs(value: Any, tasks: Mapping[str, Any], depth: int = 0) -> Any:
    """``value`` with every Ref (nested as ``find_refs`` finds them) replaced by its task's result."""
    if isinstance(value, Ref):
        return tasks[value.key].result
    if depth > SEARCHED_LEVELS:
        return value
    if leaves_only(value):
        return type(value)(value)  # a list, set or dict copied; a tuple or frozenset itself
    if not isinstance(value, _CONTAINERS):
        fields = fields_of(value)
        if fields is None:
            return value
        return with_fields(
            value, changed_fields(fields, lambda v: resolve_refs(v, tasks, depth + 1))
        )
    if isinstance(value, dict):
        return {
            k: v if type(v) in LEAVES else resolve_refs(v, tasks, depth + 1)
            for k, v in value.items()
        }
    resolved = [v if type(v) in LEAVES else resolve_refs(v, tasks, depth + 1) for v in value]
    if isinstance(value, list):
        return resolved
    if hasattr(value, "_fields"):  # a namedtuple takes its fields positionally
        return type(value)(*resolved)
    return type(value)(resolved)


def resolve_inputs(node: Node, tasks: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """``node``'s arguments with the results of ``tasks`` (records with a ``result``) in
    place of their refs. Only an argument with a ref inside is walked (``Node.nested``):
    a million-item list beside one took a copy and 26 ms per attempt, as often as the
    task retried; the common case, refs only at the top level, without recursion. A node
    with no upstream task has no ref anywhere (every ref adds its task there): its
    arguments are copied as they are, without a look at each (0.5 µs an attempt, 5% of
    what the engine spends on a trivial task's)."""
    if not node.upstream:
        return list(node.args), dict(node.kwargs)
    if node.nested:
        return _resolve_nested(node, tasks)
    args = [tasks[a.key].result if isinstance(a, Ref) else a for a in node.args]
    kwargs = {k: tasks[v.key].result if isinstance(v, Ref) else v for k, v in node.kwargs.items()}
    return args, kwargs


def _resolve_nested(node: Node, tasks: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    def resolved(where: int | str, value: Any) -> Any:
        if isinstance(value, Ref):
            return tasks[value.key].result
        return resolve_refs(value, tasks) if where in node.nested else value

    args = [resolved(i, a) for i, a in enumerate(node.args)]
    kwargs = {k: resolved(k, v) for k, v in node.kwargs.items()}
    return args, kwargs


def changed_fields(fields: Mapping[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    """The fields ``convert`` changes, with their new values."""
    return {name: new for name, old in fields.items() if (new := convert(old)) is not old}
