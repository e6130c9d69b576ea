"""What Prefect 3's ``prefect.runtime`` gives, read from the run it is asked in:
``flow_run``, ``task_run`` and ``deployment`` (``RUNTIME``), objects whose attributes are
functions of the current run, read when asked.

``flowtop.runtime``'s modules are their faces for user code (each module's
``__getattr__`` is its object's). They are here, below ``caching``, which formats a
``result_storage_key`` with them (``{flow_run.name}``): in ``flowtop.runtime``, above the
engine, ``caching`` had to import them inside a function, hiding an import cycle.

As in Prefect, an environment variable ``PREFECT__RUNTIME__<MODULE>__<NAME>`` stands in
for a value in tests of user code, made the type of the value it replaces.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .prefect_context import TaskRunContext, active_run, json_parameters
from .prefect_datetime import DateTime, prefect_time
from .prefect_ids import prefect_uuid
from .run_loggers import prefect_flow_run_name

Fields = dict[str, Callable[[], Any]]


def _as_datetime(text: str) -> datetime:
    """Prefect's ``_parse_datetime_UTC``: a naive time is UTC."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: How a mocked value is made the type of the real one (Prefect's ``type_cast``).
_CASTS: dict[type, Callable[[str], Any]] = {
    bool: lambda text: text.lower() == "true",
    int: int,
    float: float,
    str: str,
    datetime: _as_datetime,
    DateTime: lambda text: DateTime.of(_as_datetime(text)),
    type(None): str,
}


def reader(module: str, fields: Fields) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``flowtop.runtime.<module>`` (and of its ``Runtime``)."""
    prefix = f"PREFECT__RUNTIME__{module.upper()}__"

    def __getattr__(name: str) -> Any:
        read = fields.get(name)
        mocked = os.environ.get(prefix + name.upper())
        if read is None:
            if mocked is not None:
                return mocked
            raise AttributeError(f"flowtop.runtime.{module} has no attribute {name!r}")
        value = read()
        if mocked is None:
            return value
        cast = _CASTS.get(type(value))
        if cast is None:
            raise ValueError(
                "This runtime context attribute cannot be mocked using an environment "
                "variable. Please use monkeypatch instead."
            )
        return cast(mocked)

    return __getattr__


def with_getters(read: Callable[[str], Any], *getters: Callable[[], Any]) -> Callable[[str], Any]:
    """The ``__getattr__`` of a ``flowtop.runtime`` module that defines Prefect's ``get_*``
    functions: each by its name, else an attribute ``read`` now. (The drop-in
    ``prefect.runtime.<module>`` takes only the module's ``__getattr__``.)"""
    by_name = {fn.__name__: fn for fn in getters}

    def __getattr__(name: str) -> Any:
        return by_name[name] if name in by_name else read(name)

    return __getattr__


class Runtime:
    """One module of ``prefect.runtime`` (``flowtop.runtime.<module>``), as an object:
    each attribute read when asked (``reader``)."""

    __slots__ = ("_fields", "_read")

    def __init__(self, module: str, fields: Fields) -> None:
        self._fields = fields
        self._read = reader(module, fields)

    def __getattr__(self, name: str) -> Any:
        return self._read(name)

    def __dir__(self) -> list[str]:
        return sorted(self._fields)


# -- flow_run ------------------------------------------------------------------------
def _uuid_text(run_id: str | None) -> str | None:
    """An engine run id as Prefect's runtime gives a run's id: its UUID's text."""
    return None if run_id is None else str(prefect_uuid(run_id))


def _id() -> str | None:
    run = active_run()
    return None if run is None else _uuid_text(run.run_id)


def _name() -> str | None:
    run = active_run()
    return None if run is None else prefect_flow_run_name(run)


#: The attribute that holds a flow's Prefect name when flowtop lists it under another
#: (two classes' ``run`` flows, listed ``Sales.run`` and ``Marketing.run``: the
#: workspace's ``method_flows``); ``flow_run.flow_name`` says Prefect's, as Prefect does.
PREFECT_NAME = "prefect_name"


def _flow_name() -> str | None:
    run = active_run()
    return None if run is None else str(getattr(run.flow, PREFECT_NAME, run.flow.name))


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


FLOW_RUN_FIELDS: Fields = {
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


FLOW_RUN = Runtime("flow_run", FLOW_RUN_FIELDS)


# -- task_run ------------------------------------------------------------------------
def _read(what: str, default: Any) -> Any:
    context = TaskRunContext.get()
    if context is None:
        return default
    if what == "parameters":
        return context.parameters
    if what == "task_name":
        return context.task.name
    return getattr(context.task_run, what)


def _text(task_run_id: object) -> str | None:
    """The task run's id as Prefect's runtime gives it: its UUID's text."""
    return None if task_run_id is None else str(task_run_id)


TASK_RUN_FIELDS: Fields = {
    "id": lambda: _text(_read("id", None)),
    "tags": lambda: _read("tags", []),
    "name": lambda: _read("name", None),
    "parameters": lambda: _read("parameters", {}),
    "run_count": lambda: _read("run_count", 0),
    "task_name": lambda: _read("task_name", None),
    "api_url": lambda: None,
    "ui_url": lambda: None,
}


TASK_RUN = Runtime("task_run", TASK_RUN_FIELDS)


# -- deployment ----------------------------------------------------------------------
def _json_parameters() -> dict[str, Any]:
    run = active_run()
    return {} if run is None else json_parameters(run)


DEPLOYMENT_FIELDS: Fields = {
    "id": lambda: None,
    "flow_run_id": lambda: FLOW_RUN.id,
    "name": lambda: None,
    "parameters": _json_parameters,
    "version": lambda: None,
}


DEPLOYMENT = Runtime("deployment", DEPLOYMENT_FIELDS)

#: What a ``result_storage_key`` can name besides ``parameters`` (``caching``): Prefect
#: formats it with every name of ``prefect.runtime``, these.
RUNTIME: dict[str, Runtime] = {"flow_run": FLOW_RUN, "task_run": TASK_RUN, "deployment": DEPLOYMENT}
