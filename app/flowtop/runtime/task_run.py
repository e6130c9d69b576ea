"""Prefect 3's ``prefect.runtime.task_run``: the task attempt this code runs in (in a
flow's run, or a task called outside any flow). ``tags`` is empty; ``api_url`` and
``ui_url`` are None (no API server)."""

from __future__ import annotations

from typing import Any

from ..engine.prefect_context import TaskRunContext
from .fields import Fields, reader


def _read(what: str, default: Any) -> Any:
    context = TaskRunContext.get()
    if context is None:
        return default
    if what == "parameters":
        return context.parameters
    if what == "task_name":
        return context.task.name
    return getattr(context.task_run, what)


def _text(task_run_id: object) -> str | None:
    """The task run's id as Prefect's runtime gives it: its UUID's text."""
    return None if task_run_id is None else str(task_run_id)


FIELDS: Fields = {
    "id": lambda: _text(_read("id", None)),
    "tags": lambda: _read("tags", []),
    "name": lambda: _read("name", None),
    "parameters": lambda: _read("parameters", {}),
    "run_count": lambda: _read("run_count", 0),
    "task_name": lambda: _read("task_name", None),
    "api_url": lambda: None,
    "ui_url": lambda: None,
}

__getattr__ = reader("task_run", FIELDS)
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def __dir__() -> list[str]:
    return sorted(FIELDS)
