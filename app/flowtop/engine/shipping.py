"""Shipping an attempt to a worker and its outcome back: cloudpickle, both ways.

Both backends ship the same bytes: the function, its arguments and the coordinator's
log level, pickled by cloudpickle, and get back the pickled outcome. Pickling on both
sides (even for an in-process Dask cluster) is what makes an unpicklable result fail the
same way everywhere, with a message that names the task, instead of hanging a worker or
succeeding on one executor only.

Flow modules are imported by flowtop under ``flowtop_flows.*`` names no worker can
import, and their helper modules live in a folder no worker has on its path: both are
registered with cloudpickle to be pickled by value. Classes pickled by value keep their
identity on the way back (cloudpickle tracks them), so ``retry_on=MyError`` still
matches an exception raised on a worker.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import traceback
import types
from collections.abc import Callable
from typing import Any

from . import capture
from .context import shipped_from
from .errors import RemoteTraceback, TaskTimeout
from .flow_package import FLOW_PACKAGE
from .library_folders import library_folders
from .records import from_user_code

#: How often a waiting call looks whether its attempt was abandoned (timed out, cancelled).
POLL = 0.05
#: Let the runner's own timer fail a timed-out attempt first; the backend then stops it.
GRACE = 0.05


class ShippingError(Exception):
    """An attempt's function, arguments, result or exception could not cross to or from its worker."""


class AttemptStopped(Exception):
    """The backend stopped an attempt the runner had already given up (cancel, shutdown)."""


# -- shipping ---------------------------------------------------------------------------
_shipped: dict[str, int] = {}  # module name -> id of the module object last registered
#: Module name -> file of each module shipped by value: the worker gives their functions
#: their files back (``_restore_filenames``).
_by_value_files: dict[str, str] = {}
_ship_lock = threading.Lock()


def task_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _installed_paths() -> tuple[str, ...]:
    """``library_folders``, case-folded as the module paths tested against them are."""
    return tuple(os.path.normcase(folder) for folder in library_folders())


def _register_by_value(fn: Callable[..., Any]) -> None:
    """Make cloudpickle ship ``fn``'s flow module and the helpers beside it by value.

    Helpers are the modules whose file lies in the folder of a loaded flow module (not an
    installed package, not flowtop itself). Done again when a reload makes a new module.
    """
    while isinstance(fn, functools.partial):  # `task(partial(add, 10))`: add's module
        fn = fn.func
    name = getattr(fn, "__module__", None) or ""
    module = sys.modules.get(name)
    if (
        not name.startswith(FLOW_PACKAGE + ".")
        or module is None
        or _shipped.get(name) == id(module)
    ):
        return
    import cloudpickle

    with _ship_lock:
        modules = list(sys.modules.items())
        roots = set()
        for mod_name, mod in modules:
            file = getattr(mod, "__file__", None)
            if mod_name.startswith(FLOW_PACKAGE + ".") and file:
                roots.add(os.path.normcase(os.path.dirname(os.path.abspath(file))) + os.sep)
                _by_value_files[mod_name] = file
        installed = _installed_paths()
        if FLOW_PACKAGE in sys.modules:
            cloudpickle.register_pickle_by_value(sys.modules[FLOW_PACKAGE])
        for mod_name, mod in modules:
            file = getattr(mod, "__file__", None)
            if (
                not file
                or mod_name == "__main__"
                or mod_name.split(".")[0] in ("flowtop", FLOW_PACKAGE)
            ):
                continue
            path = os.path.normcase(os.path.abspath(file))
            if (
                any(path.startswith(r) for r in roots)
                and not path.startswith(installed)
                and "site-packages" not in path
                and "dist-packages" not in path
            ):
                cloudpickle.register_pickle_by_value(mod)
                _by_value_files[mod_name] = file
        _shipped[name] = id(module)


def pack(
    fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], workspace: str | None = None
) -> bytes:
    """The bytes a worker needs to run one attempt; ``workspace`` is the ``.flowtop``
    folder of the run's workspace, whose limits and variables the task uses there."""
    import cloudpickle

    _register_by_value(fn)
    level = logging.getLogger().getEffectiveLevel()
    files = dict(_by_value_files)
    module = getattr(fn, "__module__", None)
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    if module and filename:  # a task function of a module not shipped by value (a test's)
        files.setdefault(module, filename)
    payload: bytes = cloudpickle.dumps((fn, args, kwargs, level, files, workspace), protocol=5)
    return payload


def _with_filename(code: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(
        _with_filename(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


_DYNAMIC = "<dynamic-code>"


def _restore_filenames(fn: Any, files: dict[str, str]) -> None:
    """Give the functions shipped by value their files back, so a traceback from a worker
    shows the user's files and lines, the helper modules' as much as the flow file's.

    cloudpickle names the code of every function it pickles by value ``<dynamic-code>``:
    the task's (``@task`` functions are always pickled by value: the module attribute is
    the Task) and every function of a flow or helper module. From the task's function,
    this follows globals, class attributes and modules of those modules only, so a large
    value in the globals is never walked.
    """
    seen: set[int] = set()
    todo: list[Any] = [fn]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, staticmethod | classmethod):
            todo.append(obj.__func__)
        elif isinstance(obj, types.FunctionType):
            file = files.get(obj.__module__ or "")
            if file and obj.__code__.co_filename == _DYNAMIC:
                obj.__code__ = _with_filename(obj.__code__, file)
            todo.extend(v for v in obj.__globals__.values() if _shipped_with(v, files))
        elif isinstance(obj, type | types.ModuleType):
            todo.extend(v for v in vars(obj).values() if _shipped_with(v, files))


def _shipped_with(value: Any, files: dict[str, str]) -> bool:
    """Whether ``value`` may hold functions shipped by value: a function, class or
    method of a module in ``files``, or such a module."""
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    if isinstance(value, types.ModuleType):
        return value.__name__ in files
    return isinstance(value, types.FunctionType | type) and value.__module__ in files


def _dump(outcome: tuple[Any, ...]) -> bytes:
    import cloudpickle

    payload: bytes = cloudpickle.dumps(outcome, protocol=5)
    return payload


def describe_error(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a user's __str__ may raise
        return type(exc).__name__


def run_pickled(payload: bytes, where: str) -> bytes:
    """On the worker: run one packed attempt and return its packed outcome. Never raises."""
    import cloudpickle

    try:
        fn, args, kwargs, level, files, workspace = cloudpickle.loads(payload)
        _restore_filenames(fn, files)
    except BaseException as exc:  # noqa: BLE001 - reported to the coordinator, not raised here
        failure = ShippingError(
            f"the task could not be loaded in the {where}: {describe_error(exc)}"
        )
        return _dump(("error", failure, traceback.format_exc(), ""))
    root = logging.getLogger()
    if root.getEffectiveLevel() > level:  # log.info in a task is captured as it is at home
        root.setLevel(level)
    name = task_name(fn)
    capture.begin()
    try:
        with shipped_from(workspace):
            value = fn(*args, **kwargs)
        error = None
    except BaseException as exc:  # noqa: BLE001 - every outcome is reported, none escapes
        value, error = None, exc
    output = capture.end()
    if error is None:
        try:
            return _dump(("ok", value, output))
        except BaseException as exc:  # noqa: BLE001 - an unpicklable result is the task's error
            problem = ShippingError(
                f"result of task {name!r} could not be sent back from the {where}: {describe_error(exc)}"
            )
            return _dump(("error", problem, "", output))
    tb = error.__traceback__
    text = "".join(traceback.format_exception(type(error), error, from_user_code(tb)))
    # The text has the frames and the chain; dropping them keeps the pickle small and the
    # same whether or not tblib (installed by distributed) would pickle tracebacks too.
    error.__traceback__ = error.__cause__ = error.__context__ = None
    step = "pickling"
    try:
        data = _dump(("error", error, text, output))
        # One that pickles but cannot be rebuilt (an ``__init__`` taking other arguments
        # than its ``args``) failed only at home, as "result … could not be received".
        step = "unpickling"
        cloudpickle.loads(data)
        return data
    except BaseException as exc:  # noqa: BLE001 - an unpicklable error is reported
        problem = ShippingError(
            f"exception of task {name!r} could not be sent back from the {where}: "
            f"{describe_error(error)} ({step} it failed: {describe_error(exc)})"
        )
        return _dump(("error", problem, text, output))


def unpack(data: bytes, name: str, where: str) -> tuple[Any, BaseException | None, str]:
    """The coordinator's side of :func:`run_pickled`: ``(value, error, output)``."""
    import cloudpickle

    try:
        outcome = cloudpickle.loads(data)
    except BaseException as exc:  # noqa: BLE001 - bad bytes are a ShippingError
        error = ShippingError(
            f"result of task {name!r} could not be received from the {where}: {describe_error(exc)}"
        )
        return None, error, ""
    if outcome[0] == "ok":
        return outcome[1], None, outcome[2]
    _, error, text, output = outcome
    if text:
        error.__cause__ = RemoteTraceback(text)
    return None, error, output


def never() -> bool:
    return False


def timed_out(name: str, timeout: float, how: str) -> TaskTimeout:
    return TaskTimeout(f"attempt of {name!r} ran past its timeout of {timeout:g}s ({how})", timeout)
