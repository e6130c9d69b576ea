"""Which arguments of ``task.map()`` are mapped, and what its errors say, by one of two rules.

flowtop's own ``@task`` maps lists, tuples and ranges and passes any other value whole
(README: a set or a generator has no order to key calls by across reruns, and a dict
beside a list is a value every call gets). A drop-in task (``Task.maps_as_prefect``) maps
as Prefect 3.9.1 does (``prefect.task_runners.TaskRunner.map``): any iterable but a
``str``, ``bytes`` or file (``prefect.utilities.collections.isiterable``), so a dict gives
its keys and a set or a generator its items; and its errors say Prefect's words, with the
arguments named by the task's parameters, so code written for Prefect reads the same text.
By Prefect's rule a future or a state given as it is (not in a list, not ``unmapped``) is
resolved before anything is mapped: one that did not complete stops the ``.map()`` call
with Prefect's ``UpstreamTaskError`` (``not_completed``), where flowtop's rule passes it
whole and its calls end ``UPSTREAM_FAILED``.
"""

from __future__ import annotations

import inspect
import io
from typing import Any

from .errors import MappingLengthMismatch, MappingMissingIterable
from .prefect_exceptions import UpstreamTaskError
from .prefect_state import State


def maps_over(value: Any, prefect: bool) -> bool:
    """Whether ``value`` (unwrapped, a future's result) gives one call per item."""
    if not prefect:
        return isinstance(value, list | tuple | range)
    try:
        iter(value)
    except TypeError:
        return False
    return not isinstance(value, str | bytes | io.IOBase)


def not_completed(state: State[Any]) -> UpstreamTaskError | None:
    """The error of a drop-in ``.map()`` given ``state`` (a future's, or a state) as it is,
    when it did not complete (else None): Prefect 3.9.1 resolves such an argument first,
    and its words name the upstream task run (``None`` for a state made by hand)."""
    if state.is_completed():
        return None
    return UpstreamTaskError(
        f"Upstream task run '{state.state_details.task_run_id}' did not reach a 'COMPLETED' state."
    )


def argument_names(
    signature: inspect.Signature | None, count: int, keywords: list[str], prefect: bool
) -> list[str]:
    """What errors call the ``count`` positional arguments and then the ``keywords``: by
    flowtop's rule ``argument 1``, …; by Prefect's, the parameter each one binds to (one
    past the named parameters stays ``argument N``)."""
    positional: list[str] = []
    if prefect and signature is not None:
        plain = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for parameter in signature.parameters.values():
            if parameter.kind not in plain:
                break
            positional.append(parameter.name)
    names = [positional[i] if i < len(positional) else f"argument {i + 1}" for i in range(count)]
    return names + keywords


def in_parameter_order(signature: inspect.Signature | None, names: list[str]) -> list[str]:
    """``names`` in the order of the function's parameters, as Prefect binds a call before
    it says anything of it (``map(y=…, x=…)`` says ``x`` first); one the signature does
    not name (given to ``**kwargs``) where that parameter is."""
    if signature is None:
        return names
    rank = {name: i for i, name in enumerate(signature.parameters)}
    kinds = [p.kind for p in signature.parameters.values()]
    rest = next(
        (i for i, kind in enumerate(kinds) if kind is inspect.Parameter.VAR_KEYWORD), len(rank)
    )
    return sorted(names, key=lambda name: rank.get(name, rest))


def missing_iterable(
    task_name: str, given: dict[str, Any], prefect: bool
) -> MappingMissingIterable:
    """The error of a ``.map()`` call with nothing to map over; ``given``: each argument by
    its name (``argument_names``), a future as its result."""
    if prefect:
        return MappingMissingIterable(
            "No iterable parameters were received. Parameters for map must include at "
            f"least one iterable. Parameters: {given}"
        )
    return MappingMissingIterable(
        f"{task_name}.map() needs at least one list, tuple or range argument to map over"
    )


def length_mismatch(
    task_name: str, lengths: dict[str, int], prefect: bool
) -> MappingLengthMismatch:
    """The error of a ``.map()`` call whose mapped arguments differ in length; ``lengths``:
    each mapped argument's, by its name (``argument_names``)."""
    if prefect:
        return MappingLengthMismatch(
            "Received iterable parameters with different lengths. Parameters for map must "
            f"all be the same length. Got lengths: {lengths}"
        )
    sizes = ", ".join(f"{name} has {length}" for name, length in lengths.items())
    return MappingLengthMismatch(
        f"{task_name}.map(): mapped arguments have different lengths ({sizes})"
    )
