"""Attempt backends: run each attempt in a worker process or on a Dask cluster.

The runner keeps retries, timers, states and events, so the monitor, the history and
the JSON output are the same whatever runs the attempts; a backend only carries one
attempt to where it runs and its outcome back. One module per question: ``spec``
(what the user asked for), ``shipping`` (pickling both ways), ``process_backend`` and
``dask_backend``. This module picks a backend from a spec and keeps their names
importable from one place.

Dask and cloudpickle are optional (``pip install -e ".[dask]"``): nothing here
imports them until a backend is made.
"""

from __future__ import annotations

from typing import Any

from .dask_backend import DaskBackend
from .dask_connect import CONNECT_TIMEOUT
from .errors import RemoteTraceback
from .flow_package import FLOW_PACKAGE
from .process_backend import ProcessBackend
from .shipping import (
    AttemptStopped,
    ShippingError,
    pack,
    run_pickled,
    task_name,
    unpack,
)
from .spec import (
    DASHBOARD_ADDRESS,
    DASHBOARD_ENV,
    EXTRA,
    SPEC_HELP,
    ExecutorError,
    check_spec,
    dashboard_wanted,
    parse_spec,
)


def make_backend(spec: str | None, *, workers: int = 8) -> Any:
    """The backend for ``spec``: None for ``thread`` (the runner's own threads)."""
    kind, address = parse_spec(spec or "thread")
    if kind == "thread":
        return None
    check_spec(spec)
    if kind == "process":
        return ProcessBackend(workers)
    return DaskBackend(address, workers=workers)


__all__ = [
    "CONNECT_TIMEOUT",
    "DASHBOARD_ADDRESS",
    "DASHBOARD_ENV",
    "EXTRA",
    "FLOW_PACKAGE",
    "SPEC_HELP",
    "AttemptStopped",
    "DaskBackend",
    "ExecutorError",
    "ProcessBackend",
    "RemoteTraceback",
    "ShippingError",
    "check_spec",
    "dashboard_wanted",
    "make_backend",
    "pack",
    "parse_spec",
    "run_pickled",
    "task_name",
    "unpack",
]
