"""Prefect's run context inside an attempt on a process or Dask worker, as on a thread.

On a thread, ``TaskRunContext.get()``, ``FlowRunContext.get()``, ``prefect.runtime`` and
``get_run_logger()`` read the attempt and its run from the engine's records; a worker has
none of them: they read run 0, no name, no flow run there. As Prefect's Dask and process task
runners send the run's context along (``serialize_context``), the attempt's payload
carries a snapshot of what those reads need (:func:`packed`, ``shipping.pack``): the
attempt's ``task_run`` as the coordinator sees it, its task's and flow run's names, tags
and flags, the flow run's parameters that pickle. The worker restores it around the call
(:func:`restored`): the attempt is an inline call there (``prefect_context.ShippedCall``),
in a stand-in of its flow run (:class:`ShippedRun`).

Not Task or Flow objects (they may not pickle, and the worker need not import their
module): stand-ins with their names, tags and ``log_prints``; ``TaskRunContext.task.fn``
is the function shipped, the task's parameters are bound to it there (no second copy of
the arguments travels). A snapshot that cannot be made or read leaves the attempt as it
was: it runs with no run context.
"""

from __future__ import annotations

import contextlib
import pickle
import time
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .context import _context_run  # the flow run of this context, alone
from .prefect_api import State, TaskRun
from .prefect_context import FlowRunContext, ShippedCall, known_json_parameters, task_logs_prints
from .prefect_datetime import prefect_time
from .prefect_ids import by_prefect_code, prefect_uuid
from .run_loggers import inline_attempt
from .states import StateType
from .task_runs import attempt_scope, attempt_started, task_run_of

if TYPE_CHECKING:
    from pathlib import Path

    from .run_protocols import ActiveRun, RunAncestor
    from .task import Task

#: The attempt ``(run, task record, args, kwargs)`` being handed to a backend on this
#: thread (:func:`handing_over`): the one whose context a payload packed now carries.
_HANDED_OVER: ContextVar[Any] = ContextVar("flowtop_handed_over", default=None)


@contextlib.contextmanager
def handing_over(attempt: Any) -> Iterator[None]:
    """Around handing ``attempt`` to a process or Dask backend (``attempt.start_elsewhere``):
    the payload packed meanwhile carries its context (:func:`packed`)."""
    token = _HANDED_OVER.set(attempt)
    try:
        yield
    finally:
        _HANDED_OVER.reset(token)


@dataclass(slots=True)
class ShippedTask:
    """The task of a shipped attempt, on the worker: what its run's reads ask of it."""

    name: str
    tags: frozenset[str]
    task_key: str
    #: Made by Prefect code (drop-in mode): its run logger is ``prefect.task_runs``.
    by_prefect_code: bool
    #: Whether its prints are run logger lines (its own, else its flow run's).
    log_prints: bool
    #: The function shipped, set on the worker (what its parameters are bound to).
    fn: Callable[..., Any] | None = None
    extras: None = None  # no hooks or run name to resolve there (``task_runs``)


@dataclass(slots=True)
class ShippedFlow:
    """The flow of a shipped attempt's run, on the worker: its names and flags."""

    name: str
    prefect_name: str  # ``flow_run.flow_name`` (``runtime_reads.PREFECT_NAME``)
    by_prefect_code: bool
    log_prints: bool


@dataclass(slots=True)
class _Ancestor:
    run_id: str
    parent_run: str | None


class _Ancestors:
    """A subflow's chain of parents, by Prefect's ids (``flow_run.root_flow_run_id``)."""

    state_dir: Path | None = None  # the shipped workspace is read instead (code_settings)

    def __init__(self, parents: dict[str, str | None]) -> None:
        self.parents = parents

    def find(self, run_id: str) -> _Ancestor | None:
        if run_id not in self.parents:
            return None
        return _Ancestor(run_id, self.parents[run_id])


class ShippedRun:
    """The flow run of a shipped attempt, on the worker (``run_protocols.FlowBodyRun``).
    Its ``run_id`` is Prefect's id of the run (the engine's own is the coordinator's
    business), so each id read of it is the coordinator's, a drop-in flow's retry's too."""

    state = StateType.RUNNING
    hooks_state: State[Any] | None = None
    body_output = None
    number = 0

    def __init__(
        self,
        flow: ShippedFlow,
        run_id: str,
        run_name: str,
        flow_attempt: int,
        flow_version: str | None,
        started_at: float,
        tags: frozenset[str],
        parameters: dict[str, Any],
        json_parameters: dict[str, Any] | None = None,
        parents: dict[str, str | None] | None = None,
    ) -> None:
        self.flow = flow
        self.run_id = run_id
        self.run_name = run_name
        self.flow_attempt = flow_attempt
        self.flow_version = flow_version
        self.started_at = started_at
        self.tags = tags
        self.parameters = parameters
        #: ``flow_run.parameters``: the call in its JSON form (``prefect_context``).
        self.json_parameters = json_parameters or {}
        self.runner = _Ancestors(parents or {})
        self.parent_run = self.runner.parents.get(run_id)

    def flow_parameters(self) -> dict[str, Any]:
        return dict(self.parameters)

    def output_tee(self) -> None:
        return None


class TaskRunFields(NamedTuple):
    """A ``task_run`` in plain values: pickled a few times faster than the object (its
    UUIDs, times and state), on the thread that hands attempts over one after another."""

    id: str
    name: str
    task_key: str
    run_count: int
    flow_run_id: str | None
    start_time: float | None
    dynamic_key: str
    tags: list[str]
    state_name: str

    @classmethod
    def of(cls, task_run: TaskRun) -> TaskRunFields:
        start, flow_run_id = task_run.start_time, task_run.flow_run_id
        return cls(
            str(task_run.id),
            task_run.name,
            task_run.task_key,
            task_run.run_count,
            None if flow_run_id is None else str(flow_run_id),
            None if start is None else start.timestamp(),
            task_run.dynamic_key,
            task_run.tags,
            task_run.state_name,
        )

    def task_run(self) -> TaskRun:
        """The ``task_run`` again, as ``task_runs.task_run_of`` made it."""
        start = None if self.start_time is None else prefect_time(self.start_time)
        state: State[Any] = State(StateType.RUNNING, name=self.state_name)
        made = TaskRun(
            id=self.id,
            name=self.name,
            task_key=self.task_key,
            run_count=self.run_count,
            flow_run_id=self.flow_run_id,
            start_time=start,
            expected_start_time=start,
            dynamic_key=self.dynamic_key,
            tags=list(self.tags),
            state=state,
        )
        made.state_name, made.state_type = state.name, state.type
        return made


@dataclass(slots=True)
class WorkerContext:
    """What a shipped attempt's payload carries of its run (:func:`packed`): its own part,
    flowtop's classes alone, pickled with ``pickle`` at each attempt; its run's, made and
    pickled with cloudpickle once per run (:func:`_shipped_run`: its parameters may be
    objects of a flow's classes, which only cloudpickle sends)."""

    task: ShippedTask
    task_run: TaskRunFields
    started: float
    run: bytes | None


def packed() -> bytes | None:
    """The context of the attempt being handed over (:func:`handing_over`), pickled for its
    payload; None outside one, or when it could not be made: the attempt goes without."""
    attempt = _HANDED_OVER.get()
    if attempt is None:
        return None
    try:
        return pickle.dumps(_snapshot(attempt), protocol=5)
    except Exception:  # noqa: BLE001 - the context never fails the attempt: it goes without
        return None


def _snapshot(attempt: Any) -> WorkerContext:
    """``attempt`` (``(run, task record, args, kwargs)``)'s context, read as its thread
    would read it (``TaskRunContext.get()``, but for the parameters: the worker binds
    the arguments it gets)."""
    run, task = attempt[0], attempt[1].node.task
    with attempt_scope(attempt):
        task_run, log_prints = task_run_of(attempt), task_logs_prints(task)
        shipped_run = _shipped_run(run)
    shipped_task = ShippedTask(
        name=task.name,
        tags=frozenset(task.tags),
        task_key=task_run.task_key,
        by_prefect_code=by_prefect_code(task),
        log_prints=log_prints,
    )
    started = attempt_started(attempt)
    when = time.time() if started is None else started.timestamp()
    return WorkerContext(shipped_task, TaskRunFields.of(task_run), when, shipped_run)


#: Each run's pickled :class:`ShippedRun` (None: it did not pickle), made once: nothing
#: of it changes while its tasks run, and reading it takes a while (its ``flow_version``
#: reads the flow's file, each parameter is pickled to see whether it can be sent).
_shipped_runs: weakref.WeakKeyDictionary[Any, bytes | None] = weakref.WeakKeyDictionary()


def _shipped_run(run: ActiveRun) -> bytes | None:
    """``run``, pickled as a worker restores it (read in the scope of one of its attempts)."""
    with contextlib.suppress(TypeError):  # (a run that cannot be weakly referenced)
        if run in _shipped_runs:
            return _shipped_runs[run]
    import cloudpickle

    context = FlowRunContext.get()
    assert context is not None
    flow, info = context.flow, context.flow_run
    shipped_flow = ShippedFlow(
        name=flow.name,
        prefect_name=str(getattr(flow, "prefect_name", flow.name)),
        by_prefect_code=by_prefect_code(flow),
        log_prints=context.log_prints,
    )
    shipped = ShippedRun(
        shipped_flow,
        run_id=str(info.id),
        run_name=info.name,
        flow_attempt=info.run_count,
        flow_version=info.flow_version,
        started_at=run.started_at,
        tags=frozenset(run.tags),
        parameters=picklable(context.parameters),
        json_parameters=picklable(info.parameters),
        parents=_parents(run),
    )
    try:
        made: bytes | None = bytes(cloudpickle.dumps(shipped))
    except Exception:  # noqa: BLE001 - sent without its run, rather than the attempt failed
        made = None
    with contextlib.suppress(TypeError):
        _shipped_runs[run] = made
    return made


def _parents(run: ActiveRun) -> dict[str, str | None]:
    """``run`` and its chain of parents, each by Prefect's id: its parent's, or None."""
    parents: dict[str, str | None] = {}
    above: RunAncestor | None = run
    while above is not None:
        parent = above.parent_run
        parents[str(prefect_uuid(above.run_id))] = (
            None if parent is None else str(prefect_uuid(parent))
        )
        above = None if parent is None else run.runner.find(parent)
    return parents


def picklable(
    parameters: dict[str, Any], dumps: Callable[[Any], bytes] | None = None
) -> dict[str, Any]:
    """The parameters ``dumps`` pickles (cloudpickle's by default, as an attempt is sent):
    one that does not is left out, not the attempt failed (``runtime.carried`` too)."""
    if dumps is None:
        import cloudpickle

        dumps = cloudpickle.dumps
    kept = {}
    for name, value in parameters.items():
        try:
            dumps(value)
        except Exception:  # noqa: BLE001 - any value a pickler refuses: left out
            continue
        kept[name] = value
    return kept


@contextlib.contextmanager
def restored(
    data: bytes | None, fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]
) -> Iterator[None]:
    """On the worker, around the call of ``fn``: the run context ``data`` carries (None
    from a coordinator that sends none) is this context's (see the module doc)."""
    loaded = _loaded(data)
    if loaded is None:
        yield
        return
    context, run = loaded
    task, task_run = context.task, context.task_run.task_run()
    task.fn = fn
    call = ShippedCall.__new__(ShippedCall)  # not __init__: its name is resolved already
    call.task, call.args, call.kwargs = cast("Task", task), tuple(args), dict(kwargs)
    call._id, call.name, call.attempt = str(task_run.id), task_run.name, task_run.run_count
    call.started = context.started
    first = task_run.start_time
    call.first_started = context.started if first is None else first.timestamp()
    call.task_run = task_run
    with contextlib.ExitStack() as stack:
        if run is not None:
            known_json_parameters(run, run.json_parameters)
            token = _context_run.set(run)
            stack.callback(_context_run.reset, token)
        stack.enter_context(attempt_scope(call))
        stack.enter_context(inline_attempt())
        yield


def _loaded(data: bytes | None) -> tuple[WorkerContext, ShippedRun | None] | None:
    """The context ``data`` carries, and its run; None for none, or one this worker
    cannot read (a newer flowtop's, maybe)."""
    if data is None:
        return None
    try:
        context = pickle.loads(data)
        if not isinstance(context, WorkerContext):
            return None
        run = None if context.run is None else pickle.loads(context.run)
    except Exception:  # noqa: BLE001 - a context this worker cannot read: it goes without
        return None
    return context, run if isinstance(run, ShippedRun) else None
