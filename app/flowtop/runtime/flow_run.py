"""Prefect 3's ``prefect.runtime.flow_run``: the flow run this code runs in (its body, a
task attempt of its run, a hook). flowtop has no API server: ``api_url``, ``ui_url``,
``parent_deployment_id`` and ``job_variables`` are None; ``tags`` are those of ``tags()``.
Its ids are Prefect's, the text of a UUID (``prefect_ids``), not the engine's run ids."""

from __future__ import annotations

import time
from typing import Any

from ..engine.prefect_context import active_run
from ..engine.prefect_datetime import DateTime, prefect_time
from ..engine.prefect_ids import prefect_uuid
from ..engine.run_loggers import prefect_flow_run_name
from .fields import Fields, reader


def _uuid_text(run_id: str | None) -> str | None:
    """An engine run id as Prefect's runtime gives a run's id: its UUID's text."""
    return None if run_id is None else str(prefect_uuid(run_id))


def _id() -> str | None:
    run = active_run()
    return None if run is None else _uuid_text(run.run_id)


def _name() -> str | None:
    run = active_run()
    return None if run is None else prefect_flow_run_name(run)


def _flow_name() -> str | None:
    run = active_run()
    return None if run is None else str(run.flow.name)


def _start() -> DateTime:
    """When the run started (Prefect's expected start); now outside a run. A pendulum-like
    ``DateTime``, as Prefect's (``.to_date_string()``, ``.in_timezone(...)``)."""
    run = active_run()
    return prefect_time(run.started_at if run is not None else time.time())


def _flow_version() -> str | None:
    run = active_run()
    return None if run is None else run.flow_version


def _tags() -> list[str]:
    """The tags in effect where the run was called (``tags``); none for a graph's run."""
    run = active_run()
    return [] if run is None else sorted(run.tags)


def _parameters() -> dict[str, Any]:
    run = active_run()
    return {} if run is None else run.flow_parameters()


def _run_count() -> int:
    run = active_run()
    return 0 if run is None else run.flow_attempt


def _parent_id() -> str | None:
    run = active_run()
    return None if run is None else _uuid_text(run.parent_run)


def _root_id() -> str | None:
    """The outermost run of a chain of subflows (the run itself when it has no parent)."""
    run = active_run()
    if run is None:
        return None
    root = str(run.run_id)
    parent = run.parent_run
    while parent is not None:
        root = parent
        above = run.runner.find(parent)
        parent = above.parent_run if above is not None else None
    return _uuid_text(root)


FIELDS: Fields = {
    "id": _id,
    "tags": _tags,
    "scheduled_start_time": _start,
    "name": _name,
    "flow_name": _flow_name,
    "flow_version": _flow_version,
    "parameters": _parameters,
    "parent_flow_run_id": _parent_id,
    "parent_deployment_id": lambda: None,
    "root_flow_run_id": _root_id,
    "run_count": _run_count,
    "api_url": lambda: None,
    "ui_url": lambda: None,
    "job_variables": lambda: None,
}

__getattr__ = reader("flow_run", FIELDS)
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def __dir__() -> list[str]:
    return sorted(FIELDS)
