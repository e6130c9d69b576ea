"""Prefect 3's ``prefect.context`` run contexts: ``TaskRunContext.get()`` inside a task
attempt (``task_runs.current_attempt``), ``FlowRunContext.get()``
in a ``@flow`` body or one of its task attempts, ``get_run_context()`` either.

Built on demand from the engine's records when asked for: nothing is made per attempt.
Their times are :class:`DateTime`: Prefect's are pendulum's, whose methods older Prefect
code calls (``scheduled_start_time.to_date_string()``).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from . import logged_prints, run_loggers
from .context import context_run, current_run
from .final_states import kept, signal_crash
from .prefect_api import (
    MissingContextError,
    State,
    StateDetails,
    TaskRun,
    failed_name,
    failure_message,
    outcome_state,
    raised_for,
)
from .prefect_datetime import DateTime, prefect_time
from .prefect_ids import by_prefect_code, prefect_uuid
from .prefect_json import serialized_parameters
from .run_loggers import UNKNOWN, prefect_flow_run_name
from .states import PrefectOnlyStateType, StateType
from .task_runs import (
    InlineCall,
    attempt_started,
    call_parameters,
    current_attempt,
    parameters_of,
    run_under_inline_call,
    task_run_of,
)

if TYPE_CHECKING:
    from .dynamic_run import DynamicRun
    from .run_protocols import ActiveRun
    from .task import Task


def attempt_task(current: Any) -> Task:
    """The task whose attempt ``current`` is (a ``current_attempt()``): an inline call (or
    a hook's scope) holds its task, the runner's ``(run, task record, args, kwargs)`` has
    it on the record's node."""
    return current.task if isinstance(current, InlineCall) else current[1].node.task


class ShippedCall(InlineCall):
    """An attempt a process or Dask worker runs (``worker_context``): an inline call to
    the code there, holding its ``task_run`` as the coordinator read it (its flow run's
    id, its tags, ``Running`` or ``Retrying``), which the attempt's thread reads there."""

    __slots__ = ("task_run",)
    task_run: TaskRun


def _task_run_of(current: Any) -> TaskRun:
    """The ``task_run`` of ``current`` (a ``current_attempt()``): a shipped attempt's
    own, a copy each time, as each read on a thread makes its own."""
    if isinstance(current, ShippedCall):
        return copy.copy(current.task_run)
    return task_run_of(current)


class TaskRunContext:
    """Prefect 3's ``prefect.context.TaskRunContext``: ``TaskRunContext.get()`` inside a
    task attempt, else None. ``task``, ``task_run``, ``parameters``, ``start_time``."""

    __slots__ = ("task", "task_run", "parameters", "start_time", "log_prints")

    def __init__(
        self,
        task: Task,
        task_run: TaskRun,
        parameters: dict[str, Any],
        start_time: datetime,
        log_prints: bool = False,
    ) -> None:
        self.task = task
        self.task_run = task_run
        self.parameters = parameters
        self.start_time = start_time
        #: Whether a print() in it is a line of its run logger (``logged_prints``).
        self.log_prints = log_prints

    @classmethod
    def get(cls) -> TaskRunContext | None:
        current = current_attempt()
        if current is None:
            return None
        task = attempt_task(current)
        task_run = _task_run_of(current)
        start = attempt_started(current) or datetime.now(UTC)
        logs = task_logs_prints(task)
        return cls(task, task_run, parameters_of(current), DateTime.of(start), logs)

    def __repr__(self) -> str:
        return f"TaskRunContext(task={self.task.name!r}, run_count={self.task_run.run_count})"


@dataclass(slots=True)
class FlowRunInfo:
    """What Prefect code reads of ``flow_run`` (a hook's, ``FlowRunContext``'s): id (a
    UUID, ``prefect_ids``; the engine's run id is ``run.run_id``), name,
    run count (flow-level attempts), tags, parameters (in Prefect's JSON form, as its API
    gives them: ``prefect_json``), its state, when it started (``expected_start_time``
    too: no run waits for a slot), and the flow's version.

    As in Prefect's running engine, ``end_time`` is None and ``total_run_time`` zero until
    the run ends (its final hooks see them so too); flowtop has no deployments."""

    id: uuid.UUID
    name: str
    flow_id: str
    run_count: int
    parent_task_run_id: str | None = None
    tags: list[str] = field(default_factory=list)
    start_time: datetime | None = None
    expected_start_time: datetime | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    state: State[Any] | None = None
    flow_version: str | None = None
    deployment_id: str | None = None
    end_time: datetime | None = None
    total_run_time: timedelta = timedelta(0)

    @property
    def state_name(self) -> str | None:
        return None if self.state is None else self.state.name

    @property
    def state_type(self) -> StateType | PrefectOnlyStateType | None:
        return None if self.state is None else self.state.type


class FlowRunContext:
    """Prefect 3's ``FlowRunContext``: in a ``@flow`` body, or a task attempt of its run."""

    __slots__ = ("flow", "flow_run", "parameters", "start_time", "log_prints")

    def __init__(
        self,
        flow: Any,
        flow_run: FlowRunInfo,
        parameters: dict[str, Any],
        log_prints: bool = False,
    ) -> None:
        self.flow = flow
        self.flow_run = flow_run
        self.parameters = parameters
        self.start_time = flow_run.start_time
        #: Whether a print() in its body is a line of its run logger (``logged_prints``).
        self.log_prints = log_prints

    @classmethod
    def get(cls) -> FlowRunContext | None:
        run = active_run()
        if run is None:
            return None
        info = flow_run_info(run)
        logs = by_prefect_code(run.flow) and _flow_logs_prints(run)
        # its own ``parameters`` are the objects, its ``flow_run``'s their JSON form
        return cls(run.flow, info, run.flow_parameters(), logs)


def active_run() -> ActiveRun | None:
    """The engine's run whose flow run context this is: the ``@flow`` run whose body, or
    whose task attempt, runs here (any run's attempt, for a graph), or whose body started
    this thread with its context copied (or a run restored in a child: ``runtime.carried``);
    else None. A task called inside such an attempt (``def outer(): inner()``) runs in that
    attempt's flow run, as Prefect's nested task run does: its ``FlowRunContext``,
    ``prefect.runtime.flow_run`` and ``.submit()`` are the run's."""
    run: ActiveRun | None = current_run()
    if run is None:
        current = current_attempt()
        if current is None or isinstance(current, InlineCall):
            return context_run() or cast("ActiveRun | None", run_under_inline_call())
        run = current[0]
    return run


def flow_run_info(run: ActiveRun, *, entering: bool = False) -> FlowRunInfo:
    """Prefect's ``flow_run`` of ``run``. ``entering``: as an ``on_running`` hook sees it,
    before Prefect counts the run (``run_count`` 0 the first time, 1 on the first retry)."""
    count = 0 if refused_run(run) else run.flow_attempt - 1 if entering else run.flow_attempt
    started = prefect_time(run.started_at)
    return FlowRunInfo(
        id=prefect_uuid(run.run_id),
        name=prefect_flow_run_name(run),
        flow_id=run.flow.name,
        run_count=count,
        tags=sorted(run.tags),
        start_time=started,
        expected_start_time=started,
        parameters=json_parameters(run),
        state=_of_run(run, State(StateType.RUNNING)) if entering else _state_of(run),
        flow_version=run.flow_version,
    )


def refused_run(run: ActiveRun) -> bool:
    """Whether ``run`` stands for a drop-in flow's call that its parameters' validation
    refused (``compat.prefect_flows``): Prefect's run of it never entered Running, so its
    ``on_failure`` hooks get ``flow_run.run_count`` 0, and no flow run context
    (``FlowRunContext.get()`` None, ``prefect.runtime.flow_run.parameters`` {}), as in
    Prefect 3.9.1."""
    return getattr(run.flow, "refused_by", None) is not None


def _of_run(run: ActiveRun, state: State[Any]) -> State[Any]:
    """``state`` as a state of ``run``, whose ``state_details.flow_run_id`` it holds, as
    each state of a Prefect flow run does (the ``on_running`` hooks' too)."""
    state.state_details = StateDetails(flow_run_id=run.run_id)
    return state


def _state_of(run: ActiveRun) -> State[Any]:
    """The run's Prefect state: Running until its outcome is known; while its final hooks
    run, the state they are given, as Prefect's hook finds it in ``flow_run.state`` too;
    once it ended, its final state. A run carried to a child is running there."""
    hooks_state = run.hooks_state  # set as its final hooks start (``DynamicRun._finish``)
    return _of_run(run, State(run.state)) if hooks_state is None else hooks_state


def hook_state(run: DynamicRun, outcome: StateType) -> State[Any]:
    """The Prefect state of a ``@flow`` run whose outcome is ``outcome`` (``_outcome_of``),
    naming that run in its ``state_details``, as Prefect's."""
    return _of_run(run, _outcome_of(run, outcome))


def _outcome_of(run: DynamicRun, outcome: StateType) -> State[Any]:
    """The state ``hook_state`` gives: the one a run's final hooks are given
    (``flow_hooks.ending_state`` asks this). Completed (under the name a returned
    ``Completed(name=…)`` gave it), Cancelling, Crashed (the body raised what is not an
    ``Exception``: Prefect's type ``CRASHED``), TimedOut, the ``Failed(...)`` or
    ``Crashed(...)`` the body returned (its name, message and data, as the caller's
    ``return_state=True`` gets it), or Failed with Prefect's message."""
    error = run.error
    if outcome is StateType.COMPLETED:
        named = kept(run.run_id)
        if named is None or named[0] is not StateType.COMPLETED:
            return State(StateType.COMPLETED, data=run.value)
        return State(StateType.COMPLETED, data=run.value, name=named[1], message=named[2])
    crash = signal_crash(run)
    if crash is not None:  # Ctrl+C or SIGTERM stopped flowtop run: Prefect's run crashed
        stopped = KeyboardInterrupt(crash)
        return State(PrefectOnlyStateType.CRASHED, name="Crashed", message=crash, data=stopped)
    if outcome is StateType.CANCELLED:
        cancelling = PrefectOnlyStateType.CANCELLING  # as Prefect's hooks get it
        return State(cancelling, message="cancelled by the user")
    if error is not None and not isinstance(error, Exception):
        crashed = PrefectOnlyStateType.CRASHED
        return State(crashed, name="Crashed", message=crash_message(error), data=error)
    if run.timed_out is not None:
        return State(StateType.FAILED, name="TimedOut", message=run.timed_out, data=error)
    if error is None:  # it returned states of which one did not complete
        return State(StateType.FAILED, data=run.value, message=run.states_failed)
    if raised_for(error, run.run_id) is not None:  # it returned Failed(...) made by hand
        return outcome_state(None, error, run.run_id)
    message = failure_message(error, "Flow")
    return State(StateType.FAILED, data=error, message=message, name=failed_name(error))


def crash_message(error: BaseException | None) -> str:
    """Prefect's ``exception_to_crashed_state`` messages."""
    if isinstance(error, KeyboardInterrupt):
        return "Execution was aborted by an interrupt signal."
    if isinstance(error, SystemExit):
        return "Execution was aborted by Python system exit call."
    return f"Execution was interrupted by an unexpected exception: {error!r}"


#: Each run's parameters in their JSON form, made once per run (``json_parameters``).
_json_parameters: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
#: A drop-in flow's run: its call's arguments as given, before Prefect's validation.
Call = tuple[tuple[Any, ...], dict[str, Any]]
_called_with: weakref.WeakKeyDictionary[Any, Call] = weakref.WeakKeyDictionary()


def called_with(run: ActiveRun, call: Call) -> None:
    """``run`` was called with ``call``'s arguments before validation made them its
    function's types: Prefect's ``flow_run.parameters`` is that call (``'3'`` for an
    ``int`` given as a string, a future's placeholder), serialized as it creates the flow
    run, while ``FlowRunContext.parameters`` and ``prefect.runtime.flow_run.parameters``
    are the validated values the body gets. Told as the run is made
    (``compat.prefect_flows``), before anything reads it; bound only when read."""
    _called_with[run] = call


def known_json_parameters(run: ActiveRun, parameters: dict[str, Any]) -> None:
    """``run``'s ``flow_run.parameters`` are ``parameters``, in their JSON form already: a
    run a child process restored (``runtime.carried``), whose call as given was shipped
    so, as Prefect's ``hydrated_context`` gets the flow run from its API."""
    _json_parameters[run] = dict(parameters)


def given_call(run: ActiveRun) -> Call | None:
    """The arguments ``run`` was given (``called_with``); None when none were told (a run
    of flowtop's own ``@flow``, or one the CLI or the monitor started)."""
    try:
        return _called_with.get(run)
    except TypeError:  # a run that cannot be weakly referenced (a child's ``CarriedRun``)
        return None


def _parameters_given(run: ActiveRun, fn: Callable[..., Any] | None) -> dict[str, Any]:
    """The call ``run`` was given bound to ``fn`` with its defaults (Prefect's
    ``get_call_parameters``), else the run's own parameters."""
    given = given_call(run)
    if given is None or fn is None:
        return run.flow_parameters()
    return call_parameters(fn, *given)


def json_parameters(run: ActiveRun) -> dict[str, Any]:
    """A run's parameters as Prefect's ``flow_run.parameters`` holds them: the call as
    given (``called_with``; else the run's parameters), bound with its defaults, in their
    JSON form (``prefect_json``), what Prefect code may ``json.dumps``. Made once per run, as
    Prefect serializes them once, as it creates the flow run: a large parameter is not
    encoded again by each ``get_run_logger()`` of its body (each ``FlowRunContext``)."""
    try:
        made = _json_parameters.get(run)
    except TypeError:  # a run that cannot be weakly referenced: made each time
        made = None
    if made is None:
        fn = getattr(run.flow, "fn", None)
        made = serialized_parameters(fn, _parameters_given(run, fn))
        with contextlib.suppress(TypeError):
            _json_parameters[run] = made
    return dict(made)  # the caller's own, as each read of Prefect's is


def flow_parameters(run: ActiveRun) -> dict[str, Any]:
    """A run's parameters: its ``@flow`` call bound to the function's signature, defaults
    applied; {} for a graph's run (``FlowRunContext``, a cache key, a ``flow_run_name``)."""
    return run.flow_parameters()


def get_run_context() -> TaskRunContext | FlowRunContext:
    """The task run context, else the flow run context (Prefect's ``get_run_context``)."""
    found: TaskRunContext | FlowRunContext | None = TaskRunContext.get()
    if found is None:
        found = FlowRunContext.get()
    if found is None:
        raise MissingContextError(
            "No run context available. You are not in a flow or task run context."
        )
    return found


def _task_run_here() -> tuple[object, dict[str, Any]]:
    """The task of the attempt running here (``run_loggers.task_run_here``), and Prefect's
    ``extra`` of its task run's logger: the task run's id and name, its task's name, and
    its flow run's (``<unknown>``, and no id, for a task called outside any flow, as in
    Prefect); None and {} where no attempt is known. Ids are the text of Prefect's UUIDs
    (``task_run.id``, ``task_run.flow_run_id``): the flow run's logger gives the same
    ``flow_run_id`` (``run_loggers``), as in Prefect."""
    current = current_attempt()
    if current is None:
        return None, {}
    task = attempt_task(current)
    task_run = _task_run_of(current)
    if isinstance(current, ShippedCall):  # on a worker: the flow run it restored
        run = context_run()
    else:
        run = run_under_inline_call() if isinstance(current, InlineCall) else current[0]
    return task, {
        "task_run_id": str(task_run.id),
        "flow_run_id": None if task_run.flow_run_id is None else str(task_run.flow_run_id),
        "task_run_name": task_run.name,
        "task_name": task.name,
        "flow_run_name": UNKNOWN if run is None else prefect_flow_run_name(run),
        "flow_name": UNKNOWN if run is None else run.flow.name,
    }


run_loggers.task_run_here = _task_run_here


# -- log_prints ------------------------------------------------------------------------------
def _flow_logs_prints(run: ActiveRun) -> bool:
    """Prefect's ``FlowRunContext.log_prints`` of ``run``: its flow's ``log_prints``, else
    its parent run's (a subflow's: Prefect's engine reads the parent's context then), else
    False (``PREFECT_LOGGING_LOG_PRINTS``'s default; flowtop reads no Prefect setting)."""
    above: object = run
    while above is not None:
        given = getattr(getattr(above, "flow", None), "log_prints", None)
        if given is not None:
            return bool(given)
        parent = getattr(above, "parent_run", None)
        above = None if parent is None else run.runner.find(parent)
    return False


def task_logs_prints(task: object) -> bool:
    """Prefect's ``TaskRunContext.log_prints`` of a run of ``task`` here (``should_log_prints``):
    its ``log_prints``, else its flow run's, for a task made by Prefect code (drop-in
    mode); a flowtop task's prints are always its output, never log lines."""
    if not by_prefect_code(task):
        return False
    given = getattr(task, "log_prints", None)
    if given is not None:
        return bool(given)
    run = active_run()
    return run is not None and _flow_logs_prints(run)


def _print_logger() -> logging.LoggerAdapter[logging.Logger] | None:
    """The run logger a print() made here goes to (``logged_prints.logger_here``), as
    Prefect's ``print_as_log`` sends it: in a task run, or else a flow run, made by
    Prefect code whose ``log_prints`` applies; else None, and the print is written."""
    current = current_attempt()
    if current is not None:  # (a hook's scope too: a task called outside any flow's)
        task = attempt_task(current)
        return run_loggers.task_run_logger_here() if task_logs_prints(task) else None
    run: ActiveRun | None = current_run()  # active_run(), knowing there is no attempt here
    if run is None:
        run = context_run()
    if run is None or not by_prefect_code(run.flow) or not _flow_logs_prints(run):
        return None
    return run_loggers.get_run_logger()


logged_prints.logger_here = _print_logger
