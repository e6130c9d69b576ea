"""A worker for ``with_context`` tests: importable by a spawned process (``sys.path`` is
passed on to it), as a flow module's own functions are not."""

from __future__ import annotations

from typing import Any

from flowtop import get_run_logger
from flowtop.context import FlowRunContext, TaskRunContext


def where(item: int) -> tuple[Any, ...]:
    """``item``, the run logger's name, and the task and flow run it finds itself in."""
    logger = get_run_logger()
    logger.info("worker %s", item)
    task_run, flow_run = TaskRunContext.get(), FlowRunContext.get()
    return (
        item,
        logger.logger.name,
        task_run.task.name if task_run else None,
        flow_run.flow.name if flow_run else None,
    )
