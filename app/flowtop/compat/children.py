"""Drop-in mode in a process a flow starts: ``import prefect`` resolves as in the parent.

A ``multiprocessing`` child started with ``spawn`` or ``forkserver`` (a ``Pool``, a
``ProcessPoolExecutor``) is a new interpreter: it imports again the modules its work
comes from, by name, as Prefect's child imports the flow file again. In the parent those
modules were imported inside :func:`flowtop.compat.prefect_imports`, where ``import
prefect`` gives flowtop's stand-ins; in the child, outside it, the same line failed
(``No module named 'prefect'``) or imported an installed Prefect, and a flow module's own
function (``flowtop_flows.etl_…``) could not be found at all.

So the parent names each module whose code imported ``prefect`` in the window (and the
file of one no child could find by name, such as a flow module: :func:`publish`, given
their globals by ``prefect_imports``, which sees every ``import`` statement) in the environment
variable :data:`ENV`, and puts the folder of a ``sitecustomize`` (``child_site``) first on
``PYTHONPATH``, which a child inherits. That file installs :class:`Spawned` when the
variable is set (else it only hands over to any other ``sitecustomize``): importing one
of those modules then runs it inside ``prefect_imports()``, as in the parent. Nothing of
flowtop is imported in the child before such an import.

The same list of modules is what :class:`LateImports` knows, in the parent and in each
child: a ``prefect`` import one of them runs after its import (inside a function) gets
the stand-ins too, also in a worker that got the function pickled by value. A child puts
that hook in place only once it imports one of those modules, or flowtop (a worker
unpickling their functions by value): every other Python process started meanwhile (a
task's ``subprocess.run(["python", ...])``, pip) keeps Python's own ``__import__``. A
module loaded again with drop-in mode off leaves the list (:func:`forget`).
"""

from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import runpy
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

#: Module name -> its file (or "" when a child imports it by name), as JSON.
ENV = "FLOWTOP_PREFECT_CHILD_MODULES"
#: The folder whose ``sitecustomize.py`` installs :class:`Spawned` in a child.
SITE = str(Path(__file__).resolve().parent / "child_site")
#: The package the workspace imports flow modules under: ``engine.flow_package``'s, read
#: by its path, not imported, so that a child imports nothing of flowtop before it needs
#: to (``child_site`` loads this file by its path too).
_FLOW_PACKAGE_FILE = Path(SITE).parents[1] / "engine" / "flow_package.py"
FLOW_PACKAGE: str = runpy.run_path(str(_FLOW_PACKAGE_FILE))["FLOW_PACKAGE"]

#: The top packages drop-in mode answers: Prefect's, and its Dask integration
#: (``prefect-dask``), whose ``DaskTaskRunner`` is flowtop's ``--executor dask``: refused
#: with that pointer (``compat.not_available``), at a file's import and inside its
#: functions (:class:`LateImports`) alike.
ANSWERED = ("prefect", "prefect_dask")

_published: dict[str, str] = {}


def publish(importers: Sequence[dict[str, Any]]) -> None:
    """Tell the processes started from now on that the modules of ``importers`` (their
    globals) import ``prefect`` in drop-in mode (see the module doc), and this process's
    ``__import__`` too, for their imports run later (:class:`LateImports`)."""
    for found in importers:
        name, file = found.get("__name__"), found.get("__file__")
        if not isinstance(name, str) or name in ("__main__", "__mp_main__") or name in _published:
            continue
        findable = sys.modules.get(name) is not None and _findable(name, found.get("__spec__"))
        _published[name] = "" if findable or not isinstance(file, str) else file
    if not _published:
        return
    late_imports(_published)
    os.environ[ENV] = json.dumps(_published)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if SITE not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([SITE, *paths])


def forget(names: Iterable[str]) -> None:
    """Modules loaded again with drop-in mode off (``compat.plain_imports``): their
    ``prefect`` imports, run later, get what Python gives (an installed Prefect), and the
    processes started from now on are no longer told of them. The list only grew, so a
    flow file read again after ``[workspace] prefect_compat`` was turned off still got
    flowtop's ``prefect`` inside its functions. With no module left, this process's
    ``__import__`` and the environment are as they were before any window."""
    gone = set(names)
    for name in gone:
        _published.pop(name, None)
    hook: Any = _late_imports_hook()
    if hook is not None:
        for name in gone & hook.flowtop_drop_in_modules.keys():
            del hook.flowtop_drop_in_modules[name]
        python_s: Any = hook.__wrapped__
        if not hook.flowtop_drop_in_modules and builtins.__import__ is hook:
            builtins.__import__ = python_s  # else wrapped since: left in place
    try:
        named = json.loads(os.environ.get(ENV, "") or "{}")
    except ValueError:
        named = {}
    if not isinstance(named, dict) or not gone & named.keys():
        return
    left = {k: v for k, v in named.items() if k not in gone}
    if left:
        os.environ[ENV] = json.dumps(left)
        return
    del os.environ[ENV]
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != SITE]
    if paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        os.environ.pop("PYTHONPATH", None)


def _findable(name: str, spec: Any) -> bool:
    """Whether a child finds the module by its name: imported by it, from a file (a flow
    module of the workspace is not: ``flowtop_flows.etl_…`` names no file)."""
    return (
        not name.startswith(FLOW_PACKAGE + ".")
        and isinstance(spec, importlib.machinery.ModuleSpec)
        and spec.name == name
        and spec.has_location
    )


class _InDropIn(importlib.abc.Loader):
    """A module's own loader, its code run inside ``prefect_imports()``."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        module: types.ModuleType | None = self.loader.create_module(spec)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        from flowtop.compat import prefect_imports  # absolute: see child_site

        with prefect_imports():
            self.loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_code, ...: the loader's
        return getattr(self.loader, name)


class _Package(importlib.abc.Loader):
    """``flowtop_flows``: an empty package, as the workspace's loader makes it."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__path__ = []


class Spawned(importlib.abc.MetaPathFinder):
    """In a child: the modules the parent imported in drop-in mode are run in it again.

    It also puts :class:`LateImports` in place, once one of them is imported (their
    functions import ``prefect`` later) or flowtop is (a worker that runs their functions
    shipped by value imports flowtop to unpickle them, never their modules by name). Put
    in place at startup instead, it slowed every import inside a function of every Python
    process started from a drop-in process (``import os``: 80 to 250 ns), pip's and a
    task's ``subprocess.run(["python", ...])`` included."""

    def __init__(self, modules: dict[str, str]) -> None:
        self.modules = modules
        self.hooked = False

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == FLOW_PACKAGE and any(n.startswith(FLOW_PACKAGE + ".") for n in self.modules):
            return importlib.machinery.ModuleSpec(fullname, _Package(), is_package=True)
        if fullname == "flowtop" or fullname in self.modules:
            self._hook()
        if fullname not in self.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        file = self.modules[fullname]
        if spec is None and file:
            spec = importlib.util.spec_from_file_location(fullname, file)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _InDropIn(spec.loader)
        return spec

    def _hook(self) -> None:
        if not self.hooked:
            self.hooked = True
            late_imports(self.modules)


class LateImports:
    """``builtins.__import__`` of a process that ran drop-in flow files: a ``prefect``
    import that one of their modules runs later, once its file's window has closed
    (inside a task or flow function, as in ``from prefect.runtime import task_run``), gets
    flowtop's stand-ins too (``compat.late_import``), and no other code does.

    The window lasts only for the file's import, so such an import failed when the task
    ran (``No module named 'prefect'``), or got an installed Prefect. Keeping the
    stand-ins in ``sys.modules`` for the process's life would have fixed that, but would
    have shadowed an installed Prefect for every library and helper of the process (and
    told a library probing for Prefect that it is there). Instead the importer is known
    by the globals ``__import__`` is given: a module named in its
    ``flowtop_drop_in_modules`` (the window's importers and flow modules, as named to
    children). Any other importer gets what Python gives it; when that is no ``prefect``
    at all and the importer is the workspace's (not a library's), the error says why. A
    module's own top-level code is left to its window, as before: a file loaded again
    with drop-in mode off gets no stand-ins, and leaves the list (:func:`forget`), so its
    functions get none either.

    ``importlib.import_module("prefect")`` passes no globals and is not covered. One per
    process, whichever copy of this module (a child's ``sitecustomize`` loads it by path)
    installs it first; the others add their modules to it (:func:`late_imports`)."""

    def __init__(self, wrapped: Callable[..., types.ModuleType]) -> None:
        self.__wrapped__ = wrapped
        #: Module name -> its file, as published (``""``: found by name).
        self.flowtop_drop_in_modules: dict[str, str] = {}

    def __call__(
        self,
        name: str,
        globals: dict[str, Any] | None = None,  # noqa: A002 - the builtin's parameter names
        locals: Any = None,  # noqa: A002 - the builtin's parameter names
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        if level or name.partition(".")[0] not in ANSWERED:  # (``prefect_dask`` too)
            return self.__wrapped__(name, globals, locals, fromlist, level)
        if globals is None or _module_level(globals):  # a file's own import: its window's
            return self.__wrapped__(name, globals, locals, fromlist, level)
        if globals.get("__name__") in self.flowtop_drop_in_modules:
            from flowtop.compat import late_import  # absolute: this file may be a child's copy

            return late_import(name, fromlist)
        try:
            return self.__wrapped__(name, globals, locals, fromlist, level)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if type(exc) is not ModuleNotFoundError or missing.partition(".")[0] != "prefect":
                raise  # another module, or a stand-in's own refusal (``NotAvailable``)
            file = globals.get("__file__")
            if not isinstance(file, str) or not _workspace_file(file, self.flowtop_drop_in_modules):
                raise  # a library's: as Python raised it, no advice about a file it ships
            raise ModuleNotFoundError(_why_no_prefect(missing, file), name=missing) from None


def _module_level(globals: dict[str, Any]) -> bool:  # noqa: A002 - as __import__ names it
    """Whether the import is run by a module's own top-level code (the frame nearest the
    caller whose globals these are, through any wrapper of ``__import__``): at a file's
    import, which its window (or its absence: drop-in mode off) decides, not this hook."""
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_globals is not globals:
        frame = frame.f_back
    return frame is not None and frame.f_code.co_name == "<module>"


def _workspace_file(file: str, modules: dict[str, str]) -> bool:
    """Whether ``file`` is a flow file of ``modules`` (as published) or lies in the folder
    of one (the workspace's: flow files are its own ``*.py``), outside any library folder
    (a virtualenv inside the workspace): code its user may add ``import prefect`` to."""
    flow_files = {
        os.path.abspath(f) for n, f in modules.items() if f and n.startswith(FLOW_PACKAGE + ".")
    }
    path = os.path.abspath(file)
    if path in flow_files:
        return True
    folders = tuple(os.path.join(os.path.dirname(f), "") for f in flow_files)
    if not path.startswith(folders):
        return False
    from flowtop.engine.library_folders import library_folders  # absolute: see child_site

    libraries = library_folders()
    return not path.startswith(libraries) and not os.path.realpath(path).startswith(libraries)


def _why_no_prefect(missing: str, file: str) -> str:
    """``No module named 'prefect'`` for code of the workspace in a process of drop-in
    mode, and why the importer (its file) does not get flowtop's."""
    return (
        f"No module named {missing!r}: flowtop's drop-in prefect is only for flow files and"
        f" the modules that import prefect while they load; add `import prefect` at the"
        f" top of {os.path.basename(file)}"
    )


def _late_imports_hook() -> Any:
    """The :class:`LateImports` in place (any copy of this module's, under any wrapper
    naming it as ``__wrapped__``), or None."""
    current: Any = builtins.__import__
    while current is not None and not hasattr(current, "flowtop_drop_in_modules"):
        current = getattr(current, "__wrapped__", None)
    return current


def late_imports(modules: dict[str, str]) -> None:
    """Make ``prefect`` imports run later by ``modules`` get flowtop's stand-ins, in this
    process: :class:`LateImports` installed as ``__import__`` (once), knowing them."""
    current: Any = _late_imports_hook()
    if current is None:
        current = LateImports(builtins.__import__)
        builtins.__import__ = current
    current.flowtop_drop_in_modules.update(modules)


def install() -> None:
    """In a child whose parent published modules (:data:`ENV`): put :class:`Spawned`
    first, which puts :class:`LateImports` in place for those modules' functions when
    the child imports one of them or flowtop (also for those a worker gets pickled by
    value, whose globals keep their module's name)."""
    try:
        modules = json.loads(os.environ.get(ENV, "") or "{}")
    except ValueError:
        return
    if not isinstance(modules, dict) or not modules:
        return
    named = {str(k): str(v) for k, v in modules.items()}
    if not any(isinstance(f, Spawned) for f in sys.meta_path):
        sys.meta_path.insert(0, Spawned(named))


__all__ = [
    "ANSWERED",
    "ENV",
    "SITE",
    "LateImports",
    "Spawned",
    "forget",
    "install",
    "late_imports",
    "publish",
]
