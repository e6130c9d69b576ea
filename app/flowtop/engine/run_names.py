"""Prefect 3's ``task_run_name`` and ``flow_run_name``: a ``str.format`` template of the
call's parameters, or a callable (``_internal/engine.resolve_custom_task_run_name``,
``flow_engine``'s ``_resolve_custom_flow_run_name``).

A name that cannot be made is the call's error, not a run's, as in Prefect 3.9.1
(checked side by side), where it raises out of the call, ``return_state=True`` too:

- a task run's is resolved once, before its first attempt (``task_runs.begin_attempt``):
  one that cannot be (a template naming what the call has not, a naming function that
  raised) fails the task run at once, unretried (:func:`unnamed_decision`), its hooks
  not called and its code never run; its call raises the error (``return_state=True``
  too; a ``.submit()``'s or ``.map()``'s future from ``wait()`` and ``result()``, with
  ``raise_on_failure=False`` too: ``TaskFuture``, ``InlineFuture``);
- a flow run's template naming a parameter the call has not, or with a positional field
  (``run-{}``: Prefect's ``IndexError``), is refused before the run starts
  (:func:`refuse_unfillable`): no run is recorded, no hook called, none retried.
  A run that cannot be named once begun (one flowtop starts itself, a callable that
  raised, a field missing in a parameter's value) is recorded FAILED before its body,
  and is not retried nor its hooks called either (``DynamicRun._finish``); its call
  raises why, ``return_state=True`` too (:func:`unnamed_run`, ``state_of_call``).

A task or subflow given such a task run's future raises from its call too, as Prefect
3.9.1 does when it waits on the future (checked side by side; ``allow_failure`` does not
help): its error as it is when the future is only waited for (``wait_for=[future]``),
Prefect's ``PrefectException: Failed to resolve inputs in parameter 'x'. …`` (from that
error) when it is an argument (:func:`downstream_error`); of several upstreams, the
first in the order Prefect waits on them that did not complete decides which error
(:func:`in_call_order`), the call pending while one before it runs. A task's run ends
``UPSTREAM_FAILED`` with that error, which its call, its future and its own downstream
tasks raise in turn (``call_upstreams``).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import string
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .context import current_run, set_run
from .errors import FlowRunNameError, TaskRunNameError
from .graph import find_refs
from .policy import Decision
from .prefect_exceptions import PrefectException
from .states import FAILED, PENDING, UPSTREAM_FAILED
from .states import State as EngineState

if TYPE_CHECKING:
    from .dynamic import FlowFunction
    from .dynamic_run import DynamicRun
    from .graph import Node
    from .task import Task

#: Set on the error of a task run whose ``task_run_name`` could not be resolved: what its
#: attempt raises, the run's decision on it (final) and its call (raised) read it.
_UNNAMED = "_flowtop_unnamed_task_run"

#: Why such a task run is not retried, as its failure says it.
NOT_NAMED = "its task_run_name could not be resolved"


def call_parameters(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Prefect's ``get_call_parameters``: the call bound to the signature, defaults applied.
    A task bound to an instance (``binding``) has it as its first parameter, ``self``, as
    Prefect gives it: two instances' calls are two cache keys, not one."""
    if isinstance(fn, types.MethodType):
        args = (fn.__self__, *args)
        fn = fn.__func__
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}
    bound.apply_defaults()
    return dict(bound.arguments)


# -- task_run_name -------------------------------------------------------------------------
def check_run_name(value: Any) -> Any:
    if value is not None and not isinstance(value, str) and not callable(value):
        raise TypeError(
            f"Expected string or callable for 'task_run_name'; got {type(value).__name__} instead."
        )
    return value


def resolve_run_name(task: Task, args: Any, kwargs: dict[str, Any]) -> str:
    """Prefect's ``resolve_custom_task_run_name``."""
    extras = task.extras
    spec = None if extras is None else extras.run_name
    parameters = call_parameters(task.fn, tuple(args), kwargs)
    if callable(spec):
        try:
            wants = "parameters" in inspect.signature(spec).parameters
        except (TypeError, ValueError):
            wants = False
        name = spec(parameters=parameters) if wants else spec()
        if not isinstance(name, str):
            raise TypeError(
                f"Callable {spec} for 'task_run_name' returned type {type(name).__name__} "
                "but a string is required."
            )
        return name
    if isinstance(spec, str):
        try:
            return spec.format(**parameters)
        except KeyError as exc:
            raise TaskRunNameError(
                f"task {task.name!r}: task_run_name {spec!r} names {exc} "
                f"but the call's parameters are {sorted(parameters)}"
            ) from None
        except IndexError as exc:  # Prefect's ``IndexError``, in flowtop's words
            raise TaskRunNameIndexError(
                f"task {task.name!r}: task_run_name {spec!r} {_index_error(spec, exc)} "
                f"(the call's parameters are {sorted(parameters)})"
            ) from None
    return task.name


class TaskRunNameIndexError(TaskRunNameError, IndexError):
    """A ``task_run_name`` template with a positional field (``row-{}``), which the
    call's parameters, given by name, cannot fill, or indexing a parameter's value out
    of range: an ``IndexError``, as Prefect 3.9.1 raises (checked side by side)."""


class FlowRunNameIndexError(FlowRunNameError, IndexError):
    """A ``flow_run_name`` template with a positional field (``run-{}``): refused before
    any run (:func:`refuse_unfillable`); an ``IndexError``, as Prefect 3.9.1 raises it
    from the call (checked side by side), ``return_state=True`` too."""


def _index_error(spec: str, exc: IndexError) -> str:
    """What a template's ``IndexError`` says: its positional field, else Python's words."""
    if _positional(spec):
        return "has a positional field ({} or {0}), where only a parameter's name can be"
    return f"cannot be filled: {exc}"


def unnamed(error: BaseException) -> BaseException:
    """``error``, marked as why a task run could not be named (see the module doc)."""
    with contextlib.suppress(AttributeError, TypeError):  # (__slots__: retried, as before)
        setattr(error, _UNNAMED, True)
    return error


def is_unnamed(error: object) -> bool:
    """Whether ``error`` is why a task run could not be named: its attempt never ran."""
    return getattr(error, _UNNAMED, False) is True


def as_its_future_reads(state: EngineState) -> EngineState:
    """``state`` as a future reads it: ``PENDING`` for a task run whose call raised why it
    could not be named, or one given such a run's future, as Prefect 3's future reads
    (its engine raises the error before any state change: the run stays ``Pending``),
    else ``state``. The run's own record keeps its ``FAILED`` or ``UPSTREAM_FAILED``."""
    if state.type not in (FAILED, UPSTREAM_FAILED) or not is_unnamed(state.exception):
        return state
    return state._replace(type=PENDING, result=None, exception=None, attempt=0, message="")


def unnamed_decision(error: BaseException | None) -> Decision | None:
    """The final decision on an attempt that failed because its task run could not be
    named (no retry: the name is made once, and a retry would run the task's code under
    another), else None."""
    if error is None or not is_unnamed(error):
        return None
    return Decision(False, FAILED, error=error, reason=NOT_NAMED)


# -- what waits on such a task run --------------------------------------------------------
#: Prefect 3.9.1's words for an argument whose future raised when waited on.
_NOT_RESOLVED = (
    "Failed to resolve inputs in parameter {!r}. If your parameter type is not supported,"
    " consider using the `quote` annotation to skip resolution of inputs, or the `opaque`"
    " annotation to resolve the value without traversing its contents."
)


def downstream_error(error: BaseException, parameter: str | None) -> BaseException:
    """What a call given the future of a task run that could not be named (``error``, or
    the error a call given one raised) raises: ``error`` itself when the future is only
    waited for (``parameter`` None) or when ``error`` is a ``PrefectException`` already,
    else Prefect's ``PrefectException`` naming the ``parameter`` that holds it, from
    ``error``. Marked as ``error`` is, so its call and its future raise it."""
    if parameter is None or isinstance(error, PrefectException):
        return error
    wrapped = PrefectException(_NOT_RESOLVED.format(parameter))
    wrapped.__cause__ = error
    return unnamed(wrapped)


def parameter_holding(node: Node, key: str) -> str | None:
    """The first parameter (in the signature's order, as Prefect resolves them) of
    ``node``'s call whose argument holds task ``key``'s future, or None (waited for)."""
    parameters = call_parameters(node.task.fn, tuple(node.args), node.kwargs)
    for name, value in parameters.items():
        if any(ref.key == key for ref in find_refs(value)):
            return name
    return None


def in_call_order(node: Node) -> list[str]:
    """``node``'s upstream task keys in the order Prefect's engine waits on them
    (``_resolve_parameters``, then ``_wait_for_dependencies``): its call's parameters in
    the signature's order, each argument's futures as they are found in it, then the
    ones it only waits for. The first of them that raises decides its call's error."""
    parameters = call_parameters(node.task.fn, tuple(node.args), node.kwargs)
    found = [ref.key for value in parameters.values() for ref in find_refs(value)]
    return list(dict.fromkeys([*found, *node.upstream]))


def parameter_at(fn: Callable[..., Any], where: int | str) -> str:
    """The parameter of ``fn`` that positional argument ``where`` (or keyword) fills."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return f"arg{where}" if isinstance(where, int) else where
    kinds = inspect.Parameter
    if isinstance(where, int):
        positional = [
            p for p in parameters if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
        ]
        if where < len(positional):
            return positional[where].name
        rest = [p.name for p in parameters if p.kind is kinds.VAR_POSITIONAL]
        return rest[0] if rest else f"arg{where}"
    if any(p.name == where and p.kind is not kinds.POSITIONAL_ONLY for p in parameters):
        return where
    rest = [p.name for p in parameters if p.kind is kinds.VAR_KEYWORD]
    return rest[0] if rest else where


# -- flow_run_name -------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _heads(template: str) -> tuple[str, ...]:
    """What each field of a template starts with (``{cfg[region]}``, ``{day:%Y%m%d}``:
    ``cfg``, ``day``; a positional field, ``{}`` or ``{0}``, ``""`` or ``"0"``)."""
    heads: list[str] = []
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            heads.append(field.split(".", 1)[0].split("[", 1)[0])
    return tuple(heads)


def _positional(template: str) -> bool:
    """Whether ``template`` has a positional field, which no call can fill."""
    try:
        return any(not head or head.isdigit() for head in _heads(template))
    except ValueError:  # an unbalanced brace: its formatting says so
        return False


def refuse_unfillable(flow: FlowFunction, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """A call of ``flow`` whose ``flow_run_name`` template names a parameter the call has
    not, before any run: ``FlowRunNameError`` (a ``KeyError``, as Prefect raises); one
    with a positional field (``run-{}``), ``FlowRunNameIndexError`` (an ``IndexError``)."""
    spec = flow.run_name
    if not isinstance(spec, str) or "{" not in spec:
        return
    try:
        heads = _heads(spec)
    except ValueError:  # an unbalanced brace: the run's own formatting says so
        return
    if _positional(spec):
        raise _positional_field(flow, spec)
    fields = [head for head in heads if head]
    parameters = call_parameters(flow.fn, args, kwargs)
    for name in fields:
        if name not in parameters:
            raise _missing(flow, spec, KeyError(name))


def _missing(flow: FlowFunction, spec: str, exc: LookupError) -> FlowRunNameError:
    if isinstance(exc, IndexError):
        if _positional(spec):
            return _positional_field(flow, spec)
        return FlowRunNameIndexError(f"flow_run_name {spec!r} cannot be filled: {exc}")
    return FlowRunNameError(
        f"flow_run_name {spec!r} names {exc} that is not a parameter of {flow.name!r}"
    )


def _positional_field(flow: FlowFunction, spec: str) -> FlowRunNameIndexError:
    return FlowRunNameIndexError(
        f"flow_run_name {spec!r} has a positional field ({{}} or {{0}}), where only "
        f"a parameter's name of {flow.name!r} can be"
    )


#: Set on why a flow run could not be named (its begun run's id): a call of the flow with
#: ``return_state=True`` raises it, as Prefect 3.9.1 does, rather than give a Failed state.
_UNNAMED_RUN = "_flowtop_unnamed_flow_run"


def unnamed_run(error: BaseException, run_id: str) -> None:
    """Mark ``error`` as why flow run ``run_id`` could not be named (see the module doc)."""
    with contextlib.suppress(AttributeError, TypeError):  # (__slots__: a Failed state, as before)
        setattr(error, _UNNAMED_RUN, run_id)


def named_not(error: BaseException, run_id: str | None) -> bool:
    """Whether ``error`` is why flow run ``run_id`` (the run a call made) was not named."""
    return run_id is not None and getattr(error, _UNNAMED_RUN, None) == run_id


def flow_run_name(flow: FlowFunction, run: DynamicRun) -> str:
    """Prefect's ``flow_run_name`` for ``run`` ("" without one): the template filled with
    the call's parameters, or the callable's string, called in the run's context
    (``FlowRunContext.get()`` works there). Raises what Prefect raises for a bad one."""
    spec = flow.run_name
    if spec is None:
        return ""
    if isinstance(spec, str):
        try:
            return spec.format(**run.flow_parameters())
        except (KeyError, IndexError) as exc:
            raise _missing(flow, spec, exc) from None
    before = current_run()
    set_run(run)
    try:
        name = spec()
    finally:
        set_run(before)
    if not isinstance(name, str):
        raise TypeError(
            f"Callable {spec} for 'flow_run_name' returned type {type(name).__name__} "
            "but a string is required."
        )
    return name


__all__ = [
    "NOT_NAMED",
    "FlowRunNameIndexError",
    "TaskRunNameIndexError",
    "call_parameters",
    "check_run_name",
    "downstream_error",
    "flow_run_name",
    "is_unnamed",
    "named_not",
    "parameter_at",
    "parameter_holding",
    "refuse_unfillable",
    "resolve_run_name",
    "unnamed",
    "unnamed_decision",
    "unnamed_run",
]
