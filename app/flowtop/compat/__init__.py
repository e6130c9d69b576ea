"""Drop-in mode: ``from prefect import flow, task`` in a flow module gets flowtop's.

With ``[workspace] prefect_compat = true`` in ``flowtop.toml`` (or ``flowtop
--prefect-compat``), the workspace loader imports flow modules inside
:func:`prefect_imports`. For that while only, a meta-path finder answers every
``prefect`` / ``prefect.*`` import: the modules flowtop implements (see ``MODULES``) are
built from flowtop's own objects, any other is refused at import with one line naming it
(``prefect.deployments is not available in flowtop``), and so is a missing name
(``from prefect import deploy``), and ``prefect_dask``, saying what to do instead when
flowtop has a way (``INSTEAD``: ``--executor dask``). Before the window an installed Prefect already in
``sys.modules`` is set aside, after it it is put back and flowtop's stand-ins are removed:
code outside flow modules never sees them, and an installed Prefect is never shadowed.
A ``prefect`` import that a flow module (or one that imported ``prefect`` in the window)
runs later, inside a task or flow function as Prefect code often does, gets them too
(:func:`late_import`, called by ``children.LateImports``, this process's ``__import__``
from then on), still without putting them in ``sys.modules``. A process started from
there with ``spawn`` or ``forkserver`` gets the same stand-ins when it imports those
modules again, and for their imports run later (``children``).
"""

from __future__ import annotations

import builtins
import dis
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from . import children

#: Set by ``flowtop --prefect-compat``: drop-in mode whatever flowtop.toml says.
ENV_FLAG = "FLOWTOP_PREFECT_COMPAT"
#: Marks a stand-in module (so only ours are removed after the window).
MARKER = "__flowtop_compat__"


def forced() -> bool:
    """True when ``flowtop --prefect-compat`` asked for drop-in mode."""
    return os.environ.get(ENV_FLAG, "") not in ("", "0")


def force(on: bool) -> None:
    """Drop-in mode asked for (``flowtop --prefect-compat``) or not, in this process and
    the processes it starts from now on."""
    if on:
        os.environ[ENV_FLAG] = "1"
    else:
        os.environ.pop(ENV_FLAG, None)


def _prefect() -> dict[str, Any]:
    from .. import __version__
    from ..engine.prefect_api import State, allow_failure, get_run_logger, unmapped
    from ..engine.tags import tags
    from . import prefect_flow_runs
    from .prefect_flows import DropInFlow, flow
    from .prefect_tasks import DropInTask, task

    return prefect_flow_runs.names() | {
        "flow": flow,
        "task": task,
        "Flow": DropInFlow,
        "Task": DropInTask,
        "State": State,
        "get_run_logger": get_run_logger,
        "allow_failure": allow_failure,
        "unmapped": unmapped,
        "tags": tags,
        "serve": serve,
        "aserve": aserve,
        "__version__": f"3.0.0+flowtop.{__version__}",
    }


def serve(*deployments: Any, **options: Any) -> NoReturn:
    """Prefect's ``serve(*deployments)`` (its local-serving how-to): importable, and when
    called the one line ``flow.serve()`` raises, not a failed import."""
    from ..engine.errors import NotInFlowtop

    raise NotInFlowtop("serve() (a process serving deployments)")


async def aserve(*deployments: Any, **options: Any) -> NoReturn:
    serve(*deployments, **options)


def _flows() -> dict[str, Any]:
    """``prefect.flows``: its ``flow`` and ``Flow`` drop-in's (``prefect_flows``)."""
    from .prefect_flows import DropInFlow, flow

    return {"flow": flow, "Flow": DropInFlow}


def _flow_runs() -> dict[str, Any]:
    """``prefect.flow_runs``: its pause, suspend and resume, which raise when called
    (``prefect_flow_runs``); ``wait_for_flow_run`` is refused at import."""
    from . import prefect_flow_runs

    return prefect_flow_runs.names()


def _flow_engine() -> dict[str, Any]:
    from ..engine.errors import FlowRunTimeoutError

    return {"FlowRunTimeoutError": FlowRunTimeoutError}


def _task_engine() -> dict[str, Any]:
    """Where Prefect 3 defines ``TaskRunTimeoutError`` (flowtop's ``TaskTimeout``), which
    ``prefect.exceptions`` also gives here; the engine's classes are not flowtop's."""
    from ..engine.errors import TaskTimeout

    return {"TaskRunTimeoutError": TaskTimeout}


def _runtime(part: str | None = None) -> Callable[[], dict[str, Any]]:
    """``prefect.runtime`` (its three modules), or one of them: its attributes are read
    when asked, by the module's own ``__getattr__``."""

    def build() -> dict[str, Any]:
        from .. import runtime

        if part is None:
            return {name: getattr(runtime, name) for name in runtime.__all__}
        module = getattr(runtime, part)
        return {
            "__getattr__": module.__getattr__,
            "__dir__": module.__dir__,
            "__all__": module.__all__,
        }

    return build


def _tasks() -> dict[str, Any]:
    """``prefect.tasks``: flowtop's, its ``task`` and ``Task`` drop-in's (``prefect_tasks``)."""
    from .. import tasks
    from .prefect_tasks import DropInTask, task

    return {name: getattr(tasks, name) for name in tasks.__all__} | {
        "task": task,
        "Task": DropInTask,
    }


def _public(module: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        mod = __import__(f"flowtop.{module}", fromlist=["__all__"])
        return {name: getattr(mod, name) for name in mod.__all__}

    return build


def _annotations() -> dict[str, Any]:
    from ..engine.prefect_api import allow_failure, opaque, quote, unmapped

    return {"allow_failure": allow_failure, "unmapped": unmapped, "quote": quote, "opaque": opaque}


def _task_run_objects() -> dict[str, Any]:
    """What hook type hints name: ``TaskRun``, and ``FlowRun`` (the ``flow_run`` a flow's
    hook gets, flowtop's ``FlowRunInfo``)."""
    from ..engine.prefect_api import State
    from ..engine.prefect_context import FlowRunInfo
    from ..engine.states import StateType
    from ..engine.task_runs import TaskRun

    return {"TaskRun": TaskRun, "FlowRun": FlowRunInfo, "State": State, "StateType": StateType}


def _states() -> dict[str, Any]:
    """``prefect.states``: flowtop's, and Prefect's states no run of flowtop's enters
    (``Scheduled``, ``Paused``, ...: ``prefect_states``)."""
    from . import prefect_states

    return prefect_states.names()


def _exceptions() -> dict[str, Any]:
    """``prefect.exceptions``: flowtop's, ``PausedRun`` (a paused state's ``result()``),
    the two a pause's caller catches (``prefect_flow_runs``), never raised,
    ``SignatureMismatchError`` (``Flow.validate_parameters``, ``flow_validation``),
    ``InvalidNameError`` (a flow's name, ``prefect_flows``) and the errors of a drop-in
    call, named as Prefect's (``errors.PREFECT_NAMED``)."""
    from ..engine.errors import PREFECT_NAMED
    from ..engine.prefect_exceptions import PausedRun
    from . import prefect_flow_runs
    from .flow_validation import SignatureMismatchError
    from .prefect_flows import InvalidNameError

    own = {
        "PausedRun": PausedRun,
        "SignatureMismatchError": SignatureMismatchError,
        "InvalidNameError": InvalidNameError,
    }
    named = {cls.__name__: cls for cls in PREFECT_NAMED.values()}  # what a drop-in call raises
    return _public("exceptions")() | prefect_flow_runs.exceptions() | own | named


def _schedules() -> dict[str, Any]:
    """``prefect.client.schemas.schedules``: the schedule classes, as plain values that
    ``.serve()`` and ``.deploy()`` would take (``prefect_schedules``)."""
    from . import prefect_schedules

    return {name: getattr(prefect_schedules, name) for name in prefect_schedules.__all__}


def _public_schedules() -> dict[str, Any]:
    """``prefect.schedules``: ``Cron``, ``Interval``, ``RRule`` and ``Schedule``, plain
    values that ``.serve()`` and ``.deploy()`` would take (``prefect_schedules``)."""
    from . import prefect_schedules

    return prefect_schedules.schedules_module()


def _package() -> dict[str, Any]:
    return {}


#: Module name -> (is a package, builder of its names).
MODULES: dict[str, tuple[bool, Callable[[], dict[str, Any]]]] = {
    "prefect": (True, _prefect),
    "prefect.flows": (False, _flows),
    "prefect.runtime": (True, _runtime()),
    "prefect.artifacts": (False, _public("artifacts")),
    "prefect.variables": (False, _public("variables")),
    "prefect.concurrency": (True, _public("concurrency")),
    "prefect.concurrency.sync": (False, _public("concurrency.sync")),
    "prefect.concurrency.asyncio": (False, _public("concurrency.asyncio")),
    "prefect.runtime.flow_run": (False, _runtime("flow_run")),
    "prefect.runtime.task_run": (False, _runtime("task_run")),
    "prefect.runtime.deployment": (False, _runtime("deployment")),
    "prefect.flow_runs": (False, _flow_runs),
    "prefect.flow_engine": (False, _flow_engine),
    "prefect.task_engine": (False, _task_engine),
    "prefect.tasks": (False, _tasks),
    "prefect.cache_policies": (False, _public("cache_policies")),
    "prefect.task_runners": (False, _public("task_runners")),
    "prefect.futures": (False, _public("futures")),
    "prefect.states": (False, _states),
    "prefect.logging": (True, _public("logging")),
    "prefect.logging.loggers": (False, _public("logging")),
    "prefect.exceptions": (False, _exceptions),
    "prefect.context": (False, _public("context")),
    "prefect.settings": (False, _public("settings")),
    "prefect.utilities": (True, _package),
    "prefect.utilities.annotations": (False, _annotations),
    "prefect.client": (True, _package),
    "prefect.client.schemas": (True, _package),
    "prefect.client.schemas.objects": (False, _task_run_objects),
    "prefect.client.schemas.schedules": (False, _schedules),
    "prefect.schedules": (False, _public_schedules),
}


class NotAvailable(ModuleNotFoundError):
    """A part of Prefect that flowtop does not implement, imported in drop-in mode."""


#: The top packages the window answers (``children.ANSWERED``): Prefect's, and
#: ``prefect_dask``, refused with a pointer where it was a bare ``No module named``.
_ANSWERED = children.ANSWERED

_PROCESSES = (
    "run the tasks in worker processes with `flowtop run --executor process` (or"
    ' `executor = "process"` under [defaults] in flowtop.toml), for every flow of the run'
)
_DASK = (
    "run the tasks on Dask with `flowtop run --executor dask` (a LocalCluster;"
    " `--executor dask:tcp://HOST:PORT` for a running scheduler, or"
    ' `executor = "dask"` under [defaults] in flowtop.toml), for every flow of the run'
)
#: What to do instead of a part of Prefect flowtop does not implement, where flowtop does
#: the same another way: a task runner is the executor of a whole run, not a flow's option.
INSTEAD = {
    "prefect.task_runners.ProcessPoolTaskRunner": _PROCESSES,
    "prefect_dask": _DASK,
    "prefect_dask.task_runners": _DASK,
}


def not_available(full: str) -> str:
    """The one line refusing ``full``, a module or name of Prefect's flowtop lacks, with
    what to do instead when there is a way (``INSTEAD``)."""
    instead = INSTEAD.get(full) or INSTEAD.get(full.partition(".")[0])
    said = f"{full} is not available in flowtop"
    return f"{said}: {instead}" if instead else said


class MissingName(AttributeError):
    """A name of a stand-in module flowtop does not implement, read as an attribute
    (``prefect.deploy``, ``getattr(prefect, "x", None)``, ``hasattr``): an
    ``AttributeError``, as Prefect's own modules raise for a name they lack."""


_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


def _importing(frame: types.FrameType | None) -> bool:
    """Whether ``frame`` is running ``from module import name`` (the attribute read of
    that statement), rather than reading an attribute in code."""
    if frame is None:
        return False
    code = frame.f_code.co_code
    return 0 <= frame.f_lasti < len(code) and code[frame.f_lasti] == _IMPORT_FROM


def _missing_name(module: str) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        full = f"{module}.{name}"
        if full in MODULES:  # a submodule not imported yet: ``prefect.futures`` after
            if not _depth:  # ``import prefect``, read in a flow body once the file's
                return _stand_in(full)  # window has closed
            with prefect_imports():  # in a window: as an import there gives it
                return importlib.import_module(full)
        message = not_available(full)
        if _importing(sys._getframe(1)):  # ImportError, not AttributeError: ``from
            raise NotAvailable(message, name=full)  # prefect import x`` shows this line
        raise MissingName(message, name=name)

    return __getattr__


class _StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in _ANSWERED:
            return None
        if fullname not in MODULES:
            raise NotAvailable(not_available(fullname), name=fullname)
        is_package, _ = MODULES[fullname]
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        _, build = MODULES[module.__name__]
        module.__dict__.update(build())
        module.__dict__[MARKER] = True
        # a module whose attributes are read when asked (prefect.runtime's) keeps its own
        module.__dict__.setdefault("__getattr__", _missing_name(module.__name__))
        if module.__spec__ is not None and module.__spec__.submodule_search_locations is not None:
            module.__path__ = []


_finder = _StandIns()
#: The stand-ins of imports run after a window (``late_import``), built once each and
#: never put in ``sys.modules``.
_late: dict[str, types.ModuleType] = {}


def _stand_in(name: str) -> types.ModuleType:
    """The stand-in module ``name`` for code that runs after its file's window closed,
    built as the window builds it, and set on its parent module as an import sets it.

    Kept out of ``sys.modules``: code that is not a flow file's still gets the installed
    Prefect (or no ``prefect``), however many tasks import it meanwhile, on any thread.
    Raises ``NotAvailable`` for a module flowtop lacks, with the window's words."""
    module = _late.get(name)
    if module is not None:
        return module
    if name not in MODULES:
        raise NotAvailable(not_available(name), name=name)
    is_package, _ = MODULES[name]
    spec = importlib.machinery.ModuleSpec(name, _finder, is_package=is_package)
    built = importlib.util.module_from_spec(spec)
    _finder.exec_module(built)
    module = _late.setdefault(name, built)  # another thread's, if it got there first
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(_stand_in(parent), child, module)
    return module


def late_import(name: str, fromlist: Sequence[str] | None) -> types.ModuleType:
    """``import name`` / ``from name import ...`` run by a flow file (or a module that
    imported ``prefect`` while one loaded) after its window closed: inside a task or a
    flow function, as Prefect code often does (``from prefect.runtime import task_run``).
    What ``__import__`` returns: the top module, or ``name``'s for a ``from`` import, its
    submodules in ``fromlist`` built too. ``children.LateImports`` calls it. Its top
    package first, as an import goes: ``from prefect_dask.task_runners import …`` is
    refused naming ``prefect_dask``, as in the window."""
    _stand_in(name.partition(".")[0])
    module = _stand_in(name)
    if not fromlist:
        return _stand_in(name.partition(".")[0])
    for item in fromlist:
        if f"{name}.{item}" in MODULES:
            _stand_in(f"{name}.{item}")
    return module


_lock = threading.RLock()
_depth = 0
_saved: dict[str, types.ModuleType] = {}
#: The globals of each module that ran ``import prefect`` (or ``from prefect...``) in the
#: window: named to the processes started later (``children.publish``).
_importers: dict[int, dict[str, Any]] = {}
#: Flow modules are noted with the importers, ``prefect`` imported or not: a flow file's
#: ``from prefect... import`` inside a function works too (``children.LateImports``).
_FLOW_MODULES = children.FLOW_PACKAGE + "."
#: The builtin ``__import__`` the window replaced, and its replacement.
_imports: list[Callable[..., types.ModuleType]] = []


def _recording(real: Callable[..., types.ModuleType]) -> Callable[..., types.ModuleType]:
    """``__import__`` during the window: ``real``, noting who imports ``prefect``."""

    def __import__(  # noqa: A001 - the builtin's own name and signature
        name: str,
        globals: dict[str, Any] | None = None,  # noqa: A002 - the builtin's parameter names
        locals: Any = None,  # noqa: A002 - the builtin's parameter names
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> types.ModuleType:
        if globals is not None and (
            (level == 0 and name.partition(".")[0] == "prefect")
            or str(globals.get("__name__")).startswith(_FLOW_MODULES)
        ):
            _importers.setdefault(id(globals), globals)
        return real(name, globals, locals, fromlist, level)

    return __import__


def _prefect_names() -> list[str]:
    return [n for n in list(sys.modules) if n.partition(".")[0] in _ANSWERED]


@contextmanager
def prefect_imports() -> Iterator[None]:
    """While inside: ``prefect`` imports get flowtop's stand-ins (see the module doc)."""
    global _depth
    with _lock:
        if _depth == 0:
            _saved.clear()
            for name in _prefect_names():
                module = sys.modules.pop(name)
                if not getattr(module, MARKER, False):
                    _saved[name] = module
            sys.meta_path.insert(0, _finder)
            _imports[:] = [builtins.__import__, _recording(builtins.__import__)]
            builtins.__import__ = _imports[1]
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            if _depth == 0:
                if builtins.__import__ is _imports[1]:  # else wrapped again since: left
                    builtins.__import__ = _imports[0]
                _imports.clear()
                if _finder in sys.meta_path:
                    sys.meta_path.remove(_finder)
                children.publish(list(_importers.values()))
                _importers.clear()
                for name in _prefect_names():
                    if getattr(sys.modules[name], MARKER, False):
                        del sys.modules[name]
                sys.modules.update(_saved)
                _saved.clear()


@contextmanager
def plain_imports(name: str) -> Iterator[None]:
    """The loader's window-less import of flow module ``name`` (drop-in mode off): once
    it succeeds, the module and those it imported again leave the list of drop-in modules
    (``children.forget``), so their later ``prefect`` imports get an installed Prefect and
    no process started from then on is told of them. Before, a file loaded in drop-in
    mode kept flowtop's ``prefect`` inside its functions after ``[workspace]
    prefect_compat`` was turned off. A failed load changes nothing: the last good module
    stays, as it was loaded."""
    before = set(sys.modules)
    yield
    children.forget([name, *(set(sys.modules) - before)])


__all__ = [
    "ENV_FLAG",
    "MODULES",
    "MissingName",
    "NotAvailable",
    "force",
    "forced",
    "late_import",
    "plain_imports",
    "prefect_imports",
]
