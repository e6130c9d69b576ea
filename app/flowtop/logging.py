"""Prefect 3's ``prefect.logging``: ``get_run_logger`` (lines logged in a task attempt are
part of its output), ``get_logger``, and ``disable_run_logger`` for testing a task's
function outside any run, as in Prefect."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from .engine.prefect_api import RUN_LOGGERS, MissingContextError, get_run_logger

__all__ = [
    "MissingContextError",
    "disable_logger",
    "disable_run_logger",
    "get_logger",
    "get_run_logger",
]


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
