"""Prefect 3's ``prefect.tasks``: ``task``, ``Task`` and ``exponential_backoff``."""

from .engine.delays import exponential_backoff
from .engine.task import Task, task

__all__ = ["Task", "exponential_backoff", "task"]
