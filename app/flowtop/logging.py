"""Prefect 3's ``prefect.logging``: ``get_run_logger`` (lines logged in a task attempt are
part of its output), ``get_logger``, and ``disable_run_logger`` for testing a task's
function outside any run, as in Prefect; ``flow_run_logger`` and ``task_run_logger``
(Prefect's ``prefect.logging.loggers``), the run loggers made from a ``flow_run`` or
``task_run`` object, as a state hook does with the one it is given. The run loggers are
flowtop's (``flowtop.flow_runs``, ``flowtop.task_runs``) for flowtop's flows and tasks,
Prefect's (``prefect.flow_runs``, ``prefect.task_runs``) for those made by Prefect code
(drop-in mode; ``run_loggers.logger_names``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from .engine.prefect_context import FlowRunContext
from .engine.run_loggers import (
    PREFECT_RUN_LOGGERS,
    RUN_LOGGERS,
    MissingContextError,
    get_run_logger,
    logger_names,
    run_logger,
)

__all__ = [
    "MissingContextError",
    "disable_logger",
    "disable_run_logger",
    "flow_run_logger",
    "get_logger",
    "get_run_logger",
    "task_run_logger",
]

_UNKNOWN = "<unknown>"  # Prefect's word for a name it was not given


def flow_run_logger(
    flow_run: Any = None, flow: Any = None, flow_run_id: Any = None, **kwargs: Any
) -> logging.LoggerAdapter[logging.Logger]:
    """Prefect's: the flow run logger (``get_run_logger()``'s in a flow body) with the
    run's names attached, from a ``flow_run`` (a hook's) or a bare ``flow_run_id``;
    Prefect's ``prefect.flow_runs`` for a ``flow`` made by Prefect code (drop-in mode),
    or, without one, in a flow run of one."""
    if flow_run is None and flow_run_id is None:
        raise ValueError("Either 'flow_run' or 'flow_run_id' must be provided.")
    extra = {
        "flow_run_name": flow_run.name if flow_run is not None else _UNKNOWN,
        "flow_run_id": str(flow_run.id if flow_run is not None else flow_run_id),
        "flow_name": flow.name if flow is not None else _UNKNOWN,
        "deployment_name": None,  # no deployments in flowtop
    }
    return run_logger(logger_names(_or_running(flow))[0], {**extra, **kwargs})


def task_run_logger(
    task_run: Any, task: Any = None, flow_run: Any = None, flow: Any = None, **kwargs: Any
) -> logging.LoggerAdapter[logging.Logger]:
    """Prefect's: the task run logger (``get_run_logger()``'s in a task) with the names of
    ``task_run`` (a task hook's) attached; the flow's from the flow run context when not
    given. Prefect's ``prefect.task_runs`` for a ``task`` made by Prefect code (drop-in
    mode), or, without one, in a flow run of a flow made by it."""
    if flow_run is None or flow is None:
        context = FlowRunContext.get()
        if context is not None:
            flow_run = flow_run or context.flow_run
            flow = flow or context.flow
    flow_run_id = getattr(task_run, "flow_run_id", None)
    extra = {
        "task_run_id": str(task_run.id),
        "flow_run_id": None if flow_run_id is None else str(flow_run_id),
        "task_run_name": task_run.name,
        "task_name": task.name if task is not None else _UNKNOWN,
        "flow_run_name": flow_run.name if flow_run is not None else _UNKNOWN,
        "flow_name": flow.name if flow is not None else _UNKNOWN,
    }
    tasks = logger_names(task if task is not None else flow)[1]
    return run_logger(tasks, {**extra, **kwargs})


def _or_running(flow: Any) -> Any:
    """``flow``, else the flow of the flow run this code is in (None outside any): what
    names a run logger made without its task or flow (``logger_names``)."""
    if flow is not None:
        return flow
    context = FlowRunContext.get()
    return None if context is None else context.flow


def get_logger(name: str | None = None) -> logging.Logger:
    """Prefect's: the ``prefect`` logger, or its child ``name`` (a full ``prefect.x``
    name is taken as it is)."""
    if not name:
        return logging.getLogger("prefect")
    return logging.getLogger(name if name.startswith("prefect.") else f"prefect.{name}")


@contextmanager
def disable_logger(name: str) -> Iterator[None]:
    """The logger ``name`` disabled inside the block, as it was after it."""
    logger = logging.getLogger(name)
    before = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = before


@contextmanager
def disable_run_logger() -> Iterator[None]:
    """The run loggers, flowtop's and Prefect's, disabled inside the block:
    ``get_run_logger()`` outside any run then gives a logger that drops everything,
    rather than raising, so a test can call a task's ``.fn()`` directly (Prefect's
    testing idiom)."""
    with ExitStack() as stack:
        for name in (*RUN_LOGGERS, *PREFECT_RUN_LOGGERS):
            stack.enter_context(disable_logger(name))
        yield
