"""Prefect 3's ``prefect.runtime.task_run``: the task attempt this code runs in (in a
flow's run, or a task called outside any flow). ``tags`` is empty; ``api_url`` and
``ui_url`` are None (no API server).
Its attributes are read by ``engine.runtime_reads``, as a ``result_storage_key``
reads them; Prefect's ``get_*`` functions (``get_run_count()``) read the same, each its
attribute's reader (``task_run.run_count`` is ``get_run_count()``, unless an environment
variable stands in for it)."""

from __future__ import annotations

from typing import Any, cast

from ..engine.runtime_reads import TASK_RUN, TASK_RUN_FIELDS, with_getters

FIELDS = TASK_RUN_FIELDS
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def get_id() -> str | None:
    return cast("str | None", FIELDS["id"]())


def get_tags() -> list[str]:
    return cast("list[str]", FIELDS["tags"]())


def get_run_count() -> int:
    return cast("int", FIELDS["run_count"]())


def get_name() -> str | None:
    return cast("str | None", FIELDS["name"]())


def get_task_name() -> str | None:
    return cast("str | None", FIELDS["task_name"]())


def get_parameters() -> dict[str, Any]:
    return cast("dict[str, Any]", FIELDS["parameters"]())


def get_task_run_api_url() -> str | None:
    """None: flowtop has no API server."""
    return cast("str | None", FIELDS["api_url"]())


def get_task_run_ui_url() -> str | None:
    """None: flowtop has no UI server."""
    return cast("str | None", FIELDS["ui_url"]())


__getattr__ = with_getters(
    TASK_RUN.__getattr__,
    get_id,
    get_tags,
    get_run_count,
    get_name,
    get_task_name,
    get_parameters,
    get_task_run_api_url,
    get_task_run_ui_url,
)


def __dir__() -> list[str]:
    return sorted(FIELDS)
