"""Prefect 3's ``prefect.runtime.deployment``. flowtop has no deployments: ``id``,
``name`` and ``version`` are None; as in Prefect outside a deployment, ``flow_run_id``
and ``parameters`` are the current flow run's, in the JSON form Prefect's API gives them
(``prefect_json``; ``flow_run.parameters`` keeps the objects, as in Prefect).
Its attributes are read by ``engine.runtime_reads``, as a ``result_storage_key``
reads them."""

from __future__ import annotations

from ..engine.runtime_reads import DEPLOYMENT, DEPLOYMENT_FIELDS

FIELDS = DEPLOYMENT_FIELDS
__getattr__ = DEPLOYMENT.__getattr__
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def __dir__() -> list[str]:
    return sorted(FIELDS)
