"""``with_context(fn)`` across processes, as Prefect 3's (``prefect.context``): ``fn``
pickled for another process carries its run's context, which that process restores.

In this process the engine's wrapper (``engine.context_wrap``) runs ``fn`` in a copy of
the wrapping code's ``contextvars`` context. A context does not pickle: Prefect ships
what ``serialize_context()`` gives instead (the flow run's, the task run's, the tags) and
``hydrated_context`` rebuilds it in the child. So does :class:`CarriedContext`: pickled,
it carries a snapshot of that run (``Carried``: the task run, the flow run, their
parameters, the tags); called where no run is (a ``spawn`` or ``forkserver`` child),
``TaskRunContext.get()``, ``FlowRunContext.get()``, ``prefect.runtime``, ``tags`` and
``get_run_logger()`` give that run's (the task run logger in a task, the flow run
logger in a flow body, printed to stderr when the process set up no logging).

The task and the flow are the objects themselves when the child has their module
already (the flow file it imported again for ``fn``); else a stand-in with their name
and tags: nothing is imported for them. Parameters that cannot be pickled are left out.
"""

from __future__ import annotations

import contextlib
import inspect
import pickle
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.context import _context_run  # the flow run of this context, alone
from ..engine.context_wrap import ContextWrapped, printed
from ..engine.prefect_api import TaskRun
from ..engine.prefect_context import (
    FlowRunContext,
    FlowRunInfo,
    TaskRunContext,
    active_run,
    known_json_parameters,
)
from ..engine.prefect_ids import PrefectFlowRun, by_prefect_code, retried_flow_run, same_flow_run
from ..engine.run_loggers import RUN_LOGGERS, inline_attempt, logger_names
from ..engine.run_protocols import FlowBodyRun, RunAncestor
from ..engine.states import StateType
from ..engine.tags import current_tags, tags_in_effect
from ..engine.task_runs import InlineCall, attempt_scope, call_parameters
from ..engine.worker_context import picklable

if TYPE_CHECKING:
    from ..engine.dynamic import FlowFunction
    from ..engine.prefect_api import State


@dataclass(slots=True)
class Named:
    """A task or flow a child has not imported: its name, tags, and a function whose
    signature names its parameters (what ``parameters`` are bound to)."""

    name: str
    tags: frozenset[str]
    fn: Callable[..., Any]
    #: Prefect's ``task_key`` of the task it stands for (``TaskRunContext`` reads it).
    task_key: str | None = None
    #: Whether the task or flow it stands for was made by Prefect code (drop-in mode):
    #: its run loggers are Prefect's then (``prefect_ids.by_prefect_code``).
    by_prefect_code: bool = False


@dataclass(slots=True)
class Carried:
    """What a pickled wrapper carries of its run (Prefect's ``serialize_context``)."""

    tags: list[str]
    flow: tuple[str, tuple[str, str] | None] | None = None
    flow_run: FlowRunInfo | None = None
    #: The engine's id of that flow run (``flow_run.id`` is Prefect's UUID of it): what
    #: the run logger names and ``ancestors`` is keyed by.
    run_id: str | None = None
    flow_parameters: dict[str, Any] = field(default_factory=dict)
    ancestors: dict[str, str | None] = field(default_factory=dict)
    #: Which of those runs (the run, its parents) are drop-in flows' retries, and of
    #: which flow run (``prefect_ids.same_flow_run``): the child sees their ids so too.
    retried: dict[str, PrefectFlowRun] = field(default_factory=dict)
    task: tuple[str, tuple[str, str] | None, list[str]] | None = None
    task_run: TaskRun | None = None
    task_parameters: dict[str, Any] = field(default_factory=dict)
    task_started: datetime | None = None
    #: Whether its flow, and its task, were made by Prefect code (drop-in mode), for a
    #: child that has not imported them (``Named``).
    flow_by_prefect: bool = False
    task_by_prefect: bool = False


def _ref(obj: Any) -> tuple[str, str] | None:
    """Where a module-level ``@task`` or ``@flow`` lives: its function's module and name."""
    fn = getattr(obj, "fn", None)
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str) or "<locals>" in name:
        return None
    return module, name


def snapshot() -> Carried:
    """The current run's context, as a child can restore it."""
    carried = Carried(tags=sorted(current_tags()))
    flow_ctx, task_ctx = FlowRunContext.get(), TaskRunContext.get()
    if flow_ctx is not None:
        carried.flow = (str(flow_ctx.flow.name), _ref(flow_ctx.flow))
        carried.flow_by_prefect = by_prefect_code(flow_ctx.flow)
        carried.flow_parameters = picklable(flow_ctx.parameters, pickle.dumps)
        # its state may not pickle: the child makes it again (CarriedRun); its parameters,
        # the call as given in JSON form, go as they are: the objects are validated values
        given = picklable(flow_ctx.flow_run.parameters, pickle.dumps)
        carried.flow_run = replace(flow_ctx.flow_run, parameters=given, state=None)
        run = active_run()
        carried.run_id = None if run is None else str(run.run_id)
        if run is not None:  # for root_flow_run_id: the run's chain of parents
            runs = run.runner
            above: RunAncestor | None = run
            while above is not None:
                parent = above.parent_run
                carried.ancestors[str(above.run_id)] = parent
                if (first := retried_flow_run(str(above.run_id))) is not None:
                    carried.retried[str(above.run_id)] = first
                above = runs.find(parent) if parent is not None else None
    if task_ctx is not None:
        task = task_ctx.task
        carried.task = (task.name, _ref(task), sorted(task.tags))
        carried.task_by_prefect = by_prefect_code(task)
        carried.task_run = task_ctx.task_run
        carried.task_parameters = picklable(task_ctx.parameters, pickle.dumps)
        carried.task_started = task_ctx.start_time
    return carried


def _signature_of(names: list[str]) -> Callable[..., Any]:
    def parameters(**given: Any) -> dict[str, Any]:
        return given

    kind = inspect.Parameter.KEYWORD_ONLY
    parameters.__signature__ = inspect.Signature(  # type: ignore[attr-defined]  # read by inspect.signature
        [inspect.Parameter(n, kind) for n in names if n.isidentifier()]
    )
    return parameters


def _resolved(
    name: str,
    ref: tuple[str, str] | None,
    tags: list[str],
    params: list[str],
    task_key: str | None = None,
    by_prefect: bool = False,
) -> Any:
    """The task or flow itself when its module is here already, else a :class:`Named`
    (``by_prefect``: made by Prefect code)."""
    if ref is not None and (module := sys.modules.get(ref[0])) is not None:
        found: Any = module
        for part in ref[1].split("."):
            found = getattr(found, part, None)
        if getattr(found, "name", None) == name:
            return found
    return Named(name, frozenset(tags), _signature_of(params), task_key, by_prefect)


class _CarriedRunner:
    """What a child knows of its run's runner: the run's chain of parents (``snapshot``),
    and no workspace folder (``code_settings`` asks the shipped one)."""

    __slots__ = ("ancestors",)
    state_dir: Path | None = None

    def __init__(self, ancestors: dict[str, str | None]) -> None:
        self.ancestors = ancestors

    def find(self, run_id: str) -> _Ancestor | None:
        if run_id not in self.ancestors:
            return None
        return _Ancestor(run_id, self.ancestors[run_id])


@dataclass(slots=True)
class _Ancestor:
    run_id: str
    parent_run: str | None


class CarriedRun:
    """The flow run a child restores: what ``FlowRunContext``, ``prefect.runtime`` and
    the run logger read of the engine's run (``run_protocols.FlowBodyRun``). It is running
    there; its final hooks run in the parent, and what its body prints is captured there."""

    state = StateType.RUNNING
    hooks_state: State[Any] | None = None
    body_output = None

    def __init__(self, carried: Carried, flow: FlowFunction | Named) -> None:
        info = carried.flow_run
        assert info is not None
        self.flow = flow
        self.run_id = carried.run_id or str(info.id)
        self.run_name = info.name
        self.number = 0
        self.flow_attempt = info.run_count
        self.flow_version = info.flow_version  # its flow here may be a stand-in
        self.started_at = (info.start_time or datetime.now()).timestamp()
        self.tags = frozenset(info.tags)
        self.parent_run = carried.ancestors.get(self.run_id)
        self.runner = _CarriedRunner(carried.ancestors)
        self._kwargs = dict(carried.flow_parameters)

    def flow_parameters(self) -> dict[str, Any]:
        return call_parameters(self.flow.fn, (), dict(self._kwargs))

    def output_tee(self) -> None:
        return None


@contextlib.contextmanager
def restored(carried: Carried) -> Iterator[None]:
    """Inside: ``carried``'s run is this context's (see the module doc)."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(tags_in_effect(carried.tags))
        for run_id, first in carried.retried.items():
            same_flow_run(run_id, first)
        logger = RUN_LOGGERS[0]
        if carried.flow is not None and carried.flow_run is not None:
            name, ref = carried.flow
            params = list(carried.flow_parameters)
            flow = _resolved(name, ref, [], params, by_prefect=carried.flow_by_prefect)
            logger = logger_names(flow)[0]
            run: FlowBodyRun = CarriedRun(carried, flow)
            known_json_parameters(run, carried.flow_run.parameters)
            token = _context_run.set(run)
            stack.callback(_context_run.reset, token)
        if carried.task is not None and carried.task_run is not None:
            name, ref, tags = carried.task
            params, key = list(carried.task_parameters), carried.task_run.task_key
            task = _resolved(name, ref, tags, params, key, carried.task_by_prefect)
            stack.enter_context(attempt_scope(_inline_call(carried, task)))
            stack.enter_context(inline_attempt())
            logger = logger_names(task)[1]
        stack.enter_context(printed(logger))
        yield


def _inline_call(carried: Carried, task: Any) -> InlineCall:
    """The engine's record of a task run, as ``TaskRunContext.get()`` reads it."""
    task_run = carried.task_run
    assert task_run is not None
    call = InlineCall.__new__(InlineCall)  # not __init__: its name is resolved already
    call.task, call.args, call.kwargs = task, (), dict(carried.task_parameters)
    call._id, call.name, call.attempt = str(task_run.id), task_run.name, task_run.run_count
    started = carried.task_started or task_run.start_time
    call.started = started.timestamp() if started is not None else 0.0
    first = task_run.start_time
    call.first_started = first.timestamp() if first is not None else call.started
    return call


class CarriedContext(ContextWrapped):
    """``with_context(fn)``: the engine's wrapper, whose pickled form carries its run."""

    __slots__ = ("_carried",)

    def __init__(
        self,
        fn: Callable[..., Any],
        context: Any,
        in_run: bool,
        carried: Carried | None = None,
    ) -> None:
        super().__init__(fn, context, in_run)
        self._carried = carried

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        carried = self._carried
        if self._context is not None or carried is None or active_run() is not None:
            return super().__call__(*args, **kwargs)  # here, or a forked child: its own
        if TaskRunContext.get() is not None:
            return super().__call__(*args, **kwargs)
        with restored(carried):
            return self.fn(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        # taken once, where it is first pickled (a pool's feeder thread, maybe): in a copy
        # of the wrapping code's context, which has its run and its attempt
        if self._carried is None and self._context is not None:
            self._carried = self._context.copy().run(snapshot)
        return (CarriedContext, (self.fn, None, self._in_run, self._carried))


def with_context(fn: Callable[..., Any]) -> CarriedContext:
    """``fn`` wrapped to run in the current flow or task run wherever it is called: on
    another thread, or in another process (see the module doc)."""
    from ..engine.context_wrap import with_context as wrapped

    made = wrapped(fn)
    return CarriedContext(made.fn, made._context, made._in_run)


__all__ = ["Carried", "CarriedContext", "snapshot", "with_context"]
