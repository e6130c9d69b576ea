"""Prefect 3's cache policies: ``@task(cache_policy=INPUTS)`` (drop-in:
``prefect.cache_policies``). Policies add up (``INPUTS + TASK_SOURCE``), and ``INPUTS -
"name"`` leaves an argument out of the key; see ``engine/caching.py``."""

from __future__ import annotations

from .engine.caching import (
    DEFAULT,
    FLOW_PARAMETERS,
    INPUTS,
    NO_CACHE,
    NONE,
    RUN_ID,
    TASK_SOURCE,
    CacheKeyFnPolicy,
    CachePolicy,
    CompoundCachePolicy,
    FlowParameters,
    Inputs,
    RunId,
    TaskSource,
)

__all__ = [
    "DEFAULT",
    "FLOW_PARAMETERS",
    "INPUTS",
    "NONE",
    "NO_CACHE",
    "RUN_ID",
    "TASK_SOURCE",
    "CacheKeyFnPolicy",
    "CachePolicy",
    "CompoundCachePolicy",
    "FlowParameters",
    "Inputs",
    "RunId",
    "TaskSource",
]
