"""Prefect 3's ``prefect.runtime.deployment``. flowtop has no deployments: ``id``,
``name`` and ``version`` are None; as in Prefect outside a deployment, ``flow_run_id``
and ``parameters`` are the current flow run's."""

from __future__ import annotations

from . import flow_run
from .fields import Fields, reader

FIELDS: Fields = {
    "id": lambda: None,
    "flow_run_id": lambda: flow_run.id,
    "name": lambda: None,
    "parameters": lambda: flow_run.parameters,
    "version": lambda: None,
}

__getattr__ = reader("deployment", FIELDS)
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def __dir__() -> list[str]:
    return sorted(FIELDS)
