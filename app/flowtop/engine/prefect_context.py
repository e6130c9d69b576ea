"""Prefect 3's ``prefect.context`` run contexts: ``TaskRunContext.get()`` inside a task
attempt (``task_runs.current_attempt``), ``FlowRunContext.get()``
in a ``@flow`` body or one of its task attempts, ``get_run_context()`` either.

Built on demand from the engine's records when asked for: nothing is made per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .context import context_run, current_run
from .prefect_api import MissingContextError, TaskRun
from .task_runs import (
    InlineCall,
    attempt_started,
    call_parameters,
    current_attempt,
    parameters_of,
    task_run_of,
)

if TYPE_CHECKING:
    from .task import Task


class TaskRunContext:
    """Prefect 3's ``prefect.context.TaskRunContext``: ``TaskRunContext.get()`` inside a
    task attempt, else None. ``task``, ``task_run``, ``parameters``, ``start_time``."""

    __slots__ = ("task", "task_run", "parameters", "start_time", "log_prints")

    def __init__(
        self, task: Task, task_run: TaskRun, parameters: dict[str, Any], start_time: datetime
    ) -> None:
        self.task = task
        self.task_run = task_run
        self.parameters = parameters
        self.start_time = start_time
        self.log_prints = False

    @classmethod
    def get(cls) -> TaskRunContext | None:
        current = current_attempt()
        if current is None:
            return None
        task = current.task if isinstance(current, InlineCall) else current[1].node.task
        task_run = task_run_of(current)
        start = attempt_started(current) or datetime.now(UTC)
        return cls(task, task_run, parameters_of(current), start)

    def __repr__(self) -> str:
        return f"TaskRunContext(task={self.task.name!r}, run_count={self.task_run.run_count})"


@dataclass(slots=True)
class FlowRunInfo:
    """What Prefect code reads of ``flow_run``: id, name, run count (flow-level attempts),
    its tags, and when it started (``expected_start_time`` too: no run waits for a slot)."""

    id: str
    name: str
    flow_id: str
    run_count: int
    parent_task_run_id: str | None = None
    tags: list[str] = field(default_factory=list)
    start_time: datetime | None = None
    expected_start_time: datetime | None = None


class FlowRunContext:
    """Prefect 3's ``FlowRunContext``: in a ``@flow`` body, or a task attempt of its run."""

    __slots__ = ("flow", "flow_run", "parameters")

    def __init__(self, flow: Any, flow_run: FlowRunInfo, parameters: dict[str, Any]) -> None:
        self.flow = flow
        self.flow_run = flow_run
        self.parameters = parameters

    @classmethod
    def get(cls) -> FlowRunContext | None:
        run = active_run()
        if run is None:
            return None
        return cls(run.flow, flow_run_info(run), flow_parameters(run))


def active_run() -> Any:
    """The engine's run whose flow run context this is: the ``@flow`` run whose body, or
    whose task attempt, runs here (any run's attempt, for a graph), or whose body started
    this thread with its context copied; else None."""
    run: Any = current_run()
    if run is None:
        current = current_attempt()
        if current is None or isinstance(current, InlineCall):
            return context_run()
        run = current[0]
    return run


def flow_run_info(run: Any, *, entering: bool = False) -> FlowRunInfo:
    """Prefect's ``flow_run`` of ``run``. ``entering``: as an ``on_running`` hook sees it,
    before Prefect counts the run (``run_count`` 0 the first time, 1 on the first retry)."""
    count = getattr(run, "flow_attempt", 1)
    started = datetime.fromtimestamp(run.started_at, UTC)
    return FlowRunInfo(
        id=run.run_id,
        name=getattr(run, "run_name", "") or f"{run.flow.name} #{run.number}",
        flow_id=run.flow.name,
        run_count=count - 1 if entering else count,
        tags=sorted(getattr(run, "tags", ())),
        start_time=started,
        expected_start_time=started,
    )


def flow_parameters(run: Any) -> dict[str, Any]:
    """A run's parameters: its ``@flow`` call bound to the function's signature, defaults
    applied; {} for a graph's run (``FlowRunContext``, a cache key, a ``flow_run_name``)."""
    fn = getattr(run.flow, "fn", None)
    if fn is None:
        return {}
    return call_parameters(fn, tuple(getattr(run, "_args", ())), dict(getattr(run, "_kwargs", {})))


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
