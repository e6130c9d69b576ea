"""Prefect 3's ``prefect.context``: ``TaskRunContext.get()`` inside a task attempt gives
its ``task_run`` (``run_count``, ``name``, ``id``, ``state_name``) and ``parameters``;
``FlowRunContext.get()`` the ``@flow`` run's; ``get_run_context()`` either;
``with_context(fn)`` runs ``fn`` in the caller's run on another thread or process (a
spawned one restores that run's contexts, as Prefect's ``hydrated_context``)."""

from .engine.prefect_api import MissingContextError
from .engine.prefect_context import FlowRunContext, TaskRunContext, get_run_context
from .engine.tags import tags
from .runtime.carried import with_context

EngineContext = FlowRunContext

__all__ = [
    "EngineContext",
    "FlowRunContext",
    "MissingContextError",
    "TaskRunContext",
    "get_run_context",
    "tags",
    "with_context",
]
