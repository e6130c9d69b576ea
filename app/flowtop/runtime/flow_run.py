"""Prefect 3's ``prefect.runtime.flow_run``: the flow run this code runs in (its body, a
task attempt of its run, a hook). flowtop has no API server: ``api_url``, ``ui_url``,
``parent_deployment_id`` and ``job_variables`` are None; ``tags`` are those of ``tags()``.
Its ids are Prefect's, the text of a UUID (``prefect_ids``), not the engine's run ids.
Its attributes are read by ``engine.runtime_reads``, as a ``result_storage_key``
reads them; Prefect's ``get_*`` functions (``get_name()``) read the same, each its
attribute's reader (``flow_run.name`` is ``get_name()``, unless an environment variable
stands in for it)."""

from __future__ import annotations

from typing import Any, cast

from ..engine.prefect_datetime import DateTime
from ..engine.runtime_reads import FLOW_RUN, FLOW_RUN_FIELDS, with_getters

FIELDS = FLOW_RUN_FIELDS
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def get_id() -> str | None:
    return cast("str | None", FIELDS["id"]())


def get_tags() -> list[str]:
    return cast("list[str]", FIELDS["tags"]())


def get_run_count() -> int:
    return cast("int", FIELDS["run_count"]())


def get_name() -> str | None:
    return cast("str | None", FIELDS["name"]())


def get_flow_name() -> str | None:
    return cast("str | None", FIELDS["flow_name"]())


def get_flow_version() -> str | None:
    return cast("str | None", FIELDS["flow_version"]())


def get_scheduled_start_time() -> DateTime:
    return cast("DateTime", FIELDS["scheduled_start_time"]())


def get_parameters() -> dict[str, Any]:
    return cast("dict[str, Any]", FIELDS["parameters"]())


def get_parent_flow_run_id() -> str | None:
    return cast("str | None", FIELDS["parent_flow_run_id"]())


def get_parent_deployment_id() -> str | None:
    """None: flowtop has no deployments."""
    return cast("str | None", FIELDS["parent_deployment_id"]())


def get_root_flow_run_id() -> str | None:
    return cast("str | None", FIELDS["root_flow_run_id"]())


def get_flow_run_api_url() -> str | None:
    """None: flowtop has no API server."""
    return cast("str | None", FIELDS["api_url"]())


def get_flow_run_ui_url() -> str | None:
    """None: flowtop has no UI server."""
    return cast("str | None", FIELDS["ui_url"]())


def get_job_variables() -> dict[str, Any] | None:
    """None: flowtop has no work pools."""
    return cast("dict[str, Any] | None", FIELDS["job_variables"]())


__getattr__ = with_getters(
    FLOW_RUN.__getattr__,
    get_id,
    get_tags,
    get_run_count,
    get_name,
    get_flow_name,
    get_flow_version,
    get_scheduled_start_time,
    get_parameters,
    get_parent_flow_run_id,
    get_parent_deployment_id,
    get_root_flow_run_id,
    get_flow_run_api_url,
    get_flow_run_ui_url,
    get_job_variables,
)


def __dir__() -> list[str]:
    return sorted(FIELDS)
