"""Prefect 3's ``prefect.runtime.task_run``: the task attempt this code runs in (in a
flow's run, or a task called outside any flow). ``tags`` is empty; ``api_url`` and
``ui_url`` are None (no API server).
Its attributes are read by ``engine.runtime_reads``, as a ``result_storage_key``
reads them."""

from __future__ import annotations

from ..engine.runtime_reads import TASK_RUN, TASK_RUN_FIELDS

FIELDS = TASK_RUN_FIELDS
__getattr__ = TASK_RUN.__getattr__
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def __dir__() -> list[str]:
    return sorted(FIELDS)
