"""A worker for ``with_context`` tests in spawned processes (``sys.path`` is passed on to
them): what the process finds of its run."""

from __future__ import annotations

from typing import Any

from flowtop import get_run_logger
from flowtop.context import FlowRunContext, TaskRunContext
from flowtop.runtime import flow_run, task_run


def seen(item: int) -> list[Any]:
    """``item``; the task run (task, name, run count, parameters), the flow run (flow,
    name, parameters), ``prefect.runtime``'s names and the run logger's, there."""
    task_ctx, flow_ctx = TaskRunContext.get(), FlowRunContext.get()
    return [
        item,
        None
        if task_ctx is None
        else [
            task_ctx.task.name,
            task_ctx.task_run.name,
            task_ctx.task_run.run_count,
            task_ctx.parameters,
        ],
        None
        if flow_ctx is None
        else [flow_ctx.flow.name, flow_ctx.flow_run.name, flow_ctx.parameters],
        [task_run.name, flow_run.name],
        get_run_logger().logger.name,
    ]
