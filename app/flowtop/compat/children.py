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
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Module name -> its file (or "" when a child imports it by name), as JSON.
ENV = "FLOWTOP_PREFECT_CHILD_MODULES"
#: The folder whose ``sitecustomize.py`` installs :class:`Spawned` in a child.
SITE = str(Path(__file__).resolve().parent / "child_site")
#: The package the workspace imports flow modules under (``engine.flow_package``; not
#: imported here, so that a child imports nothing of flowtop before it needs to).
FLOW_PACKAGE = "flowtop_flows"

_published: dict[str, str] = {}


def publish(importers: Sequence[dict[str, Any]]) -> None:
    """Tell the processes started from now on that the modules of ``importers`` (their
    globals) import ``prefect`` in drop-in mode (see the module doc)."""
    for found in importers:
        name, file = found.get("__name__"), found.get("__file__")
        if not isinstance(name, str) or name in ("__main__", "__mp_main__") or name in _published:
            continue
        findable = sys.modules.get(name) is not None and _findable(name, found.get("__spec__"))
        _published[name] = "" if findable or not isinstance(file, str) else file
    if not _published:
        return
    os.environ[ENV] = json.dumps(_published)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if SITE not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([SITE, *paths])


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
    """In a child: the modules the parent imported in drop-in mode are run in it again."""

    def __init__(self, modules: dict[str, str]) -> None:
        self.modules = modules

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == FLOW_PACKAGE and any(n.startswith(FLOW_PACKAGE + ".") for n in self.modules):
            return importlib.machinery.ModuleSpec(fullname, _Package(), is_package=True)
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


def install() -> None:
    """In a child whose parent published modules (:data:`ENV`): put :class:`Spawned` first."""
    try:
        modules = json.loads(os.environ.get(ENV, "") or "{}")
    except ValueError:
        return
    if not isinstance(modules, dict) or not modules:
        return
    if not any(isinstance(f, Spawned) for f in sys.meta_path):
        sys.meta_path.insert(0, Spawned({str(k): str(v) for k, v in modules.items()}))


__all__ = ["ENV", "SITE", "Spawned", "install", "publish"]
