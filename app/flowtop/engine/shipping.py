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

An exception whose ``__init__`` takes other arguments than the ``args`` it keeps (most
of requests', httpx's and botocore's) is pickled without its ``__init__``
(:func:`rebuild_error`): Python's own pickling rebuilds it as ``cls(*args)``, which
failed (or changed its message), and the task's error became a ``ShippingError`` that
neither ``retry_on`` nor the flow's ``except`` matched.
"""

from __future__ import annotations

import collections.abc
import contextlib
import functools
import inspect
import io
import logging
import os
import reprlib
import sys
import threading
import traceback
import types
from collections.abc import Callable
from typing import Any

from . import capture, death_output, worker_context
from .ast_race import despite_ast_race
from .context import shipped_from
from .dask_places import worker_address
from .errors import RemoteTraceback, TaskTimeout
from .flow_package import FLOW_PACKAGE
from .library_folders import FLOWTOP_FOLDER, library_folders
from .outcome_envelope import describe_error, not_received, seal, unseal
from .records import flow_classes_bare, from_user_code

#: How often a waiting call looks whether its attempt was abandoned (timed out, cancelled).
POLL = 0.05
#: Let the runner's own timer fail a timed-out attempt first; the backend then stops it.
GRACE = 0.05


class ShippingError(Exception):
    """An attempt's function, arguments, result or exception could not cross to or from its worker."""


class UnshippableError(ShippingError):
    """An attempt whose function, arguments or result can never be pickled (a module-level
    lock, a generator, a file open for writing): another attempt would fail the same way,
    so its task fails at once whatever its retries (``attempt.judge``). A ``ShippingError``
    still, so ``except ShippingError`` catches both; a crashed worker stays a plain one,
    retried by ``retry_on=[ShippingError]``."""


class AttemptStopped(Exception):
    """The backend stopped an attempt the runner had already given up (cancel, shutdown)."""


# -- shipping ---------------------------------------------------------------------------
_shipped: dict[str, int] = {}  # module name -> id of the module object last registered
#: The modules shipped by value (a cached helper of one is rebuilt there too).
_by_value: set[str] = set()
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
                _by_value.add(mod_name)
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
                _by_value.add(mod_name)
        _shipped[name] = id(module)


def pack(
    fn: Callable[..., Any],
    args: list[Any],
    kwargs: dict[str, Any],
    workspace: str | None = None,
    name: str | None = None,
) -> bytes:
    """The bytes a worker needs to run one attempt; ``workspace`` is the ``.flowtop``
    folder of the run's workspace, whose limits and variables the task uses there;
    ``name`` what the worker's errors call the task (its run's key, ``load-2``). Whether
    a flowtop command runs here (``capture.pinned``) goes too: the worker's logging is then
    that of the command's threads (``capture.pin``), and the attempt's run context, for
    Prefect code there (``worker_context``). Code keeps its file
    (``_code_with_its_file``): the empty dict stands where an older worker read the files
    to give it back."""
    _register_by_value(fn)
    level = logging.getLogger().getEffectiveLevel()
    pinned = capture.pinned()
    context = worker_context.packed()
    return _pickled((fn, args, kwargs, level, {}, workspace, name, pinned, context))


_DYNAMIC = "<dynamic-code>"


def _code_with_its_file(code: types.CodeType, reduce: Callable[..., Any]) -> Any:
    """cloudpickle's reduction of ``code`` (a function shipped by value: a task's, a flow or
    helper module's, one in a closure, a dict, a task called in a task …) but for its file,
    kept for tracebacks: cloudpickle 3.1 names it ``<dynamic-code>``, and a worker's
    traceback and one-line location read ``<dynamic-code>:14 in parse``."""
    made, fields = reduce(code)
    own = code.co_filename
    return made, tuple(own if isinstance(f, str) and f == _DYNAMIC else f for f in fields)


def _pickled(shipment: tuple[Any, ...]) -> bytes:
    """cloudpickle's bytes for an attempt or its outcome, but for an exception in it
    (raised, returned or passed as an argument) that would not unpickle as itself
    (:func:`_rebuilt_by_init_with_args`): that one crosses by :func:`rebuild_error`."""
    buffer = io.BytesIO()
    _shipping_pickler()(buffer, protocol=5).dump(shipment)
    return buffer.getvalue()


def _own(cls: type, name: str) -> bool:
    """Whether ``name`` (``__init__``, ``__reduce__`` …) of ``cls`` is the user's, not
    a builtin exception's: the first class of the MRO defining it is not a builtin."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass.__module__ != "builtins"
    return False


def _rebuilt_by_init_with_args(cls: type) -> bool:
    """Whether Python's default pickling would rebuild an error of ``cls`` as
    ``cls(*error.args)``: wrong whenever ``__init__`` takes other arguments than it
    passes on (``__init__(self, code, detail)`` then ``super().__init__(f"{code}:
    {detail}")``, as requests', httpx's and botocore's errors do): unpickling raised a
    TypeError, or gave the error another message. Not for a class that chose how it is
    pickled (its own ``__reduce__``, ``__setstate__`` or ``__new__``)."""
    return _own(cls, "__init__") and not any(
        _own(cls, name) for name in ("__new__", "__reduce__", "__reduce_ex__", "__setstate__")
    )


#: The attributes of an ``OSError`` that its ``args`` alone do not set again.
_OS_ERROR_FIELDS = ("errno", "strerror", "filename", "filename2")


def _slot_names(cls: type) -> list[str]:
    """The ``__slots__`` of ``cls`` and its bases, as attribute names (``__x`` mangled)."""
    names = []
    for klass in cls.__mro__:
        slots = vars(klass).get("__slots__", ())
        for name in [slots] if isinstance(slots, str) else slots:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{klass.__name__.lstrip('_')}{name}"
            names.append(name)
    return names


def _error_state(error: BaseException) -> dict[str, Any]:
    """What :func:`rebuild_error` sets on the new error: its ``args``, ``__dict__`` (the
    attributes ``__init__`` set, ``__notes__``), its slots and an ``OSError``'s own
    fields. The traceback and chain are not in it: they travel as text (``RemoteTraceback``)."""
    fields: dict[str, Any] = {"args": error.args}
    for name in _slot_names(type(error)):
        with contextlib.suppress(AttributeError):  # a slot __init__ left empty stays empty
            fields[name] = getattr(error, name)
    if isinstance(error, OSError):
        fields.update(
            (name, getattr(error, name))
            for name in _OS_ERROR_FIELDS
            if getattr(error, name) is not None
        )
    return {"fields": fields, "attributes": dict(vars(error))}


def rebuild_error(cls: type[BaseException], state: dict[str, Any]) -> BaseException:
    """An error of ``cls`` as it was on the worker, made without calling its ``__init__``
    (whose arguments are gone): ``except TwoArgErr as e: e.code`` works on the coordinator."""
    error = cls.__new__(cls)
    for name, value in state["fields"].items():
        setattr(error, name, value)
    vars(error).update(state["attributes"])
    return error


@functools.cache
def _shipping_pickler() -> type[Any]:
    """cloudpickle's pickler, made once cloudpickle is imported (it is optional)."""
    import cloudpickle

    class ShippingPickler(cloudpickle.Pickler):  # type: ignore[misc]  # cloudpickle is untyped
        """Pickles an error that ``cls(*args)`` would not rebuild (and one nested in
        another's attributes) with :func:`rebuild_error`; anything else as cloudpickle does."""

        def reducer_override(self, obj: Any) -> Any:
            if (
                isinstance(obj, BaseException)
                and type(obj) not in self.dispatch_table  # a copyreg reducer is the owner's choice
                and _rebuilt_by_init_with_args(type(obj))
            ):
                return rebuild_error, (type(obj), _error_state(obj))
            if type(obj) is functools._lru_cache_wrapper and obj.__module__ in _by_value:
                size, typed = obj.cache_parameters().values()  # a cached helper: by value too
                return type(obj), (obj.__wrapped__, size, typed, functools._CacheInfo), vars(obj)
            if type(obj) is types.CodeType and types.CodeType in self.dispatch_table:
                return _code_with_its_file(obj, self.dispatch_table[types.CodeType])
            return super().reducer_override(obj)

    return ShippingPickler


def run_pickled(payload: bytes, where: str) -> bytes:
    """On the worker: run one packed attempt and return its packed outcome. Never raises."""
    import cloudpickle

    try:
        fn, args, kwargs, level, _, workspace, *named = cloudpickle.loads(payload)
    except BaseException as exc:  # noqa: BLE001 - reported to the coordinator, not raised here
        return _not_loaded(exc, where)
    root = logging.getLogger()
    if root.getEffectiveLevel() > level:  # log.info in a task is captured as it is at home
        root.setLevel(level)
    capture.pin(named[1:2] == [True])  # a flowtop command's: no record its threads make
    name = named[0] if named and named[0] else task_name(fn)  # (an older coordinator sends none)
    context = named[2] if len(named) > 2 else None  # (so does it a run context)
    death_output.begin()  # in a process worker, kept on disk too (its death)
    try:
        with shipped_from(workspace), worker_context.restored(context, fn, args, kwargs):
            value = fn(*args, **kwargs)
        error = None
    except BaseException as exc:  # noqa: BLE001 - every outcome is reported, none escapes
        value, error = None, exc
    output = capture.end()
    if error is None:
        try:
            return seal(_pickled((value,)), "", "", output)
        except BaseException as exc:  # noqa: BLE001 - an unpicklable result is the task's error
            return _failed(unsendable_result(value, exc, name, where), "", output)
    tb = error.__traceback__
    user_tb = from_user_code(tb)
    lines = despite_ast_race(lambda: traceback.format_exception(type(error), error, user_tb))
    text = flow_classes_bare("".join(lines), error)  # named as at home: ``MyError: mine``
    # The text has the frames and the chain; dropping them keeps the pickle small and the
    # same whether or not tblib (installed by distributed) would pickle tracebacks too.
    error.__traceback__ = error.__cause__ = error.__context__ = None
    step = "pickling"
    try:
        body = _pickled((error,))
        # One that pickles but cannot be rebuilt (a ``__new__`` taking arguments, a
        # ``__setstate__`` that raises) failed only at home, as "result … could not be
        # received": unpickled here, it fails saying which task and why.
        step = "unpickling"
        cloudpickle.loads(body)
        return seal(body, describe_error(error), text, output)
    except BaseException as exc:  # noqa: BLE001 - an unpicklable error is reported
        problem = ShippingError(
            f"exception of task {name!r} could not be sent back from the {where}: "
            f"{describe_error(error)} ({step} it failed: {describe_error(exc)})"
        )
        return _failed(problem, text, output)


def _not_loaded(exc: BaseException, where: str) -> bytes:
    """A task its worker could not unpickle (``exc``): no frame of cloudpickle's named."""
    import cloudpickle

    said = f"the task could not be loaded in the {where}{worker_address()}: {describe_error(exc)}"
    if isinstance(exc, ModuleNotFoundError):  # not a flow's file: those travel along
        said += " (a worker needs every library the task imports installed)"
    tb, loading = exc.__traceback__, (FLOWTOP_FOLDER, os.path.dirname(cloudpickle.__file__), "<")
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(loading):
        tb = tb.tb_next  # (its ``subimport`` was the place said; a library's own stay)
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return _failed(ShippingError(said), text, "")


def _failed(error: BaseException, text: str, output: str) -> bytes:
    """The outcome of an attempt that failed with ``error``, which pickles."""
    return seal(_pickled((error,)), describe_error(error), text, output)


def unpack(data: bytes, name: str, where: str) -> tuple[Any, BaseException | None, str]:
    """The coordinator's side of :func:`run_pickled`: ``(value, error, output)``."""
    import cloudpickle

    envelope = unseal(data)
    try:
        (shipped,) = cloudpickle.loads(envelope.body)  # the result, or the exception
    except BaseException as exc:  # noqa: BLE001 - e.g. a class only the workers can import
        error = ShippingError(not_received(envelope, name, where, exc))
        error.__cause__ = RemoteTraceback(envelope.text) if envelope.text else None
        return None, error, envelope.output
    if not envelope.said:
        return shipped, None, envelope.output
    if envelope.text:
        shipped.__cause__ = RemoteTraceback(envelope.text)
    return None, shipped, envelope.output


# -- what could not be pickled, said on failure only ----------------------------------
#: The decision's reason for an :class:`UnshippableError` (``attempt.judge``).
NOT_SENDABLE = "it cannot be sent to or from a worker"
#: How deep :func:`unshippable` looks into containers and the helpers a function calls.
_DEPTH = 4
_STATE_ADVICE = (
    "state cannot be sent to a worker process; keep it outside the process "
    "(a file, a database) or use --executor thread"
)


def unshippable(
    fn: Callable[..., Any],
    args: list[Any],
    kwargs: dict[str, Any],
    exc: Exception,
    to: str,
    name: str | None = None,
) -> ShippingError:
    """The error of an attempt :func:`pack` failed to pickle with ``exc``, for ``to`` ("a
    worker process"): an :class:`UnshippableError` naming what could not be pickled and
    where (the function's globals, then each argument, pickled alone), as cloudpickle's
    own message (``cannot pickle '_thread.lock' object``) names neither. Looked for only
    after a failure: an attempt that ships pays nothing for it. A ``MemoryError`` may pass
    next time: it stays a retryable ``ShippingError``. ``name``: the task run's key, else
    the function's name."""
    name = name or task_name(fn)
    if isinstance(exc, MemoryError):
        return ShippingError(f"task {name!r} could not be sent to {to}: {describe_error(exc)}")
    try:
        found = _function_culprit(fn) or _argument_culprit(fn, args, kwargs)
    except Exception:  # noqa: BLE001 - a user's object failing another way: say cloudpickle's words
        found = None
    return UnshippableError(
        f"task {name!r} could not be sent to {to}: {found or describe_error(exc)} — never retried"
    )


def unsendable_result(value: Any, exc: BaseException, name: str, where: str) -> ShippingError:
    """On the worker: the error of an attempt whose result ``value`` failed to pickle with
    ``exc``, naming the part that does not (as :func:`unshippable` names an argument). The
    function would return the same next time: an :class:`UnshippableError`, but for a
    ``MemoryError``, which may pass then."""
    start = f"result of task {name!r} could not be sent back from the {where}: "
    if not isinstance(exc, Exception) or isinstance(exc, MemoryError):
        return ShippingError(start + describe_error(exc))
    try:
        found = _culprit("its result", value, exc, "return")
    except Exception:  # noqa: BLE001 - a user's object failing another way: say cloudpickle's words
        found = None
    return UnshippableError(f"{start}{found or describe_error(exc)} — never retried")


def _pickle_problem(value: Any) -> Exception | None:
    """Why ``value`` alone does not pickle as shipping pickles it, or None."""
    try:
        _pickled((value,))
    except Exception as exc:  # noqa: BLE001 - whatever pickling raised is the answer
        return exc
    return None


def _kind(value: Any) -> str:
    """``a _thread.lock``, ``a generator``: what ``value`` is, as pickle's errors name it."""
    cls = type(value)
    name = (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )
    return f"{'an' if name[0] in 'aeiouAEIOU' else 'a'} {name}"


def _shown_path(path: str) -> str:
    """``path`` relative to the current folder when it lies inside it, as a user typed it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # on another drive
        return path
    return path if relative.startswith(os.pardir) else relative


def _function_culprit(fn: Any) -> str | None:
    """What the task's function refers to that does not pickle, said with advice, or None."""
    found = _in_function(fn, set(), 0)
    if found is None:
        return None
    what, module_level = found
    scope = "module-level " if module_level else ""
    return f"the task's function refers to {what}: {scope}{_STATE_ADVICE}"


def _in_function(fn: Any, seen: set[int], depth: int) -> tuple[str, bool] | None:
    """What ``fn`` refers to that does not pickle, "LOCK (a _thread.lock) in flows/x.py"
    (through the helpers it calls: "helper, which refers to …"), and whether it is a
    module's global; None when all of it pickles (a function of an installed module
    pickles by reference: nothing in it is looked at)."""
    if depth > _DEPTH or id(fn) in seen:
        return None
    seen.add(id(fn))
    if isinstance(fn, types.MethodType) and _pickle_problem(fn.__self__) is not None:
        return f"the object its method is bound to ({_kind(fn.__self__)})", False
    if isinstance(fn, functools.partial | types.MethodType):
        inner = fn.func if isinstance(fn, functools.partial) else fn.__func__
        return _in_function(inner, seen, depth)
    if not isinstance(fn, types.FunctionType) or _pickle_problem(fn) is None:
        return None
    code = fn.__code__
    where = _shown_path(code.co_filename)
    used = [n for n in dict.fromkeys(_global_names(code)) if n in fn.__globals__]
    for name in used:
        found = _named_part(name, fn.__globals__[name], where, seen, depth)
        if found is not None:
            return found, True
    cells = zip(code.co_freevars, fn.__closure__ or (), strict=False)
    for name, cell in cells:
        with contextlib.suppress(ValueError):  # a cell not yet set holds nothing to ship
            made_in = f"the function that made it, in {where}"
            found = _named_part(name, cell.cell_contents, made_in, seen, depth)
            if found is not None:
                return found, False
    defaults = [*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]
    for value in defaults:
        if _pickle_problem(value) is not None:
            return f"a default value ({_kind(value)}) in {where}", False
    return None


def _named_part(name: str, value: Any, where: str, seen: set[int], depth: int) -> str | None:
    """How to name ``value``, known as ``name`` in ``where``, when it does not pickle, else
    None: a function, module or class is looked into for the part that does not ("helper,
    which refers to LOCK …", "helpers.LOCK …", "Cache.lock …")."""
    if _pickle_problem(value) is None:
        return None
    if isinstance(value, types.FunctionType | functools.partial | types.MethodType):
        deeper = _in_function(value, seen, depth + 1)
        if deeper is not None:
            return f"{name}, which refers to {deeper[0]}"
    elif isinstance(value, types.ModuleType | type) and depth < _DEPTH and id(value) not in seen:
        seen.add(id(value))
        module = value if isinstance(value, types.ModuleType) else sys.modules.get(value.__module__)
        file = getattr(module, "__file__", None)
        inside = _shown_path(file) if file else where
        for attribute, item in list(vars(value).items()):
            if not attribute.startswith("__"):
                found = _named_part(f"{name}.{attribute}", item, inside, seen, depth + 1)
                if found is not None:
                    return found
    return f"{name} ({_kind(value)}) in {where}"


def _global_names(code: types.CodeType) -> list[str]:
    """The names ``code`` and the functions inside it may read as globals (cloudpickle
    ships the globals among them, and no others)."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return names


def _argument_culprit(fn: Any, args: list[Any], kwargs: dict[str, Any]) -> str | None:
    """The first argument that does not pickle, by name (by position when it has none),
    down to the item of a list or dict, or the attribute of a flow's object, that does not."""
    labels = _positional_names(fn, len(args))
    named = [(repr(key), value) for key, value in kwargs.items()]
    for label, value in [*zip(labels, args, strict=True), *named]:
        problem = _pickle_problem(value)
        if problem is not None:
            return _culprit(f"its argument {label}", value, problem, "pass")
    return None


def _culprit(label: str, value: Any, problem: Exception, verb: str) -> str:
    """``label`` (``its argument 'cfg'``, ``its result``) and the part of ``value`` that does
    not pickle: ``… 'cfg'['a'][1] (a _thread.lock) cannot be pickled: {verb} …``."""
    path, part, problem = _inside(value, problem, 0)
    return (
        f"{label}{path} ({_kind(part)}) cannot be pickled: "
        f"{_advice(part, verb)} ({describe_error(problem)})"
    )


def _positional_names(fn: Any, count: int) -> list[str]:
    """How to name ``count`` positional arguments of ``fn``: ``'it'``, or ``2`` (past its
    named parameters, or when it has no signature to read)."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in parameters if p.kind in positional]
    return [repr(names[i]) if i < len(names) else str(i + 1) for i in range(count)]


def _inside(value: Any, problem: Exception, depth: int) -> tuple[str, Any, Exception]:
    """The part of ``value`` that does not pickle, ``("['lock']", lock, its error)``:
    through lists, tuples and dicts, and the attributes of an object of a flow's class
    pickled as its ``__dict__``; ``("", value, problem)`` when no part alone fails."""
    if depth < _DEPTH:
        for path, item in _parts(value):
            found = _pickle_problem(item)
            if found is not None:
                deeper, part, why = _inside(item, found, depth + 1)
                return f"{path}{deeper}", part, why
    return "", value, problem


def _parts(value: Any) -> list[tuple[str, Any]]:
    """The parts of ``value`` pickled one by one, each with its path (``['k']``, ``[0]``,
    ``.attr``); none for an object that chose how it pickles, whose ``__dict__`` may not be it.
    A class shipped by value has, on a worker (a result), no module there to import."""
    if isinstance(value, dict):
        return [(f"[{reprlib.repr(key)}]", item) for key, item in value.items()]
    if isinstance(value, list | tuple):
        return [(f"[{i}]", item) for i, item in enumerate(value)]
    cls = type(value)
    pickled_as_dict = (
        (cls.__module__ in _by_value or cls.__module__ not in sys.modules)
        and hasattr(value, "__dict__")
        and not any(_own(cls, name) for name in ("__reduce__", "__reduce_ex__", "__getstate__"))
    )
    return [(f".{name}", item) for name, item in vars(value).items()] if pickled_as_dict else []


def _advice(part: Any, verb: str) -> str:
    """What to ``verb`` ("pass", "return") instead of ``part``, which cannot cross."""
    if isinstance(part, io.IOBase):
        opened = " and open it in the task" if verb == "pass" else ""
        return f"{verb} the file's path{opened}"
    if isinstance(part, collections.abc.Iterator):
        return f"{verb} a list instead"
    return (
        f"{verb} data that pickles (numbers, strings, lists, dicts, paths) or use --executor thread"
    )


def never() -> bool:
    return False


def timed_out(name: str, timeout: float, how: str) -> TaskTimeout:
    return TaskTimeout(f"attempt of {name!r} ran past its timeout of {timeout:g}s ({how})", timeout)
