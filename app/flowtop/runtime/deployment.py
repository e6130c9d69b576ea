"""Prefect 3's ``prefect.runtime.deployment``. flowtop has no deployments: ``id``,
``name`` and ``version`` are None; as in Prefect outside a deployment, ``flow_run_id``
and ``parameters`` are the current flow run's, in the JSON form Prefect's API gives them
(``prefect_json``; ``flow_run.parameters`` keeps the objects, as in Prefect)."""

from __future__ import annotations

from typing import Any

from ..engine.prefect_context import active_run, json_parameters
from . import flow_run
from .fields import Fields, reader


def _parameters() -> dict[str, Any]:
    run = active_run()
    return {} if run is None else json_parameters(run)


FIELDS: Fields = {
    "id": lambda: None,
    "flow_run_id": lambda: flow_run.id,
    "name": lambda: None,
    "parameters": _parameters,
    "version": lambda: None,
}

__getattr__ = reader("deployment", FIELDS)
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def __dir__() -> list[str]:
    return sorted(FIELDS)
