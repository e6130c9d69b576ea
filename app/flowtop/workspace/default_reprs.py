"""A flow's parameter defaults described while its file loads, under the load's deadline.

Listing a flow (``flowtop list``, the monitor, ``flowtop run``'s ``--param`` check) shows
each default, by its ``repr`` when JSON cannot hold it: the user's code, which may never
return. Described later, outside ``load_timeout``, such a default hung ``flowtop list``,
``flowtop run`` and the monitor's flow host for good. Described here, on a thread of its
own while the import's deadline (``import_guard.deadline``) runs, the file is broken once
that deadline passes, naming the parameter; the thread is left to its repr (it holds up
nothing: the file's flows are not loaded).

Where no deadline runs (a process that imported the file's probe first: the probe did
this), nothing is described here.
"""

from __future__ import annotations

import inspect
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine.parameters import signature_parameters
from . import import_guard
from .flow_claims import flow_of
from .flow_source import LoadFailed
from .load_error import LoadError

#: Defaults ``json.dumps`` writes without calling any code of the user's.
_PLAIN = (int, float, str, bool, type(None))


class DefaultHung(LoadFailed):
    """A default's repr that did not return before the load's deadline: the file is
    broken (raised inside the import's guard, passed on as it is, never as its import's
    failure)."""


def describe_defaults(module: types.ModuleType, path: Path) -> None:
    """Describe the defaults of the flows ``module`` defines, as listing them does; raise
    :class:`DefaultHung` when one's repr has not returned as the deadline passes. A
    description that fails is left to the listing, which says so as before."""
    if not import_guard.under_deadline():
        return
    functions = _flow_functions(module)
    if not functions:
        return
    describing: list[str] = []  # the parameter being described, and its flow
    flow_name: list[str] = []
    finished = threading.Event()
    returned: list[bool] = []

    def describe() -> None:
        try:
            for name, fn in functions:
                flow_name[:] = [name]
                signature_parameters(fn, describing)
        except BaseException:  # noqa: BLE001 - said where the flow is listed, as before
            pass
        finally:
            returned.append(True)
            finished.set()

    with import_guard.told_instead(finished):
        threading.Thread(target=describe, name="flowtop-describe-defaults", daemon=True).start()
        finished.wait()
    if returned:
        return
    name, fn = next((f for f in functions if f[0] in flow_name), functions[0])
    code = getattr(fn, "__code__", None)
    line = code.co_firstlineno if code is not None and code.co_filename == str(path) else None
    what = f"parameter {describing[0]}'s default" if describing else "its parameters"
    raise DefaultHung(
        LoadError(
            path,
            line,
            None,
            f"describing {what} timed out: its repr did not return (flow {name!r}, "
            "[defaults] load_timeout)",
        )
    )


def _flow_functions(module: types.ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    """The functions of the module's flows with a default not plainly JSON, by flow name."""
    found: dict[str, Callable[..., Any]] = {}
    for value in list(vars(module).values()):
        flow = flow_of(value)
        fn = getattr(flow, "fn", None) if flow is not None else None
        if flow is not None and callable(fn) and not _plain(fn):
            found.setdefault(flow.name, fn)
    return list(found.items())


def _plain(fn: Callable[..., Any]) -> bool:
    """Whether every default of ``fn`` is described without the user's code."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # nothing to describe
        return True
    return all(p.default is p.empty or type(p.default) in _PLAIN for p in parameters)
