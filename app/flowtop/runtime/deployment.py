"""Prefect 3's ``prefect.runtime.deployment``. flowtop has no deployments: ``id``,
``name`` and ``version`` are None; as in Prefect outside a deployment, ``flow_run_id``
and ``parameters`` are the current flow run's, in the JSON form Prefect's API gives them
(``prefect_json``; ``flow_run.parameters`` keeps the objects, as in Prefect).
Its attributes are read by ``engine.runtime_reads``, as a ``result_storage_key``
reads them; Prefect's ``get_*`` functions (``get_flow_run_id()``) read the same, each its
attribute's reader (``deployment.id`` is ``get_id()``, unless an environment variable
stands in for it)."""

from __future__ import annotations

from typing import Any, cast

from ..engine.runtime_reads import DEPLOYMENT, DEPLOYMENT_FIELDS, with_getters

FIELDS = DEPLOYMENT_FIELDS
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def get_id() -> str | None:
    """None: flowtop has no deployments."""
    return cast("str | None", FIELDS["id"]())


def get_flow_run_id() -> str | None:
    return cast("str | None", FIELDS["flow_run_id"]())


def get_parameters() -> dict[str, Any]:
    return cast("dict[str, Any]", FIELDS["parameters"]())


def get_name() -> str | None:
    """None: flowtop has no deployments."""
    return cast("str | None", FIELDS["name"]())


def get_version() -> str | None:
    """None: flowtop has no deployments."""
    return cast("str | None", FIELDS["version"]())


__getattr__ = with_getters(
    DEPLOYMENT.__getattr__,
    get_id,
    get_flow_run_id,
    get_parameters,
    get_name,
    get_version,
)


def __dir__() -> list[str]:
    return sorted(FIELDS)
