"""Prefect 3's ``get_run_logger``: lines logged in a task attempt are part of its output."""

from .engine.prefect_api import MissingContextError, get_run_logger

__all__ = ["MissingContextError", "get_run_logger"]
