"""What Prefect code reads of a task run and of a state's origin: ``task_run``
(``prefect.client.schemas.objects.TaskRun``) and ``state.state_details``.

Both are snapshots built on demand from the engine's records (``task_runs``). The engine
names a task run ``<run id>:<task key>`` and a flow run by its short run id; Prefect code
gets those as ``uuid.UUID`` (``prefect_ids.prefect_uuid``), so ``task_run.id ==
state.state_details.task_run_id`` and ``task_run.flow_run_id == flow_run.id`` hold as in
Prefect, while flowtop's store, monitor and history keep their own ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .prefect_ids import by_prefect_code, optional_uuid, prefect_uuid
from .states import PrefectOnlyStateType, StateType

if TYPE_CHECKING:
    from .prefect_api import State


@dataclass(slots=True, init=False)
class StateDetails:
    """Where a state came from: None for one made by hand with ``Completed(...)``. Ids
    are given as the engine names them (or as UUIDs) and kept as Prefect's UUIDs."""

    task_run_id: uuid.UUID | None
    flow_run_id: uuid.UUID | None
    task_key: str | None
    #: A task's state: how many attempts it took (flowtop's; Prefect keeps it on the run).
    run_count: int | None

    def __init__(
        self,
        task_run_id: str | uuid.UUID | None = None,
        flow_run_id: str | uuid.UUID | None = None,
        task_key: str | None = None,
        run_count: int | None = None,
    ) -> None:
        self.task_run_id = optional_uuid(task_run_id)
        self.flow_run_id = optional_uuid(flow_run_id)
        self.task_key = task_key
        self.run_count = run_count


@dataclass(slots=True, init=False)
class TaskRun:
    """What Prefect code reads of ``task_run``: built on demand from the engine's record
    (``task_runs.task_run_of``), a snapshot. ``id`` and ``flow_run_id`` are given as the
    engine names them and kept as Prefect's UUIDs."""

    id: uuid.UUID
    name: str
    task_key: str
    run_count: int
    flow_run_id: uuid.UUID | None
    state_name: str
    state_type: StateType | PrefectOnlyStateType
    start_time: datetime | None
    expected_start_time: datetime | None
    dynamic_key: str
    tags: list[str]
    state: State[Any] | None

    def __init__(
        self,
        id: str | uuid.UUID,  # noqa: A002 - Prefect's field name
        name: str,
        task_key: str,
        run_count: int,
        flow_run_id: str | uuid.UUID | None = None,
        state_name: str = "Running",
        state_type: StateType | PrefectOnlyStateType = StateType.RUNNING,
        start_time: datetime | None = None,
        expected_start_time: datetime | None = None,
        dynamic_key: str = "0",
        tags: list[str] | None = None,
        state: State[Any] | None = None,
    ) -> None:
        self.id = prefect_uuid(id)
        self.name = name
        self.task_key = task_key
        self.run_count = run_count
        self.flow_run_id = optional_uuid(flow_run_id)
        self.state_name = state_name
        self.state_type = state_type
        self.start_time = start_time
        self.expected_start_time = expected_start_time
        self.dynamic_key = dynamic_key
        self.tags = [] if tags is None else tags
        self.state = state

    @property
    def state_id(self) -> uuid.UUID:
        """A UUID, as Prefect's: one per attempt and state, the same each time it is read."""
        return prefect_uuid(f"{self.id}:{self.run_count}:{self.state_name}")


#: The task run whose attempt a ``retry_condition_fn`` is asked about, while it is
#: (``task_runs.weighed``): Prefect gives the condition its engine's ``task_run``, the one
#: ``TaskRunContext`` holds (same id and name; ``Running``, or ``Retrying`` after a retry).
_ASKED_ABOUT: ContextVar[TaskRun | None] = ContextVar("flowtop_asked_about", default=None)


@contextmanager
def asking_about(task_run: TaskRun) -> Iterator[None]:
    """A ``retry_condition_fn`` called in this block is given ``task_run``."""
    token = _ASKED_ABOUT.set(task_run)
    try:
        yield
    finally:
        _ASKED_ABOUT.reset(token)


def asked_about(task_key: str, attempt: int) -> TaskRun:
    """The ``task_run`` a ``retry_condition_fn`` is given: the one set by ``asking_about``,
    else (a task called outside any flow, decided with no run context) one made for the
    question, at attempt ``attempt`` of the task called ``task_key``."""
    asked = _ASKED_ABOUT.get()
    if asked is not None:
        return asked
    state_name = running_state_name(attempt)
    return TaskRun(uuid.uuid4().hex, task_key, task_key, attempt, state_name=state_name)


def prefect_dynamic_key(task: Any, task_key: str, task_run_id: str, *, in_flow_run: bool) -> str:
    """A task run's ``dynamic_key`` as Prefect 3.9.1 gives one to a task of Prefect code:
    in a flow run a UUID (``str(uuid4())``), whose head its default name ends with
    (``fetch-3f9``, ``prefect_ids.default_task_run_name``), outside any flow run
    ``<task_key>-<uuid hex>``. Made from the task run's UUID, so the same run has the same
    key wherever it is asked. flowtop's own tasks keep ``"0"``: nothing of flowtop's reads it."""
    if not by_prefect_code(task):
        return "0"
    run_uuid = prefect_uuid(task_run_id)
    own = prefect_uuid(f"{run_uuid}:dynamic_key")
    if not in_flow_run:
        return f"{task_key}-{own.hex}"
    return str(uuid.UUID(hex=run_uuid.hex[:3] + own.hex[3:], version=4))


def running_state_name(attempt: int) -> str:
    """The name of a task run's RUNNING state at attempt ``attempt``, as Prefect names it:
    ``Running`` on the first attempt, ``Retrying`` on every retry."""
    return "Running" if attempt <= 1 else "Retrying"


__all__ = [
    "StateDetails",
    "TaskRun",
    "asked_about",
    "asking_about",
    "prefect_dynamic_key",
    "running_state_name",
]
