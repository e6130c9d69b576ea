"""Which file of the workspace importing a module would run (``retry_on`` names).

A dotted ``retry_on`` name is looked up by importing its module; that must never run a
script of the workspace that no flow imports (``deploy.Boom`` running ``deploy.py``).
A name the flow's module already holds is taken from it, importing nothing.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from .late_stdlib import found_elsewhere


def held_by_the_flow(name: str, namespace: Mapping[str, object]) -> object | None:
    """What the dotted ``name`` names among what the flow's module holds: a class it
    imported (``from flaky_api import TooManyRequests`` holds
    ``flaky_api.TooManyRequests``) or an attribute of a module it imported (``import
    flaky_api``); None when it holds neither.

    ``sys.modules`` cannot say it: each reload evicts the user's helper modules and only
    the files reloaded import them again (``user_modules``), so after saving an unrelated
    file the bundled ``etl``'s own ``flaky_api.TooManyRequests`` read as a script no flow
    imports, while the flow module still held the class.
    """
    for value in namespace.values():
        if isinstance(value, type) and f"{value.__module__}.{value.__qualname__}" == name:
            return value
        if isinstance(value, ModuleType) and name.startswith(f"{value.__name__}."):
            found: object | None = value
            for part in name[len(value.__name__) + 1 :].split("."):
                # a module's own names only: its ``__getattr__`` may import (and run) a file
                held = vars(found) if isinstance(found, ModuleType) else None
                found = held.get(part) if held is not None else getattr(found, part, None)
            if found is not None:
                return found
    return None


def workspace_script(module_name: str, root: Path | None) -> Path | None:
    """The file in the workspace ``root`` that importing ``module_name`` would run, if any.

    Each part of the dotted name in turn: a module already imported (an installed
    package, or a helper a flow module imported) runs nothing new, but a submodule of it
    not imported yet would (``pkg.deploy``, ``pkg`` imported by a flow, runs
    ``pkg/deploy.py``); a built-in or frozen module is found before any folder. Each is
    located without running it; finding a submodule imports its parent, by then known to
    be imported or installed.
    """
    if root is None:
        return None
    folder = root.resolve()
    parts = module_name.split(".")
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        if name in sys.modules or (depth == 1 and found_elsewhere(name, folder)):
            continue  # imported, built in or frozen (`time`, `os`): no file of the folder
        candidates = []
        with contextlib.suppress(ImportError, ValueError):
            # the workspace folder is on sys.path while flows load: look there first,
            # then where an import would look
            if depth == 1:
                candidates.append(importlib.machinery.PathFinder.find_spec(name, [str(root)]))
            candidates.append(importlib.util.find_spec(name))
        for spec in candidates:
            where = _place_in(spec, folder)
            if where is not None:
                return where
    return None


def _place_in(spec: importlib.machinery.ModuleSpec | None, folder: Path) -> Path | None:
    """Where ``spec``'s module lives, if inside ``folder``."""
    if spec is None:
        return None
    for place in [spec.origin, *(spec.submodule_search_locations or [])]:
        if not place or place in ("built-in", "frozen"):
            continue
        try:
            where = Path(place).resolve()
        except (OSError, RuntimeError):
            continue
        if where.is_relative_to(folder):
            return where
    return None
