"""Prefect 3's ``prefect.runtime.flow_run``: the flow run this code runs in (its body, a
task attempt of its run, a hook). flowtop has no API server: ``api_url``, ``ui_url``,
``parent_deployment_id`` and ``job_variables`` are None; ``tags`` are those of ``tags()``.
Its ids are Prefect's, the text of a UUID (``prefect_ids``), not the engine's run ids.
Its attributes are read by ``engine.runtime_reads``, as a ``result_storage_key``
reads them."""

from __future__ import annotations

from ..engine.runtime_reads import FLOW_RUN, FLOW_RUN_FIELDS

FIELDS = FLOW_RUN_FIELDS
__getattr__ = FLOW_RUN.__getattr__
__all__ = list(FIELDS)  # the names Prefect lists, each read by `__getattr__`


def __dir__() -> list[str]:
    return sorted(FIELDS)
