"""Prefect 3's ``prefect.settings``, the part flowtop honours: ``temporary_settings`` and
a task's default retries and retry delay (see ``flowtop.engine.settings``)."""

from .engine.settings import (
    PREFECT_TASK_DEFAULT_RETRIES,
    PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS,
    Setting,
    temporary_settings,
)

__all__ = [
    "PREFECT_TASK_DEFAULT_RETRIES",
    "PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS",
    "Setting",
    "temporary_settings",
]
