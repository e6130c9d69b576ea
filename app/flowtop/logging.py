"""Prefect 3's ``prefect.logging``: ``get_run_logger`` (lines logged in a task attempt are
part of its output), ``get_logger``, and ``disable_run_logger`` for testing a task's
function outside any run, as in Prefect; ``flow_run_logger`` and ``task_run_logger``
(Prefect's ``prefect.logging.loggers``), the run loggers made from a ``flow_run`` or
``task_run`` object, as a state hook does with the one it is given."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .engine.prefect_context import FlowRunContext
from .engine.run_loggers import RUN_LOGGERS, MissingContextError, get_run_logger, run_logger

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
    run's names attached, from a ``flow_run`` (a hook's) or a bare ``flow_run_id``."""
    if flow_run is None and flow_run_id is None:
        raise ValueError("Either 'flow_run' or 'flow_run_id' must be provided.")
    extra = {
        "flow_run_name": flow_run.name if flow_run is not None else _UNKNOWN,
        "flow_run_id": str(flow_run.id if flow_run is not None else flow_run_id),
        "flow_name": flow.name if flow is not None else _UNKNOWN,
        "deployment_name": None,  # no deployments in flowtop
    }
    return run_logger(RUN_LOGGERS[0], {**extra, **kwargs})


def task_run_logger(
    task_run: Any, task: Any = None, flow_run: Any = None, flow: Any = None, **kwargs: Any
) -> logging.LoggerAdapter[logging.Logger]:
    """Prefect's: the task run logger (``get_run_logger()``'s in a task) with the names of
    ``task_run`` (a task hook's) attached; the flow's from the flow run context when not given."""
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
    return run_logger(RUN_LOGGERS[1], {**extra, **kwargs})


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
    """The run loggers disabled inside the block: ``get_run_logger()`` outside any run
    then gives a logger that drops everything, rather than raising, so a test can call a
    task's ``.fn()`` directly (Prefect's testing idiom)."""
    flows, tasks = RUN_LOGGERS
    with disable_logger(flows), disable_logger(tasks):
        yield
